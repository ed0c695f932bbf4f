"""Tickets and projects in the admin: agreements stay with their client, the status workflow
stays in the app, and each ticket change is kept in its history."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from daybook.service.choices import TicketStatus
from daybook.service.models import Project, SlaTarget, Ticket
from daybook.service.services import ticket_set_status
from tests.admin_support import form_data
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
)

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


def test_a_ticket_added_in_the_admin_starts_its_sla_clock(signed_in):
    agreement = AgreementFactory()
    SlaTarget.objects.create(priority=1, respond_minutes=60, resolve_minutes=240)

    response = signed_in.post(
        reverse("admin:service_ticket_add"),
        {
            "board": BoardFactory().pk,
            "company": agreement.company.pk,
            "agreement": agreement.pk,
            "summary": "Server down",
            "priority": 1,
            "opened_at_0": "2025-03-03",
            "opened_at_1": "09:00:00",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.respond_due_at == ticket.opened_at + timedelta(minutes=60)
    assert ticket.resolve_target_minutes == 240


def test_a_new_priority_in_the_admin_gives_new_due_times(signed_in, ticket):
    SlaTarget.objects.create(priority=1, respond_minutes=60, resolve_minutes=240)
    assert ticket.respond_due_at is None  # made without the services: no clock yet

    response = change(signed_in, ticket, "ticket", priority="1")

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.respond_due_at, ticket.resolve_due_at) == (
        OPENED + timedelta(minutes=60),
        OPENED + timedelta(minutes=240),
    )


def test_a_project_and_its_phases_added_in_the_admin(signed_in):
    agreement = AgreementFactory()

    response = signed_in.post(
        reverse("admin:service_project_add"),
        {
            "company": agreement.company.pk,
            "agreement": agreement.pk,
            "name": "Firewall refresh",
            "status": "planned",
            "phases-TOTAL_FORMS": "2",
            "phases-INITIAL_FORMS": "0",
            "phases-0-position": "1",
            "phases-0-name": "Design",
            "phases-0-estimated_hours": "6",
            "phases-1-position": "2",
            "phases-1-name": "Build",
            "phases-1-estimated_hours": "14.5",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get()
    assert [(p.name, p.estimated_hours) for p in project.phases.all()] == [
        ("Design", Decimal("6")),
        ("Build", Decimal("14.5")),
    ]


def test_a_phase_with_a_negative_estimate_is_refused_on_the_project_page(signed_in):
    phase = PhaseFactory()
    url = reverse("admin:service_project_change", args=[phase.project.pk])
    data = form_data(signed_in.get(url), "project")
    data.update({"phases-0-estimated_hours": "-2", "_save": "Save"})

    response = signed_in.post(url, data)

    assert response.status_code == 200
    phase.refresh_from_db()
    assert phase.estimated_hours == Decimal("10")


def test_a_login_without_a_member_cannot_write_projects(client, admin):
    admin.delete()
    client.force_login(admin.user)
    company = AgreementFactory().company

    response = client.post(
        reverse("admin:service_project_add"),
        {
            "company": company.pk,
            "name": "Firewall refresh",
            "status": "planned",
            "phases-TOTAL_FORMS": "0",
            "phases-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "no member profile" in str(response.context["adminform"].form.non_field_errors())
    assert not Project.objects.exists()


def test_the_board_list_counts_each_boards_open_tickets(signed_in, boards_with_tickets):
    response = signed_in.get(reverse("admin:service_board_changelist"), {"o": "-3"})

    rows = [(b.name, b.open_tickets) for b in response.context["cl"].result_list]
    # Closed and resolved tickets are not open; a board without tickets counts none.
    assert rows == [("Desk", 2), ("Projects", 1), ("Quiet", 0)]
