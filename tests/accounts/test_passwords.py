"""Password change and reset on Daybook's own pages; the reset mail goes through a real SMTP
server on 127.0.0.1. Every door that sets a password revokes the user's API tokens."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from daybook.accounts.models import ApiToken
from daybook.accounts.services import token_create
from tests.api_support import client_for

from .conftest import PASSWORD

NEW = "a-brand-new-passphrase"
CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
BASE_URL = "https://daybook.example.test"


def can_sign_in(username: str, password: str) -> bool:
    return get_user_model().objects.get(username=username).check_password(password)


def live_tokens(user) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()


# --- change -------------------------------------------------------------------------------


def test_the_change_page_needs_a_signed_in_user(client, tech):
    for response in (client.get(CHANGE), client.post(CHANGE, {"old_password": PASSWORD})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert can_sign_in("tess", PASSWORD)


def test_changing_the_password_revokes_tokens_and_keeps_this_session(client, tech):
    token_create(user=tech.user, name="Sync")
    token_create(user=tech.user, name="Export")
    other_browser = client_for(tech)
    client.force_login(tech.user)
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert can_sign_in("tess", NEW)
    assert live_tokens(tech.user) == 0
    assert "Password changed" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("timekeeping:my_day")).status_code == 200
    # Other browsers signed in with the old password are signed out.
    assert other_browser.get(reverse("timekeeping:my_day")).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
            "That is not your current password, so nothing was changed.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
            "The two new passwords are not the same.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"},
            "too short",
        ),
        ({"old_password": PASSWORD}, "Type the new password a second time."),
    ],
)
def test_bad_input_changes_nothing(client, tech, data, message):
    token_create(user=tech.user, name="Sync")
    client.force_login(tech.user)
    response = client.post(CHANGE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert can_sign_in("tess", PASSWORD)
    assert live_tokens(tech.user) == 1


# --- reset --------------------------------------------------------------------------------


def reset_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(https?://\S+/accounts/password/reset/\S+/)", body).group(1)


def test_a_reset_mail_arrives_and_its_link_sets_a_new_password(client, tech, smtp, settings):
    settings.DAYBOOK_BASE_URL = BASE_URL
    token_create(user=tech.user, name="Sync")
    response = client.post(RESET, {"email": "tess@example.test"}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert "Check your email" in client.get(response["Location"]).content.decode()

    [mail] = smtp.messages
    assert mail["To"] == "tess@example.test"
    assert mail["Subject"] == "Set a new Daybook password"
    link = reset_link(mail)
    # The public address, not the host the request came in on.
    assert link.startswith(BASE_URL + "/accounts/password/reset/")
    assert "within 72 hours" in mail.get_body().get_content()

    page = client.get(urlsplit(link).path, follow=True)
    assert page.status_code == 200
    assert "Set a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW + "x"})
    assert "The two new passwords are not the same." in response.content.decode()
    assert can_sign_in("tess", PASSWORD)
    assert live_tokens(tech.user) == 1

    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert can_sign_in("tess", NEW)
    assert live_tokens(tech.user) == 0
    # The link worked once.
    again = client.get(urlsplit(link).path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, tech, smtp):
    response = client.post(RESET, {"email": "nobody@example.test"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert smtp.messages == []


def test_a_malformed_address_is_explained(client, db, smtp):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter an email address such as name@example.com." in response.content.decode()
    assert smtp.messages == []


def test_a_made_up_link_does_not_work(client, tech):
    response = client.get(
        reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "nope"})
    )
    assert "This link no longer works" in response.content.decode()


def test_the_sign_in_page_links_to_the_reset(client, db):
    assert RESET in client.get(reverse("login")).content.decode()


# --- the admin's door ---------------------------------------------------------------------


def test_setting_a_password_in_the_admin_revokes_tokens(client, admin, tech):
    token_create(user=tech.user, name="Sync")
    client.force_login(admin.user)
    url = reverse("admin:auth_user_password_change", args=[tech.user.pk])
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302
    assert can_sign_in("tess", NEW)
    assert live_tokens(tech.user) == 0


def test_a_bad_password_in_the_admin_keeps_the_tokens(client, admin, tech):
    token_create(user=tech.user, name="Sync")
    client.force_login(admin.user)
    url = reverse("admin:auth_user_password_change", args=[tech.user.pk])
    response = client.post(
        url, {"password1": NEW, "password2": "different", "usable_password": "true"}
    )
    assert response.status_code == 200
    assert can_sign_in("tess", PASSWORD)
    assert live_tokens(tech.user) == 1


def test_turning_password_sign_in_off_in_the_admin_revokes_tokens_too(client, admin, tech):
    token_create(user=tech.user, name="Sync")
    client.force_login(admin.user)
    url = reverse("admin:auth_user_password_change", args=[tech.user.pk])
    response = client.post(url, {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    tech.user.refresh_from_db()
    assert not tech.user.has_usable_password()
    assert live_tokens(tech.user) == 0
