"""`daybook createadmin` makes a working administrator, or explains why it made nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from daybook.people.choices import Role
from daybook.people.models import Member

pytestmark = pytest.mark.django_db

STRONG = "quiet-harbour-lantern-58"


def createadmin(*args: str) -> str:
    out = StringIO()
    call_command("createadmin", *args, "--no-input", stdout=out)
    return out.getvalue()


def test_created_admin_can_sign_in_to_the_admin(client):
    output = createadmin("--username=boss", "--email=boss@example.com", f"--password={STRONG}")

    assert "'boss' created" in output
    member = Member.objects.get(user__username="boss")
    assert member.user.is_superuser
    assert member.user.groups.filter(name=Role.ADMIN).exists()
    response = client.post("/admin/login/", {"username": "boss", "password": STRONG})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_password_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DAYBOOK_ADMIN_PASSWORD", STRONG)
    createadmin("--username=boss")
    assert get_user_model().objects.get(username="boss").check_password(STRONG)


def test_taken_username_is_refused_and_nothing_is_created(admin):
    users_before = get_user_model().objects.count()
    with pytest.raises(CommandError, match="'ada' is already taken"):
        createadmin("--username=ada", f"--password={STRONG}")
    assert get_user_model().objects.count() == users_before
    assert Member.objects.count() == 1


@pytest.mark.parametrize("weak", ["password", "12345678901", "short1", "boss@example.com"])
def test_weak_password_is_refused_and_nothing_is_created(weak):
    with pytest.raises(CommandError, match="Password refused"):
        createadmin("--username=boss", "--email=boss@example.com", f"--password={weak}")
    assert not get_user_model().objects.filter(username="boss").exists()


def test_missing_password_without_prompting_is_an_error(monkeypatch):
    monkeypatch.delenv("DAYBOOK_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="A password is needed"):
        createadmin("--username=boss")
