"""Sync scenarios against the fake Autotask, through the same sync as every PSA: first and
incremental pulls, a ticket set In Progress starting the timer, entries pushed, edited and
deleted, approved time left alone, Autotask down or throttling, bad credentials, a missing
mapping."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from daybook.psa.choices import LinkKind, MapKind
from daybook.psa.models import Mapping, RecordLink, SyncProblem
from daybook.psa.services import connection_create, connector_for
from daybook.psa.sync import sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from tests.factories import BoardFactory, WorkRoleFactory, WorkTypeFactory
from tests.psa.fakes.autotask import FakeAutotask

pytestmark = pytest.mark.django_db(transaction=False)
UTC = dt.UTC
CREDENTIALS = {
    "username": "api@example.test",
    "secret": "s3cret",
    "integration_code": "DAYBOOKTEST",
}


@pytest.fixture
def local(db):
    """Daybook's side of the choices, named as the fake Autotask names them."""
    return {
        "board": BoardFactory(name="Level I Support"),
        "role": WorkRoleFactory(name="Engineer"),
        "type": WorkTypeFactory(name="Remote Support"),
    }


@pytest.fixture
def at(fake_server, local, tech):
    app = FakeAutotask()
    server = fake_server(app)
    app.role = app.add("Roles", name="Engineer", isActive=True)
    app.work_type = app.add("BillingCodes", name="Remote Support", useType=1, isActive=True)
    app.tess = app.add_resource("Tess", "Tester", tech.user.email)
    return app, server


@pytest.fixture
def connection(at, admin):
    _, server = at
    return connection_create(
        by=admin,
        kind="autotask",
        name="Acme Autotask",
        base_url=f"{server.url}/ATServicesRest",
        credentials=CREDENTIALS,
    )


def seed(app, *, companies=3, tickets_each=2):
    made = []
    for n in range(companies):
        company = app.add_company(f"Client {n}")
        contract = app.add_contract(company["id"], f"Managed {n}", contractType=7)
        for t in range(tickets_each):
            made.append(
                app.add_ticket(
                    f"Ticket {n}.{t}",
                    company["id"],
                    assignedResourceID=app.tess["id"],
                    contractID=contract["id"],
                )
            )
    return made


def test_first_full_sync_of_a_few_thousand_records(at, connection, tech):
    app, _ = at
    seed(app, companies=60, tickets_each=25)  # 1500 tickets: three pages of 500
    run = sync_run(connection=connection)
    assert run.failed == 0, list(SyncProblem.objects.values_list("summary", flat=True)[:3])
    assert Ticket.objects.count() == 1500
    ticket = Ticket.objects.get(summary="Ticket 7.3")
    assert ticket.assignee == tech
    assert ticket.agreement.name == "Managed 7"


def test_incremental_sync_takes_only_changes(at, connection):
    app, _ = at
    tickets = seed(app)
    sync_run(connection=connection)
    app.tick(30)
    app.change("Tickets", tickets[0]["id"], title="Printer on fire")
    app.add_ticket("Brand new", tickets[0]["companyID"])
    before = len(app.requests)
    run = sync_run(connection=connection)
    assert Ticket.objects.filter(summary="Printer on fire").exists()
    assert Ticket.objects.filter(summary="Brand new").exists()
    ticket_reads = [r for r in app.requests[before:] if r.path.endswith("/tickets/query")]
    assert ticket_reads
    assert all('"field":"lastActivityDate"' in r.query["search"] for r in ticket_reads)
    assert Ticket.objects.count() == 7
    assert run.failed == 0


def test_ticket_set_in_progress_in_autotask_starts_the_assignees_timer(at, connection, tech):
    app, _ = at
    [ticket] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=connection)
    assert not Timer.objects.filter(member=tech).exists()
    app.tick(5)
    app.change("Tickets", ticket["id"], status=8)
    sync_run(connection=connection)
    timer = Timer.objects.get(member=tech)
    assert timer.ticket.summary == "Ticket 0.0"
    assert timer.ticket.status == TicketStatus.IN_PROGRESS


def test_missing_mapping_makes_the_ticket_wait(at, connection):
    app, _ = at
    company = app.add_company("Acme")
    app.add_ticket("Escalated", company["id"], queueID=29682969)  # Level II: no such board
    run = sync_run(connection=connection)
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert problem.waiting_for_mapping == MapKind.BOARD
    assert run.failed == 1
    assert not Ticket.objects.exists()
    board = Mapping.objects.get(kind=MapKind.BOARD, remote_id="29682969")
    board.local_id = BoardFactory(name="Escalations").pk
    board.automatic = False
    board.save()
    sync_run(connection=connection)
    assert Ticket.objects.get().summary == "Escalated"


def test_bad_credentials_say_so_and_change_nothing(at, connection):
    app, _ = at
    seed(app)
    app.integration_code = "ROTATED"
    run = sync_run(connection=connection)
    assert "integration code" in run.outcome
    assert not Ticket.objects.exists()
    assert not Mapping.objects.exists()


def test_autotask_down_mid_run_resumes_without_duplicates(at, connection):
    app, _ = at
    seed(app, companies=20, tickets_each=40)  # 800 tickets: two pages
    app.fail(0, drop=True, times=4, path="/tickets/query/next")  # every try of one run
    first = sync_run(connection=connection)
    assert first.outcome.startswith("Stopped")
    assert Ticket.objects.count() < 800
    second = sync_run(connection=connection)
    assert not second.outcome.startswith("Stopped"), second.outcome
    assert Ticket.objects.count() == 800
    assert RecordLink.objects.filter(kind=LinkKind.TICKET).count() == 800


def test_429_storm_backs_off_and_finishes(at, connection, settings):
    settings.DAYBOOK_PSA_ATTEMPTS = 8
    app, _ = at
    seed(app)
    app.fail(429, {"errors": ["Thread limit"]}, headers={"Retry-After": "2"}, times=6)
    waits = []
    run = sync_run(connection=connection, connector=connector_for(connection, sleep=waits.append))
    assert waits == [2.0] * 6
    assert run.failed == 0
    assert Ticket.objects.count() == 6


@pytest.fixture
def synced(at, connection, local):
    app, _ = at
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
    (remote,) = app.time_entries()
    assert remote["ticketID"] == remote_ticket["id"]
    assert remote["resourceID"] == app.tess["id"]
    assert (remote["roleID"], remote["billingCodeID"]) == (app.role["id"], app.work_type["id"])
    assert remote["summaryNotes"] == "Replaced the toner"
    assert remote["hoursWorked"] == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Replaced the toner and the drum")
    (remote,) = app.time_entries()
    assert remote["summaryNotes"] == "Replaced the toner and the drum"
    with django_capture_on_commit_callbacks(execute=True):
        entry_delete(entry=TimeEntry.objects.get(), by=tech)
    assert app.time_entries() == []
    assert not RecordLink.objects.filter(kind=LinkKind.ENTRY).exists()


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_approved_time_is_reported_not_overwritten(
    synced, tech, local, django_capture_on_commit_callbacks
):
    app, ticket, _ = synced
    with django_capture_on_commit_callbacks(execute=True):
        entry = log_entry(tech, ticket, local)
    (remote,) = app.time_entries()
    app.approve(remote["id"])
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Changed later")
    assert app.time_entries()[0]["summaryNotes"] == "Replaced the toner"
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert not problem.retryable
    assert "approved" in problem.psa_message


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_next_status_goes_to_autotask(synced, tech, local, django_capture_on_commit_callbacks):
    app, ticket, remote_ticket = synced
    with django_capture_on_commit_callbacks(execute=True):
        log_entry(tech, ticket, local, next_status=TicketStatus.NEEDS_SCHEDULING)
    assert app.tables["Tickets"][remote_ticket["id"]]["status"] == 13


def test_a_signed_ticket_callout_starts_the_timer_and_a_forged_one_is_refused(
    at, admin, tech, client
):
    app, server = at
    hooked = connection_create(
        by=admin,
        kind="autotask",
        name="Autotask with a webhook",
        base_url=f"{server.url}/ATServicesRest",
        credentials={**CREDENTIALS, "webhook_secret": "hook-key"},
    )
    [ticket] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=hooked)
    app.tick(5)
    app.change("Tickets", ticket["id"], status=8)
    url = reverse("psa:webhook", args=[hooked.pk, hooked.webhook_token])
    body = app.callout(ticket, status=8)

    forged = client.post(
        url,
        body,
        content_type="application/json",
        headers={"x-hook-signature": app.hook_signature(body, "guess")},
    )
    assert forged.status_code == 403
    assert not Timer.objects.filter(member=tech).exists()

    signed = client.post(
        url,
        body,
        content_type="application/json",
        headers={"x-hook-signature": app.hook_signature(body, "hook-key")},
    )
    assert signed.status_code == 204
    assert Timer.objects.get(member=tech).ticket.summary == "Ticket 0.0"


def test_callouts_need_a_secret_key_on_the_connection(at, connection, client):
    app, _ = at
    [ticket] = seed(app, companies=1, tickets_each=1)
    body = app.callout(ticket, status=8)
    url = reverse("psa:webhook", args=[connection.pk, connection.webhook_token])
    response = client.post(
        url,
        body,
        content_type="application/json",
        headers={"x-hook-signature": app.hook_signature(body, "")},
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()
