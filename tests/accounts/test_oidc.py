"""Single sign-on against a real OpenID Connect provider running on 127.0.0.1 (see
oidc_provider.py): discovery, PKCE, state and nonce, RS256-signed ID tokens checked by
authlib, and the verified email matched to one active login."""

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from daybook.accounts.config import OidcProvider

from .conftest import free_port

START = reverse("accounts:sso_start", kwargs={"provider": "entra"})
MY_DAY = reverse("timekeeping:my_day")


def at_provider(client: Client, next_url: str = "") -> str:
    """Start signing in at Daybook; return where the provider sends the browser back."""
    response = client.get(START, {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    answer = httpx.get(response["Location"], follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def back_at_daybook(client: Client, callback_url: str):
    url = urlsplit(callback_url)
    assert f"{url.scheme}://{url.netloc}" == "http://testserver"
    return client.get(url.path, parse_qs(url.query))


def signed_in_as(client: Client):
    user_id = client.session.get("_auth_user_id")
    return None if user_id is None else get_user_model().objects.get(pk=user_id)


def test_signing_in_with_the_provider(client, tech, provider):
    response = back_at_daybook(client, at_provider(client, next_url=MY_DAY))
    assert response.status_code == 302
    assert response["Location"] == MY_DAY
    assert signed_in_as(client) == tech.user
    assert client.get(MY_DAY).status_code == 200
    # What went over the wire: a PKCE challenge, a state and a nonce out, the verifier and the
    # client's secret (HTTP Basic) back in; the provider checked them all.
    sent = provider.authorize_requests[0]
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"]
    assert sent["nonce"]
    assert sent["redirect_uri"] == "http://testserver/accounts/sso/entra/callback/"
    assert {"openid", "email"} <= set(sent["scope"].split())
    assert provider.token_requests[0]["code_verifier"]
    assert provider.refusals == []


def test_the_sign_in_page_offers_each_provider(client, db, provider):
    page = client.get(reverse("login"), {"next": MY_DAY}).content.decode()
    assert "Sign in with Contoso" in page
    assert f'href="{START}?next=%2Ftime%2Fday%2F"' in page


def test_no_button_when_no_provider_is_set_up(client, db, settings):
    settings.DAYBOOK_OIDC_PROVIDERS = ()
    assert "Sign in with" not in client.get(reverse("login")).content.decode()


def test_an_unknown_provider_is_a_404(client, db, provider):
    assert (
        client.get(reverse("accounts:sso_start", kwargs={"provider": "google"})).status_code == 404
    )
    callback = reverse("accounts:sso_callback", kwargs={"provider": "google"})
    assert client.get(callback, {"code": "x", "state": "y"}).status_code == 404


def refused(response, message: str) -> None:
    assert response.status_code == 403
    page = response.content.decode()
    assert message in page, page
    assert 'id="sso-error"' in page


def test_a_token_for_another_audience_is_refused(client, tech, provider):
    provider.tamper = {"aud": "someone-else"}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "was issued to another application, not to Daybook")
    assert signed_in_as(client) is None


def test_a_token_naming_daybook_among_others_without_azp_is_refused(client, tech, provider):
    provider.tamper = {"aud": ["someone-else", provider.client_id]}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "was issued to another application")
    assert signed_in_as(client) is None


def test_a_token_with_the_wrong_nonce_is_refused(client, tech, provider):
    provider.tamper = {"nonce": "not-the-one-daybook-sent"}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "does not match the sign-in started here")
    assert signed_in_as(client) is None


def test_a_token_from_another_issuer_is_refused(client, tech, provider):
    provider.tamper = {"iss": "https://login.example.test/other-tenant/v2.0"}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "did not come from the Contoso organisation")
    assert signed_in_as(client) is None


def test_an_expired_token_is_refused(client, tech, provider):
    provider.tamper = {"exp": 1_000_000_000}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "had already expired")
    assert signed_in_as(client) is None


def test_no_matching_account_says_so_on_the_sign_in_page(client, tech, provider):
    provider.claims = {**provider.claims, "email": "newcomer@example.test"}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "No Daybook account uses the email address newcomer@example.test.")
    assert signed_in_as(client) is None
    assert not get_user_model().objects.filter(email="newcomer@example.test").exists()


def test_an_unverified_email_is_not_trusted(client, tech, provider):
    provider.claims = {**provider.claims, "email_verified": False}
    response = back_at_daybook(client, at_provider(client))
    refused(response, "does not vouch that tess@example.test is yours")
    assert signed_in_as(client) is None


def test_entra_vouches_for_an_email_with_its_domain_owner_claim(client, tech, provider):
    claims = {k: v for k, v in provider.claims.items() if k != "email_verified"}
    provider.claims = {**claims, "xms_edov": True}
    back_at_daybook(client, at_provider(client))
    assert signed_in_as(client) == tech.user


def test_a_disabled_login_is_not_signed_in(client, tech, provider):
    tech.user.is_active = False
    tech.user.save()
    response = back_at_daybook(client, at_provider(client))
    refused(response, "No Daybook account uses the email address tess@example.test")
    assert signed_in_as(client) is None


def test_an_address_shared_by_two_logins_is_refused(client, tech, lead, provider):
    lead.user.email = "TESS@example.test"
    lead.user.save()
    response = back_at_daybook(client, at_provider(client))
    refused(response, "More than one Daybook account uses tess@example.test")
    assert signed_in_as(client) is None


def test_new_logins_are_made_only_when_allowed(client, db, provider, settings):
    settings.DAYBOOK_OIDC_CREATE_USERS = True
    provider.claims = {**provider.claims, "email": "newcomer@example.test"}
    back_at_daybook(client, at_provider(client))
    user = signed_in_as(client)
    assert user.email == "newcomer@example.test"
    assert user.username == "newcomer"
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert not user.is_staff


def test_an_answer_brought_to_another_browser_is_refused(client, tech, provider):
    callback = at_provider(client)
    other = Client()
    refused(
        back_at_daybook(other, callback), "does not belong to a sign-in started in this browser"
    )
    assert signed_in_as(other) is None


def test_an_answer_cannot_be_used_twice(client, tech, provider):
    callback = at_provider(client)
    back_at_daybook(client, callback)
    client.post(reverse("logout"))
    refused(
        back_at_daybook(client, callback), "does not belong to a sign-in started in this browser"
    )
    assert signed_in_as(client) is None


def test_a_cancelled_sign_in_says_so(client, db, provider):
    client.get(START)
    callback = reverse("accounts:sso_callback", kwargs={"provider": "entra"})
    response = client.get(callback, {"error": "access_denied", "state": "whatever"})
    refused(response, "Signing in with Contoso was cancelled.")


def test_a_wrong_client_secret_is_reported(client, tech, provider, settings):
    settings.DAYBOOK_OIDC_PROVIDERS = (
        dataclasses.replace(settings.DAYBOOK_OIDC_PROVIDERS[0], client_secret="not-the-secret"),
    )
    response = back_at_daybook(client, at_provider(client))
    refused(response, "Contoso did not complete the sign-in (invalid_client)")
    assert provider.refusals == ["invalid_client: wrong client id or secret"]
    assert signed_in_as(client) is None


def test_a_provider_that_cannot_be_reached_is_reported(client, db, settings):
    address = f"http://127.0.0.1:{free_port()}"
    settings.DAYBOOK_OIDC_PROVIDERS = (
        OidcProvider(
            name="google",
            label="Google",
            client_id="id",
            client_secret="secret",
            issuer=address,
            discovery_url=address + "/.well-known/openid-configuration",
        ),
    )
    response = client.get(reverse("accounts:sso_start", kwargs={"provider": "google"}))
    assert response.status_code == 502
    assert "Daybook could not reach Google" in response.content.decode()


def test_an_issuer_that_differs_from_the_configured_one_is_reported(
    client, tech, provider, settings
):
    settings.DAYBOOK_OIDC_PROVIDERS = (
        dataclasses.replace(
            settings.DAYBOOK_OIDC_PROVIDERS[0], issuer="https://login.example.test/tenant/v2.0"
        ),
    )
    response = back_at_daybook(client, at_provider(client))
    refused(response, "is not set up correctly")
    assert signed_in_as(client) is None


def test_single_sign_on_still_asks_for_the_two_factor_code(client, tech, provider):
    TOTPDevice.objects.create(user=tech.user, name="Phone", confirmed=True)
    back_at_daybook(client, at_provider(client, next_url=MY_DAY))
    response = client.get(MY_DAY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_an_unsafe_next_address_is_not_followed(client, tech, provider):
    response = back_at_daybook(client, at_provider(client, next_url="https://evil.example/"))
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("name", ["entra", "google"])
def test_both_provider_kinds_use_their_own_callback(client, db, provider, settings, name):
    settings.DAYBOOK_OIDC_PROVIDERS = (
        dataclasses.replace(settings.DAYBOOK_OIDC_PROVIDERS[0], name=name),
    )
    response = client.get(reverse("accounts:sso_start", kwargs={"provider": name}))
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == [f"http://testserver/accounts/sso/{name}/callback/"]
