"""Queries on the technician's hot paths: My Day, timer start and stop, entry save, on the web
and over the API.

Each test pins the whole count (so a new query shows up in review) and, separately, that
nothing is read twice that one read could serve: the member, the login's permissions, the
timer and the ticket. When a new step joins a path on purpose (an entry service's follow-on
step, say), raise the count there and say which query it adds.

What every web request pays before the view runs: the session, the login, whether it has a
second factor (3); then the member (1). The API with a token pays the token lookup instead
of the session.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.service.choices import TicketStatus
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import work_start
from tests.api_support import client_for
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK


def ny(hour: int, minute: int = 0, day: int = 14) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(ny(15), tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(remote):
    board = BoardFactory(name="Help Desk", default_work_type=remote)
    return TicketFactory(
        board=board, agreement=AgreementFactory(), opened_at=ny(8), summary="Printer offline"
    )


@pytest.fixture
def history(tech, ticket):
    """A week of earlier work and this morning's, so the reads have something to find."""
    for days_back in range(7):
        day = ny(9) - timedelta(days=days_back)
        TimeEntryFactory(member=tech, start=day, end=day + timedelta(hours=1), ticket=ticket)


@pytest.fixture
def web(client, tech):
    client.force_login(tech.user)
    return client


def stop_data(remote, tech, **overrides) -> dict:
    data = {
        "work_type": remote.pk,
        "work_role": tech.default_work_role.pk,
        "billable": BillableOption.BILLABLE,
        "notes": "Cleared the print queue.",
        "internal_notes": "",
        "next_status": TicketStatus.RESOLVED,
    }
    return data | overrides


def loads_of(captured, table: str) -> int:
    """How many queries load whole rows of `table` as model objects (a lock that only takes
    the ids, or a join, does not count)."""
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith(f'SELECT "{table}"."id", ')
    )


def permission_reads(captured) -> int:
    return sum('FROM "auth_permission"' in query["sql"] for query in captured.captured_queries)


def assert_no_repeats(captured) -> None:
    """The member and the login's permissions are read at most once per request; the timer
    at most twice (the page's look, and the stop's lock)."""
    assert loads_of(captured, "people_member") <= 1
    assert permission_reads(captured) <= 2  # the login's own and its groups'
    assert loads_of(captured, "timekeeping_timer") <= 2


# --- My Day -------------------------------------------------------------------------------


def test_my_day_query_count(web, history, django_assert_num_queries):
    web.get(reverse("timekeeping:my_day"))  # first visit: the session's last-login update
    # 4 for the request and the member; 13 for the day (the entries shown, drafts, the
    # timer, the week's entry rows (the engine's day among them), schedule, policy, the
    # entries' work types, agreements and their coverage, holidays, the closed period, the
    # wrap types offered, the week's submission); 3 for the page around it (permissions, and
    # one read for the navigation and the process).
    with django_assert_num_queries(20) as captured:
        response = web.get(reverse("timekeeping:my_day"))
    assert response.status_code == 200
    assert loads_of(captured, "people_member") == 1
    assert permission_reads(captured) == 2
    assert loads_of(captured, "timekeeping_timer") == 1
    # The timeline's full entries, and the week's rows the engine's day is taken from.
    assert sum('FROM "timekeeping_timeentry"' in q["sql"] for q in captured.captured_queries) == 2


# --- timer start --------------------------------------------------------------------------


def test_web_timer_start_reads_the_timer_and_moves_the_ticket_once(
    web, tech, ticket, django_assert_num_queries
):
    # 4 for the request; the ticket; the page's look at the timer; inside the move: the
    # timer rule's look, the timer row, the ticket locked, its move, the ticket and its
    # history saved.
    with django_assert_num_queries(20) as captured:
        response = web.post(
            reverse("tickets:ticket_status", args=[ticket.pk]),
            {"status": TicketStatus.IN_PROGRESS},
        )
    assert response.status_code == 302
    assert Timer.objects.get(member=tech).ticket == ticket
    assert loads_of(captured, "service_ticket") == 2  # the page's, then the move's lock
    assert_no_repeats(captured)


def test_api_timer_start_query_count(tech, ticket, django_assert_num_queries):
    api = client_for(tech)
    # 6 for the request, its permissions and the member; the ticket; the timer rule's look
    # and the timer row (with their savepoints); the move: ticket locked, its move, the
    # ticket and its history saved (with its savepoint).
    with django_assert_num_queries(21) as captured:
        response = api.post("/api/timer/start/", {"ticket": ticket.pk}, format="json")
    assert response.status_code == 201
    assert loads_of(captured, "timekeeping_timer") == 1
    assert_no_repeats(captured)


# --- timer stop ---------------------------------------------------------------------------


@pytest.fixture
def running(tech, ticket):
    return work_start(member=tech, ticket=ticket, at=ny(14, 10))


def test_web_timer_stop_reads_the_ticket_and_agreement_with_the_timer(
    web, tech, running, remote, ticket, django_assert_num_queries
):
    # 4 for the request; the work type and role; inside the stop: the timer
    # locked with its ticket and agreement, the member locked, the closed period, overlaps,
    # coverage, the bill and cost rates (3: the agreement's role rate, then the role's and
    # the member's dated rates, each read whole in one query), the entry and
    # its history, the ticket's move (locked, move, saved, history), the follow-on steps
    # (follow-ups, the day's summary, PSA push, monthly totals), the timer deleted; 8
    # savepoint statements.
    with time_machine.travel(ny(15, 30), tick=False), django_assert_num_queries(32) as captured:
        response = web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech))
    assert response.status_code == 302
    entry = TimeEntry.objects.get(member=tech)
    assert (entry.start, entry.end, entry.agreement) == (ny(14, 10), ny(15, 30), ticket.agreement)
    # The ticket's row is read with the timer's lock (joined) and locked once to move it;
    # its agreement only joined, never on its own.
    assert loads_of(captured, "service_ticket") == 1
    assert loads_of(captured, "clients_agreement") == 0
    # Only the stop's lock reads the timer: a saved stop needs no look before it.
    assert loads_of(captured, "timekeeping_timer") == 1
    assert_no_repeats(captured)


def test_api_timer_stop_query_count(tech, running, remote, ticket, django_assert_num_queries):
    api = client_for(tech)
    with time_machine.travel(ny(15, 30), tick=False), django_assert_num_queries(34) as captured:
        # The web stop's queries, and the permissions (2).
        response = api.post("/api/timer/stop/", stop_data(remote, tech), format="json")
    assert response.status_code == 201, response.content
    assert loads_of(captured, "timekeeping_timer") == 1
    assert loads_of(captured, "clients_agreement") == 0
    assert_no_repeats(captured)


def test_web_stop_with_nothing_running_reads_no_further(web, tech, remote):
    """The stop finds no timer under its lock; the page looks once to send the member home."""
    response = web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech), follow=True)
    assert response.redirect_chain[0] == (reverse("timekeeping:my_day"), 302)
    assert "No timer is running." in response.content.decode()
    assert not TimeEntry.objects.exists()


@pytest.fixture
def internal(tech):
    """A timer on internal time: no ticket to move."""
    return Timer.objects.create(member=tech, started_at=ny(14, 10))


def test_refused_internal_stop_shows_the_form_without_a_next_status(web, tech, internal):
    """Without the page's look first, the form is read as if a ticket might move; shown again
    for internal time, it offers no ticket status."""
    TimeEntryFactory(member=tech, start=ny(14, 30), end=ny(14, 45))
    admin = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    data = stop_data(admin, tech, billable=BillableOption.DO_NOT_BILL)
    response = web.post(reverse("timekeeping:timer_stop"), data)
    assert response.status_code == 422
    assert "overlaps" in response.content.decode()
    assert 'name="next_status"' not in response.content.decode()
    assert Timer.objects.filter(member=tech).exists()


def test_internal_stop_ignores_a_next_status(web, tech, internal, ticket):
    admin = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    data = stop_data(admin, tech, billable=BillableOption.DO_NOT_BILL)  # next status: Resolved
    response = web.post(reverse("timekeeping:timer_stop"), data)
    assert response.status_code == 302
    entry = TimeEntry.objects.get(member=tech)
    assert (entry.ticket, entry.start, entry.end) == (None, ny(14, 10), ny(15))
    assert not Timer.objects.filter(member=tech).exists()


# --- entry save ---------------------------------------------------------------------------


def test_web_entry_save_query_count(web, tech, ticket, remote, django_assert_num_queries):
    data = stop_data(
        remote, tech, ticket=ticket.pk, start="2025-03-14 11:00", end="2025-03-14 12:00"
    )
    # Like a stop without the timer, plus the ticket and its agreement read by the form, and
    # the ticket's first response noted (locked, checked against its moves, saved, history).
    with django_assert_num_queries(36) as captured:
        response = web.post(reverse("timekeeping:entry_new"), data)
    assert response.status_code == 302
    assert TimeEntry.objects.filter(member=tech).count() == 1
    assert_no_repeats(captured)
