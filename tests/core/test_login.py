import pytest
from django.urls import reverse


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "finance", "admin"])
def test_every_role_signs_in_on_the_app_login_page(client, request, who):
    member = request.getfixturevalue(who)
    response = client.post(
        reverse("login"), {"username": member.user.username, "password": "pass-for-tests"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_is_refused_with_a_message(client, tech):
    response = client.post(reverse("login"), {"username": "tess", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content
    assert "_auth_user_id" not in client.session


def test_pages_send_anonymous_visitors_to_the_app_login(client, db):
    response = client.get(reverse("timekeeping:my_day"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_out_ends_the_session(client, tech):
    client.force_login(tech.user)
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
