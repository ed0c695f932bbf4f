"""Sign-in throttling: after DAYBOOK_LOGIN_FAILURE_LIMIT failures for a username from an
address, every door refuses that pair for the cool-off, even with the right password; an
administrator can lift the pause at once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from daybook.accounts.throttle import client_ip
from tests.api_support import client_for

from .conftest import PASSWORD

NOON = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
WEB, API, ADMIN = "web", "api", "admin"


def sign_in(client, door: str, username: str, password: str):
    if door == WEB:
        return client.post(reverse("login"), {"username": username, "password": password})
    if door == API:
        return client.post(
            "/api/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
        )
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def signed_in(door: str, response) -> bool:
    if door == API:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def assert_paused(door: str, response) -> None:
    assert response.status_code == 429
    detail = response.json()["detail"] if door == API else response.content.decode()
    assert "paused after 5 failed tries" in detail
    assert "Try again in 15 minutes" in detail
    assert int(response["Retry-After"]) == 15 * 60


@pytest.mark.parametrize("door", [WEB, API, ADMIN])
def test_thirty_wrong_passwords_pause_the_door_even_for_the_right_one(client, admin, door):
    with time_machine.travel(NOON, tick=False):
        answers = [sign_in(client, door, "ada", f"wrong-{i}") for i in range(30)]
        assert all(not signed_in(door, answer) for answer in answers)
        # The fifth failure starts the pause; the ones before are ordinary refusals.
        assert answers[3].status_code != 429
        assert_paused(door, answers[4])
        response = sign_in(client, door, "ada", PASSWORD)
    assert_paused(door, response)
    assert not signed_in(door, response)


@pytest.mark.parametrize("door", [WEB, API, ADMIN])
def test_an_administrator_unlock_lets_the_right_password_in(client, admin, door):
    for i in range(30):
        sign_in(client, door, "ada", f"wrong-{i}")
    assert sign_in(client, door, "ada", PASSWORD).status_code == 429

    staff = client_for(admin)  # the administrator's own browser, already signed in
    changelist = reverse("admin:axes_accessattempt_changelist")
    attempts = list(AccessAttempt.objects.filter(username="ada").values_list("pk", flat=True))
    response = staff.post(changelist, {"action": "unlock", "_selected_action": attempts})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ada").exists()

    assert signed_in(door, sign_in(client, door, "ada", PASSWORD))


def test_failures_at_one_door_pause_the_others(client, tech):
    for i in range(5):
        sign_in(client, WEB, "tess", f"wrong-{i}")
    assert sign_in(client, API, "tess", PASSWORD).status_code == 429


def test_the_pause_is_for_one_username_from_one_address(client, tech, lead):
    for i in range(5):
        sign_in(client, WEB, "tess", f"wrong-{i}")
    # Another username from the same address, and the same username from elsewhere, go on.
    assert signed_in(WEB, sign_in(client, WEB, "lena", PASSWORD))
    elsewhere = client.__class__(REMOTE_ADDR="203.0.113.9")
    assert signed_in(WEB, sign_in(elsewhere, WEB, "tess", PASSWORD))


def test_the_pause_ends_after_the_cool_off_and_does_not_restart_on_tries(client, tech):
    with time_machine.travel(NOON, tick=False) as clock:
        for i in range(5):
            sign_in(client, WEB, "tess", f"wrong-{i}")
        clock.shift(timedelta(minutes=10))
        response = sign_in(client, WEB, "tess", PASSWORD)
        assert response.status_code == 429
        assert "Try again in 5 minutes" in response.content.decode()
        clock.shift(timedelta(minutes=5, seconds=1))
        assert signed_in(WEB, sign_in(client, WEB, "tess", PASSWORD))


def test_fewer_failures_than_the_limit_do_not_pause(client, tech):
    for i in range(4):
        response = sign_in(client, WEB, "tess", f"wrong-{i}")
        assert response.status_code == 200
        assert b"did not match" in response.content
    assert signed_in(WEB, sign_in(client, WEB, "tess", PASSWORD))


def test_the_limit_and_cool_off_come_from_settings(client, tech, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.DAYBOOK_LOGIN_COOLOFF_MINUTES = 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    sign_in(client, API, "tess", "wrong-1")
    response = sign_in(client, API, "tess", "wrong-2")
    assert response.status_code == 429
    assert "paused after 2 failed tries. Try again in 30 minutes" in response.json()["detail"]


def test_the_unlock_action_needs_the_right_to_delete_attempts(client, tech, finance):
    for i in range(5):
        sign_in(client, WEB, "tess", f"wrong-{i}")
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    changelist = reverse("admin:axes_accessattempt_changelist")
    # Finance is staff, but has no permission on sign-in records.
    response = client_for(finance).post(
        changelist, {"action": "unlock", "_selected_action": attempts}
    )
    assert response.status_code == 403
    anonymous = client_for(None).post(
        changelist, {"action": "unlock", "_selected_action": attempts}
    )
    assert anonymous.status_code == 302
    assert AccessAttempt.objects.filter(username="tess").exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxy: the header is the visitor's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the visitor made up the first entry
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # fewer entries than proxies: not to be trusted
    ],
)
def test_client_address_behind_proxies(settings, proxies, forwarded, expected):
    settings.DAYBOOK_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
