"""The account page, and how the second sign-in step treats htmx requests."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from daybook.accounts.services import token_create, token_revoke

from .conftest import PASSWORD

INDEX = reverse("accounts:index")


def test_the_account_page_needs_a_signed_in_user(client, db):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_account_page_links_to_each_setting(client, tech):
    token_create(user=tech.user, name="Live")
    token_revoke(token=token_create(user=tech.user, name="Gone")[0])
    client.force_login(tech.user)
    page = client.get(INDEX).content.decode()
    for name in ("password_change", "two_factor", "tokens"):
        assert reverse(f"accounts:{name}") in page
    assert 'API tokens</a> <span class="num">1 working</span>' in page
    # Every page links here once signed in.
    assert f'href="{INDEX}"' in client.get(reverse("timekeeping:my_day")).content.decode()


def test_an_htmx_request_owing_a_code_loads_the_code_page_whole(client, tech):
    TOTPDevice.objects.create(user=tech.user, name="Phone", confirmed=True)
    client.post(reverse("login"), {"username": "tess", "password": PASSWORD})
    response = client.get(reverse("timekeeping:my_day"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:two_factor_verify"))
