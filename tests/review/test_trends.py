"""Team trends: hand-computed weeks, scope by viewer, and the page's guardrails."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daybook.review.choices import FollowUpState, ReviewState
from daybook.review.models import DayReview, FollowUp
from daybook.review.trends import TeamWeek, team_trends
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import ReviewPolicy
from tests.factories import MemberFactory, UserFactory
from tests.zones import BERLIN

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

MONDAY = FRIDAY - timedelta(days=4)  # 2025-03-10, the week under test
WEEK_BEFORE = MONDAY - timedelta(weeks=1)
NEXT_MONDAY_NOON = at(MONDAY + timedelta(weeks=1), 12)


def decide(member, day: date, *states: str) -> DayReview:
    """A day review whose history holds `states` in order (the first creates the row)."""
    row = DayReview.objects.create(member=member, date=day, state=states[0])
    for state in states[1:]:
        row.state = state
        row.save()
    return row


def follow_up(member, day: date, *, sent_at, resolved_after: timedelta | None = None):
    """A follow-up about `day`, sent at `sent_at`; resolved `resolved_after` later if given."""
    row = FollowUp.objects.create(member=member, date=day, subject="About Friday", body="Hi!")
    fields = {"created_at": sent_at}
    if resolved_after is not None:
        fields.update(state=FollowUpState.RESOLVED, resolved_at=sent_at + resolved_after)
    FollowUp.objects.filter(pk=row.pk).update(**fields)
    return row


def week_of(rows: list[TeamWeek], team: str, monday: date = MONDAY) -> TeamWeek:
    (row,) = [r for r in rows if r.team == team and r.week == monday]
    return row


def pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else round(value, 1)


@pytest.fixture
def service_desk_week(tech, lead, other_team_tech):
    """The hand-computed week of the Service Desk (tech and lead), with noise around it."""
    # Three decided days, two of them clean at the first decision.
    decide(tech, MONDAY, ReviewState.CLEAN, ReviewState.PENDING, ReviewState.FOLLOWED_UP)
    decide(tech, MONDAY + timedelta(days=1), ReviewState.CLEAN)
    decide(lead, MONDAY + timedelta(days=2), ReviewState.FOLLOWED_UP, ReviewState.RESOLVED)
    # Not decided: only a pending record.
    decide(tech, MONDAY + timedelta(days=3), ReviewState.PENDING)
    # Other weeks and other teams stay out of the Service Desk's week.
    decide(tech, MONDAY - timedelta(days=1), ReviewState.FOLLOWED_UP)
    decide(other_team_tech, MONDAY, ReviewState.FOLLOWED_UP)

    # Two follow-ups about Friday: one resolved five hours after it was sent.
    follow_up(tech, FRIDAY, sent_at=at(FRIDAY, 18), resolved_after=timedelta(hours=5))
    follow_up(tech, FRIDAY, sent_at=at(FRIDAY, 18, 30))

    # 60 minutes saved in real time, 30 minutes saved an hour late: 60 / 90.
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=2)
    log_entry(lead, at(FRIDAY, 10), at(FRIDAY, 10, 30), lag_minutes=60)
    # An import is neither real-time nor late: left out.
    log_entry(tech, at(FRIDAY, 11), at(FRIDAY, 13), lag_minutes=600, source=EntrySource.IMPORT)
    # The other team's entry is late, and not ours.
    log_entry(other_team_tech, at(FRIDAY, 9), at(FRIDAY, 11), lag_minutes=120)


def test_hand_computed_week_for_the_service_desk(service_desk_week, lead):
    rows = team_trends(viewer=lead.user, weeks=2, end=FRIDAY)

    week = week_of(rows, "Service Desk")
    assert (week.days_decided, week.days_clean_first) == (3, 2)
    assert pct(week.clean_first_pct) == Decimal("66.7")
    assert (week.follow_ups_sent, week.follow_ups_resolved) == (2, 1)
    assert week.logged_hours == Decimal("1.5")
    assert week.realtime_hours == Decimal(1)
    assert pct(week.realtime_pct) == Decimal("66.7")
    assert week.resolutions == 1
    assert week.median_hours_to_resolve == Decimal(5)

    before = week_of(rows, "Service Desk", WEEK_BEFORE)
    assert (before.days_decided, before.days_clean_first) == (1, 0)
    assert before.clean_first_pct == Decimal(0)
    assert before.realtime_pct is None
    assert before.median_hours_to_resolve is None


def test_rows_are_team_weeks_oldest_first_and_only_the_viewers_teams(service_desk_week, lead):
    rows = team_trends(viewer=lead.user, weeks=2, end=FRIDAY)

    assert [(r.team, r.week) for r in rows] == [
        ("Service Desk", WEEK_BEFORE),
        ("Service Desk", MONDAY),
    ]


def test_everyone_for_finance_with_members_without_a_team_last(service_desk_week, finance):
    rows = team_trends(viewer=finance.user, weeks=1, end=FRIDAY)

    assert [r.team for r in rows] == ["Projects", "Service Desk", "No team"]
    projects = week_of(rows, "Projects")
    assert (projects.days_decided, projects.days_clean_first) == (1, 0)
    assert projects.realtime_pct == Decimal(0)
    assert pct(week_of(rows, "Service Desk").realtime_pct) == Decimal("66.7")


def test_a_team_filter_keeps_to_that_team(service_desk_week, finance, other_team):
    rows = team_trends(viewer=finance.user, weeks=1, end=FRIDAY, team=other_team)

    assert [r.team for r in rows] == ["Projects"]


def test_a_team_the_viewer_does_not_review_gives_nothing(service_desk_week, lead, other_team):
    assert team_trends(viewer=lead.user, weeks=1, end=FRIDAY, team=other_team) == []


def test_a_technician_counts_nobody(service_desk_week, tech):
    assert team_trends(viewer=tech.user, weeks=1, end=FRIDAY) == []


def test_a_manager_reviewing_another_team_gets_that_team_not_a_slice_of_their_own(
    service_desk_week, tech, other_team
):
    # On the Service Desk, reviewing the Projects team only.
    manager = MemberFactory(
        user=UserFactory(username="mia", first_name="Mia"), team=tech.team, role="Manager"
    )
    other_team.reviewers.add(manager)
    log_entry(manager, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=300)

    rows = team_trends(viewer=manager.user, weeks=1, end=FRIDAY)

    assert [r.team for r in rows] == ["Projects"]


def test_a_day_keeps_its_first_decision_when_reopened_and_decided_again(tech, lead):
    tuesday = MONDAY + timedelta(days=1)
    decide(tech, MONDAY, ReviewState.CLEAN, ReviewState.PENDING)  # reopened, pending now
    # Clean now, but not the first time.
    decide(tech, tuesday, ReviewState.EXCUSED, ReviewState.PENDING, ReviewState.CLEAN)
    decide(tech, MONDAY + timedelta(days=2), ReviewState.PENDING, ReviewState.CLEAN)

    week = week_of(team_trends(viewer=lead.user, weeks=1, end=FRIDAY), "Service Desk")

    # Reopened-to-pending still counts as decided; a pending record before the first
    # decision is no decision.
    assert (week.days_decided, week.days_clean_first) == (3, 2)


def test_no_decided_days_means_no_share(tech, lead):
    decide(tech, MONDAY, ReviewState.PENDING)

    week = week_of(team_trends(viewer=lead.user, weeks=1, end=FRIDAY), "Service Desk")

    assert week.days_decided == 0
    assert week.clean_first_pct is None


def test_saved_exactly_at_the_window_is_real_time_one_minute_more_is_not(tech, lead):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=15)
    log_entry(tech, at(FRIDAY, 10), at(FRIDAY, 11), lag_minutes=16)

    week = week_of(team_trends(viewer=lead.user, weeks=1, end=FRIDAY), "Service Desk")

    assert week.realtime_pct == Decimal(50)


def test_time_filled_in_from_a_suggestion_is_logged_but_never_real_time(tech, lead):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=5)
    log_entry(tech, at(FRIDAY, 10), at(FRIDAY, 11), lag_minutes=5, source=EntrySource.SUGGESTION)

    week = week_of(team_trends(viewer=lead.user, weeks=1, end=FRIDAY), "Service Desk")

    # Both saved five minutes after they ended; only the hour typed in counts: 1 of 2 hours.
    assert week.logged_hours == Decimal(2)
    assert week.realtime_pct == Decimal(50)


def test_each_team_is_held_to_its_own_real_time_window(tech, other_team_tech, finance):
    ReviewPolicy.objects.create(team=other_team_tech.team, realtime_window_minutes=60)
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=30)
    log_entry(other_team_tech, at(FRIDAY, 9), at(FRIDAY, 10), lag_minutes=30)

    rows = team_trends(viewer=finance.user, weeks=1, end=FRIDAY)

    assert week_of(rows, "Service Desk").realtime_pct == Decimal(0)
    assert week_of(rows, "Projects").realtime_pct == Decimal(100)


def test_entries_fall_in_the_week_of_their_members_local_start(tech, lead):
    sunday = MONDAY - timedelta(days=1)
    # Sunday 23:00 in New York is Monday 03:00 UTC: still the week before, locally.
    log_entry(tech, at(sunday, 23), at(sunday, 23, 30), lag_minutes=1)
    berliner = MemberFactory(team=tech.team, time_zone="Europe/Berlin")
    # Monday 00:30 in Berlin is Sunday 23:30 UTC: the week under test, locally.
    log_entry(berliner, at(MONDAY, 0, 30, zone=BERLIN), at(MONDAY, 1, zone=BERLIN), lag_minutes=60)

    rows = team_trends(viewer=lead.user, weeks=2, end=FRIDAY)

    before, week = week_of(rows, "Service Desk", WEEK_BEFORE), week_of(rows, "Service Desk")
    assert (before.logged_hours, before.realtime_pct) == (Decimal("0.5"), Decimal(100))
    assert (week.logged_hours, week.realtime_pct) == (Decimal("0.5"), Decimal(0))


def test_median_is_over_follow_ups_resolved_in_the_week_whatever_day_they_asked_about(tech, lead):
    # Asked about a day of the week before, resolved this week after 72 hours.
    earlier = WEEK_BEFORE + timedelta(days=4)
    follow_up(tech, earlier, sent_at=at(earlier, 18), resolved_after=timedelta(hours=72))
    follow_up(tech, FRIDAY, sent_at=at(MONDAY, 9), resolved_after=timedelta(hours=5))
    follow_up(tech, FRIDAY, sent_at=at(MONDAY, 9), resolved_after=timedelta(minutes=90))
    # Resolved the week after: not in this week's median.
    follow_up(tech, FRIDAY, sent_at=at(FRIDAY, 18), resolved_after=timedelta(days=3))

    rows = team_trends(viewer=lead.user, weeks=2, end=FRIDAY)

    week = week_of(rows, "Service Desk")
    assert (week.follow_ups_sent, week.follow_ups_resolved) == (3, 3)
    assert week.resolutions == 3
    assert week.median_hours_to_resolve == Decimal(5)
    before = week_of(rows, "Service Desk", WEEK_BEFORE)
    assert (before.follow_ups_sent, before.follow_ups_resolved) == (1, 1)
    assert before.median_hours_to_resolve is None


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(tech, lead):
    follow_up(tech, FRIDAY, sent_at=at(MONDAY, 9), resolved_after=timedelta(hours=2))
    follow_up(tech, FRIDAY, sent_at=at(MONDAY, 9), resolved_after=timedelta(hours=5))

    week = week_of(team_trends(viewer=lead.user, weeks=1, end=FRIDAY), "Service Desk")

    assert week.median_hours_to_resolve == Decimal("3.5")


def test_query_count_does_not_grow_with_members_or_entries(tech, lead):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            team_trends(viewer=lead.user, weeks=4, end=FRIDAY)
        return len(captured)

    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10))
    queries()  # the viewer's permissions are looked up once, then cached on the user
    few = queries()
    for _ in range(5):
        member = MemberFactory(team=tech.team)
        decide(member, FRIDAY, ReviewState.CLEAN)
        follow_up(member, FRIDAY, sent_at=at(FRIDAY, 18), resolved_after=timedelta(hours=1))
        for hour in (9, 10, 11):
            log_entry(member, at(FRIDAY, hour), at(FRIDAY, hour, 45))

    assert queries() == few


def test_weeks_out_of_range_are_refused(lead):
    with pytest.raises(ValueError):
        team_trends(viewer=lead.user, weeks=0)
    with pytest.raises(ValueError):
        team_trends(viewer=lead.user, weeks=53)


# --- The page -------------------------------------------------------------------------------

URL = "/review/trends/"


@pytest.fixture
def frozen():
    with time_machine.travel(NEXT_MONDAY_NOON, tick=False):
        yield


def test_the_url_is_review_trends():
    assert reverse("review:trends") == URL


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_technician_is_refused(client, tech):
    client.force_login(tech.user)

    assert client.get(URL).status_code == 403


def test_a_manager_who_reviews_no_team_is_refused(client, team):
    manager = MemberFactory(user=UserFactory(username="max"), team=team, role="Manager")
    client.force_login(manager.user)

    assert client.get(URL).status_code == 403


def test_a_reviewer_sees_their_teams_figures(client, frozen, service_desk_week, lead):
    client.force_login(lead.user)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Service Desk" in page
    assert "Projects" not in page
    assert "2025-03-10" in page
    assert "66.7 %" in page  # clean first time and real-time alike
    assert "2 of 3" in page
    assert "2 sent / 1 resolved" in page
    assert "5 h 00 min" in page
    assert "never compares or orders" in page


def test_a_manager_of_another_team_sees_only_their_team(
    client, frozen, service_desk_week, other_manager
):
    client.force_login(other_manager.user)

    page = client.get(URL).content.decode()

    assert "Projects" in page
    assert "Service Desk" not in page


def test_finance_sees_every_team(client, frozen, service_desk_week, finance):
    client.force_login(finance.user)

    page = client.get(URL).content.decode()

    for team in ("Service Desk", "Projects", "No team"):
        assert f">{team}</h2>" in page


def test_the_page_never_names_a_member(client, frozen, service_desk_week, admin, tech, lead):
    client.force_login(admin.user)

    page = client.get(URL).content.decode()

    for member in (tech, lead):
        for name in (member.name, member.user.first_name, member.user.username):
            assert name not in page


@pytest.mark.parametrize(
    ("weeks", "message"),
    [
        ("abc", "Give the number of weeks as a whole number from 1 to 52."),
        ("2.5", "Give the number of weeks as a whole number from 1 to 52."),
        ("0", "Show at least 1 week (up to 52)."),
        ("-1", "Show at least 1 week (up to 52)."),
        ("53", "Show at most 52 weeks."),
    ],
)
def test_a_bad_number_of_weeks_is_explained_not_a_crash(client, frozen, lead, weeks, message):
    client.force_login(lead.user)

    response = client.get(URL, {"weeks": weeks})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert "<table" not in page


def test_weeks_narrow_the_page(client, frozen, service_desk_week, lead):
    client.force_login(lead.user)

    page = client.get(URL, {"weeks": "1"}).content.decode()

    assert "2025-03-17" in page
    assert "2025-03-10" not in page


def test_a_team_the_viewer_cannot_see_is_an_error(client, frozen, lead, other_team):
    client.force_login(lead.user)

    response = client.get(URL, {"team": other_team.pk})

    assert response.status_code == 400
    assert "not one whose trends you can see" in response.content.decode()


def test_a_team_filter_shows_that_team(client, frozen, service_desk_week, finance, other_team):
    client.force_login(finance.user)

    page = client.get(URL, {"team": other_team.pk}).content.decode()

    assert ">Projects</h2>" in page
    assert ">Service Desk</h2>" not in page
