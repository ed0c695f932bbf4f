import pytest

from daybook.people.models import Member
from tests.api_support import ANONYMOUS_REFUSED, client_for, ids
from tests.factories import UserFactory

MEMBERS = "/api/members/"
TEAMS = "/api/teams/"


@pytest.mark.parametrize("path", [MEMBERS, f"{MEMBERS}me/", TEAMS])
def test_anonymous_callers_are_refused_people_endpoints(db, path):
    assert client_for(None).get(path).status_code in ANONYMOUS_REFUSED


def test_anonymous_callers_are_refused_member_and_team_details(tech):
    client = client_for(None)
    assert client.get(f"{MEMBERS}{tech.pk}/").status_code in ANONYMOUS_REFUSED
    assert client.get(f"{TEAMS}{tech.team_id}/").status_code in ANONYMOUS_REFUSED


def test_technician_sees_only_themselves(tech, lead, other_team_tech):
    client = client_for(tech)
    assert ids(client.get(MEMBERS)) == {tech.pk}
    assert client.get(f"{MEMBERS}{lead.pk}/").status_code == 404
    assert client.get(f"{MEMBERS}{other_team_tech.pk}/").status_code == 404


def test_manager_sees_their_team_and_as_dispatch_whom_they_may_assign(tech, lead, other_team_tech):
    # Managers dispatch too, so other teams' members are listed for the member picker: by
    # name, without cost rates (their time stays out of reach: tests/timekeeping).
    other_team_tech.end_date = other_team_tech.start_date
    other_team_tech.save()
    client = client_for(lead)
    assert ids(client.get(MEMBERS)) == {tech.pk, lead.pk}
    assert client.get(f"{MEMBERS}{other_team_tech.pk}/").status_code == 404


@pytest.mark.parametrize("viewer", ["finance", "admin"])
def test_finance_and_admin_see_every_member_with_cost_rates(request, viewer, tech, other_team_tech):
    client = client_for(request.getfixturevalue(viewer))
    rows = client.get(MEMBERS).json()["results"]
    assert {tech.pk, other_team_tech.pk} <= {row["id"] for row in rows}
    assert all("cost_rate" in row for row in rows)


def test_member_fields_and_cost_rate_hidden_from_technicians(tech):
    body = client_for(tech).get(f"{MEMBERS}{tech.pk}/").json()
    assert body == {
        "id": tech.pk,
        "name": "Tess Tester",
        "username": "tess",
        "team": tech.team_id,
        "time_zone": "America/New_York",
        "expected_hours_per_day": "8.00",
        "default_work_role": tech.default_work_role_id,
    }


def test_me_returns_the_signed_in_member(tech):
    response = client_for(tech).get(f"{MEMBERS}me/")
    assert response.status_code == 200
    assert response.json()["username"] == "tess"


def test_me_is_404_for_a_login_without_a_member(db):
    response = client_for(UserFactory(username="root", is_superuser=True)).get(f"{MEMBERS}me/")
    assert response.status_code == 404
    assert "no member profile" in response.json()["detail"]


def test_a_login_without_people_permissions_is_refused(tech):
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = client_for(outsider)
    assert client.get(MEMBERS).status_code == 403
    assert client.get(f"{MEMBERS}{tech.pk}/").status_code == 403
    assert client.get(TEAMS).status_code == 403
    assert client.get(f"{TEAMS}{tech.team_id}/").status_code == 403
    # Their own profile needs no permission beyond being signed in.
    assert client.get(f"{MEMBERS}me/").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_members_and_teams_are_read_only(admin, tech, method):
    client = client_for(admin)
    assert getattr(client, method)(MEMBERS, {}, format="json").status_code == 405
    response = getattr(client, method)(f"{MEMBERS}{tech.pk}/", {"team": None}, format="json")
    assert response.status_code == 405
    response = getattr(client, method)(f"{TEAMS}{tech.team_id}/", {"name": "x"}, format="json")
    assert response.status_code == 405
    tech.refresh_from_db()
    assert tech.team is not None


def test_teams_list_names(tech, other_team_tech):
    rows = client_for(tech).get(TEAMS).json()["results"]
    assert [row["name"] for row in rows] == ["Projects", "Service Desk"]


def test_members_filter_by_team(finance, tech, lead, other_team_tech):
    assert ids(client_for(finance).get(f"{MEMBERS}?team={tech.team_id}")) == {tech.pk, lead.pk}
