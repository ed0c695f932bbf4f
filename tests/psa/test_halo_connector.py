"""The HaloPSA connector against a local server that follows Halo's API documentation
(tests/psa/fakes/halo.py): OAuth2 client credentials, page_no/page_size/record_count paging,
actions with time on tickets, and every kind of refusal."""

import datetime as dt

import pytest

from daybook.psa.connectors.base import connector_class
from daybook.psa.connectors.halo import Halo
from daybook.psa.records import (
    BILLABLE,
    DO_NOT_BILL,
    NO_CHARGE,
    AuthFailed,
    EntryPush,
    Locked,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)
from tests.psa.fakes.halo import FakeHalo

UTC = dt.UTC
CREDENTIALS = {"client_id": "daybook-client", "client_secret": "halo-s3cret"}


@pytest.fixture
def psa(fake_server):
    app = FakeHalo()
    server = fake_server(app)
    acme = app.add_client("Acme Dental", ref="ACME")
    tess = app.add_agent("Tess Tech", "Tess@Example.test")
    ticket = app.add_ticket("Printer jams", acme["id"], agent_id=tess["id"])
    app.ids = {"acme": acme["id"], "tess": tess["id"], "ticket": ticket["id"]}
    return app, server


def connect(server, waits=None, **credentials):
    return Halo(
        base_url=server.url,
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
        "work_type_id": "2",
    }
    return EntryPush(**{**values, **kw})


def read_until_down(app, records, seen, after):
    """Read records, taking the PSA down once `after` of them have arrived."""
    for record in records:
        seen.append(record.id)
        if len(seen) == after:
            app.down = True


def test_the_registry_finds_the_halo_connector():
    assert connector_class("halo") is Halo


def test_test_signs_in_with_client_credentials_and_says_what_it_saw(psa):
    app, server = psa
    sentence = connect(server).test()
    assert sentence == (
        f"Signed in to HaloPSA at {server.url}: 7 ticket statuses and 2 teams found."
    )
    token, *calls = app.requests
    assert (token.method, token.path) == ("POST", "/auth/token")
    assert token.headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"grant_type=client_credentials" in token.body
    assert b"scope=all" in token.body
    assert all(c.headers["authorization"].startswith("Bearer ") for c in calls)
    assert app.tokens_issued == 1


def test_the_tenant_is_sent_when_the_instance_needs_it(fake_server):
    app = FakeHalo(tenant="acme")
    server = fake_server(app)
    with pytest.raises(AuthFailed) as caught:
        connect(server).test()
    assert "tenant" in caught.value.summary
    assert connect(server, tenant="acme").test().startswith("Signed in to HaloPSA")
    assert app.requests[-3].query == {"tenant": "acme"}


@pytest.mark.parametrize(
    ("credentials", "summary"),
    [
        ({"client_secret": "wrong"}, "HaloPSA refused the client ID or secret"),
        ({"client_id": "someone-else"}, "HaloPSA refused the client ID or secret"),
        ({"client_secret": ""}, "the connection has no HaloPSA client ID or secret"),
    ],
)
def test_bad_credentials_say_what_is_wrong_and_change_nothing(psa, credentials, summary):
    app, server = psa
    with pytest.raises(AuthFailed) as caught:
        connect(server, **credentials).push_entry(push_for(app))
    assert caught.value.summary == summary
    assert app.actions == {}


def test_an_expired_token_is_fetched_again_once(psa):
    app, server = psa
    halo = connect(server)
    halo.statuses()
    app.expire_tokens()
    assert len(halo.boards()) == 2
    assert app.tokens_issued == 2


def test_choices_teams_statuses_and_charge_rates(psa):
    app, server = psa
    halo = connect(server)
    statuses = {s.id: s for s in halo.statuses()}
    assert statuses["2"].name == "In Progress"
    assert statuses["9"].closed
    assert [b.name for b in halo.boards()] == ["1st Line Support", "2nd Line Support"]
    assert halo.work_roles() == []
    assert [w.name for w in halo.work_types()] == [
        "Standard Rate",
        "Out of Hours",
        "Remote Support",
    ]
    lookup = next(r for r in app.requests if r.path == "/api/lookup")
    assert lookup.query == {"lookupid": "17"}


def test_a_full_pull_reads_every_page(psa):
    app, server = psa
    for n in range(250):
        app.add_ticket(f"Ticket {n}", app.ids["acme"], status_id=2, team_id=2)
    tickets = list(connect(server).tickets())
    assert len(tickets) == 251
    assert len({t.id for t in tickets}) == 251
    pages = [r for r in app.requests if r.path == "/api/tickets"]
    assert [p.query["page_no"] for p in pages] == ["1", "2", "3"]
    assert all(p.query["pageinate"] == "true" and p.query["page_size"] == "100" for p in pages)
    last = tickets[-1]
    assert (last.summary, last.status_id, last.status_name, last.board_id) == (
        "Ticket 249",
        "2",
        "In Progress",
        "2",
    )
    assert last.updated_at == app.now


def test_an_incremental_pull_asks_for_changes_since_the_cursor(psa):
    app, server = psa
    old = app.add_ticket("Old one", app.ids["acme"])
    app.tick(60)
    cursor = app.now
    app.tick(5)
    app.change_ticket(old["id"], status_id=2)
    fresh = app.add_ticket("New one", app.ids["acme"])
    tickets = list(connect(server).tickets(since=cursor))
    assert {t.id for t in tickets} == {str(old["id"]), str(fresh["id"])}
    query = next(r for r in app.requests if r.path == "/api/tickets").query
    assert query["datesearch"] == "last_update"
    assert query["startdate"] == "2025-03-03T10:00:00Z"


def test_clients_agents_and_contracts(psa):
    app, server = psa
    app.add_client("Gone Ltd", inactive=True)
    app.add_agent("Old Timer", "old@example.test", isdisabled=True)
    contract = app.add_contract(app.ids["acme"], "Managed 2025")
    halo = connect(server)
    companies = {c.name: c for c in halo.companies()}
    assert companies["Acme Dental"].identifier == "ACME"
    assert companies["Gone Ltd"].inactive
    members = {m.email: m for m in halo.members()}
    assert members["tess@example.test"].name == "Tess Tech"
    assert members["old@example.test"].inactive
    [agreement] = halo.agreements()
    assert (agreement.id, agreement.company_id, agreement.name, agreement.type_name) == (
        str(contract["id"]),
        str(app.ids["acme"]),
        "Managed 2025",
        "Managed Services",
    )
    assert agreement.start_date == dt.date(2025, 1, 1)
    assert agreement.monthly_fee == 1500


def test_an_entry_is_pushed_edited_and_deleted(psa):
    app, server = psa
    halo = connect(server)
    result = halo.push_entry(push_for(app))
    [action] = app.actions.values()
    assert result.remote_id == str(action["id"])
    assert result.notes == ()
    assert action["ticket_id"] == app.ids["ticket"]
    assert action["who_agentid"] == app.ids["tess"]
    assert action["actionarrivaldate"] == "2025-03-03T14:00:00Z"
    assert action["actioncompletiondate"] == "2025-03-03T14:45:00Z"
    assert (action["timetaken"], action["nonbilltime"], action["actisbillable"]) == (0.75, 0, True)
    assert action["note"] == "Cleared the jam, replaced the roller"
    assert action["chargerate"] == 2
    assert not action["hiddenfromuser"]

    edited = halo.push_entry(
        push_for(app, remote_id=result.remote_id, notes="New roller", billable=DO_NOT_BILL)
    )
    assert edited.remote_id == result.remote_id
    [action] = app.actions.values()
    assert action["note"] == "New roller"
    assert (action["nonbilltime"], action["actisbillable"]) == (0.75, False)

    halo.delete_entry(result.remote_id)
    assert app.actions == {}
    with pytest.raises(NotFound):
        halo.delete_entry(result.remote_id)


def test_internal_notes_alone_become_a_private_action(psa):
    app, server = psa
    result = connect(server).push_entry(push_for(app, notes="", internal_notes="Roller worn"))
    action = app.actions[int(result.remote_id)]
    assert action["hiddenfromuser"]
    assert action["note"] == "Roller worn"


def test_what_halo_cannot_hold_is_said_in_the_push_result(psa):
    app, server = psa
    result = connect(server).push_entry(
        push_for(app, internal_notes="Roller worn", billable=NO_CHARGE)
    )
    assert len(result.notes) == 2
    assert "internal notes were not" in result.notes[0]
    assert "no 'no charge' option" in result.notes[1]


def test_time_entries_are_read_back(psa):
    app, server = psa
    halo = connect(server)
    halo.push_entry(push_for(app, billable=DO_NOT_BILL))
    [entry] = halo.time_entries()
    assert entry.member_id == str(app.ids["tess"])
    assert entry.ticket_id == str(app.ids["ticket"])
    assert entry.billable == DO_NOT_BILL
    assert entry.work_type_id == "2"
    assert entry.end - entry.start == dt.timedelta(minutes=45)
    assert entry.billable != BILLABLE


def test_find_entry_finds_a_record_created_by_a_lost_answer(psa):
    app, server = psa
    halo = connect(server)
    assert halo.find_entry(push_for(app)) is None
    created = halo.push_entry(push_for(app))
    assert halo.find_entry(push_for(app)) == created.remote_id


def test_invoiced_time_is_reported_as_locked_and_left_alone(psa):
    app, server = psa
    halo = connect(server)
    result = halo.push_entry(push_for(app))
    app.invoice(int(result.remote_id))
    with pytest.raises(Locked) as caught:
        halo.push_entry(push_for(app, remote_id=result.remote_id, notes="changed"))
    assert "invoiced" in caught.value.psa_message
    with pytest.raises(Locked):
        halo.delete_entry(result.remote_id)
    assert app.actions[int(result.remote_id)]["note"] == "Cleared the jam, replaced the roller"


def test_an_approved_timesheet_refuses_new_time_as_locked(psa):
    app, server = psa
    app.approved_timesheets.add(app.ids["tess"])
    with pytest.raises(Locked):
        connect(server).push_entry(push_for(app))
    assert app.actions == {}


def test_a_push_halo_refuses_is_rejected_with_its_reason(psa):
    app, server = psa
    with pytest.raises(Rejected) as caught:
        connect(server).push_entry(push_for(app, work_type_id="77"))
    assert caught.value.psa_message == "Charge rate 77 does not exist."
    assert app.actions == {}


def test_an_edit_of_an_action_deleted_in_halo_is_not_found(psa):
    app, server = psa
    with pytest.raises(NotFound):
        connect(server).push_entry(push_for(app, remote_id="999999"))


def test_the_ticket_status_is_set(psa):
    app, server = psa
    halo = connect(server)
    halo.set_ticket_status(ticket_id=str(app.ids["ticket"]), status_id="5")
    ticket = halo.ticket(str(app.ids["ticket"]))
    assert (ticket.status_id, ticket.status_name) == ("5", "Needs Scheduling")
    assert ticket.assignee_id == str(app.ids["tess"])
    with pytest.raises(NotFound):
        halo.ticket("424242")


def test_a_429_storm_is_waited_out_as_halo_asks(psa):
    app, server = psa
    app.fail(429, "Too many requests", headers={"Retry-After": "2"}, times=3, path="/api/tickets")
    waits = []
    assert len(list(connect(server, waits).tickets())) == 1
    assert waits == [2.0, 2.0, 2.0]


def test_a_429_storm_longer_than_the_retries_says_so(psa):
    app, server = psa
    app.fail(429, "Too many requests", headers={"Retry-After": "2"}, times=50, path="/api/")
    with pytest.raises(RateLimited) as caught:
        connect(server).statuses()
    assert caught.value.retry_after == 2.0


def test_halo_down_mid_pull_stops_with_unavailable(psa):
    app, server = psa
    for n in range(150):
        app.add_ticket(f"Ticket {n}", app.ids["acme"])
    seen = []
    with pytest.raises(Unavailable):
        read_until_down(app, connect(server).tickets(), seen, 100)
    assert len(seen) == 100
    app.down = False
    assert len(list(connect(server).tickets())) == 151
