"""Every model in the admin: pages load for an administrator, outsiders are sent to sign in."""

from datetime import UTC, date, datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from daybook.clients.models import Contact
from daybook.people.models import Holiday
from daybook.service.choices import TicketStatus
from daybook.service.models import SlaTarget
from daybook.service.services import ticket_flag_agreement, ticket_set_status
from daybook.timekeeping.models import DraftEntry, PeriodClose, Timer
from daybook.timekeeping.services import entry_log
from tests.factories import (
    AgreementRateFactory,
    PhaseFactory,
    TicketFactory,
    WorkTypeFactory,
)

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
OURS = [(model, model_admin) for model, model_admin in REGISTERED if model._meta.app_label in {
    "people", "clients", "service", "timekeeping"
}]  # fmt: skip


def _ids(pairs):
    return [model._meta.label for model, _ in pairs]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def world(tech, finance):
    """At least one row of every model the Daybook apps register."""
    ticket = TicketFactory(opened_at=datetime(2025, 3, 1, tzinfo=UTC))
    AgreementRateFactory(agreement=ticket.agreement)
    Contact.objects.create(company=ticket.company, name="Pat Client")
    SlaTarget.objects.create(priority=1, respond_minutes=30, resolve_minutes=240)
    ticket_set_status(
        ticket=ticket,
        status=TicketStatus.IN_PROGRESS,
        by=tech,
        at=datetime(2025, 3, 3, 14, tzinfo=UTC),
    )
    phase = PhaseFactory()
    entry_log(
        member=tech,
        start=datetime(2025, 3, 3, 14, tzinfo=UTC),
        end=datetime(2025, 3, 3, 15, tzinfo=UTC),
        ticket=ticket,
        work_type=WorkTypeFactory(),
        notes="Reset the VPN token.",
        by=tech,
    )
    Timer.objects.create(member=tech, ticket=ticket, started_at=datetime(2025, 3, 4, tzinfo=UTC))
    DraftEntry.objects.create(
        member=tech,
        phase=phase,
        start=datetime(2025, 3, 3, 16, tzinfo=UTC),
        end=datetime(2025, 3, 3, 17, tzinfo=UTC),
    )
    PeriodClose.objects.create(closed_through=date(2025, 1, 31), closed_by=finance)
    Holiday.objects.create(date=date(2025, 4, 18), name="Good Friday")
    ticket_flag_agreement(ticket=ticket, by=tech, reason="Looks like project work.")


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=_ids(REGISTERED))
def test_every_changelist_loads_for_an_administrator(client, admin, world, model, model_admin):
    client.force_login(admin.user)
    assert client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=_ids(REGISTERED))
def test_every_add_page_loads_unless_adding_is_left_to_the_app(client, admin, model, model_admin):
    client.force_login(admin.user)
    request = RequestFactory().get("/")
    request.user = admin.user
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert client.get(_url(model, "add")).status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), OURS, ids=_ids(OURS))
def test_every_change_and_history_page_loads(client, admin, world, model, model_admin):
    client.force_login(admin.user)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world fixture has no {model._meta.label}"
    assert client.get(_url(model, "change", obj.pk)).status_code == 200
    assert client.get(_url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=_ids(REGISTERED))
def test_a_technician_is_sent_to_the_admin_sign_in(client, tech, model, model_admin):
    client.force_login(tech.user)
    url = _url(model, "changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_history_of_entries_agreements_and_tickets_is_in_the_admin():
    from simple_history.admin import SimpleHistoryAdmin

    from daybook.clients.models import Agreement
    from daybook.service.models import Ticket
    from daybook.timekeeping.models import TimeEntry

    for model in (TimeEntry, Agreement, Ticket):
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)
