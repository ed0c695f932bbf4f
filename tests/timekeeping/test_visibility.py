"""The visibility policy: the member sees all of their own time at once; everyone else who may
see it sees a local day only once its review has opened (working day plus grace, in the
member's zone). Reasoned in New York, Chicago and Berlin, across the DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daybook.core.periods import Period
from daybook.insights.selectors import workload_distribution
from daybook.people.choices import Role
from daybook.people.models import Holiday, Member, ScheduleBlock
from daybook.people.selectors import members_visible_to
from daybook.review.choices import NoticeKind
from daybook.review.models import Notice
from daybook.review.scheduled import digests_send, nudges_send
from daybook.review.selectors import review_day_for
from daybook.timekeeping.models import ReviewPolicy, Timer
from daybook.timekeeping.selectors import (
    entries_visible_to,
    time_visible_to,
    timers_visible_to,
)
from daybook.timekeeping.visibility import open_cutoffs, opened_q, visible_entry_q
from tests.api_support import client_for, ids
from tests.factories import (
    MemberFactory,
    TeamFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkTypeFactory,
)
from tests.zones import BERLIN, CHICAGO, NEW_YORK

FRIDAY = date(2025, 3, 14)  # New York on daylight time; schedule 09-17, grace 30 min


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def seen_by(user, *, now: datetime) -> set[int]:
    return set(entries_visible_to(user, now=now).values_list("pk", flat=True))


@pytest.fixture
def friday_entry(tech):
    return TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 10))


# --- the member, the reviewer and the day's opening ----------------------------------------


def test_the_member_sees_their_own_day_as_it_happens(tech, friday_entry):
    assert seen_by(tech.user, now=at(FRIDAY, 10, 1)) == {friday_entry.pk}


@pytest.mark.parametrize("viewer", ["lead", "finance", "admin"])
def test_others_see_a_day_only_once_its_review_opens(request, viewer, friday_entry):
    user = request.getfixturevalue(viewer).user
    assert seen_by(user, now=at(FRIDAY, 17, 29)) == set()
    assert seen_by(user, now=at(FRIDAY, 17, 30)) == {friday_entry.pk}


def test_someone_who_may_not_see_the_member_never_does(other_team_tech, dispatcher, friday_entry):
    for user in (other_team_tech.user, dispatcher.user):
        assert seen_by(user, now=at(FRIDAY, 23)) == set()


def test_the_teams_own_grace_period_moves_the_opening(team, lead, friday_entry):
    ReviewPolicy.objects.create(team=team, grace_minutes=90)
    assert seen_by(lead.user, now=at(FRIDAY, 18, 29)) == set()
    assert seen_by(lead.user, now=at(FRIDAY, 18, 30)) == {friday_entry.pk}


def test_a_day_without_a_schedule_opens_after_midnight_plus_grace(tech, lead):
    saturday = FRIDAY + timedelta(days=1)
    weekend = TimeEntryFactory(member=tech, start=at(saturday, 10), end=at(saturday, 12))
    assert seen_by(lead.user, now=at(saturday, 23, 59)) == set()
    assert seen_by(lead.user, now=at(saturday + timedelta(days=1), 0, 29)) == set()
    assert seen_by(lead.user, now=at(saturday + timedelta(days=1), 0, 30)) == {weekend.pk}


def test_a_holiday_opens_like_a_day_without_a_schedule(tech, lead, friday_entry):
    """The review sets the schedule aside on a holiday, so the day opens at midnight plus
    grace; every other door follows the same rule."""
    Holiday.objects.create(date=FRIDAY, name="Founders' Day")
    assert seen_by(lead.user, now=at(FRIDAY, 18)) == set()
    assert seen_by(lead.user, now=at(FRIDAY + timedelta(days=1), 0, 30)) == {friday_entry.pk}


def test_the_review_and_every_other_door_open_the_day_at_the_same_moment(tech, lead, friday_entry):
    """One rule: at each instant around the opening, the reviewer's day view is in progress
    exactly when the entry is hidden from them."""
    ReviewPolicy.objects.filter(team__isnull=True).update(grace_minutes=45)
    tech_member = Member.objects.select_related("user", "team").get(pk=tech.pk)
    for minutes in range(-2, 3):
        now = at(FRIDAY, 17, 45) + timedelta(minutes=minutes)
        view = review_day_for(member=tech_member, day=FRIDAY, viewer=lead.user, now=now)
        assert view.in_progress == (friday_entry.pk not in seen_by(lead.user, now=now)), now


# --- entries at the edges of days -----------------------------------------------------------


def test_an_entry_crossing_midnight_waits_for_the_day_it_ends_on(tech, lead):
    thursday = FRIDAY - timedelta(days=1)
    late = TimeEntryFactory(member=tech, start=at(thursday, 22), end=at(FRIDAY, 1, 30))
    earlier = TimeEntryFactory(member=tech, start=at(thursday, 9), end=at(thursday, 17))
    # Friday morning: Thursday has opened, Friday has not; the late entry reaches into Friday.
    assert seen_by(lead.user, now=at(FRIDAY, 10)) == {earlier.pk}
    assert seen_by(lead.user, now=at(FRIDAY, 17, 30)) == {earlier.pk, late.pk}
    assert seen_by(tech.user, now=at(FRIDAY, 2)) == {earlier.pk, late.pk}


def test_booked_time_off_ahead_is_the_members_until_its_day_opens(tech, lead):
    pto = WorkTypeFactory(name="PTO", is_payroll_wrap=True, is_time_off=True)
    next_friday = FRIDAY + timedelta(days=7)
    booked = TimeEntryFactory(
        member=tech, ticket=None, work_type=pto, start=at(next_friday, 9), end=at(next_friday, 17)
    )
    assert seen_by(tech.user, now=at(FRIDAY, 12)) == {booked.pk}
    assert seen_by(lead.user, now=at(FRIDAY, 12)) == set()
    assert seen_by(lead.user, now=at(next_friday, 16)) == set()
    assert seen_by(lead.user, now=at(next_friday, 17, 30)) == {booked.pk}


def test_spring_forward_day_of_23_hours_opens_at_its_own_midnight(db, lead, team):
    """Sunday 9 March 2025 in Chicago has 23 hours: it ends at 05:00 UTC (00:00 CDT), not at
    06:00 UTC, and opens half an hour later."""
    sunday = date(2025, 3, 9)
    member = MemberFactory(team=team, time_zone="America/Chicago")
    last_minute = TimeEntryFactory(
        member=member, start=at(sunday, 23, 0, CHICAGO), end=at(sunday, 23, 59, CHICAGO)
    )
    assert at(sunday + timedelta(days=1), 0, 0, CHICAGO) == datetime(2025, 3, 10, 5, tzinfo=UTC)
    opens = datetime(2025, 3, 10, 5, 30, tzinfo=UTC)
    assert seen_by(lead.user, now=opens - timedelta(seconds=1)) == set()
    assert seen_by(lead.user, now=opens) == {last_minute.pk}
    assert open_cutoffs([member], now=opens)[member.pk] == datetime(2025, 3, 10, 5, tzinfo=UTC)


def test_fall_back_day_of_25_hours_keeps_its_extra_hour_hidden_too(db, lead, team):
    """Sunday 2 November 2025 in Chicago has 25 hours; an entry in the repeated hour belongs
    to it and waits with it."""
    sunday = date(2025, 11, 2)
    member = MemberFactory(team=team, time_zone="America/Chicago")
    # 01:30 CDT then 01:30 CST: the second 01:00-02:00 is 07:00-08:00 UTC.
    repeated = TimeEntryFactory(
        member=member,
        start=datetime(2025, 11, 2, 7, 0, tzinfo=UTC),
        end=datetime(2025, 11, 2, 7, 50, tzinfo=UTC),
    )
    day_end = datetime(2025, 11, 3, 6, tzinfo=UTC)  # 00:00 CST
    assert day_end - at(sunday, 0, 0, CHICAGO) == timedelta(hours=25)
    assert seen_by(lead.user, now=day_end + timedelta(minutes=29)) == set()
    assert seen_by(lead.user, now=day_end + timedelta(minutes=30)) == {repeated.pk}


# --- a team across zones, in a bounded number of queries ------------------------------------


@pytest.fixture
def berlin_member(team):
    return MemberFactory(
        user=UserFactory(username="bea", first_name="Bea"), team=team, time_zone="Europe/Berlin"
    )


def test_a_team_in_two_zones_opens_each_members_day_in_their_own_zone(tech, berlin_member, lead):
    ny_entry = TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 10))
    berlin_entry = TimeEntryFactory(
        member=berlin_member, start=at(FRIDAY, 9, 0, BERLIN), end=at(FRIDAY, 10, 0, BERLIN)
    )
    # 16:00 UTC: 17:00 in Berlin (not open yet), 12:00 in New York.
    assert seen_by(lead.user, now=datetime(2025, 3, 14, 16, tzinfo=UTC)) == set()
    # 18:00 Berlin: Berlin's Friday is open; New York's is still under way (14:00 there).
    assert seen_by(lead.user, now=at(FRIDAY, 18, 0, BERLIN)) == {berlin_entry.pk}
    assert seen_by(lead.user, now=at(FRIDAY, 17, 30)) == {berlin_entry.pk, ny_entry.pk}


def test_members_sharing_a_cutoff_share_one_condition(team, lead):
    people = MemberFactory.create_batch(6, team=team)
    berliners = MemberFactory.create_batch(3, team=team, time_zone="Europe/Berlin")
    condition = opened_q(members=[*people, *berliners], now=at(FRIDAY, 18, 0, BERLIN))
    # Two cutoffs (Berlin's Friday open, New York's not): two member lists, not nine.
    assert len(condition.children) == 2


def _visibility_queries(user, now) -> int:
    with CaptureQueriesContext(connection) as captured:
        list(entries_visible_to(user, now=now))
    return len(captured)


@pytest.mark.parametrize("viewer", ["lead", "finance"])
def test_a_whole_team_costs_the_same_queries_as_a_small_one(request, viewer, team, tech):
    user = request.getfixturevalue(viewer).user
    now = at(FRIDAY, 12)
    TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 10))
    _visibility_queries(user, now)  # the permissions, cached on the login from here on
    small = _visibility_queries(user, now)
    for zone in ("America/New_York", "Europe/Berlin", "America/Chicago"):
        for person in MemberFactory.create_batch(8, team=team, time_zone=zone):
            ScheduleBlock.objects.create(member=person, weekday=5, start=time(8), end=time(12))
    assert _visibility_queries(user, now) == small


# --- the doors that ask it -------------------------------------------------------------------


def test_the_entries_api_asks_the_policy_per_member(tech, lead, friday_entry):
    yesterday = TimeEntryFactory(
        member=tech, start=at(FRIDAY - timedelta(days=1), 9), end=at(FRIDAY - timedelta(days=1), 10)
    )
    client = client_for(lead)
    with time_machine.travel(at(FRIDAY, 12), tick=False):
        assert ids(client.get(f"/api/time-entries/?member={tech.pk}")) == {yesterday.pk}
        assert client.get(f"/api/time-entries/{friday_entry.pk}/").status_code == 404
        assert client.get(f"/api/time-entries/{friday_entry.pk}/history/").status_code == 404
        mine = client_for(tech).get(f"/api/time-entries/{friday_entry.pk}/")
        assert mine.status_code == 200
    with time_machine.travel(at(FRIDAY, 18), tick=False):
        assert ids(client.get(f"/api/time-entries/?member={tech.pk}")) == {
            yesterday.pk,
            friday_entry.pk,
        }


def test_a_timer_running_today_is_the_members_alone(tech, lead):
    ticket = TicketFactory()
    Timer.objects.create(member=tech, ticket=ticket, started_at=at(FRIDAY, 9))
    assert not timers_visible_to(lead.user, now=at(FRIDAY, 12)).exists()
    assert timers_visible_to(tech.user, now=at(FRIDAY, 12)).exists()
    # Left running past the day's opening, it is a finding of a day now open.
    assert timers_visible_to(lead.user, now=at(FRIDAY, 17, 30)).exists()


def test_a_deleted_entry_is_judged_by_its_own_day(tech, lead):
    assert not time_visible_to(lead.user, member_id=tech.pk, end=at(FRIDAY, 10), now=at(FRIDAY, 12))
    assert time_visible_to(lead.user, member_id=tech.pk, end=at(FRIDAY, 10), now=at(FRIDAY, 18))
    assert time_visible_to(tech.user, member_id=tech.pk, end=at(FRIDAY, 10), now=at(FRIDAY, 12))


def test_workload_leaves_out_a_day_still_under_way_but_not_the_viewers_own(tech, lead):
    TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 12))
    TimeEntryFactory(member=lead, start=at(FRIDAY, 9), end=at(FRIDAY, 10))
    week = Period(FRIDAY - timedelta(days=4), FRIDAY)
    now = at(FRIDAY, 13)
    report = workload_distribution(
        period=week,
        members=members_visible_to(lead.user),
        visible=visible_entry_q(lead.user, now=now),
    )
    hours = {row.member_id: row.hours for row in report.members}
    assert hours == {tech.pk: Decimal(0), lead.pk: Decimal(1)}
    later = workload_distribution(
        period=week,
        members=members_visible_to(lead.user),
        visible=visible_entry_q(lead.user, now=at(FRIDAY, 17, 30)),
    )
    assert {row.member_id: row.hours for row in later.members}[tech.pk] == Decimal(3)


def test_a_report_asked_for_no_one_shows_only_opened_days(tech):
    TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 12))
    week = Period(FRIDAY - timedelta(days=4), FRIDAY)
    with time_machine.travel(at(FRIDAY, 13), tick=False):
        report = workload_distribution(period=week, members=Member.objects.filter(pk=tech.pk))
    assert report.members[0].hours == Decimal(0)


def test_a_manager_role_without_a_team_sees_only_their_own(db):
    manager = MemberFactory(role=Role.MANAGER)
    outsider = MemberFactory(team=TeamFactory())
    TimeEntryFactory(member=outsider, start=at(FRIDAY, 9), end=at(FRIDAY, 10))
    assert seen_by(manager.user, now=at(FRIDAY, 23)) == set()


def test_the_digest_counts_no_day_still_under_way_in_the_members_zone(db, team):
    """A reviewer in Auckland reads their digest at 08:00 on Thursday; for a member in
    Honolulu it is still Wednesday morning, so Wednesday is not among the days ready."""
    reviewer = MemberFactory(role=Role.MANAGER, time_zone="Pacific/Auckland")
    team.reviewers.add(reviewer)
    honolulu = ZoneInfo("Pacific/Honolulu")
    member = MemberFactory(team=team, time_zone="Pacific/Honolulu")
    tuesday, wednesday = date(2025, 3, 11), date(2025, 3, 12)
    for day in (tuesday, wednesday):
        TimeEntryFactory(member=member, start=at(day, 9, 0, honolulu), end=at(day, 10, 0, honolulu))
    thursday_morning = at(date(2025, 3, 13), 8, 5, ZoneInfo("Pacific/Auckland"))
    assert thursday_morning.astimezone(honolulu).date() == wednesday
    assert digests_send(now=thursday_morning) == 1
    body = Notice.objects.get(kind=NoticeKind.DIGEST).body
    assert "Tue 11 Mar" in body
    assert "Wed 12 Mar" not in body


def test_a_nudge_about_a_running_timer_waits_in_the_admin_until_the_day_opens(client, tech, admin):
    ticket = TicketFactory(summary="Mail flow stuck")
    Timer.objects.create(member=tech, ticket=ticket, started_at=at(FRIDAY, 13))
    with time_machine.travel(at(FRIDAY, 17, 20), tick=False):
        assert nudges_send() == 1
    client.force_login(admin.user)
    with time_machine.travel(at(FRIDAY, 17, 25), tick=False):
        page = client.get("/admin/review/notice/").content.decode()
        assert "Your timer is still running" not in page
    with time_machine.travel(at(FRIDAY, 17, 30), tick=False):
        page = client.get("/admin/review/notice/").content.decode()
        assert "Your timer is still running" in page


def test_a_grace_of_a_whole_day_keeps_yesterday_closed_until_tonight(team, tech, lead):
    ReviewPolicy.objects.create(team=team, grace_minutes=24 * 60)
    saturday, sunday = FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2)
    friday_entry = TimeEntryFactory(member=tech, start=at(FRIDAY, 9), end=at(FRIDAY, 10))
    saturday_entry = TimeEntryFactory(member=tech, start=at(saturday, 9), end=at(saturday, 10))
    # Sunday 10:00: Friday (09-17) opened Saturday 17:00; Saturday, unscheduled, opens at
    # Sunday midnight plus a day.
    assert seen_by(lead.user, now=at(sunday, 10)) == {friday_entry.pk}
    assert open_cutoffs([tech], now=at(sunday, 10))[tech.pk] == at(saturday, 0)
    assert seen_by(lead.user, now=at(sunday + timedelta(days=1), 0)) == {
        friday_entry.pk,
        saturday_entry.pk,
    }
