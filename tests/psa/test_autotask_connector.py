"""The Autotask connector against a local server that follows Autotask's REST documentation
(tests/psa/fakes/autotask.py): zone discovery, header authentication, JSON query filters,
paging by nextPageUrl, pushes, and every kind of refusal."""

import datetime as dt

import pytest

from daybook.psa.connectors.autotask import Autotask
from daybook.psa.connectors.base import connector_class
from daybook.psa.records import (
    DO_NOT_BILL,
    NO_CHARGE,
    AuthFailed,
    EntryPush,
    Locked,
    Misconfigured,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)
from tests.psa.fakes.autotask import FakeAutotask, stamp

UTC = dt.UTC
CREDENTIALS = {
    "username": "api@example.test",
    "secret": "s3cret",
    "integration_code": "DAYBOOKTEST",
}


@pytest.fixture
def psa(fake_server):
    app = FakeAutotask()
    server = fake_server(app)
    acme = app.add_company("Acme Dental", companyNumber="ACME")
    tess = app.add_resource("Tess", "Tech", "Tess@Example.test")
    role = app.add("Roles", name="Engineer", isActive=True)
    remote = app.add("BillingCodes", name="Remote Support", useType=1, isActive=True)
    onsite = app.add("BillingCodes", name="Onsite", useType=1, isActive=True)
    app.add("BillingCodes", name="Internal Meeting", useType=2, isActive=True)
    ticket = app.add_ticket("Printer jams", acme["id"], assignedResourceID=tess["id"])
    app.ids = {
        "acme": acme["id"],
        "tess": tess["id"],
        "role": role["id"],
        "remote": remote["id"],
        "onsite": onsite["id"],
        "ticket": ticket["id"],
    }
    return app, server


def connect(server, waits=None, **credentials):
    return Autotask(
        base_url=f"{server.url}/ATServicesRest",
        credentials={**CREDENTIALS, **credentials},
        sleep=(waits if waits is not None else []).append,
    )


def push_for(app, **kw):
    at = dt.datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
    values = {
        "entry_id": 1,
        "ticket_id": str(app.ids["ticket"]),
        "member_id": str(app.ids["tess"]),
        "start": at,
        "end": at + dt.timedelta(minutes=45),
        "notes": "Cleared the jam, replaced the roller",
        "internal_notes": "Roller was worn",
        "work_role_id": str(app.ids["role"]),
        "work_type_id": str(app.ids["remote"]),
    }
    return EntryPush(**{**values, **kw})


def read_until_down(app, records, seen, after):
    """Read records, taking the PSA down once `after` of them have arrived."""
    for record in records:
        seen.append(record.id)
        if len(seen) == after:
            app.down = True


def test_the_registry_finds_the_autotask_connector():
    assert connector_class("autotask") is Autotask


def test_test_finds_the_zone_and_says_what_it_saw(psa):
    app, server = psa
    sentence = connect(server).test()
    assert sentence == (
        "Signed in to Autotask (Fake Zone 5) as api@example.test: 5 ticket statuses and 2 queues "
        "found."
    )
    discovery, *calls = app.requests
    assert discovery.path == "/atservicesrest/v1.0/zoneinformation"
    assert discovery.query == {"user": "api@example.test"}
    assert all(c.path.startswith("/zone5/atservicesrest/v1.0/") for c in calls)
    assert calls[0].headers["apiintegrationcode"] == "DAYBOOKTEST"
    assert calls[0].headers["username"] == "api@example.test"
    assert calls[0].headers["secret"] == "s3cret"


@pytest.mark.parametrize(
    ("credentials", "summary"),
    [
        ({"secret": "wrong"}, "Autotask refused the API user's secret"),
        ({"integration_code": "NOPE"}, "Autotask refused the API integration code"),
        ({"username": "someone@else.test"}, "Autotask's zone lookup does not know this API user"),
        ({"secret": ""}, "the connection has no Autotask secret"),
    ],
)
def test_bad_credentials_say_which_one_is_wrong(psa, credentials, summary):
    _app, server = psa
    with pytest.raises(AuthFailed) as caught:
        connect(server, **credentials).test()
    assert caught.value.summary.startswith(summary)
    assert not caught.value.retryable


def test_a_zone_host_not_on_the_allow_list_is_refused(psa, settings):
    _app, server = psa
    settings.DAYBOOK_OUTBOUND_HOSTS = ["example.test"]
    with pytest.raises(Misconfigured):
        connect(server).test()


def test_choices_come_from_picklists_roles_and_work_type_billing_codes(psa):
    _app, server = psa
    at = connect(server)
    statuses = {s.id: s for s in at.statuses()}
    assert statuses["8"].name == "In Progress"
    assert statuses["5"].closed
    assert [b.name for b in at.boards()] == ["Level I Support", "Level II Support"]
    assert [r.name for r in at.work_roles()] == ["Engineer"]
    assert [w.name for w in at.work_types()] == ["Remote Support", "Onsite"]


def test_a_full_pull_reads_every_page_of_500(psa):
    app, server = psa
    for n in range(1234):
        app.add_ticket(f"Ticket {n}", app.ids["acme"], status=8, queueID=29682969)
    tickets = list(connect(server).tickets())
    assert len(tickets) == 1235
    assert len({t.id for t in tickets}) == 1235
    pages = [r for r in app.requests if "/tickets/query" in r.path]
    assert len(pages) == 3  # 500 + 500 + 235
    last = tickets[-1]
    assert (last.summary, last.status_id, last.status_name, last.board_id) == (
        "Ticket 1233",
        "8",
        "In Progress",
        "29682969",
    )
    assert last.updated_at == app.now


def test_an_incremental_pull_asks_for_changes_since_the_cursor(psa):
    app, server = psa
    old = app.add_ticket("Old one", app.ids["acme"])
    app.tick(60)
    cursor = app.now
    app.tick(5)
    app.change("Tickets", old["id"], status=8)
    fresh = app.add_ticket("New one", app.ids["acme"])
    tickets = list(connect(server).tickets(since=cursor))
    assert {t.id for t in tickets} == {str(old["id"]), str(fresh["id"])}
    query = next(r for r in app.requests if r.path.endswith("/tickets/query"))
    assert '"field":"lastActivityDate"' in query.query["search"]
    assert '"op":"gte"' in query.query["search"]


def test_companies_members_and_contracts_with_what_they_cover(psa):
    app, server = psa
    app.add_company("Gone Ltd", isActive=False)
    covering = app.add_contract(app.ids["acme"], "Managed 2025", contractType=7)
    app.add(
        "ContractExclusionBillingCodes", contractID=covering["id"], billingCodeID=app.ids["onsite"]
    )
    plain = app.add_contract(app.ids["acme"], "T&M", status=0)
    at = connect(server)
    companies = {c.name: c for c in at.companies()}
    assert companies["Acme Dental"].identifier == "ACME"
    assert companies["Gone Ltd"].inactive
    [member] = at.members()
    assert (member.email, member.name, member.identifier) == (
        "tess@example.test",
        "Tess Tech",
        "Tess",
    )
    agreements = {a.id: a for a in at.agreements()}
    managed = agreements[str(covering["id"])]
    assert managed.type_name == "Recurring Service"
    assert managed.covered_work_type_ids == (str(app.ids["remote"]),)
    assert managed.start_date == dt.date(2025, 1, 1)
    assert managed.end_date == dt.date(2025, 12, 31)
    assert agreements[str(plain["id"])].inactive
    assert agreements[str(plain["id"])].covered_work_type_ids == ()


def test_an_entry_is_pushed_edited_and_deleted(psa):
    app, server = psa
    at = connect(server)
    result = at.push_entry(push_for(app))
    [record] = app.time_entries()
    assert result.remote_id == str(record["id"])
    assert record["ticketID"] == app.ids["ticket"]
    assert record["resourceID"] == app.ids["tess"]
    assert record["startDateTime"] == "2025-03-03T14:00:00Z"
    assert record["endDateTime"] == "2025-03-03T14:45:00Z"
    assert record["hoursWorked"] == 0.75
    assert record["summaryNotes"] == "Cleared the jam, replaced the roller"
    assert (record["isNonBillable"], record["showOnInvoice"]) == (False, True)

    edited = push_for(
        app, remote_id=result.remote_id, notes="Replaced the roller", billable=NO_CHARGE
    )
    assert at.push_entry(edited).remote_id == result.remote_id
    [record] = app.time_entries()
    assert record["summaryNotes"] == "Replaced the roller"
    assert (record["isNonBillable"], record["showOnInvoice"]) == (True, True)
    assert len(app.time_entries()) == 1

    at.delete_entry(result.remote_id)
    assert app.time_entries() == []
    with pytest.raises(NotFound):
        at.delete_entry(result.remote_id)


def test_find_entry_finds_a_record_created_by_a_lost_answer(psa):
    app, server = psa
    at = connect(server)
    assert at.find_entry(push_for(app)) is None
    created = at.push_entry(push_for(app))
    assert at.find_entry(push_for(app)) == created.remote_id


def test_time_entries_are_read_with_their_billable_option(psa):
    app, server = psa
    at = connect(server)
    at.push_entry(push_for(app, billable=DO_NOT_BILL))
    [entry] = at.time_entries()
    assert entry.billable == DO_NOT_BILL
    assert entry.work_type_id == str(app.ids["remote"])
    assert entry.end - entry.start == dt.timedelta(minutes=45)


def test_approved_time_is_reported_as_locked_and_left_alone(psa):
    app, server = psa
    at = connect(server)
    result = at.push_entry(push_for(app))
    app.approve(int(result.remote_id))
    with pytest.raises(Locked) as caught:
        at.push_entry(push_for(app, remote_id=result.remote_id, notes="changed"))
    assert "approved" in caught.value.psa_message
    with pytest.raises(Locked):
        at.delete_entry(result.remote_id)
    [record] = app.time_entries()
    assert record["summaryNotes"] == "Cleared the jam, replaced the roller"


def test_a_submitted_timesheet_refuses_new_time_as_locked(psa):
    app, server = psa
    app.submitted_timesheets.add(app.ids["tess"])
    with pytest.raises(Locked):
        connect(server).push_entry(push_for(app))
    assert app.time_entries() == []


def test_an_edit_of_a_record_deleted_in_autotask_is_not_found(psa):
    app, server = psa
    with pytest.raises(NotFound):
        connect(server).push_entry(push_for(app, remote_id="999999"))


def test_a_push_without_role_or_work_type_is_refused_before_sending(psa):
    app, server = psa
    with pytest.raises(Rejected) as caught:
        connect(server).push_entry(push_for(app, work_role_id=""))
    assert "work role and a work type" in caught.value.summary
    assert not [r for r in app.requests if r.method == "POST"]


def test_a_push_autotask_refuses_is_rejected_with_its_reason(psa):
    app, server = psa
    with pytest.raises(Rejected) as caught:
        connect(server).push_entry(push_for(app, work_role_id="424242"))
    assert caught.value.psa_message == "Role 424242 does not exist."


def test_the_ticket_status_is_set(psa):
    app, server = psa
    at = connect(server)
    at.set_ticket_status(ticket_id=str(app.ids["ticket"]), status_id="13")
    assert app.tables["Tickets"][app.ids["ticket"]]["status"] == 13
    ticket = at.ticket(str(app.ids["ticket"]))
    assert (ticket.status_id, ticket.status_name) == ("13", "Needs Scheduling")
    assert ticket.assignee_id == str(app.ids["tess"])
    with pytest.raises(NotFound):
        at.ticket("424242")


def test_a_429_storm_is_waited_out_as_autotask_asks(psa):
    app, server = psa
    app.fail(
        429,
        {"errors": ["Thread limit reached"]},
        headers={"Retry-After": "3"},
        times=3,
        path="/tickets/query",
    )
    waits = []
    tickets = list(connect(server, waits).tickets())
    assert len(tickets) == 1
    assert waits == [3.0, 3.0, 3.0]


def test_a_429_storm_longer_than_the_retries_says_so(psa):
    app, server = psa
    app.fail(429, {"errors": ["Thread limit reached"]}, headers={"Retry-After": "3"}, times=50)
    with pytest.raises(RateLimited) as caught:
        connect(server).test()
    assert caught.value.retry_after == 3.0
    assert caught.value.retryable


def test_autotask_down_mid_pull_stops_with_unavailable_after_the_first_page(psa):
    app, server = psa
    for n in range(700):
        app.add_ticket(f"Ticket {n}", app.ids["acme"])
    seen = []
    with pytest.raises(Unavailable):
        read_until_down(app, connect(server).tickets(), seen, 500)
    assert len(seen) == 500
    app.down = False
    assert len(list(connect(server).tickets())) == 701


def test_updated_at_is_read_as_utc_whatever_precision(psa):
    app, server = psa
    app.tables["Tickets"][app.ids["ticket"]]["lastActivityDate"] = "2025-03-03T10:11:12.1234567Z"
    [ticket] = connect(server).tickets()
    assert ticket.updated_at == dt.datetime(2025, 3, 3, 10, 11, 12, 123456, tzinfo=UTC)
    assert stamp(ticket.updated_at) == "2025-03-03T10:11:12.123Z"
