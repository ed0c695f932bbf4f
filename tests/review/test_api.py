"""/api/reviews/: the same days and guardrails as the selectors, and every refusal."""

import pytest
from rest_framework.test import APIClient

from daybook.review.models import DayReview
from tests.factories import MemberFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

LIST = "/api/reviews/"
ALL_CLEAN = "/api/reviews/mark-all-clean/"


def day_url(member, day: str = "2025-03-14", action: str = "") -> str:
    return f"/api/reviews/{member.pk}/{day}/" + (f"{action}/" if action else "")


def client_for(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


@pytest.fixture
def tess(tech, ticket):
    """A 60-minute gap at 11:00, a 20-minute one at 10:00."""
    d = FRIDAY
    log_entry(tech, at(d, 9), at(d, 10), ticket=ticket)
    log_entry(tech, at(d, 10, 20), at(d, 11), ticket=ticket)
    log_entry(tech, at(d, 12), at(d, 17), ticket=ticket)
    return tech


@pytest.fixture
def lena(lead, ticket):
    log_entry(lead, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    return lead


def test_reviewer_lists_the_team_with_gaps_over_the_threshold_only(
    tess, lena, other_team_tech, after_review_opens
):
    response = client_for(lena).get(LIST, {"date": "2025-03-14"})
    assert response.status_code == 200
    days = response.json()["results"]
    assert [d["member"]["name"] for d in days] == ["Lena Tester", "Tess Tester"]
    lena_day, tess_day = days
    assert lena_day["own_day"] is True
    assert "small_gaps" in lena_day["day"]
    assert tess_day["own_day"] is False
    assert [g["minutes"] for g in tess_day["day"]["gaps"]] == [60]
    assert "small_gaps" not in tess_day["day"]


def test_reviewer_sees_in_progress_before_the_day_ends(tess, lena, time_machine):
    time_machine.move_to(at(FRIDAY, 17, 29), tick=False)
    response = client_for(lena).get(day_url(tess))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["day"] is None
    assert body["review_opens_at"] == "2025-03-14T17:30:00-04:00"


def test_member_sees_own_day_with_small_gaps_any_time(tess, time_machine):
    time_machine.move_to(at(FRIDAY, 17, 5), tick=False)
    body = client_for(tess).get(day_url(tess)).json()
    assert body["own_day"] is True
    assert body["status"] == "pending"
    assert [g["minutes"] for g in body["day"]["gaps"]] == [60]
    assert [g["minutes"] for g in body["day"]["small_gaps"]] == [20]


def test_technician_lists_only_their_own_day(tess, lena, after_review_opens):
    days = client_for(tess).get(LIST, {"date": "2025-03-14"}).json()["results"]
    assert [d["member"]["name"] for d in days] == ["Tess Tester"]


@pytest.mark.parametrize("outsider", ["other_team_tech", "dispatcher", "other_manager"])
def test_outsiders_get_404_for_a_day_they_may_not_see(tess, outsider, request, after_review_opens):
    client = client_for(request.getfixturevalue(outsider))
    assert client.get(day_url(tess)).status_code == 404
    assert client.post(day_url(tess, action="mark-clean")).status_code == 404
    assert client.post(day_url(tess, action="mark-excused"), {"note": "x"}).status_code == 404
    assert not DayReview.objects.exists()


def test_other_team_manager_lists_nothing_of_this_team(
    tess, other_manager, team, after_review_opens
):
    days = client_for(other_manager).get(LIST, {"date": "2025-03-14", "team": team.pk})
    assert days.status_code == 200
    assert days.json()["results"] == []


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_see_everyone(
    tess, lena, other_team_tech, role, request, after_review_opens
):
    days = client_for(request.getfixturevalue(role)).get(LIST, {"date": "2025-03-14"}).json()
    names = [d["member"]["name"] for d in days["results"]]
    assert {"Tess Tester", "Lena Tester", "Otto Tester"} <= set(names)


def test_anonymous_is_refused(tess):
    client = APIClient()
    assert client.get(LIST, {"date": "2025-03-14"}).status_code in (401, 403)
    assert client.get(day_url(tess)).status_code in (401, 403)
    assert client.post(ALL_CLEAN, {"date": "2025-03-14"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "date"), ({"date": "yesterday"}, "date"), ({"date": "2025-03-14", "team": "x"}, "team")],
)
def test_bad_list_parameters_are_400(tess, params, field):
    response = client_for(tess).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_team_is_400(tess):
    response = client_for(tess).get(LIST, {"date": "2025-03-14", "team": 999})
    assert response.status_code == 400
    assert response.json() == {"team": ["There is no team with id 999."]}


@pytest.mark.parametrize("day", ["2025-02-30", "14-03-2025", "soon"])
def test_bad_date_in_the_path_is_400(tess, day):
    response = client_for(tess).get(day_url(tess, day=day))
    assert response.status_code == 400
    assert "date" in response.json()


def test_unknown_member_is_404(tess):
    assert client_for(tess).get("/api/reviews/99999/2025-03-14/").status_code == 404


def test_no_ordering_by_hours(tess, lena, team, after_review_opens):
    busy = MemberFactory(team=team, user=UserFactory(first_name="Aaron"))
    for params in ({"ordering": "-logged_client_minutes"}, {"ordering": "unaccounted_minutes"}):
        days = client_for(lena).get(LIST, {"date": "2025-03-14", **params}).json()["results"]
        assert [d["member"]["id"] for d in days] == [busy.pk, lena.pk, tess.pk]


# --- Decisions --------------------------------------------------------------------------------


def test_reviewer_marks_clean_and_excused(tess, lena, team, ticket, after_review_opens):
    full = MemberFactory(team=team)
    log_entry(full, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    client = client_for(lena)
    response = client.post(day_url(full, action="mark-clean"))
    assert response.status_code == 200
    assert response.json()["status"] == "clean"

    refused = client.post(day_url(tess, action="mark-clean"))
    assert refused.status_code == 400
    assert "mark the day excused" in refused.json()["non_field_errors"][0]
    excused = client.post(day_url(tess, action="mark-excused"), {"note": "Training, all good."})
    assert excused.status_code == 200
    assert excused.json()["status"] == "excused"
    assert DayReview.objects.get(member=tess).note == "Training, all good."


def test_marking_before_the_review_opens_is_400(tess, lena, time_machine):
    time_machine.move_to(at(FRIDAY, 17, 15), tick=False)
    response = client_for(lena).post(day_url(tess, action="mark-excused"))
    assert response.status_code == 400
    assert "still under way" in response.json()["non_field_errors"][0]


def test_member_cannot_mark_their_own_day(tess, after_review_opens):
    response = client_for(tess).post(day_url(tess, action="mark-excused"))
    assert response.status_code == 403
    assert "reviewed by someone else" in response.json()["detail"]


def test_excuse_note_too_long_is_400(tess, lena, after_review_opens):
    response = client_for(lena).post(day_url(tess, action="mark-excused"), {"note": "x" * 2001})
    assert response.status_code == 400
    assert "note" in response.json()


def test_mark_all_clean(tess, lena, team, ticket, after_review_opens):
    full = MemberFactory(team=team)
    log_entry(full, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    response = client_for(lena).post(ALL_CLEAN, {"date": "2025-03-14", "team": team.pk})
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert list(DayReview.objects.values_list("member_id", "state")) == [(full.pk, "clean")]


def test_technician_cannot_mark_all_clean(tess, after_review_opens):
    response = client_for(tess).post(ALL_CLEAN, {"date": "2025-03-14"})
    assert response.status_code == 403


def test_mark_all_clean_needs_a_date(lena):
    response = client_for(lena).post(ALL_CLEAN, {"team": 1})
    assert response.status_code == 400
    assert "date" in response.json()


def test_login_without_member_reads_nothing_and_writes_nothing(tess, after_review_opens):
    client = APIClient()
    client.force_authenticate(UserFactory(username="bare"))
    assert client.get(LIST, {"date": "2025-03-14"}).status_code == 403
    assert client.post(ALL_CLEAN, {"date": "2025-03-14"}).status_code == 403
