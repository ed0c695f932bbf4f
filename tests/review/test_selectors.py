"""The review selectors against the database: figures, guardrails and a bounded query count."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daybook.clients.choices import AgreementType
from daybook.core.time import Span, local_day_bounds
from daybook.people.choices import Role
from daybook.people.models import Member, ScheduleBlock
from daybook.review.choices import IN_PROGRESS, ReviewState
from daybook.review.models import DayReview
from daybook.review.selectors import OPERATOR, review_day_for, review_days, reviewable_members
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.day import EntryFacts, Policy, review_member_day, schedule_windows
from daybook.timekeeping.day_figures import policy_for
from daybook.timekeeping.models import ReviewPolicy, TimeEntry, Timer
from tests.factories import (
    AgreementFactory,
    MemberFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    WorkTypeFactory,
)

from .helpers import FRIDAY, at, log_entry
from .test_engine_properties import DAYS, ZONES, schedule_blocks

pytestmark = pytest.mark.django_db

# Viewer's permissions (2), members, schedules, policies, entries, their work types,
# agreements and covered work types, timers, review states; the first read of a day also
# reads and writes its stored summaries and loads what they are checked against (5 more).
# Later reads take 8 (tests/timekeeping/test_summaries.py).
MAX_QUERIES = 16
AFTER = at(FRIDAY, 18)  # Friday's review has opened (17:00 + 30 min grace)
BEFORE = at(FRIDAY, 17, 29)  # the working day is over, the grace is not


@pytest.fixture
def tess_day(tech, ticket, wrap):
    """Tess's Friday: a 60-minute gap at 11:00 and a 20-minute one at 10:00."""
    d = FRIDAY
    log_entry(tech, at(d, 9), at(d, 10), ticket=ticket)
    log_entry(tech, at(d, 10, 20), at(d, 11), ticket=ticket)
    log_entry(tech, at(d, 12), at(d, 13), ticket=None, work_type=wrap, notes="")
    log_entry(tech, at(d, 13), at(d, 17), ticket=ticket)
    return tech


def fresh(member: Member):
    """The member's login read again, so permission caches don't hide queries."""
    return get_user_model().objects.get(pk=member.user_id)


def test_member_sees_their_own_day_whole_before_any_reviewer_does(tess_day, lead):
    now = at(FRIDAY, 17, 10)
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=tess_day.user, now=now)
    assert view.is_own
    assert not view.in_progress
    figures = view.figures
    assert figures.gaps == (Span(at(FRIDAY, 11), at(FRIDAY, 12)),)
    assert figures.small_gaps == (Span(at(FRIDAY, 10), at(FRIDAY, 10, 20)),)
    assert (figures.logged_minutes_client, figures.logged_minutes_wrap) == (340, 60)
    assert review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=now).in_progress


def test_reviewer_cannot_see_gaps_before_day_ends(tess_day, lead):
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=BEFORE)
    assert view.in_progress
    assert view.status == IN_PROGRESS
    assert view.figures is None
    assert view.gaps == ()
    assert view.findings == ()
    assert view.review_opens_at == at(FRIDAY, 17, 30)


def test_reviewer_sees_gaps_at_or_over_threshold_once_the_review_opens(tess_day, lead):
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 17, 30))
    assert not view.in_progress
    assert not view.is_own
    assert view.status == ReviewState.PENDING
    assert [g.minutes for g in view.gaps] == [60]
    assert view.figures.small_gaps == ()
    assert view.figures.covered == ()  # it would outline the small gap
    assert view.figures.unaccounted_minutes == 480 - 400


def test_reviewer_in_another_zone_waits_for_the_members_own_evening(lead, team):
    tokyo = MemberFactory(team=team, time_zone="Asia/Tokyo")
    # 17:30 in Tokyo on Friday is 04:30 in New York; at 04:29 New York time it is not yet.
    assert review_day_for(member=tokyo, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 4, 29))
    assert review_day_for(
        member=tokyo, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 4, 29)
    ).in_progress
    assert not review_day_for(
        member=tokyo, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 4, 30)
    ).in_progress


def test_technician_never_sees_another_members_day(tess_day, lead, other_team_tech, dispatcher):
    for outsider in (other_team_tech, dispatcher):
        assert review_day_for(member=tess_day, day=FRIDAY, viewer=outsider.user, now=AFTER) is None
        views = review_days(
            day=FRIDAY, members=[tess_day, lead, outsider], viewer=outsider.user, now=AFTER
        )
        assert [v.member for v in views] == [outsider]


def test_manager_of_another_team_is_refused(tess_day, other_manager):
    assert review_day_for(member=tess_day, day=FRIDAY, viewer=other_manager.user, now=AFTER) is None


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_see_every_day_with_the_same_guardrails(tess_day, role, request):
    viewer = request.getfixturevalue(role)
    early = review_day_for(member=tess_day, day=FRIDAY, viewer=viewer.user, now=BEFORE)
    assert early.in_progress
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=viewer.user, now=AFTER)
    assert [g.minutes for g in view.gaps] == [60]
    assert view.figures.small_gaps == ()


def test_operator_sees_like_an_organisation_wide_reviewer(tess_day):
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=OPERATOR, now=AFTER)
    assert not view.is_own
    assert [g.minutes for g in view.gaps] == [60]
    assert view.figures.small_gaps == ()
    assert review_day_for(member=tess_day, day=FRIDAY, viewer=OPERATOR, now=BEFORE).in_progress


def test_days_come_by_team_then_name_never_by_hours(ticket):
    alpha, beta = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    zed = MemberFactory(team=alpha, user=UserFactory(first_name="Zed", last_name="Z"))
    amy = MemberFactory(team=beta, user=UserFactory(first_name="Amy", last_name="A"))
    bob = MemberFactory(team=alpha, user=UserFactory(first_name="Bob", last_name="B"))
    loner = MemberFactory(team=None, user=UserFactory(first_name="Al", last_name="A"))
    log_entry(bob, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)  # most hours, still not first
    views = review_days(day=FRIDAY, members=[amy, loner, zed, bob], viewer=OPERATOR, now=AFTER)
    assert [v.member for v in views] == [bob, zed, amy, loner]
    assert list(reviewable_members(OPERATOR)) == [bob, zed, amy, loner]


def test_findings_come_from_the_database_rows(tech, ticket, remote, lead):
    d = FRIDAY
    onsite = WorkTypeFactory(name="Onsite")
    managed = AgreementFactory(type=AgreementType.MANAGED)
    managed.covered_work_types.add(remote)
    expired = AgreementFactory(start_date=date(2024, 1, 1), end_date=date(2025, 1, 31))
    no_agreement = TicketFactory(agreement=None)
    rows = {
        "notes": log_entry(tech, at(d, 9), at(d, 10), ticket=ticket, notes="   "),
        "none": log_entry(tech, at(d, 10), at(d, 11), ticket=no_agreement),
        "expired": log_entry(tech, at(d, 11), at(d, 12), ticket=TicketFactory(agreement=expired)),
        "covered": log_entry(
            tech, at(d, 12), at(d, 13), ticket=TicketFactory(agreement=managed), work_type=onsite
        ),
        "late": log_entry(tech, at(d, 13), at(d, 15), ticket=ticket, lag_minutes=16),
        "overlap": log_entry(tech, at(d, 14), at(d, 17), ticket=ticket),
    }
    Timer.objects.create(member=tech, started_at=at(d, 16, 30))
    view = review_day_for(member=tech, day=d, viewer=lead.user, now=AFTER)
    found = {(f.kind, f.entry_id) for f in view.findings}
    assert found == {
        (FindingKind.MISSING_NOTES, rows["notes"].pk),
        (FindingKind.NO_AGREEMENT, rows["none"].pk),
        (FindingKind.AGREEMENT_OUT_OF_DATES, rows["expired"].pk),
        (FindingKind.NOT_COVERED, rows["covered"].pk),
        (FindingKind.LATE_ENTRY, rows["late"].pk),
        (FindingKind.OVERLAP, rows["late"].pk),
        (FindingKind.TIMER_RUNNING, None),
    }
    assert "Onsite" in next(f.message for f in view.findings if f.kind == FindingKind.NOT_COVERED)


def test_member_with_no_schedule_that_day(tech, ticket, lead):
    saturday = date(2025, 3, 15)
    log_entry(tech, at(saturday, 10), at(saturday, 11), ticket=ticket)
    early = review_day_for(member=tech, day=saturday, viewer=lead.user, now=at(saturday, 23))
    assert early.in_progress  # the day only ends at midnight
    view = review_day_for(
        member=tech, day=saturday, viewer=lead.user, now=at(date(2025, 3, 16), 0, 30)
    )
    assert view.figures.expected_minutes == 0
    assert view.figures.logged_minutes_client == 60
    assert view.gaps == ()


def test_split_shift_from_schedule_rows(tech, ticket, lead):
    tech.schedule.filter(weekday=FRIDAY.weekday()).delete()
    ScheduleBlock.objects.create(member=tech, weekday=4, start=time(8), end=time(12))
    ScheduleBlock.objects.create(member=tech, weekday=4, start=time(16), end=time(20))
    log_entry(tech, at(FRIDAY, 8), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 16), at(FRIDAY, 18), ticket=ticket)
    assert review_day_for(member=tech, day=FRIDAY, viewer=lead.user, now=AFTER).in_progress
    view = review_day_for(member=tech, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 20, 30))
    assert view.gaps == (Span(at(FRIDAY, 18), at(FRIDAY, 20)),)


def test_midnight_crossing_entry_counts_toward_both_days(tech, ticket):
    thursday = date(2025, 3, 13)
    log_entry(tech, at(thursday, 22), at(FRIDAY, 1, 30), ticket=ticket)
    now = at(date(2025, 3, 20), 9)
    days = {
        d: review_day_for(member=tech, day=d, viewer=tech.user, now=now).figures
        for d in (thursday, FRIDAY)
    }
    assert days[thursday].logged_minutes_client == 120
    assert days[FRIDAY].logged_minutes_client == 90


def test_team_policy_replaces_the_organisation_default(tess_day, lead, team):
    assert ReviewPolicy.objects.filter(team__isnull=True).count() == 1  # from the migration
    assert policy_for(team) == Policy()
    ReviewPolicy.objects.create(team=team, gap_threshold_minutes=15, grace_minutes=0)
    assert policy_for(team) == Policy(gap_threshold_minutes=15, grace_minutes=0)
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 17))
    assert [g.minutes for g in view.gaps] == [20, 60]


def test_organisation_policy_applies_to_members_without_a_team(finance):
    ReviewPolicy.objects.filter(team__isnull=True).update(gap_threshold_minutes=30)
    assert policy_for(None).gap_threshold_minutes == 30
    view = review_day_for(member=finance, day=FRIDAY, viewer=finance.user, now=AFTER)
    assert view.policy.gap_threshold_minutes == 30


def test_review_state_comes_from_its_row(tess_day, lead):
    DayReview.objects.create(member=tess_day, date=FRIDAY, state=ReviewState.EXCUSED)
    view = review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=AFTER)
    assert view.status == ReviewState.EXCUSED
    early = review_day_for(member=tess_day, day=FRIDAY, viewer=lead.user, now=BEFORE)
    assert early.status == IN_PROGRESS


# --- Bounded queries ---------------------------------------------------------------------------


def busy_team(size: int, team, ticket, remote):
    """`size` members, each with a full day of entries, a timer, a review row and history."""
    managed = AgreementFactory(type=AgreementType.MANAGED)
    managed.covered_work_types.add(remote)
    covered_ticket = TicketFactory(agreement=managed)
    members = []
    for index in range(size):
        member = MemberFactory(
            team=team, time_zone=["America/New_York", "Europe/Berlin"][index % 2]
        )
        for hour in (9, 11, 14):
            start = at(FRIDAY, hour, zone=member.zone)
            log_entry(member, start, start + timedelta(minutes=90), ticket=covered_ticket)
        log_entry(
            member,
            at(FRIDAY, 16) - timedelta(days=7),
            at(FRIDAY, 17) - timedelta(days=7),
            ticket=ticket,
        )
        Timer.objects.create(member=member, started_at=at(FRIDAY, 16, 30, zone=member.zone))
        DayReview.objects.create(member=member, date=FRIDAY, state=ReviewState.CLEAN)
        members.append(member)
    return members


def count_queries(members, viewer_member) -> tuple[int, int]:
    user = fresh(viewer_member)
    with CaptureQueriesContext(connection) as captured:
        views = review_days(day=FRIDAY, members=members, viewer=user, now=at(FRIDAY, 23))
    return len(captured), len(views)


def test_whole_team_review_is_a_fixed_number_of_queries(team, lead, ticket, remote):
    small_team = busy_team(2, team, ticket, remote)
    small, seen_small = count_queries(
        Member.objects.filter(pk__in=[m.pk for m in small_team]), lead
    )
    busy_team(10, team, ticket, remote)
    large, seen_large = count_queries(Member.objects.filter(team=team), lead)
    assert (seen_small, seen_large) == (2, 13)  # lead's own day is in the team too
    assert small == large, (small, large)
    assert large <= MAX_QUERIES, large


def test_query_count_is_bounded_as_the_api_calls_it(
    team, lead, ticket, remote, django_assert_max_num_queries
):
    busy_team(12, team, ticket, remote)
    user = fresh(lead)
    with django_assert_max_num_queries(MAX_QUERIES):
        views = review_days(
            day=FRIDAY, members=reviewable_members(user, team=team), viewer=user, now=at(FRIDAY, 23)
        )
    assert len(views) == 13


# --- Same results through the database as from the engine (SQLite and PostgreSQL) ------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    day=st.sampled_from(DAYS),
    blocks=schedule_blocks(),
    spans=st.lists(st.tuples(st.integers(-1440, 2 * 1440), st.integers(1, 1440)), max_size=6),
    threshold=st.integers(1, 120),
)
def test_database_selector_matches_the_engine(
    tech, lead, ticket, zone, day, blocks, spans, threshold
):
    with transaction.atomic():
        Member.objects.filter(pk=tech.pk).update(time_zone=zone.key)
        ReviewPolicy.objects.filter(team__isnull=True).update(gap_threshold_minutes=threshold)
        tech.schedule.all().delete()
        ScheduleBlock.objects.bulk_create(
            ScheduleBlock(member=tech, weekday=day.weekday(), start=s, end=e) for s, e in blocks
        )
        day_start, day_end = local_day_bounds(day, zone)
        facts = []
        for _index, (offset, length) in enumerate(spans):
            start = day_start + timedelta(minutes=offset)
            end = start + timedelta(minutes=length)
            row = log_entry(tech, start, end, ticket=ticket)
            facts.append(EntryFacts(id=row.pk, start=start, end=end, created_at=row.created_at))
        now = day_end + timedelta(days=1)
        member = Member.objects.get(pk=tech.pk)
        own = review_day_for(member=member, day=day, viewer=member.user, now=now).figures
        reviewer = review_day_for(member=member, day=day, viewer=lead.user, now=now)
        expected = review_member_day(
            day=day,
            zone=zone,
            windows=schedule_windows(day, zone, blocks),
            expected_minutes=480 if blocks else 0,
            entries=facts,
            timer_started_at=None,
            policy=Policy(gap_threshold_minutes=threshold),
            now=now,
        )
        assert own.windows == expected.windows
        assert own.gaps == expected.gaps
        assert own.small_gaps == expected.small_gaps
        assert own.covered == expected.covered
        assert own.logged_minutes_client == expected.logged_minutes_client
        assert own.expected_minutes == expected.expected_minutes
        assert reviewer.figures.gaps == expected.gaps
        assert reviewer.figures.small_gaps == ()
        assert all(g.minutes >= threshold for g in reviewer.gaps)
        transaction.set_rollback(True)


def test_expected_minutes_follow_the_members_hours(tech, lead):
    Member.objects.filter(pk=tech.pk).update(expected_hours_per_day=Decimal("7.50"))
    view = review_day_for(
        member=Member.objects.get(pk=tech.pk), day=FRIDAY, viewer=lead.user, now=AFTER
    )
    assert view.figures.expected_minutes == 450
    assert view.figures.unaccounted_minutes == 450


def test_entries_from_other_members_and_days_stay_out(tech, other_team_tech, ticket, lead):
    log_entry(other_team_tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    log_entry(
        tech, at(FRIDAY, 9) - timedelta(days=1), at(FRIDAY, 17) - timedelta(days=1), ticket=ticket
    )
    view = review_day_for(member=tech, day=FRIDAY, viewer=lead.user, now=AFTER)
    assert view.figures.logged_minutes == 0
    assert [g.minutes for g in view.gaps] == [480]
    assert TimeEntry.objects.count() == 2


def test_role_fixture_sanity(lead):
    assert lead.user.groups.filter(name=Role.MANAGER).exists()
