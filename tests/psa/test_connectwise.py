"""The ConnectWise connector against the fake ConnectWise (its documented REST behaviour)."""

import datetime as dt

import pytest

from daybook.psa.connectors.base import WebhookRequest, connector_class
from daybook.psa.connectors.connectwise import ConnectWise
from daybook.psa.records import (
    AuthFailed,
    EntryPush,
    Locked,
    Misconfigured,
    NotFound,
    Rejected,
    Unavailable,
)
from tests.psa.fakes.connectwise import CREDENTIALS, FakeConnectWise, matcher

UTC = dt.UTC


@pytest.fixture
def cw(fake_server):
    app = FakeConnectWise()
    app.seed_basics()
    server = fake_server(app)
    return app, server


def connect(server, waits=None, **changes):
    creds = {**CREDENTIALS, **changes}
    return ConnectWise(
        base_url=f"{server.url}/v4_6_release/apis/3.0",
        credentials=creds,
        sleep=(waits if waits is not None else []).append,
    )


def test_registered_by_kind():
    assert connector_class("connectwise") is ConnectWise


def test_test_reports_version_and_company(cw):
    _, server = cw
    assert "v2025.1" in connect(server).test()
    assert "company acme" in connect(server).test()


def test_wrong_private_key_is_named(cw):
    _, server = cw
    with pytest.raises(AuthFailed, match="company id, public key or private key") as caught:
        connect(server, private_key="nope").test()
    assert caught.value.psa_message == "Invalid authentication credentials."


def test_missing_credentials_are_named_before_any_request(cw):
    _, server = cw
    with pytest.raises(Misconfigured, match="Client id"):
        connect(server, client_id="")


def test_wrong_client_id_carries_connectwise_words(cw):
    _, server = cw
    with pytest.raises(Rejected) as caught:
        connect(server, client_id="other").test()
    assert "clientId" in caught.value.psa_message


def test_paging_walks_every_page_in_updated_order(cw):
    app, server = cw
    for n in range(2500):
        app.add_company(f"Client {n:04}")
    names = [c.name for c in connect(server).companies()]
    assert len(names) == 2500
    assert names[0] == "Client 0000"
    assert names[-1] == "Client 2499"
    pages = [r.query["page"] for r in app.requests if r.path.endswith("company/companies")]
    assert pages == ["1", "2", "3"]


def test_since_asks_for_records_changed_from_then(cw):
    app, server = cw
    old = app.add_company("Old")
    cut = app.clock
    new = app.add_company("New")
    app.touch(old, name="Old renamed")
    got = {c.name for c in connect(server).companies(since=cut + dt.timedelta(seconds=1))}
    assert got == {"New", "Old renamed"}
    assert new["id"]


def test_tickets_read_board_status_owner_and_agreement(cw):
    app, server = cw
    company = app.add_company("Acme")
    member = app.add_member("pat@example.com")
    agreement = app.add_agreement(company, "Managed")
    app.add_ticket(company, "Printer", status="In Progress", owner=member, agreement=agreement)
    (ticket,) = list(connect(server).tickets())
    assert (ticket.summary, ticket.status_name, ticket.board_id) == ("Printer", "In Progress", "1")
    assert ticket.assignee_id == str(member["id"])
    assert ticket.agreement_id == str(agreement["id"])
    assert ticket.updated_at.tzinfo is not None


def test_statuses_belong_to_boards(cw):
    _, server = cw
    statuses = connect(server).statuses()
    assert {s.name for s in statuses} >= {"In Progress", "Resolved", "Closed"}
    assert all(s.parent_id == "1" for s in statuses)
    assert [s.name for s in statuses if s.closed] == ["Closed"]


def entry_push(app, ticket, member, **changes):
    values = {
        "entry_id": 1,
        "ticket_id": str(ticket["id"]),
        "member_id": str(member["id"]),
        "start": dt.datetime(2025, 3, 3, 9, tzinfo=UTC),
        "end": dt.datetime(2025, 3, 3, 10, tzinfo=UTC),
        "notes": "Swapped the toner",
        "work_type_id": "31",
        "work_role_id": "21",
        "billable": "do_not_bill",
    }
    values.update(changes)
    return EntryPush(**values)


def test_push_update_and_delete_a_time_entry(cw):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    member = app.add_member("pat@example.com")
    connector = connect(server)
    result = connector.push_entry(entry_push(app, ticket, member))
    stored = app.entries[int(result.remote_id)]
    assert stored["chargeToType"] == "ServiceTicket"
    assert stored["billableOption"] == "DoNotBill"
    assert stored["timeStart"] == "2025-03-03T09:00:00Z"
    again = connector.push_entry(
        entry_push(app, ticket, member, remote_id=result.remote_id, notes="Fixed")
    )
    assert again.remote_id == result.remote_id
    assert app.entries[int(result.remote_id)]["notes"] == "Fixed"
    assert connector.find_entry(entry_push(app, ticket, member)) == result.remote_id
    connector.delete_entry(result.remote_id)
    assert app.entries == {}
    with pytest.raises(NotFound):
        connector.delete_entry(result.remote_id)


def test_time_in_a_closed_period_is_locked(cw):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    member = app.add_member("pat@example.com")
    app.closed_before = dt.datetime(2025, 4, 1, tzinfo=UTC)
    with pytest.raises(Locked) as caught:
        connect(server).push_entry(entry_push(app, ticket, member))
    assert "closed" in caught.value.psa_message


def test_approved_time_is_locked(cw):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    member = app.add_member("pat@example.com")
    connector = connect(server)
    remote = connector.push_entry(entry_push(app, ticket, member)).remote_id
    app.approved.add(int(remote))
    with pytest.raises(Locked):
        connector.push_entry(entry_push(app, ticket, member, remote_id=remote, notes="x"))
    with pytest.raises(Locked):
        connector.delete_entry(remote)


def test_invalid_entry_names_the_field(cw):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    member = app.add_member("pat@example.com")
    with pytest.raises(Rejected) as caught:
        connect(server).push_entry(entry_push(app, ticket, member, work_type_id="999"))
    assert "workType: The work type does not exist." in caught.value.psa_message


def test_set_ticket_status(cw):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    connect(server).set_ticket_status(ticket_id=str(ticket["id"]), status_id="15")
    assert app.tickets[ticket["id"]]["status"]["name"] == "Resolved"


def test_server_errors_are_retried_then_reported(cw):
    app, server = cw
    app.fail(500, {"code": "Error", "message": "An error has occurred."}, times=10)
    waits = []
    with pytest.raises(Unavailable) as caught:
        list(connect(server, waits).companies())
    assert caught.value.psa_message == "An error has occurred."
    assert len(waits) == 3


def test_signed_callback_is_read(cw):
    app, server = cw
    member = app.add_member("pat@example.com")
    ticket = app.add_ticket(app.add_company("Acme"), "Printer", owner=member)
    app.set_status(ticket, "In Progress")
    body = app.callback_body(server.url, ticket)
    events = connect(server).parse_webhook(
        WebhookRequest(
            body=body, headers={"x-content-signature": app.signature(body)}, query={}, token_ok=True
        )
    )
    (change,) = events.changes
    assert change.ticket.status_name == "In Progress"
    assert change.assignee_id == str(member["id"])


@pytest.mark.parametrize("tamper", ["signature", "body", "token", "key_host"])
def test_callbacks_that_cannot_be_trusted_are_refused(cw, tamper):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    body = app.callback_body(server.url, ticket)
    signature = app.signature(body)
    token_ok = True
    if tamper == "signature":
        signature = "AAAA" + signature[4:]
    elif tamper == "body":
        body = body.replace(b"Printer", b"Scanner")
    elif tamper == "token":
        token_ok = False
    else:
        body = body.replace(server.url.encode(), b"http://127.0.0.2:9")
        signature = app.signature(body)
    with pytest.raises(AuthFailed):
        connect(server).parse_webhook(
            WebhookRequest(
                body=body, headers={"x-content-signature": signature}, query={}, token_ok=token_ok
            )
        )


def test_conditions_language_of_the_fake():
    record = {"name": "Acme", "member": {"id": 5}, "_info": {"lastUpdated": "2025-01-02T00:00:00Z"}}
    assert matcher('name = "Acme" and member/id = 5')(record)
    assert matcher("lastUpdated >= [2025-01-01T00:00:00Z]")(record)
    assert not matcher('(name = "X" or member/id = 6)')(record)
    assert matcher('name like "Ac*"')(record)
    with pytest.raises(ValueError):
        matcher('name = "Acme" and')
