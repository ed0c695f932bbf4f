"""Sync scenarios against the fake ConnectWise: first and incremental pulls, timers started
from the PSA, entries pushed, edited and deleted, the PSA down or throttling, bad credentials,
missing mappings."""

import datetime as dt

import pytest
import time_machine

from daybook.clients.models import Agreement, Company
from daybook.psa.choices import LinkKind, MapKind, Trigger
from daybook.psa.models import Cursor, Mapping, RecordLink, SyncProblem
from daybook.psa.services import connector_for
from daybook.psa.sync import sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from tests.factories import WorkTypeFactory

pytestmark = pytest.mark.django_db(transaction=False)
UTC = dt.UTC


def seed(app, tech, *, companies=3, tickets_each=2):
    member = app.add_member(tech.user.email, "Tess", "Tester")
    made = []
    for n in range(companies):
        company = app.add_company(f"Client {n}")
        agreement = app.add_agreement(company, f"Managed {n}")
        agreement["billAmount"] = 1500
        for t in range(tickets_each):
            made.append(
                app.add_ticket(company, f"Ticket {n}.{t}", owner=member, agreement=agreement)
            )
    return member, made


def test_first_full_sync_of_a_few_thousand_records(cw, cw_connection, tech):
    app, _ = cw
    seed(app, tech, companies=100, tickets_each=20)
    run = sync_run(connection=cw_connection)
    assert run.failed == 0, list(SyncProblem.objects.values_list("summary", flat=True)[:3])
    assert Company.objects.count() == 100
    assert Agreement.objects.count() == 100
    assert Ticket.objects.count() == 2000
    ticket = Ticket.objects.get(summary="Ticket 7.3")
    assert ticket.assignee == tech
    assert ticket.agreement.name == "Managed 7"
    assert run.pulled == 100 + 1 + 100 + 2000
    assert Cursor.objects.filter(connection=cw_connection).count() == 4


def test_incremental_sync_takes_only_changes(cw, cw_connection, tech):
    app, _ = cw
    _, tickets = seed(app, tech)
    sync_run(connection=cw_connection)
    app.touch(tickets[0], summary="Printer on fire")
    app.add_ticket(app.companies[min(app.companies)], "Brand new")
    before = len(app.requests)
    run = sync_run(connection=cw_connection)
    assert Ticket.objects.filter(summary="Printer on fire").exists()
    assert Ticket.objects.filter(summary="Brand new").exists()
    assert run.pulled == 2
    ticket_reads = [
        r for r in app.requests[before:] if r.path.endswith("service/tickets") and r.method == "GET"
    ]
    assert all("lastUpdated >=" in r.query["conditions"] for r in ticket_reads)


def test_sync_twice_changes_nothing_twice(cw, cw_connection, tech):
    app, _ = cw
    seed(app, tech)
    sync_run(connection=cw_connection)
    run = sync_run(connection=cw_connection, since=dt.datetime(2000, 1, 1, tzinfo=UTC))
    assert run.pulled == 0
    assert run.skipped > 0
    assert Ticket.objects.count() == 6


def test_ticket_set_in_progress_in_the_psa_starts_the_assignees_timer(cw, cw_connection, tech):
    app, _ = cw
    _, tickets = seed(app, tech, companies=1, tickets_each=1)
    sync_run(connection=cw_connection)
    assert not Timer.objects.filter(member=tech).exists()
    app.set_status(tickets[0], "In Progress")
    run = sync_run(connection=cw_connection)
    timer = Timer.objects.get(member=tech)
    assert timer.ticket.summary == "Ticket 0.0"
    assert timer.ticket.status == TicketStatus.IN_PROGRESS
    assert "Started 1 timer" in run.outcome


def test_first_sync_does_not_start_timers_for_tickets_already_in_progress(cw, cw_connection, tech):
    app, _ = cw
    member = app.add_member(tech.user.email)
    app.add_ticket(app.add_company("Acme"), "Old work", status="In Progress", owner=member)
    sync_run(connection=cw_connection)
    assert Ticket.objects.get().status == TicketStatus.IN_PROGRESS
    assert not Timer.objects.exists()


def test_missing_mapping_makes_the_record_wait_and_a_fix_takes_it(cw, cw_connection, tech):
    app, _ = cw
    company = app.add_company("Acme")
    app.add(app.boards, {"id": 2, "name": "Escalations", "inactiveFlag": False})
    app.statuses[2] = {17: {"id": 17, "name": "New", "closedStatus": False, "inactive": False}}
    ticket = app.add_ticket(company, "Escalated", board=2)
    ticket["status"] = {"id": 17, "name": "New"}
    run = sync_run(connection=cw_connection)
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert problem.waiting_for_mapping == MapKind.BOARD
    assert "board 2 is not mapped" in problem.summary
    assert run.failed == 1
    assert not Ticket.objects.exists()
    board = Mapping.objects.get(kind=MapKind.BOARD, remote_id="2")
    from tests.factories import BoardFactory

    board.local_id = BoardFactory(name="Escalations").pk
    board.automatic = False
    board.save()
    sync_run(connection=cw_connection)
    assert Ticket.objects.get().summary == "Escalated"
    problem.refresh_from_db()
    assert problem.resolved_at is not None


def test_bad_credentials_say_so_and_change_nothing(cw, cw_connection, tech):
    app, _ = cw
    seed(app, tech)
    app.credentials["private_key"] = "rotated"
    run = sync_run(connection=cw_connection)
    assert "refused the company id, public key or private key" in run.outcome
    assert "Invalid authentication credentials" in run.outcome
    assert not Company.objects.exists()
    assert not Mapping.objects.exists()


def test_psa_down_mid_run_resumes_without_duplicates(cw, cw_connection, tech, settings):
    app, _ = cw
    seed(app, tech, companies=30, tickets_each=50)  # 1500 tickets: two pages
    app.fail(0, drop=True, times=4, path="service/tickets", after=1)  # every try of page 2
    first = sync_run(connection=cw_connection)
    assert first.outcome.startswith("Stopped")
    taken = Ticket.objects.count()
    assert 0 < taken < 1500
    second = sync_run(connection=cw_connection)
    assert not second.outcome.startswith("Stopped"), second.outcome
    assert Ticket.objects.count() == 1500
    assert RecordLink.objects.filter(kind=LinkKind.TICKET).count() == 1500


def test_429_storm_backs_off_and_finishes(cw, cw_connection, tech, settings):
    settings.DAYBOOK_PSA_ATTEMPTS = 8
    app, _ = cw
    seed(app, tech)
    waits = []
    app.fail(
        429,
        {"code": "TooManyRequests", "message": "Slow down"},
        headers={"Retry-After": "2"},
        times=6,
    )
    from daybook.psa.services import connector_for

    run = sync_run(
        connection=cw_connection, connector=connector_for(cw_connection, sleep=waits.append)
    )
    assert waits == [2.0] * 6
    assert run.failed == 0
    assert Ticket.objects.count() == 6


def test_dry_run_keeps_nothing(cw, cw_connection, tech):
    app, _ = cw
    seed(app, tech)
    run = sync_run(connection=cw_connection, dry_run=True)
    assert run.pulled > 0
    assert run.pk is None
    assert not Ticket.objects.exists()
    assert not Cursor.objects.exists()


# --- push ----------------------------------------------------------------------------------


@pytest.fixture
def synced(cw, cw_connection, tech, catalogue):
    app, _ = cw
    _, tickets = seed(app, tech, companies=1, tickets_each=1)
    sync_run(connection=cw_connection)
    ticket = Ticket.objects.get()
    return app, ticket, tickets[0]


def log_entry(tech, ticket, catalogue, **changes):
    values = {
        "member": tech,
        "start": dt.datetime(2025, 3, 3, 14, tzinfo=UTC),
        "end": dt.datetime(2025, 3, 3, 15, tzinfo=UTC),
        "work_type": catalogue["type"],
        "work_role": catalogue["role"],
        "ticket": ticket,
        "notes": "Replaced the toner",
    }
    values.update(changes)
    return entry_log(**values)


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_entry_pushed_edited_and_deleted(
    synced, tech, catalogue, django_capture_on_commit_callbacks
):
    app, ticket, remote_ticket = synced
    with django_capture_on_commit_callbacks(execute=True):
        entry = log_entry(tech, ticket, catalogue)
    (remote,) = app.entries.values()
    assert remote["chargeToId"] == remote_ticket["id"]
    assert remote["notes"] == "Replaced the toner"
    assert remote["workType"] == {"id": 31}
    billable = {"billable": "Billable", "do_not_bill": "DoNotBill", "no_charge": "NoCharge"}
    assert remote["billableOption"] == billable[entry.billable]
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Replaced the toner and the drum")
    (remote,) = app.entries.values()
    assert remote["notes"] == "Replaced the toner and the drum"
    with django_capture_on_commit_callbacks(execute=True):
        entry_delete(entry=TimeEntry.objects.get(), by=tech)
    assert app.entries == {}
    assert not RecordLink.objects.filter(kind=LinkKind.ENTRY).exists()


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_a_lost_create_answer_is_not_duplicated(
    synced, tech, catalogue, django_capture_on_commit_callbacks, cw_connection
):
    app, ticket, _ = synced
    app.fail(
        200, delay=1.2, method="POST", path="time/entries"
    )  # the PSA saves, the answer is lost
    import daybook.psa.http as http

    original = http.PsaHttp.__init__

    def short(self, **kw):
        kw["timeout"] = 0.5
        original(self, **kw)

    http.PsaHttp.__init__ = short
    try:
        with django_capture_on_commit_callbacks(execute=True):
            log_entry(tech, ticket, catalogue)
    finally:
        http.PsaHttp.__init__ = original
    link = RecordLink.objects.get(kind=LinkKind.ENTRY)
    assert link.uncertain
    sync_run(connection=cw_connection, trigger=Trigger.RETRY)
    assert len(app.entries) == 1
    link.refresh_from_db()
    assert not link.uncertain
    assert link.remote_id == str(next(iter(app.entries)))


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_time_the_psa_keeps_is_reported_not_overwritten(
    synced, tech, catalogue, django_capture_on_commit_callbacks
):
    app, ticket, _ = synced
    with django_capture_on_commit_callbacks(execute=True):
        entry = log_entry(tech, ticket, catalogue)
    remote_id = next(iter(app.entries))
    app.approved.add(remote_id)
    with django_capture_on_commit_callbacks(execute=True):
        entry_edit(entry=entry, by=tech, notes="Changed later")
    assert app.entries[remote_id]["notes"] == "Replaced the toner"
    problem = SyncProblem.objects.get(resolved_at__isnull=True)
    assert "keeps this time" in problem.summary
    assert not problem.retryable
    assert "approved" in problem.psa_message


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_entry_with_unmapped_member_waits(
    synced, tech, catalogue, django_capture_on_commit_callbacks
):
    app, ticket, _ = synced
    Mapping.objects.filter(kind=MapKind.MEMBER).update(local_id=None, automatic=False)
    with django_capture_on_commit_callbacks(execute=True):
        log_entry(tech, ticket, catalogue)
    assert app.entries == {}
    problem = SyncProblem.objects.get()
    assert problem.waiting_for_mapping == MapKind.MEMBER


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_next_status_goes_to_the_psa(synced, tech, catalogue, django_capture_on_commit_callbacks):
    app, ticket, remote_ticket = synced
    with django_capture_on_commit_callbacks(execute=True):
        log_entry(tech, ticket, catalogue, next_status=TicketStatus.RESOLVED)
    assert app.tickets[remote_ticket["id"]]["status"]["name"] == "Resolved"


def test_two_psa_companies_with_one_name_are_reported_not_merged(cw, cw_connection, tech):
    """The first is linked to Daybook's company of that name; the second is listed as a
    problem, and the rest of the run goes on."""
    app, _ = cw
    first = app.add_company("Harbour Dental")
    second = app.add_company("Harbour Dental", identifier="HarbourDental2")
    app.add_company("Acme")
    run = sync_run(connection=cw_connection)

    assert sorted(Company.objects.values_list("name", flat=True)) == ["Acme", "Harbour Dental"]
    linked = RecordLink.objects.get(
        kind=LinkKind.COMPANY, local_id=Company.objects.get(name="Harbour Dental").pk
    )
    assert linked.remote_id == str(first["id"])
    problem = SyncProblem.objects.get(remote_id=str(second["id"]))
    assert f"already linked to the PSA's company {first['id']}" in problem.summary
    assert run.failed == 1


@time_machine.travel(dt.datetime(2025, 3, 3, 16, tzinfo=UTC), tick=False)
def test_project_tickets_are_pulled_and_their_time_is_charged_as_project_time(
    cw, cw_connection, tech, catalogue, django_capture_on_commit_callbacks
):
    app, _ = cw
    member, _ = seed(app, tech, companies=1, tickets_each=1)
    company = next(iter(app.companies.values()))
    project_ticket = app.add_project_ticket(company, "Migrate the file server", owner=member)
    sync_run(connection=cw_connection)
    ticket = Ticket.objects.get(summary="Migrate the file server")
    assert RecordLink.objects.get(kind=LinkKind.TICKET, local_id=ticket.pk).remote_kind == (
        "project"
    )

    with django_capture_on_commit_callbacks(execute=True):
        log_entry(tech, ticket, catalogue, next_status=TicketStatus.RESOLVED)
    (remote,) = app.entries.values()
    assert (remote["chargeToType"], remote["chargeToId"]) == ("ProjectTicket", project_ticket["id"])
    assert app.project_tickets[project_ticket["id"]]["status"]["name"] == "Resolved"


def test_a_project_ticket_named_in_a_callback_is_found(cw, cw_connection, tech):
    app, _ = cw
    member, _ = seed(app, tech, companies=1, tickets_each=1)
    company = next(iter(app.companies.values()))
    project_ticket = app.add_project_ticket(company, "Rack the new switch", owner=member)
    found = connector_for(cw_connection).ticket(str(project_ticket["id"]))
    assert (found.kind, found.summary) == ("project", "Rack the new switch")


def test_agreements_cover_the_work_types_connectwise_does_not_exclude(
    cw, cw_connection, tech, catalogue
):
    """ConnectWise agreements apply to every work type but their exclusions; payroll-wrap
    types never count as covered, whatever the PSA says."""
    app, _ = cw
    WorkTypeFactory(name="Internal Meeting", is_payroll_wrap=True)
    WorkTypeFactory(name="Onsite")
    app.add(app.work_types, {"id": 33, "name": "Internal Meeting", "inactiveFlag": False})
    company = app.add_company("Client A")
    everything = app.add_agreement(company, "Managed A")
    everything["billAmount"] = 1000
    remote_only = app.add_agreement(company, "Remote only")
    remote_only["billAmount"] = 500
    app.exclude_work_type(remote_only, 32)

    sync_run(connection=cw_connection)

    covered = {
        a.name: set(a.covered_work_types.values_list("name", flat=True))
        for a in Agreement.objects.all()
    }
    assert covered == {
        "Managed A": {"Remote Support", "Onsite"},
        "Remote only": {"Remote Support"},
    }
