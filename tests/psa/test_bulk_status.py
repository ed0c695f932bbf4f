"""A page of PSA tickets whose status changed is taken in a bounded number of queries: the
links, tickets and running timers of the page read at once, the status moves written together
(service.tickets_set_status_many), and the In Progress rule still through work_start, once
per timer that starts. The result is the same as taking the tickets one by one."""

import datetime as dt
import functools

import pytest
import time_machine
from django.db import connection as db
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from daybook.psa.choices import LinkKind
from daybook.psa.models import RecordLink, SyncProblem
from daybook.psa.services import connection_create
from daybook.psa.sync import Runner, sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.models import Timer
from daybook.timekeeping.services import work_start
from tests.factories import MemberFactory, UserFactory
from tests.psa.test_bulk_sync import one_by_one, snapshot
from tests.psa.test_halo_sync import CREDENTIALS, halo, local  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=False)
NOW = dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.UTC)
IN_PROGRESS, WAITING, NEEDS_SCHEDULING, RESOLVED, CLOSED = 2, 4, 5, 8, 9
PAGE = 100  # Halo's page size, as the connector asks for it


@pytest.fixture
def connection(halo, admin):  # noqa: F811
    _, server = halo
    return connection_create(
        by=admin, kind="halo", name="Acme Halo", base_url=server.url, credentials=CREDENTIALS
    )


def agents(app, count):
    """`count` Halo agents, each a Daybook member (matched by email)."""
    made = []
    for n in range(count):
        email = f"agent{n}@example.test"
        MemberFactory(user=UserFactory(username=f"agent{n}", email=email))
        made.append(app.add_agent(f"Agent {n}", email))
    return made


def pull_tickets(connection, at_most, django_assert_max_num_queries):
    """Pull the tickets only, in at most `at_most` queries (the run's own included)."""
    with django_assert_max_num_queries(at_most):
        return sync_run(connection=connection, kinds=("tickets",), push=False)


@time_machine.travel(NOW, tick=False)
def test_a_page_of_status_moves_costs_a_bounded_number_of_queries(
    halo,  # noqa: F811
    connection,
    django_assert_max_num_queries,
):
    pull = functools.partial(
        pull_tickets, connection, django_assert_max_num_queries=django_assert_max_num_queries
    )
    app, _ = halo
    people = agents(app, PAGE)
    client = app.add_client("Acme")
    remote = [
        app.add_ticket(f"Ticket {n}", client["id"], agent_id=people[n]["id"], status_id=WAITING)
        for n in range(PAGE)
    ]
    sync_run(connection=connection, kinds=("companies", "members", "agreements"), push=False)

    # A first pull of a page of tickets already on their way in Halo: one by one, each status
    # move cost its own lock, change row, update and history (860 queries for this page).
    run = pull(80)
    assert run.pulled == PAGE
    assert run.failed == 0
    assert Ticket.objects.filter(status=TicketStatus.WAITING_CLIENT).count() == PAGE

    # The page moves on in Halo: one by one this was 1339 queries (13 a ticket).
    app.tick(5)
    for ticket in remote:
        app.change_ticket(ticket["id"], status_id=NEEDS_SCHEDULING)
    run = pull(60)
    assert run.pulled == PAGE
    assert run.failed == 0
    assert Ticket.objects.filter(status=TicketStatus.NEEDS_SCHEDULING).count() == PAGE
    assert set(RecordLink.objects.filter(kind=LinkKind.TICKET).values_list("state", flat=True)) == {
        TicketStatus.NEEDS_SCHEDULING
    }

    # Seen again unchanged (the cursor is inclusive): nothing per ticket (339 before).
    run = pull(45)
    assert run.skipped == PAGE


@time_machine.travel(NOW, tick=False)
def test_timers_cost_one_work_start_each_and_nothing_more(
    halo,  # noqa: F811
    connection,
    django_assert_max_num_queries,
):
    app, _ = halo
    people = agents(app, PAGE + 1)
    client = app.add_client("Acme")
    remote = [
        app.add_ticket(f"Ticket {n}", client["id"], agent_id=people[n]["id"]) for n in range(PAGE)
    ]
    spare = app.add_ticket("Spare", client["id"], agent_id=people[PAGE]["id"])
    sync_run(connection=connection, push=False)

    # What one timer start costs on its own, through the ticket page's service.
    ticket = Ticket.objects.get(summary="Spare")
    with CaptureQueriesContext(db) as one:
        work_start(member=ticket.assignee, ticket=ticket)
    assert spare["id"]

    app.tick(5)
    for record in remote:
        app.change_ticket(record["id"], status_id=IN_PROGRESS)
    # One by one: 2539 queries for this page (25 a ticket, 16 of them the timer's).
    run = pull_tickets(connection, 60 + PAGE * len(one), django_assert_max_num_queries)
    assert run.failed == 0
    assert Timer.objects.count() == PAGE + 1
    assert Ticket.objects.filter(status=TicketStatus.IN_PROGRESS).count() == PAGE + 1


@time_machine.travel(NOW, tick=False)
def test_a_changed_page_gives_the_same_as_one_by_one(halo, connection, tech, monkeypatch):  # noqa: F811
    """Moves of every kind in one page: In Progress with a free assignee (timer starts), a
    second ticket of the same assignee In Progress (timer busy: listed, the ticket moves),
    Waiting, Resolved, Closed, a closed ticket reopened (refused by the workflow), details
    changed with a status move, and tickets unchanged."""
    app, _ = halo
    [other] = agents(app, 1)
    client = app.add_client("Acme")
    second = app.add_client("Beta")
    tess = app.tess["id"]
    rows = [
        app.add_ticket(f"Ticket {n}", client["id"], agent_id=[tess, other["id"], None][n % 3])
        for n in range(12)
    ]
    app.change_ticket(rows[11]["id"], status_id=CLOSED)
    sync_run(connection=connection, push=False)
    app.tick(5)
    moves = {
        0: {"status_id": IN_PROGRESS},  # Tess's timer starts
        3: {"status_id": IN_PROGRESS},  # Tess again: busy
        1: {"status_id": IN_PROGRESS},  # the other agent's timer starts
        2: {"status_id": IN_PROGRESS},  # nobody assigned: the ticket just moves
        4: {"status_id": WAITING},
        5: {"status_id": RESOLVED},
        6: {"status_id": CLOSED},
        7: {"status_id": WAITING, "summary": "Renamed", "client_id": second["id"]},
        8: {"agent_id": other["id"]},
        11: {"status_id": IN_PROGRESS},  # closed stays closed: refused
    }
    for n, fields in moves.items():
        app.change_ticket(rows[n]["id"], **fields)

    def outcome():
        run = sync_run(connection=connection, kinds=("tickets",), push=False)
        return (
            snapshot(),
            sorted(Timer.objects.values_list("member_id", "ticket__summary", "started_at")),
            sorted(
                SyncProblem.objects.filter(resolved_at__isnull=True).values_list(
                    "record_kind", "remote_id", "summary"
                )
            ),
            sorted(
                RecordLink.objects.filter(kind=LinkKind.TICKET).values_list(
                    "remote_id", "fingerprint", "state"
                )
            ),
            (run.pulled, run.skipped, run.failed),
        )

    with transaction.atomic():
        batch = outcome()
        transaction.set_rollback(True)
    monkeypatch.setattr(Runner, "take_tickets", one_by_one)
    assert outcome() == batch
    tickets, timers, problems, _links, counts = batch
    assert [summary for _, summary, _ in timers] == ["Ticket 0", "Ticket 1"]
    assert {kind for kind, _, _ in problems} == {"timer", "ticket"}
    # Nine taken (the busy timer is listed, its ticket moves), the closed one refused, two
    # unchanged skipped.
    assert counts == (9, 2, 2)
    assert tickets["Renamed"][1] == "Beta"
    moved = Ticket.objects.filter(summary__in=["Ticket 2", "Ticket 3"])
    assert {t.status for t in moved} == {TicketStatus.IN_PROGRESS}
    assert Ticket.objects.get(summary="Ticket 11").status == TicketStatus.CLOSED


@time_machine.travel(NOW, tick=False)
def test_status_moves_together_refuse_one_and_keep_the_others(halo, connection, tech):  # noqa: F811
    """service.tickets_set_status_many as the pull calls it: a forbidden move, a status that
    does not exist and a ticket that does not exist are each answered with an error; the
    other moves land with their change rows, clocks and history."""
    from django.core.exceptions import ValidationError

    from daybook.service.models import TicketStatusChange
    from daybook.service.services import tickets_set_status_many

    app, _ = halo
    client = app.add_client("Acme")
    for n in range(3):
        app.add_ticket(f"Ticket {n}", client["id"])
    app.change_ticket(app.add_ticket("Done", client["id"])["id"], status_id=CLOSED)
    sync_run(connection=connection, push=False)
    by_name = {t.summary: t for t in Ticket.objects.all()}
    closed = by_name["Done"]
    results = tickets_set_status_many(
        moves={
            by_name["Ticket 0"].pk: TicketStatus.WAITING_CLIENT,
            by_name["Ticket 1"].pk: TicketStatus.RESOLVED,
            by_name["Ticket 2"].pk: "sideways",
            closed.pk: TicketStatus.IN_PROGRESS,
            999999: TicketStatus.RESOLVED,
        },
        by=tech,
    )
    waiting = results[by_name["Ticket 0"].pk]
    assert waiting.status == TicketStatus.WAITING_CLIENT
    assert waiting.waiting_since == NOW
    resolved = Ticket.objects.get(pk=by_name["Ticket 1"].pk)
    assert resolved.status == TicketStatus.RESOLVED
    assert resolved.resolved_at == NOW
    assert resolved.first_response_at == NOW  # a member's move is a response
    assert resolved.history.latest("history_id").history_user == tech.user
    for pk, words in (
        (by_name["Ticket 2"].pk, "not a ticket status"),
        (closed.pk, "a closed ticket stays closed"),
        (999999, "no ticket #999999"),
    ):
        assert isinstance(results[pk], ValidationError)
        assert words in " ".join(results[pk].messages)
    assert Ticket.objects.get(pk=by_name["Ticket 2"].pk).status == TicketStatus.NEW
    assert Ticket.objects.get(pk=closed.pk).status == TicketStatus.CLOSED
    assert set(
        TicketStatusChange.objects.filter(at=NOW, by=tech).values_list("ticket_id", "to_status")
    ) == {
        (by_name["Ticket 0"].pk, TicketStatus.WAITING_CLIENT),
        (by_name["Ticket 1"].pk, TicketStatus.RESOLVED),
    }
