"""ReviewDayForm: the one reading of a review's date, team and format that the daily review
page, /api/reviews/ and `daybook review` share, so a bad value reads the same at every door."""

import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.review.forms import ReviewDayForm, day_has_begun
from daybook.review.models import DayReview
from daybook.review.selectors import OPERATOR
from tests.factories import MemberFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

SATURDAY = FRIDAY + timedelta(days=1)
SUNDAY = FRIDAY + timedelta(days=2)


def errors(data: dict, viewer=OPERATOR, **kwargs) -> dict[str, list[str]]:
    form = ReviewDayForm(data, viewer=viewer, **kwargs)
    assert not form.is_valid()
    return {field: list(messages) for field, messages in form.errors.items()}


# --- the form ----------------------------------------------------------------------------------


def test_a_team_is_found_by_name_in_any_case_or_by_id(team):
    for raw in ["Service Desk", "  service DESK ", str(team.pk)]:
        chosen = ReviewDayForm({"date": "2025-03-14", "team": raw}, viewer=OPERATOR).checked()
        assert chosen.team == team
        assert chosen.day == FRIDAY
        assert chosen.format == "table"


def test_no_team_means_every_team(team):
    assert ReviewDayForm({"date": "2025-03-14"}, viewer=OPERATOR).checked().team is None


def test_an_unknown_team_names_only_the_teams_the_asker_reviews(lead, other_manager):
    assert errors({"date": "2025-03-14", "team": "Nope"}, viewer=other_manager.user) == {
        "team": ["There is no team called 'Nope'. Teams: Projects."]
    }
    assert errors({"date": "2025-03-14", "team": "Nope"}, viewer=lead.user) == {
        "team": ["There is no team called 'Nope'. Teams: Service Desk."]
    }


def test_an_asker_who_reviews_no_team_is_told_so(tech):
    assert errors({"date": "2025-03-14", "team": "Nope"}, viewer=tech.user) == {
        "team": ["There is no team called 'Nope'. There are no teams to choose from."]
    }


def test_an_unknown_team_id(team):
    assert errors({"date": "2025-03-14", "team": "999"}) == {
        "team": ["There is no team with id 999."]
    }
    huge = "9" * 30  # past any database's integers
    assert errors({"date": "2025-03-14", "team": huge}) == {
        "team": [f"There is no team with id {huge}."]
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The date is missing; give one like 2025-03-14."),
        ("14/03/2025", "The date must be a date like 2025-03-14, not '14/03/2025'."),
        ("2025-02-30", "The date must be a date like 2025-03-14, not '2025-02-30'."),
    ],
)
def test_a_date_is_required_and_written_like_2025_03_14(db, raw, message):
    assert errors({"date": raw}) == {"date": [message]}


def test_a_door_names_its_parameters_its_own_way(db):
    names = {"date": "--date", "format": "--format"}
    assert errors({"date": "soon", "format": "xml"}, names=names) == {
        "date": ["--date must be a date like 2025-03-14, not 'soon'."],
        "format": ["--format must be one of table, json, csv, not 'xml'."],
    }


def test_the_date_may_be_left_out_where_the_door_picks_one(db):
    form = ReviewDayForm({"date": ""}, viewer=OPERATOR, date_required=False)
    assert form.checked().day is None


def test_a_day_begins_first_at_utc_plus_14():
    # Saturday begins on the Line Islands (UTC+14) at 10:00 UTC on Friday.
    ten = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
    assert not day_has_begun(SATURDAY, now=ten - timedelta(seconds=1))
    assert day_has_begun(SATURDAY, now=ten)
    assert day_has_begun(FRIDAY, now=ten - timedelta(days=1))  # begun already in Kiritimati
    assert not day_has_begun(SUNDAY, now=ten)


def test_a_day_that_has_not_begun_anywhere_is_refused(db):
    now = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    assert errors({"date": "2025-03-15"}, now=now) == {
        "date": ["Nothing on 2025-03-15 can be reviewed yet: that day has not begun."]
    }
    assert ReviewDayForm({"date": "2025-03-15"}, viewer=OPERATOR, now=now + timedelta(hours=1))


def test_checked_raises_the_errors_by_parameter(db):
    with pytest.raises(ValidationError) as raised:
        ReviewDayForm({"date": "x", "team": "999"}, viewer=OPERATOR).checked()
    assert raised.value.message_dict == {
        "date": ["The date must be a date like 2025-03-14, not 'x'."],
        "team": ["There is no team with id 999."],
    }


# --- every door, the same sentence ------------------------------------------------------------


def from_api(lead, day, team: str) -> dict:
    client = APIClient()
    client.force_authenticate(lead.user)
    response = client.get("/api/reviews/", {"date": day.isoformat(), "team": team})
    assert response.status_code == 400
    return response.json()


def from_command(day, team: str) -> str:
    args = ["--date", day.isoformat()] + (["--team", team] if team else [])
    with pytest.raises(CommandError) as raised:
        call_command("review", *args, stdout=io.StringIO())
    return str(raised.value)


@pytest.mark.parametrize(
    ("day", "team_raw", "field", "sentence"),
    [
        (FRIDAY, "Nope", "team", "There is no team called 'Nope'. Teams: Service Desk."),
        (FRIDAY, "999", "team", "There is no team with id 999."),
        (SUNDAY, "", "date", "Nothing on 2025-03-16 can be reviewed yet: that day has not begun."),
    ],
)
def test_the_same_bad_value_reads_the_same_at_every_door(
    lead, after_review_opens, day, team_raw, field, sentence
):
    client = Client()
    client.force_login(lead.user)
    page = client.get(reverse("review:daily_on", kwargs={"day": day}), {"team": team_raw})
    assert page.status_code == 400
    assert sentence in html.unescape(page.content.decode())
    assert from_api(lead, day, team_raw) == {field: [sentence]}
    assert from_command(day, team_raw) == sentence


# --- what each door does with it --------------------------------------------------------------


def test_the_page_shows_nobody_for_a_team_it_cannot_read(lead, tech, ticket, after_review_opens):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Work")
    client = Client()
    client.force_login(lead.user)
    page = client.get(reverse("review:daily_on", kwargs={"day": FRIDAY}), {"team": "Nope"})
    assert page.status_code == 400
    assert "Tess Tester" not in page.content.decode()
    named = client.get(reverse("review:daily_on", kwargs={"day": FRIDAY}), {"team": "service desk"})
    assert named.status_code == 200
    assert "Tess Tester" in named.content.decode()


def test_marking_all_clean_for_a_team_it_cannot_read_marks_nothing(
    lead, team, ticket, after_review_opens
):
    clean = MemberFactory(team=team)
    log_entry(clean, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Work")
    client = Client()
    client.force_login(lead.user)
    url = reverse("review:mark_all_clean", kwargs={"day": FRIDAY})
    response = client.post(url, {"team": "Nope"}, follow=True)
    assert not DayReview.objects.exists()
    assert "There is no team called &#x27;Nope&#x27;" in response.content.decode()


def test_the_page_offers_no_way_into_a_day_not_begun(lead, after_review_opens):
    # Friday 18:00 in New York: Saturday has begun at UTC+14, Sunday nowhere yet.
    client = Client()
    client.force_login(lead.user)
    friday = client.get(reverse("review:daily_on", kwargs={"day": FRIDAY})).content.decode()
    assert 'rel="next"' in friday
    saturday = client.get(reverse("review:daily_on", kwargs={"day": SATURDAY})).content.decode()
    assert 'rel="next"' not in saturday


def test_the_api_takes_a_team_by_name_and_refuses_a_day_not_begun(lead, tech, after_review_opens):
    client = APIClient()
    client.force_authenticate(lead.user)
    days = client.get("/api/reviews/", {"date": "2025-03-14", "team": "service desk"}).json()
    assert [d["member"]["name"] for d in days["results"]] == ["Lena Tester", "Tess Tester"]
    one = client.get(f"/api/reviews/{tech.pk}/{SUNDAY.isoformat()}/")
    assert one.status_code == 400
    assert one.json() == {
        "date": ["Nothing on 2025-03-16 can be reviewed yet: that day has not begun."]
    }
    marked = client.post("/api/reviews/mark-all-clean/", {"date": SUNDAY.isoformat()})
    assert marked.status_code == 400


def test_the_api_refuses_a_body_that_is_not_an_object(lead):
    client = APIClient()
    client.force_authenticate(lead.user)
    response = client.post("/api/reviews/mark-all-clean/", ["2025-03-14"], format="json")
    assert response.status_code == 400
    assert response.json() == {"date": ["The date is missing; give one like 2025-03-14."]}


def test_the_command_checks_the_format_even_when_called_from_code(team):
    with pytest.raises(CommandError, match=r"--format must be one of table, json, csv, not 'xml'"):
        call_command("review", date="2025-03-14", format="xml", stdout=io.StringIO())
