"""PSA pages: admins only, credentials write-only, the connection test, mappings, the log,
retry, and the callback receiver."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from daybook.psa import crypto
from daybook.psa.choices import MapKind
from daybook.psa.models import Connection, Mapping, SyncProblem, SyncRun
from daybook.psa.sync import sync_run
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.models import Timer
from tests.psa.fakes.connectwise import CREDENTIALS

pytestmark = pytest.mark.django_db


def pages(connection, problem_pk=1):
    pk = connection.pk
    return [
        ("get", reverse("psa:connections")),
        ("get", reverse("psa:connection_new") + "?kind=connectwise"),
        ("get", reverse("psa:connection", args=[pk])),
        ("post", reverse("psa:test", args=[pk])),
        ("post", reverse("psa:sync", args=[pk])),
        ("get", reverse("psa:mappings", args=[pk])),
        ("get", reverse("psa:log", args=[pk])),
        ("post", reverse("psa:retry", args=[pk, problem_pk])),
    ]


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "finance"])
def test_non_admins_are_refused_everywhere(client, request, cw_connection, who):
    member = request.getfixturevalue(who)
    client.force_login(member.user)
    for method, url in pages(cw_connection):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (who, url)
    assert not SyncRun.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, cw_connection):
    for method, url in pages(cw_connection):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_admin_creates_a_connection_with_encrypted_credentials(client, admin, cw):
    _, server = cw
    client.force_login(admin.user)
    data = {
        "kind": "connectwise",
        "name": "Our PSA",
        "base_url": f"{server.url}/v4_6_release/apis/3.0",
        **{f"cred_{k}": v for k, v in CREDENTIALS.items()},
    }
    response = client.post(reverse("psa:connection_new"), data)
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert CREDENTIALS["private_key"] not in connection.credentials
    assert crypto.decrypt(connection.credentials) == CREDENTIALS
    page = client.get(reverse("psa:connection", args=[connection.pk])).content.decode()
    assert CREDENTIALS["private_key"] not in page
    assert CREDENTIALS["public_key"] in page  # not a secret


def test_missing_credential_is_named_and_nothing_saved(client, admin, cw):
    _, server = cw
    client.force_login(admin.user)
    data = {
        "kind": "connectwise",
        "name": "Our PSA",
        "base_url": f"{server.url}/x",
        **{f"cred_{k}": v for k, v in CREDENTIALS.items()},
    }
    data["cred_private_key"] = ""
    response = client.post(reverse("psa:connection_new"), data)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Connection.objects.exists()


def test_a_host_not_allowed_is_refused_with_a_sentence(client, admin, cw, settings):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["psa.example"]
    client.force_login(admin.user)
    data = {
        "kind": "connectwise",
        "name": "Our PSA",
        "base_url": "http://127.0.0.1:9/api",
        **{f"cred_{k}": v for k, v in CREDENTIALS.items()},
    }
    response = client.post(reverse("psa:connection_new"), data)
    assert response.status_code == 400
    assert "only sends to hosts an administrator allowed" in response.content.decode()
    assert not Connection.objects.exists()


def test_without_a_key_connections_cannot_be_saved_and_the_page_says_why(
    client, admin, cw, settings
):
    settings.DAYBOOK_PSA_KEY = ""
    _, server = cw
    client.force_login(admin.user)
    page = client.get(reverse("psa:connections")).content.decode()
    assert "DAYBOOK_PSA_KEY" in page
    data = {
        "kind": "connectwise",
        "name": "Our PSA",
        "base_url": f"{server.url}/x",
        **{f"cred_{k}": v for k, v in CREDENTIALS.items()},
    }
    response = client.post(reverse("psa:connection_new"), data)
    assert response.status_code == 400
    assert "DAYBOOK_PSA_KEY" in response.content.decode()
    assert not Connection.objects.exists()


def test_editing_keeps_a_secret_left_empty(client, admin, cw_connection):
    client.force_login(admin.user)
    data = {
        "name": "Renamed",
        "base_url": cw_connection.base_url,
        "is_active": "on",
        "push_entries": "on",
        **{f"cred_{k}": v for k, v in CREDENTIALS.items()},
    }
    data["cred_private_key"] = ""
    response = client.post(reverse("psa:connection", args=[cw_connection.pk]), data)
    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    cw_connection.refresh_from_db()
    assert cw_connection.name == "Renamed"
    assert crypto.decrypt(cw_connection.credentials)["private_key"] == CREDENTIALS["private_key"]


def test_connection_test_reports_what_worked_and_what_failed(client, admin, cw, cw_connection):
    app, _ = cw
    client.force_login(admin.user)
    url = reverse("psa:test", args=[cw_connection.pk])
    assert "Works." in client.post(url).content.decode()
    app.credentials["private_key"] = "changed"
    page = client.post(url).content.decode()
    assert "Failed." in page
    assert "private key" in page
    assert "Invalid authentication credentials." in page
    assert CREDENTIALS["private_key"] not in page


def test_mappings_page_lists_and_fixes(client, admin, cw, cw_connection):
    sync_run(connection=cw_connection)
    client.force_login(admin.user)
    url = reverse("psa:mappings", args=[cw_connection.pk])
    page = client.get(url).content.decode()
    assert "Waiting Client" in page
    assert "matched automatically" in page
    row = Mapping.objects.get(kind=MapKind.STATUS, remote_name="New")
    response = client.post(url, {"mapping": row.pk, "local": TicketStatus.NEEDS_SCHEDULING})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.local_value == TicketStatus.NEEDS_SCHEDULING
    assert not row.automatic
    bad = client.post(url, {"mapping": row.pk, "local": "nonsense"})
    assert bad.status_code == 400
    row.refresh_from_db()
    assert row.local_value == TicketStatus.NEEDS_SCHEDULING


def test_log_lists_problems_with_the_psa_message_and_retry_reruns(
    client, admin, cw, cw_connection, tech
):
    app, _ = cw
    app.add_company("Acme")
    app.fail(
        500, {"code": "Error", "message": "database on fire"}, times=20, path="finance/agreements"
    )
    sync_run(connection=cw_connection)
    client.force_login(admin.user)
    page = client.get(reverse("psa:log", args=[cw_connection.pk])).content.decode()
    assert "database on fire" in page
    assert "Stopped" in page
    SyncProblem.objects.create(
        connection=cw_connection,
        direction="pull",
        record_kind="ticket",
        remote_id="9",
        record="ticket 9",
        summary="Waiting.",
        created_at=dt.datetime.now(dt.UTC),
        last_seen_at=dt.datetime.now(dt.UTC),
    )
    problem = SyncProblem.objects.get()
    app.faults.clear()
    response = client.post(reverse("psa:retry", args=[cw_connection.pk, problem.pk]))
    assert response.status_code == 302
    assert SyncRun.objects.filter(trigger="retry").exists()


def test_callback_starts_the_timer(client, cw, cw_connection, tech):
    app, server = cw
    member = app.add_member(tech.user.email)
    ticket = app.add_ticket(app.add_company("Acme"), "Printer", owner=member)
    sync_run(connection=cw_connection)
    app.set_status(ticket, "In Progress")
    body = app.callback_body(server.url, ticket)
    url = reverse("psa:webhook", args=[cw_connection.pk, cw_connection.webhook_token])
    response = client.post(
        url,
        body,
        content_type="application/json",
        headers={"x-content-signature": app.signature(body)},
    )
    assert response.status_code == 204
    assert Timer.objects.get(member=tech).ticket == Ticket.objects.get()


def test_callback_with_a_wrong_token_or_signature_is_refused(client, cw, cw_connection, tech):
    app, server = cw
    ticket = app.add_ticket(app.add_company("Acme"), "Printer")
    body = app.callback_body(server.url, ticket)
    wrong_token = reverse("psa:webhook", args=[cw_connection.pk, "guess"])
    assert (
        client.post(
            wrong_token,
            body,
            content_type="application/json",
            headers={"x-content-signature": app.signature(body)},
        ).status_code
        == 403
    )
    url = reverse("psa:webhook", args=[cw_connection.pk, cw_connection.webhook_token])
    assert (
        client.post(
            url, body, content_type="application/json", headers={"x-content-signature": "bad"}
        ).status_code
        == 403
    )
    assert client.post(url, b"not json", content_type="application/json").status_code == 400
    assert not Ticket.objects.exists()


def test_command_syncs_and_dry_run_keeps_nothing(cw, cw_connection, capsys):
    app, _ = cw
    app.add_company("Acme")
    from io import StringIO

    out = StringIO()
    call_command("sync", cw_connection.name, "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not SyncRun.objects.exists()
    call_command("sync", str(cw_connection.pk), "--since", "2024-01-01", stdout=out)
    assert "Pulled" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nope"], "No PSA connection called 'Nope'"),
        (["Acme ConnectWise", "--since", "soon"], "--since takes a date"),
    ],
)
def test_command_refuses_bad_input(cw_connection, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("sync", *args)
