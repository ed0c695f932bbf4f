"""Ticket pages: lists, the status workflow as buttons, In Progress starting the timer, and
fixing the agreement in place."""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from daybook.clients.choices import AgreementType
from daybook.service.choices import TicketStatus
from daybook.timekeeping.models import DraftEntry, Timer
from daybook.timekeeping.services import work_start
from tests.factories import AgreementFactory, BoardFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(remote):
    return TicketFactory(
        board=BoardFactory(name="Help Desk", default_work_type=remote),
        summary="Printer offline",
        opened_at=ny(8),
    )


@pytest.fixture
def web(client, tech):
    client.force_login(tech.user)
    return client


def status(web, ticket, value, **extra):
    return web.post(reverse("tickets:ticket_status", args=[ticket.pk]), {"status": value}, **extra)


# --- who may come in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("tickets:ticket_detail", "get"),
        ("tickets:ticket_status", "post"),
        ("tickets:ticket_switch", "post"),
        ("tickets:ticket_agreement", "post"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, ticket, name, method):
    response = getattr(client, method)(reverse(name, args=[ticket.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_ticket_list_needs_a_member(client, db):
    assert client.get(reverse("tickets:ticket_list")).status_code == 302
    client.force_login(get_user_model().objects.create_user("visitor"))
    assert client.get(reverse("tickets:ticket_list")).status_code == 403


def test_missing_ticket_is_a_404(web, db):
    assert web.get(reverse("tickets:ticket_detail", args=[424242])).status_code == 404
    missing = reverse("tickets:ticket_status", args=[424242])
    assert web.post(missing, {"status": "in_progress"}).status_code == 404


def test_technician_cannot_fix_the_agreement(web, ticket):
    other = AgreementFactory(company=ticket.company, name="Project agreement")
    response = web.post(
        reverse("tickets:ticket_agreement", args=[ticket.pk]), {"agreement": other.pk}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.agreement != other


# --- lists -------------------------------------------------------------------------------------


def test_my_tickets_lists_open_tickets_assigned_to_me(web, tech, other_team_tech):
    mine = TicketFactory(assignee=tech, summary="Mine and open", opened_at=ny(8))
    TicketFactory(assignee=tech, status=TicketStatus.CLOSED, summary="Mine but closed")
    TicketFactory(assignee=other_team_tech, summary="Someone else's")
    body = web.get(reverse("tickets:ticket_list")).content.decode()
    assert f"#{mine.pk}" in body
    assert "Mine and open" in body
    assert "Mine but closed" not in body
    assert "Someone else" not in body


def test_queue_filters_by_board_and_search(web):
    alerts = BoardFactory(name="Alerts")
    TicketFactory(board=alerts, summary="Disk almost full")
    TicketFactory(board=alerts, summary="Backup failed")
    TicketFactory(summary="Help desk item")
    url = reverse("tickets:ticket_list")
    body = web.get(url, {"scope": "queue", "board": alerts.pk}).content.decode()
    assert "Disk almost full" in body
    assert "Backup failed" in body
    assert "Help desk item" not in body
    response = web.get(
        url, {"scope": "queue", "board": alerts.pk, "q": "disk"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ticket-rows">')
    assert "Disk almost full" in body
    assert "Backup failed" not in body


def test_queue_hides_closed_tickets_unless_asked(web):
    TicketFactory(status=TicketStatus.CLOSED, summary="Long gone")
    url = reverse("tickets:ticket_list")
    assert "Long gone" not in web.get(url, {"scope": "queue"}).content.decode()
    shown = web.get(url, {"scope": "queue", "status": TicketStatus.CLOSED})
    assert "Long gone" in shown.content.decode()


# --- the status workflow -------------------------------------------------------------------------


def test_ticket_page_offers_the_allowed_moves(web, ticket):
    body = web.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="start-work"' in body
    for label in ("Needs Scheduling", "Waiting Client", "Resolved", "Closed"):
        assert label in body


def test_in_progress_starts_my_timer(web, tech, ticket):
    response = status(web, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    timer = Timer.objects.get(member=tech)
    assert (timer.ticket, timer.started_at) == (ticket, NOW)
    body = web.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="stop-here"' in body


def test_starting_while_another_timer_runs_asks_first(web, tech, ticket):
    busy = TicketFactory(summary="Mail not syncing", opened_at=ny(8))
    work_start(member=tech, ticket=busy, at=ny(14, 20))
    response = status(web, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Your timer is still running" in body
    assert f"#{busy.pk} Mail not syncing" in body
    assert f"{reverse('timekeeping:timer_stop')}?then={ticket.pk}" in body
    assert reverse("tickets:ticket_switch", args=[ticket.pk]) in body
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert Timer.objects.get(member=tech).ticket == busy


def test_park_and_start_keeps_the_running_minutes(web, tech, ticket):
    busy = TicketFactory(opened_at=ny(8))
    work_start(member=tech, ticket=busy, at=ny(14, 20))
    response = web.post(reverse("tickets:ticket_switch", args=[ticket.pk]))
    assert response.status_code == 302
    draft = DraftEntry.objects.get(member=tech)
    assert (draft.ticket, draft.start, draft.end) == (busy, ny(14, 20), NOW)
    timer = Timer.objects.get(member=tech)
    assert timer.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS


def test_resolving_the_timed_ticket_goes_through_the_stop_form(web, tech, ticket):
    work_start(member=tech, ticket=ticket, at=ny(14))
    response = status(web, ticket, TicketStatus.RESOLVED)
    assert response.status_code == 302
    assert response["Location"] == reverse("timekeeping:timer_stop") + "?next_status=resolved"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    form = web.get(response["Location"]).context["form"]
    assert form.initial["next_status"] == "resolved"


def test_plain_status_move(web, ticket):
    assert status(web, ticket, TicketStatus.NEEDS_SCHEDULING).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEEDS_SCHEDULING


def test_illegal_move_is_explained(web, ticket):
    status(web, ticket, TicketStatus.CLOSED)
    response = status(web, ticket, TicketStatus.IN_PROGRESS, follow=True)
    assert "closed" in response.content.decode()
    assert not Timer.objects.exists()


# --- agreement verification --------------------------------------------------------------------


def test_dispatcher_fixes_the_agreement_in_place(client, dispatcher, remote):
    expired = AgreementFactory(name="Old contract", end_date=date(2025, 1, 31))
    current = AgreementFactory(
        company=expired.company, name="Current contract", type=AgreementType.MANAGED
    )
    current.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=expired, work_type=remote, opened_at=ny(8))
    client.force_login(dispatcher.user)
    page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Agreement expired or not yet started" in page
    assert "Current contract" in page
    response = client.post(
        reverse("tickets:ticket_agreement", args=[ticket.pk]),
        # From the entry form's panel, which asks for the billable default back.
        {"agreement": current.pk, "work_type": remote.pk, "in_entry_form": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="agreement-panel"' in body
    assert "Agreement covers this work" in body
    assert 'value="no_charge" selected' in body  # billable default follows the new coverage
    ticket.refresh_from_db()
    assert ticket.agreement == current


def test_agreement_of_another_company_is_refused(client, dispatcher, ticket):
    foreign = AgreementFactory(name="Not theirs")
    client.force_login(dispatcher.user)
    response = client.post(
        reverse("tickets:ticket_agreement", args=[ticket.pk]),
        {"agreement": foreign.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "belongs to another company" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.agreement != foreign
