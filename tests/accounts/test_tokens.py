"""API tokens: stored as hashes, expiring, revocable by their owner, refused with a reason."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.accounts.models import ApiToken
from daybook.accounts.selectors import token_hash
from daybook.accounts.services import token_create, token_revoke, tokens_revoke_all
from tests.api_support import ANONYMOUS_REFUSED, client_for
from tests.factories import UserFactory

from .conftest import PASSWORD

NOW = datetime(2025, 3, 12, 14, 30, tzinfo=UTC)
ME = "/api/members/me/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- the service --------------------------------------------------------------------------


def test_only_a_hash_of_the_key_is_kept(tech):
    _, key = token_create(user=tech.user, name="Invoice sync", at=NOW)
    assert key.startswith("dbk_")
    assert len(key) > 40
    stored = ApiToken.objects.get()
    assert stored.key_hash == token_hash(key)
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.prefix == key[:12]
    assert stored.created_at == NOW
    assert stored.expires_at == NOW + timedelta(days=90)


def test_the_default_lifetime_comes_from_settings(tech, settings):
    settings.DAYBOOK_API_TOKEN_DAYS = 7
    token, _ = token_create(user=tech.user, name="Short", at=NOW)
    assert token.expires_at == NOW + timedelta(days=7)
    token, _ = token_create(user=tech.user, name="Chosen", days=30, at=NOW)
    assert token.expires_at == NOW + timedelta(days=30)


@pytest.mark.parametrize(
    ("name", "days", "field", "message"),
    [
        ("", 10, "name", "Give the token a name"),
        ("   ", 10, "name", "Give the token a name"),
        ("x" * 101, 10, "name", "100 characters or fewer"),
        ("Sync", 0, "days", "from 1 to 365 days, not 0"),
        ("Sync", 366, "days", "from 1 to 365 days, not 366"),
    ],
)
def test_bad_names_and_lifetimes_are_refused_and_nothing_is_saved(tech, name, days, field, message):
    with pytest.raises(ValidationError) as refusal:
        token_create(user=tech.user, name=name, days=days)
    assert message in " ".join(refusal.value.message_dict[field])
    assert not ApiToken.objects.exists()


def test_a_cap_keeps_a_new_token_from_outliving_another(tech):
    cap = NOW + timedelta(days=3)
    token, _ = token_create(user=tech.user, name="Child", days=90, not_after=cap, at=NOW)
    assert token.expires_at == cap


def test_revoking_keeps_the_first_time(tech):
    token, _ = token_create(user=tech.user, name="Sync", at=NOW)
    token_revoke(token=token, at=NOW + timedelta(hours=1))
    token_revoke(token=token, at=NOW + timedelta(hours=2))
    token.refresh_from_db()
    assert token.revoked_at == NOW + timedelta(hours=1)


def test_revoking_all_touches_only_that_users_live_tokens(tech, lead):
    mine, _ = token_create(user=tech.user, name="Mine", at=NOW)
    old, _ = token_create(user=tech.user, name="Old", at=NOW)
    token_revoke(token=old, at=NOW)
    theirs, _ = token_create(user=lead.user, name="Theirs", at=NOW)
    assert tokens_revoke_all(user=tech.user, at=NOW + timedelta(days=1)) == 1
    mine.refresh_from_db()
    old.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at == NOW + timedelta(days=1)
    assert old.revoked_at == NOW
    assert theirs.revoked_at is None


# --- signing in with a token --------------------------------------------------------------


def test_a_live_token_signs_in_and_records_its_last_use(tech):
    with time_machine.travel(NOW, tick=False) as clock:
        token, key = token_create(user=tech.user, name="Sync")
        assert token.last_used_at is None
        assert with_key(key).get(ME).json()["username"] == "tess"
        token.refresh_from_db()
        assert token.last_used_at == NOW
        # Within the minute the time is not written again; after it, it is.
        clock.shift(timedelta(seconds=30))
        with_key(key).get(ME)
        token.refresh_from_db()
        assert token.last_used_at == NOW
        clock.shift(timedelta(seconds=31))
        with_key(key).get(ME)
        token.refresh_from_db()
        assert token.last_used_at == NOW + timedelta(seconds=61)


def test_an_expired_token_is_refused_with_the_date(tech):
    with time_machine.travel(NOW, tick=False) as clock:
        _, key = token_create(user=tech.user, name="Sync", days=1)
        clock.shift(timedelta(days=1))
        response = with_key(key).get(ME)
    assert response.status_code in ANONYMOUS_REFUSED
    detail = response.json()["detail"]
    assert "“Sync”) expired on 2025-03-13 14:30 UTC" in detail
    assert "/accounts/tokens/" in detail


def test_a_revoked_token_is_refused_with_the_date(tech):
    token, key = token_create(user=tech.user, name="Sync")
    token_revoke(token=token, at=NOW)
    response = with_key(key).get(ME)
    assert response.status_code in ANONYMOUS_REFUSED
    assert "“Sync”) was revoked on 2025-03-12 14:30 UTC" in response.json()["detail"]


def test_a_token_of_a_disabled_login_is_refused(tech):
    _, key = token_create(user=tech.user, name="Sync")
    tech.user.is_active = False
    tech.user.save()
    response = with_key(key).get(ME)
    assert response.status_code in ANONYMOUS_REFUSED
    assert "disabled" in response.json()["detail"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token dbk_not-a-real-key", "That API token is not valid"),
        ("Token two words", "with nothing else after it"),
        ("Token", "with nothing else after it"),
    ],
)
def test_unknown_and_malformed_tokens_are_refused(db, header, message):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code in ANONYMOUS_REFUSED
    assert message in response.json()["detail"]


# --- the token endpoint -------------------------------------------------------------------


def test_the_token_endpoint_hands_out_a_key_once(tech):
    response = APIClient().post(
        "/api/auth/token/",
        {"username": "tess", "password": PASSWORD, "name": "Nightly export"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "Nightly export"
    assert data["state"] == "active"
    assert data["prefix"] == data["token"][:12]
    listed = client_for(tech).get("/api/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["Nightly export"]
    assert "token" not in listed[0]
    assert data["token"] not in str(listed)


def test_the_token_endpoint_refuses_a_wrong_password_and_saves_nothing(tech):
    response = APIClient().post(
        "/api/auth/token/", {"username": "tess", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["That username and password did not match."]}
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_wants_both_fields(db):
    response = APIClient().post("/api/auth/token/", {"username": "tess"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


# --- /api/tokens/ -------------------------------------------------------------------------


def test_anonymous_callers_cannot_list_or_make_tokens(db):
    client = client_for(None)
    assert client.get("/api/tokens/").status_code in ANONYMOUS_REFUSED
    assert (
        client.post("/api/tokens/", {"name": "x"}, format="json").status_code in ANONYMOUS_REFUSED
    )
    assert not ApiToken.objects.exists()


def test_each_login_lists_only_its_own_tokens(tech, lead):
    token_create(user=tech.user, name="Mine")
    token_create(user=lead.user, name="Theirs")
    names = [row["name"] for row in client_for(tech).get("/api/tokens/").json()["results"]]
    assert names == ["Mine"]


def test_making_a_token_through_the_api_shows_the_key_once(tech):
    response = client_for(tech).post("/api/tokens/", {"name": "CI", "days": 10}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert with_key(data["token"]).get(ME).json()["username"] == "tess"
    token = ApiToken.objects.get(pk=data["id"])
    assert (token.expires_at - token.created_at) == timedelta(days=10)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "CI", "days": 0}, "days"),
        ({"name": "CI", "days": 400}, "days"),
    ],
)
def test_bad_input_through_the_api_saves_nothing(tech, body, field):
    response = client_for(tech).post("/api/tokens/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_a_token_made_with_a_token_expires_no_later_than_its_maker(tech):
    maker, key = token_create(user=tech.user, name="Maker", days=2)
    response = with_key(key).post("/api/tokens/", {"name": "Child", "days": 300}, format="json")
    assert response.status_code == 201
    assert ApiToken.objects.get(pk=response.json()["id"]).expires_at == maker.expires_at


def test_deleting_revokes_ones_own_token_and_keeps_it_listed(tech):
    token, key = token_create(user=tech.user, name="Sync")
    response = client_for(tech).delete(f"/api/tokens/{token.pk}/")
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert with_key(key).get(ME).status_code in ANONYMOUS_REFUSED
    listed = client_for(tech).get("/api/tokens/").json()["results"]
    assert listed[0]["state"] == "revoked"


def test_nobody_can_revoke_someone_elses_token(tech, admin):
    token, key = token_create(user=tech.user, name="Sync")
    for other in (admin, None):
        response = client_for(other).delete(f"/api/tokens/{token.pk}/")
        assert response.status_code in {404, *ANONYMOUS_REFUSED}
    token.refresh_from_db()
    assert token.revoked_at is None
    assert with_key(key).get(ME).status_code == 200


def test_a_login_without_a_member_manages_its_own_tokens(db):
    root = UserFactory(username="root", is_superuser=True)
    response = client_for(root).post("/api/tokens/", {"name": "Root"}, format="json")
    assert response.status_code == 201


# --- /accounts/tokens/ --------------------------------------------------------------------


def test_the_tokens_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("accounts:tokens"), {"name": "x", "days": 5})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_the_page_makes_a_token_and_shows_its_key_only_then(client, tech):
    client.force_login(tech.user)
    response = client.post(reverse("accounts:tokens"), {"name": "Invoice sync", "days": "30"})
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert "Copy it now" in response.content.decode()
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert key not in page
    assert "Invoice sync" in page
    assert key[:12] in page
    assert with_key(key).get(ME).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "30"}, "Give the token a name"),
        ({"name": "Sync", "days": "0"}, "A token lasts from 1 to 365 days."),
        ({"name": "Sync", "days": "many"}, "whole number"),
    ],
)
def test_bad_input_on_the_page_gets_a_message_and_saves_nothing(client, tech, data, message):
    client.force_login(tech.user)
    response = client.post(reverse("accounts:tokens"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_page_revokes_ones_own_token_only(client, tech, lead):
    mine, _ = token_create(user=tech.user, name="Mine")
    theirs, _ = token_create(user=lead.user, name="Theirs")
    client.force_login(tech.user)
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("accounts:token_revoke", args=[mine.pk]), follow=True)
    assert "no longer works" in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None


def test_revoking_needs_a_signed_in_user_and_a_post(client, tech):
    token, _ = token_create(user=tech.user, name="Mine")
    url = reverse("accounts:token_revoke", args=[token.pk])
    assert client.post(url).status_code == 302
    client.force_login(tech.user)
    assert client.get(url).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
