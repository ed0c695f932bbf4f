"""Two-factor sign-in with an authenticator app (TOTP), with real codes computed from the
device's secret at a frozen time."""

from base64 import b32encode
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from daybook.accounts.models import ApiToken
from daybook.accounts.views import PENDING_KEY_SESSION
from tests.api_support import client_for

from .conftest import PASSWORD, code_for

NOW = datetime(2025, 3, 12, 14, 30, 10, tzinfo=UTC)
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, in hex
MY_DAY = reverse("timekeeping:my_day")
VERIFY = reverse("accounts:two_factor_verify")
ENROL = reverse("accounts:two_factor")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code(step: int = 0) -> str:
    return code_for(KEY, NOW.timestamp(), step=step)


def with_app(member) -> TOTPDevice:
    return TOTPDevice.objects.create(user=member.user, name="Phone", key=KEY, confirmed=True)


def password_step(client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def signed_in_fully(client) -> bool:
    return client.get(MY_DAY).status_code == 200


# --- setting it up ------------------------------------------------------------------------


def test_the_setup_page_needs_a_signed_in_user(client, db):
    for response in (client.get(ENROL), client.post(ENROL, {"code": "123456"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not TOTPDevice.objects.exists()


def test_setting_up_shows_a_qr_code_and_the_secret_and_saves_nothing_yet(client, tech, clock):
    client.force_login(tech.user)
    response = client.get(ENROL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "QR code for your authenticator app" in page
    key = client.session[PENDING_KEY_SESSION]
    secret = response.context["secret"]
    assert secret.replace(" ", "") == b32encode(bytes.fromhex(key)).decode()
    assert secret in page
    assert not TOTPDevice.objects.exists()
    # Reloading keeps the same secret, so a scan made a moment ago still fits.
    client.get(ENROL)
    assert client.session[PENDING_KEY_SESSION] == key


def test_a_current_code_turns_it_on_and_verifies_this_session(client, tech, clock):
    client.force_login(tech.user)
    client.get(ENROL)
    key = client.session[PENDING_KEY_SESSION]
    response = client.post(ENROL, {"code": code_for(key, NOW.timestamp())})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=tech.user)
    assert device.confirmed
    assert device.key == key
    assert PENDING_KEY_SESSION not in client.session
    assert signed_in_fully(client)
    assert "Turn two-factor sign-in off" in client.get(ENROL).content.decode()


def test_a_code_from_the_previous_half_minute_is_still_accepted_when_setting_up(
    client, tech, clock
):
    client.force_login(tech.user)
    client.get(ENROL)
    key = client.session[PENDING_KEY_SESSION]
    assert client.post(ENROL, {"code": code_for(key, NOW.timestamp(), step=-1)}).status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("000000", "That code did not match"),
        ("12345", "Enter the 6-digit code"),
        ("abcdef", "Enter the 6-digit code"),
        ("", "Enter the 6-digit code your authenticator app shows."),
    ],
)
def test_a_bad_code_when_setting_up_says_so_and_saves_nothing(client, tech, clock, typed, message):
    client.force_login(tech.user)
    client.get(ENROL)
    key = client.session[PENDING_KEY_SESSION]
    if typed == "000000" and code_for(key, NOW.timestamp()) == "000000":
        typed = "111111"
    response = client.post(ENROL, {"code": typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_code_for_another_secret_does_not_turn_it_on(client, tech, clock):
    client.force_login(tech.user)
    client.get(ENROL)
    response = client.post(ENROL, {"code": code()})
    assert response.status_code == 400
    assert not TOTPDevice.objects.exists()


# --- the second step ----------------------------------------------------------------------


def test_after_the_password_a_user_with_an_app_must_enter_a_code(client, tech, clock):
    with_app(tech)
    response = password_step(client, "tess")
    assert response.status_code == 302
    # Every page sends the half-signed-in session to the code page, keeping where it went.
    response = client.get(MY_DAY)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?{urlencode({'next': MY_DAY})}"
    assert client.get("/api/time-entries/").status_code == 403
    assert "two-factor code" in client.get("/api/members/me/").json()["detail"]
    # The code page itself shows nothing of the user's: to the page they are not signed in.
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert not page.context["user"].is_authenticated
    assert "My Day" not in page.content.decode()

    response = client.post(VERIFY, {"code": code(), "next": MY_DAY})
    assert response.status_code == 302
    assert response["Location"] == MY_DAY
    assert signed_in_fully(client)


def test_a_wrong_code_is_refused_then_further_tries_wait(client, tech, clock):
    device = with_app(tech)
    password_step(client, "tess")
    wrong = "000000" if code() != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "That code did not match" in response.content.decode()
    # Straight after a wrong code even the right one waits (django-otp's growing delay).
    response = client.post(VERIFY, {"code": code()})
    assert response.status_code == 400
    assert "wait 1 second," in response.content.decode()
    assert not signed_in_fully(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    clock.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": code_for(KEY, NOW.timestamp() + 2)}).status_code == 302
    assert signed_in_fully(client)


def test_a_code_cannot_be_used_twice(client, tech, clock):
    with_app(tech)
    password_step(client, "tess")
    assert client.post(VERIFY, {"code": code()}).status_code == 302
    other = client.__class__()
    password_step(other, "tess")
    response = other.post(VERIFY, {"code": code()})
    assert response.status_code == 400
    assert not signed_in_fully(other)


def test_the_code_page_sends_others_to_sign_in(client, tech, clock):
    assert client.get(VERIFY)["Location"] == reverse("login")
    response = client.post(VERIFY, {"code": code()})
    assert response["Location"] == reverse("login")
    client.force_login(tech.user)  # no app: nothing to verify
    assert client.get(VERIFY)["Location"] == reverse("home")


def test_signing_out_from_the_code_page_ends_the_session(client, tech, clock):
    with_app(tech)
    password_step(client, "tess")
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_the_admin_asks_for_the_code_too(client, admin, clock):
    with_app(admin)
    response = client.post(
        reverse("admin:login"),
        {"username": "ada", "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    client.post(VERIFY, {"code": code()})
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_user_without_an_app_signs_in_with_the_password_alone(client, tech):
    password_step(client, "tess")
    assert signed_in_fully(client)


# --- roles that require it ----------------------------------------------------------------


@pytest.fixture
def finance_requires_it(settings):
    settings.DAYBOOK_REQUIRE_2FA_FOR = ["Finance"]


def test_a_role_that_requires_it_must_set_it_up_before_anything_else(
    client, finance, tech, finance_requires_it, clock
):
    password_step(client, "fin")
    for url in (MY_DAY, reverse("admin:index"), reverse("accounts:tokens")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(ENROL + "?next=")
    assert "requires two-factor" in client.get("/api/time-entries/").json()["detail"]
    page = client.get(ENROL)
    assert "Your role requires two-factor sign-in" in page.content.decode()
    key = client.session[PENDING_KEY_SESSION]
    response = client.post(ENROL, {"code": code_for(key, NOW.timestamp()), "next": MY_DAY})
    assert response["Location"] == MY_DAY
    assert signed_in_fully(client)
    assert client.get(reverse("admin:index")).status_code == 200
    # Roles not named are not asked.
    other = client.__class__()
    password_step(other, "tess")
    assert signed_in_fully(other)


def test_several_roles_can_require_it(client, finance, settings):
    settings.DAYBOOK_REQUIRE_2FA_FOR = ["Admin", "Finance"]
    password_step(client, "fin")
    assert client.get(MY_DAY)["Location"].startswith(ENROL)


def test_a_required_role_cannot_turn_it_off(client, finance, finance_requires_it, clock):
    with_app(finance)
    password_step(client, "fin")
    client.post(VERIFY, {"code": code()})
    clock.shift(timedelta(seconds=30))
    response = client.post(ENROL, {"code": code(step=1)})
    assert response.status_code == 400
    assert "Your role requires two-factor sign-in, so it stays on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=finance.user).exists()


# --- turning it off -----------------------------------------------------------------------


def test_turning_it_off_needs_a_current_code(client, tech, clock):
    with_app(tech)
    password_step(client, "tess")
    client.post(VERIFY, {"code": code()})
    clock.shift(timedelta(seconds=30))
    wrong = "000000" if code(step=1) != "000000" else "111111"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    assert TOTPDevice.objects.filter(user=tech.user).exists()
    clock.shift(timedelta(seconds=30))
    response = client.post(ENROL, {"code": code(step=2)}, follow=True)
    assert "Two-factor sign-in is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=tech.user).exists()


# --- the API token endpoint ---------------------------------------------------------------


def token_request(**extra):
    return APIClient().post(
        "/api/auth/token/", {"username": "tess", "password": PASSWORD, **extra}, format="json"
    )


def test_the_token_endpoint_asks_for_the_code_when_two_factor_is_on(tech, clock):
    with_app(tech)
    response = token_request()
    assert response.status_code == 400
    assert "send the current code" in response.json()["code"][0]
    wrong = "000000" if code() != "000000" else "111111"
    response = token_request(code=wrong)
    assert response.status_code == 400
    assert "did not match" in response.json()["code"][0]
    assert not ApiToken.objects.exists()
    clock.shift(timedelta(seconds=2))
    response = token_request(code=code_for(KEY, NOW.timestamp() + 2))
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=tech.user).count() == 1


def test_the_token_endpoint_refuses_a_required_role_without_an_app(finance, settings):
    settings.DAYBOOK_REQUIRE_2FA_FOR = ["Finance"]
    response = APIClient().post(
        "/api/auth/token/", {"username": "fin", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "Set it up at /accounts/two-factor/" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_tokens_keep_working_for_scripts_of_two_factor_users(tech, clock):
    """A token is a credential of its own: made after the code, it needs no code per call."""
    with_app(tech)
    key = token_request(code=code()).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/members/me/").status_code == 200


def test_the_account_page_says_whether_it_is_on(client, tech, clock):
    client.force_login(tech.user)
    assert (
        '>Two-factor sign-in</a> <span class="badge text-bg-secondary">off</span>'
        in client.get(reverse("accounts:index")).content.decode()
    )
    with_app(tech)
    client = client_for(None)
    password_step(client, "tess")
    client.post(VERIFY, {"code": code()})
    assert (
        '>Two-factor sign-in</a> <span class="badge text-bg-success">on</span>'
        in client.get(reverse("accounts:index")).content.decode()
    )
