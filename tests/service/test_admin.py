"""Tickets and projects in the admin: agreements stay with their client, the status workflow
stays in the app, and each ticket change is kept in its history."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.service.services import ticket_set_status
from tests.admin_support import form_data
from tests.factories import AgreementFactory, BoardFactory, ProjectFactory, TicketFactory

OPENED = datetime(2025, 3, 3, 13, tzinfo=UTC)


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin.user)
    return client


@pytest.fixture
def ticket(db):
    return TicketFactory(summary="Mail server queue is stuck", opened_at=OPENED)


def change(client, obj, model_name: str, **changes):
    url = reverse(f"admin:service_{model_name}_change", args=[obj.pk])
    data = form_data(client.get(url), model_name)
    data.update(changes)
    data["_save"] = "Save"
    return client.post(url, data)


def test_a_ticket_cannot_use_another_clients_agreement(signed_in):
    ours, theirs = AgreementFactory(), AgreementFactory()

    response = signed_in.post(
        reverse("admin:service_ticket_add"),
        {
            "board": BoardFactory().pk,
            "company": ours.company.pk,
            "agreement": theirs.pk,
            "summary": "New laptop",
            "priority": 3,
            "opened_at_0": "2025-03-03",
            "opened_at_1": "09:00:00",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "another company" in str(response.context["adminform"].form.errors["agreement"])
    assert not Ticket.objects.exists()


def test_a_new_ticket_starts_as_new(signed_in):
    agreement = AgreementFactory()

    response = signed_in.post(
        reverse("admin:service_ticket_add"),
        {
            "board": BoardFactory().pk,
            "company": agreement.company.pk,
            "agreement": agreement.pk,
            "summary": "New laptop",
            "priority": 3,
            "status": TicketStatus.CLOSED,
            "opened_at_0": "2025-03-03",
            "opened_at_1": "09:00:00",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert Ticket.objects.get().status == TicketStatus.NEW


def test_status_is_shown_but_moved_only_by_the_workflow(signed_in, tech, ticket):
    ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=OPENED)

    page = signed_in.get(reverse("admin:service_ticket_change", args=[ticket.pk]))
    response = change(signed_in, ticket, "ticket", status=TicketStatus.CLOSED, priority="1")

    assert "In Progress" in page.content.decode()  # the status move, listed read-only
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.priority == 1
    assert ticket.status_changes.count() == 1


def test_the_ticket_history_shows_the_change_and_who_made_it(signed_in, admin, ticket):
    change(signed_in, ticket, "ticket", summary="Mail server queue is stuck again")

    page = signed_in.get(reverse("admin:service_ticket_history", args=[ticket.pk]))

    content = page.content.decode()
    assert "Mail server queue is stuck again" in content
    assert admin.user.username in content


def test_tickets_can_be_found_by_number(signed_in, ticket):
    TicketFactory(summary="Something else", opened_at=OPENED)

    response = signed_in.get(reverse("admin:service_ticket_changelist"), {"q": f"#{ticket.pk}"})

    assert list(response.context["cl"].result_list) == [ticket]


def test_a_project_cannot_use_another_clients_agreement(signed_in):
    project = ProjectFactory()
    elsewhere = AgreementFactory()

    response = change(signed_in, project, "project", agreement=str(elsewhere.pk))

    assert response.status_code == 200
    project.refresh_from_db()
    assert project.agreement != elsewhere
