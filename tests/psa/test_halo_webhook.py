"""HaloPSA's webhooks: Basic authentication checked in constant time on top of the address's
token, only the ticket's id taken from the delivery, the ticket read from Halo's API, and the
same pull and In-Progress-starts-the-timer rule as polling."""

import pytest
from django.urls import reverse

from daybook.psa.models import SyncRun
from daybook.psa.services import connection_create, connection_update
from daybook.psa.sync import sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket, TicketStatusChange
from daybook.timekeeping.models import Timer
from tests.psa.test_halo_sync import CREDENTIALS, halo, local, seed  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=False)
HOOK = {"webhook_username": "halo-hook", "webhook_password": "a-long-random-hook-password"}


@pytest.fixture
def hooked(halo, admin):  # noqa: F811
    _, server = halo
    return connection_create(
        by=admin,
        kind="halo",
        name="Halo with a webhook",
        base_url=server.url,
        credentials={**CREDENTIALS, **HOOK},
    )


@pytest.fixture
def synced(halo, hooked):  # noqa: F811
    """One ticket assigned to Tess, pulled, then set In Progress in Halo."""
    app, _ = halo
    [ticket] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=hooked)
    app.tick(5)
    app.change_ticket(ticket["id"], status_id=2)
    return app, ticket


def post(client, connection, body, headers, token=None):
    url = reverse("psa:webhook", args=[connection.pk, token or connection.webhook_token])
    return client.post(url, body, content_type="application/json", headers=headers)


def nothing_changed(tech):
    assert not Timer.objects.filter(member=tech).exists()
    assert Ticket.objects.get().status == TicketStatus.NEW
    assert not TicketStatusChange.objects.exists()


def test_a_callback_starts_the_assignees_timer_and_a_replay_is_harmless(
    synced, hooked, client, tech
):
    app, ticket = synced
    body, headers = app.delivery(app.event(ticket["id"]), **_auth())
    response = post(client, hooked, body, headers)
    assert response.status_code == 204
    timer = Timer.objects.get(member=tech)
    assert timer.ticket.summary == "Ticket 0.0"
    assert timer.ticket.status == TicketStatus.IN_PROGRESS
    assert SyncRun.objects.filter(trigger="webhook").count() == 1

    again = post(client, hooked, body, headers)
    assert again.status_code == 204
    assert Timer.objects.get(member=tech).pk == timer.pk
    assert TicketStatusChange.objects.count() == 1
    assert Ticket.objects.count() == 1


def _auth(username=HOOK["webhook_username"], password=HOOK["webhook_password"]):
    return {"username": username, "password": password}


@pytest.mark.parametrize(
    "auth",
    [
        {},  # no Authorization header at all
        _auth(password="guess"),
        _auth(username="someone-else"),
        _auth(password=HOOK["webhook_password"] + "x"),
        _auth(password=""),
    ],
    ids=["missing", "wrong-password", "wrong-user", "longer-password", "empty-password"],
)
def test_wrong_or_missing_authentication_is_refused_and_changes_nothing(
    synced, hooked, client, tech, auth
):
    app, ticket = synced
    body, headers = app.delivery(app.event(ticket["id"]), **auth)
    response = post(client, hooked, body, headers)
    assert response.status_code == 403
    assert "Refused" in response.json()["detail"]
    nothing_changed(tech)
    assert not SyncRun.objects.filter(trigger="webhook").exists()


def test_authorization_that_is_not_basic_is_refused(synced, hooked, client, tech):
    app, ticket = synced
    body, _ = app.delivery(app.event(ticket["id"]))
    for header in ("Bearer a-long-random-hook-password", "Basic !!!not-base64", "Basic "):
        response = post(client, hooked, body, {"Authorization": header})
        assert response.status_code == 403, header
    nothing_changed(tech)


def test_without_webhook_credentials_every_callback_is_refused_and_polling_goes_on(
    halo,  # noqa: F811
    admin,
    client,
    tech,
):
    app, server = halo
    plain = connection_create(
        by=admin, kind="halo", name="Halo", base_url=server.url, credentials=CREDENTIALS
    )
    [ticket] = seed(app, companies=1, tickets_each=1)
    sync_run(connection=plain)
    app.tick(5)
    app.change_ticket(ticket["id"], status_id=2)
    for auth in ({}, _auth(username="", password=""), _auth()):
        body, headers = app.delivery(app.event(ticket["id"]), **auth)
        assert post(client, plain, body, headers).status_code == 403
    nothing_changed(tech)
    sync_run(connection=plain)
    assert Timer.objects.get(member=tech).ticket.summary == "Ticket 0.0"


def test_a_wrong_token_or_connection_is_refused(synced, hooked, client, tech):
    app, ticket = synced
    body, headers = app.delivery(app.event(ticket["id"]), **_auth())
    assert post(client, hooked, body, headers, token="guess").status_code == 403
    missing = reverse("psa:webhook", args=[hooked.pk + 100, hooked.webhook_token])
    assert client.post(missing, body, content_type="application/json").status_code == 404
    nothing_changed(tech)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[]", 400, "not a HaloPSA webhook delivery"),
        (b'"Ticket Updated"', 400, "not a HaloPSA webhook delivery"),
        (b'{"event": "Ticket Updated", "object_id": "12a"}', 400, "not a HaloPSA id"),
        (b'{"event": "Ticket Updated"}', 400, "names no ticket"),
        (b'{"event": "Ticket Updated", "object_id": 999999}', 404, "HaloPSA has no ticket"),
    ],
    ids=["bad-json", "empty-batch", "a-string", "bad-id", "no-id", "unknown-ticket"],
)
def test_bad_deliveries_get_a_clear_refusal_and_change_nothing(
    synced, hooked, client, tech, body, status, words
):
    app, _ = synced
    _, headers = app.delivery({}, **_auth())
    response = post(client, hooked, body, headers)
    assert response.status_code == status
    assert words in response.json()["detail"]
    nothing_changed(tech)


def test_one_unknown_ticket_in_a_batch_takes_none_of_it(synced, hooked, client, tech):
    app, ticket = synced
    body, headers = app.delivery(
        app.event(ticket["id"]), app.event(999999), batched=True, **_auth()
    )
    assert post(client, hooked, body, headers).status_code == 404
    nothing_changed(tech)


def test_only_the_ticket_id_is_taken_from_the_delivery(synced, hooked, client, tech):
    """A delivery that says In Progress for a ticket Halo still holds as New starts nothing:
    the ticket is read from Halo's API, whatever the payload claims."""
    app, ticket = synced
    app.change_ticket(ticket["id"], status_id=1)
    event = app.event(ticket["id"])
    event["ticket"]["status_id"] = 2
    body, headers = app.delivery(event, **_auth())
    assert post(client, hooked, body, headers).status_code == 204
    nothing_changed(tech)


def test_a_batch_takes_every_ticket_and_a_new_one_is_pulled(halo, hooked, client, tech):  # noqa: F811
    app, _ = halo
    first, _second = seed(app, companies=1, tickets_each=2)
    sync_run(connection=hooked)
    app.tick(5)
    app.change_ticket(first["id"], status_id=2)
    fresh = app.add_ticket("Logged after the sync", first["client_id"], agent_id=app.tess["id"])
    body, headers = app.delivery(
        app.event(first["id"]),
        app.event(first["id"], "Ticket Reassigned"),
        app.event(fresh["id"], "New Ticket Logged"),
        {"event": "Client Updated", "object_id": first["client_id"]},
        batched=True,
        **_auth(),
    )
    assert post(client, hooked, body, headers).status_code == 204
    assert Timer.objects.get(member=tech).ticket.summary == "Ticket 0.0"
    assert Ticket.objects.filter(summary="Logged after the sync").exists()
    assert Ticket.objects.get(summary="Ticket 0.1").status == TicketStatus.NEW


def test_an_event_about_something_else_is_taken_and_ignored(synced, hooked, client, tech):
    app, _ = synced
    body, headers = app.delivery({"event": "Client Updated", "object_id": 5}, **_auth())
    assert post(client, hooked, body, headers).status_code == 204
    nothing_changed(tech)


def test_a_deleted_ticket_is_counted_not_read(synced, hooked, client, tech):
    app, ticket = synced
    body, headers = app.delivery(app.event(ticket["id"], "Ticket Deleted"), **_auth())
    before = len(app.requests)
    assert post(client, hooked, body, headers).status_code == 204
    assert not [r for r in app.requests[before:] if r.path.startswith("/api/tickets/")]
    assert SyncRun.objects.get(trigger="webhook").skipped == 1
    nothing_changed(tech)


def test_the_page_says_what_to_enter_in_halo_and_never_shows_the_password(hooked, client, admin):
    client.force_login(admin.user)
    page = client.get(reverse("psa:connection", args=[hooked.pk])).content.decode()
    assert "Configuration &gt; Integrations &gt; Webhooks" in page
    assert hooked.webhook_token in page
    assert HOOK["webhook_username"] in page
    assert HOOK["webhook_password"] not in page
    assert HOOK["webhook_password"] not in hooked.credentials


def test_editing_without_the_password_keeps_it(hooked, synced, client, admin, tech):
    connection_update(
        by=admin,
        connection=hooked,
        name=hooked.name,
        base_url=hooked.base_url,
        credentials={"webhook_password": ""},
        is_active=True,
        push_entries=True,
    )
    app, ticket = synced
    body, headers = app.delivery(app.event(ticket["id"]), **_auth())
    assert post(client, hooked, body, headers).status_code == 204
    assert Timer.objects.filter(member=tech).exists()
