"""Sync scenarios against the fake HaloPSA, through the same sync as every PSA: first and
incremental pulls, a ticket set In Progress starting the timer, entries pushed, edited and
deleted, invoiced time left alone, Halo down or throttling, bad credentials, a missing
mapping."""

import datetime as dt

import pytest
import time_machine

from daybook.psa.choices import LinkKind, MapKind
from daybook.psa.models import Mapping, RecordLink, SyncProblem
from daybook.psa.services import connection_create, connector_for
from daybook.psa.sync import sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from tests.factories import BoardFactory, WorkRoleFactory, WorkTypeFactory
from tests.psa.fakes.halo import FakeHalo

pytestmark = pytest.mark.django_db(transaction=False)
UTC = dt.UTC
CREDENTIALS = {"client_id": "daybook-client", "client_secret": "halo-s3cret"}


@pytest.fixture
def local(db):
    """Daybook's side of the choices, named as the fake Halo names them."""
    return {
        "board": BoardFactory(name="1st Line Support"),
        "role": WorkRoleFactory(name="Engineer"),
        "type": WorkTypeFactory(name="Remote Support"),
    }


@pytest.fixture
def halo(fake_server, local, tech):
    app = FakeHalo()
    server = fake_server(app)
    app.tess = app.add_agent("Tess Tester", tech.user.email)
    return app, server


@pytest.fixture
def connection(halo, admin):
    _, server = halo
    return connection_create(
        by=admin, kind="halo", name="Acme Halo", base_url=server.url, credentials=CREDENTIALS
    )


def seed(app, *, companies=3, tickets_each=2):
    made = []
    for n in range(companies):
        client = app.add_client(f"Client {n}")
        contract = app.add_contract(client["id"], f"Managed {n}")
        for t in range(tickets_each):
            made.append(
                app.add_ticket(
                    f"Ticket {n}.{t}",
                    client["id"],
                    agent_id=app.tess["id"],
                    contract_id=contract["id"],
                )
            )
    return made


def test_first_full_sync_of_a_few_thousand_records(halo, connection, tech):
    app, _ = halo
    seed(app, companies=60, tickets_each=25)  # 1500 tickets: fifteen pages of 100
    run = sync_run(connection=connection)
    assert run.failed == 0, list(SyncProblem.objects.values_list("summary", flat=True)[:3])
    assert Ticket.objects.count() == 1500
    ticket = Ticket.objects.get(summary="Ticket 7.3")
    assert ticket.assignee == tech
    assert ticket.agreement.name == "Managed 7"


def test_incremental_sync_takes_only_changes(halo, connection):
    app, _ = halo
    tickets = seed(app)
    sync_run(connection=connection)
    app.tick(30)
    app.change_ticket(tickets[0]["id"], summary="Printer on fire")
    app.add_ticket("Brand new", tickets[0]["client_id"])
    before = len(app.requests)
    run = sync_run(connection=connection)
    assert Ticket.objects.filter(summary="Printer on fire").exists()
    assert Ticket.objects.filter(summary="Brand new").exists()
    ticket_reads = [r for r in app.requests[before:] if r.path == "/api/tickets"]
    assert ticket_reads
    assert all(r.query["datesearch"] == "last_update" for r in ticket_reads)
    assert Ticket.objects.count() == 7
    assert run.failed == 0


def test_ticket_set_in_progress_in_halo_starts_the_assignees_timer(halo, connection, tech):
    app, _ = halo
    [ticket] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=connection)
    assert not Timer.objects.filter(member=tech).exists()
    app.tick(5)
    app.change_ticket(ticket["id"], status_id=2)
    sync_run(connection=connection)
    timer = Timer.objects.get(member=tech)
    assert timer.ticket.summary == "Ticket 0.0"
    assert timer.ticket.status == TicketStatus.IN_PROGRESS


def test_missing_mapping_makes_the_ticket_wait(halo, connection):
    app, _ = halo
    client = app.add_client("Acme")
    app.add_ticket("Escalated", client["id"], team_id=2)  # 2nd Line: no such board
    run = sync_run(connection=connection)
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert problem.waiting_for_mapping == MapKind.BOARD
    assert run.failed == 1
    assert not Ticket.objects.exists()
    board = Mapping.objects.get(kind=MapKind.BOARD, remote_id="2")
    board.local_id = BoardFactory(name="Escalations").pk
    board.automatic = False
    board.save()
    sync_run(connection=connection)
    assert Ticket.objects.get().summary == "Escalated"


def test_bad_credentials_say_so_and_change_nothing(halo, connection):
    app, _ = halo
    seed(app)
    app.client_secret = "rotated"
    run = sync_run(connection=connection)
    assert "refused the client ID or secret" in run.outcome
    assert not Ticket.objects.exists()
    assert not Mapping.objects.exists()


def test_halo_down_mid_run_resumes_without_duplicates(halo, connection):
    app, _ = halo
    seed(app, companies=10, tickets_each=25)  # 250 tickets: three pages
    app.fail(0, drop=True, times=4, after=1, path="/api/tickets")  # every try of one run
    first = sync_run(connection=connection)
    assert first.outcome.startswith("Stopped")
    assert Ticket.objects.count() < 250
    second = sync_run(connection=connection)
    assert not second.outcome.startswith("Stopped"), second.outcome
    assert Ticket.objects.count() == 250
    assert RecordLink.objects.filter(kind=LinkKind.TICKET).count() == 250


def test_429_storm_backs_off_and_finishes(halo, connection, settings):
    settings.DAYBOOK_PSA_ATTEMPTS = 8
    app, _ = halo
    seed(app)
    app.fail(429, "Too many requests", headers={"Retry-After": "2"}, times=6, path="/api/")
    waits = []
    run = sync_run(connection=connection, connector=connector_for(connection, sleep=waits.append))
    assert waits == [2.0] * 6
    assert run.failed == 0
    assert Ticket.objects.count() == 6


@pytest.fixture
def synced(halo, connection, local):
    app, _ = halo
    [remote] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=connection)
    return app, Ticket.objects.get(), remote


def log_entry(tech, ticket, local, **changes):
    values = {
        "member": tech,
        "start": dt.datetime(2025, 3, 3, 14, tzinfo=UTC),
        "end": dt.datetime(2025, 3, 3, 15, tzinfo=UTC),
        "work_type": local["type"],
        "work_role": local["role"],
        "ticket": ticket,
        "notes": "Replaced the toner",
    }
    values.update(changes)
    return entry_log(**values)


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_entry_pushed_edited_and_deleted(synced, tech, local, django_capture_on_commit_callbacks):
    app, ticket, remote_ticket = synced
    with django_capture_on_commit_callbacks(execute=True):
        entry = log_entry(tech, ticket, local)
    (remote,) = app.actions.values()
    assert remote["ticket_id"] == remote_ticket["id"]
    assert remote["who_agentid"] == app.tess["id"]
    assert remote["chargerate"] == 2  # Remote Support
    assert remote["note"] == "Replaced the toner"
    assert remote["timetaken"] == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Replaced the toner and the drum")
    (remote,) = app.actions.values()
    assert remote["note"] == "Replaced the toner and the drum"
    with django_capture_on_commit_callbacks(execute=True):
        entry_delete(entry=TimeEntry.objects.get(), by=tech)
    assert app.actions == {}
    assert not RecordLink.objects.filter(kind=LinkKind.ENTRY).exists()


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_invoiced_time_is_reported_not_overwritten(
    synced, tech, local, django_capture_on_commit_callbacks
):
    app, ticket, _ = synced
    with django_capture_on_commit_callbacks(execute=True):
        entry = log_entry(tech, ticket, local)
    (remote,) = app.actions.values()
    app.invoice(remote["id"])
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Changed later")
    assert app.actions[remote["id"]]["note"] == "Replaced the toner"
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert not problem.retryable
    assert "invoiced" in problem.psa_message


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_next_status_goes_to_halo(synced, tech, local, django_capture_on_commit_callbacks):
    app, ticket, remote_ticket = synced
    with django_capture_on_commit_callbacks(execute=True):
        log_entry(tech, ticket, local, next_status=TicketStatus.NEEDS_SCHEDULING)
    assert app.tickets[remote_ticket["id"]]["status_id"] == 5
