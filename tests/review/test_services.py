"""Review states and who may decide about a day."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from daybook.review.choices import ReviewState
from daybook.review.models import DayReview
from daybook.review.selectors import review_day_for
from daybook.review.services import (
    followup_send,
    policy_set,
    review_mark_all_clean,
    review_mark_clean,
    review_mark_excused,
    review_mark_resolved,
    review_reopen,
)
from daybook.timekeeping.models import ReviewPolicy
from tests.factories import MemberFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

AFTER = at(FRIDAY, 18)


@pytest.fixture
def full_day(tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    return tech


@pytest.fixture
def gappy_day(tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket)
    return tech


def ask(**kwargs):
    return followup_send(subject="About Friday", body="Could you help me place it?", **kwargs)


def state_of(member) -> str:
    row = DayReview.objects.filter(member=member, date=FRIDAY).first()
    return row.state if row else ReviewState.PENDING


def test_reviewer_marks_a_clean_day_clean(full_day, lead):
    row = review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    assert (row.state, row.reviewed_by, row.reviewed_at) == (ReviewState.CLEAN, lead, AFTER)
    assert row.history.count() == 1
    assert review_day_for(member=full_day, day=FRIDAY, viewer=lead.user, now=AFTER).status == (
        ReviewState.CLEAN
    )


def test_marking_clean_twice_changes_nothing(full_day, lead):
    first = review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    again = review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER + timedelta(hours=1))
    assert again.pk == first.pk
    assert again.reviewed_at == AFTER


def test_cannot_mark_a_day_before_its_review_opens(full_day, lead):
    with pytest.raises(ValidationError, match=r"opens at 17:30 on Fri 14 Mar \(America/New_York\)"):
        review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=at(FRIDAY, 17, 29))
    with pytest.raises(ValidationError, match="still under way"):
        review_mark_excused(member=full_day, day=FRIDAY, by=lead, now=at(FRIDAY, 12))
    assert not DayReview.objects.exists()


def test_a_day_with_a_gap_is_excused_not_clean(gappy_day, lead):
    with pytest.raises(ValidationError, match="mark the day excused"):
        review_mark_clean(member=gappy_day, day=FRIDAY, by=lead, now=AFTER)
    row = review_mark_excused(
        member=gappy_day, day=FRIDAY, by=lead, note="  Lunch ran long, all fine.  ", now=AFTER
    )
    assert (row.state, row.note) == (ReviewState.EXCUSED, "Lunch ran long, all fine.")


def test_small_gaps_do_not_stop_a_day_being_clean(tech, ticket, lead):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 12, 30), at(FRIDAY, 17), ticket=ticket)  # 30 minutes: small
    assert review_mark_clean(member=tech, day=FRIDAY, by=lead, now=AFTER).state == "clean"


def test_excuse_note_has_a_limit(gappy_day, lead):
    with pytest.raises(ValidationError, match="2000 characters"):
        review_mark_excused(member=gappy_day, day=FRIDAY, by=lead, note="x" * 2001, now=AFTER)


def test_follow_up_then_resolved(gappy_day, lead):
    ask(member=gappy_day, day=FRIDAY, by=lead, now=AFTER)
    assert state_of(gappy_day) == ReviewState.FOLLOWED_UP
    with pytest.raises(ValidationError, match="followed up; it can't be marked pending"):
        review_reopen(member=gappy_day, day=FRIDAY, by=lead, now=AFTER)
    row = review_mark_resolved(member=gappy_day, day=FRIDAY, by=lead, note="Logged.", now=AFTER)
    assert row.state == ReviewState.RESOLVED
    assert [h.state for h in row.history.order_by("history_date")] == [
        ReviewState.FOLLOWED_UP,
        ReviewState.RESOLVED,
    ]


def test_resolved_needs_a_follow_up_first(gappy_day, lead):
    with pytest.raises(ValidationError, match="pending; it can't be marked resolved"):
        review_mark_resolved(member=gappy_day, day=FRIDAY, by=lead, now=AFTER)


def test_reopen_puts_a_finished_day_back_to_pending(full_day, lead):
    review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    assert review_reopen(member=full_day, day=FRIDAY, by=lead, now=AFTER).state == "pending"
    assert review_reopen(member=full_day, day=FRIDAY, by=lead, now=AFTER).state == "pending"
    assert review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER).state == "clean"


def test_a_finished_day_cannot_jump_to_another_finish(full_day, lead):
    review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    with pytest.raises(ValidationError, match="clean; it can't be marked excused"):
        review_mark_excused(member=full_day, day=FRIDAY, by=lead, now=AFTER)


def test_nobody_marks_their_own_day(lead, ticket):
    log_entry(lead, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    with pytest.raises(PermissionDenied, match="reviewed by someone else"):
        review_mark_clean(member=lead, day=FRIDAY, by=lead, now=AFTER)


@pytest.mark.parametrize("outsider", ["other_team_tech", "dispatcher", "other_manager"])
def test_only_reviewers_of_the_member_may_decide(full_day, outsider, request):
    by = request.getfixturevalue(outsider)
    for mark in (review_mark_clean, review_mark_excused, ask):
        with pytest.raises(PermissionDenied):
            mark(member=full_day, day=FRIDAY, by=by, now=AFTER)
    assert not DayReview.objects.exists()


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_may_decide_about_anyone(full_day, role, request):
    by = request.getfixturevalue(role)
    assert review_mark_clean(member=full_day, day=FRIDAY, by=by, now=AFTER).reviewed_by == by


# --- Mark every clean day at once --------------------------------------------------------------


def test_mark_all_clean_touches_only_ended_clean_pending_days(team, lead, tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)  # clean
    gappy = MemberFactory(team=team)
    log_entry(gappy, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)  # a 5-hour gap
    west = MemberFactory(team=team, time_zone="America/Los_Angeles")  # its day ends at 20:00 NY
    log_entry(west, at(FRIDAY, 9, zone=west.zone), at(FRIDAY, 17, zone=west.zone), ticket=ticket)
    excused = MemberFactory(team=team)
    log_entry(excused, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    DayReview.objects.create(member=excused, date=FRIDAY, state=ReviewState.EXCUSED)
    log_entry(lead, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)  # the reviewer's own day

    members = team.members.all()
    assert review_mark_all_clean(day=FRIDAY, members=members, by=lead, now=AFTER) == 1
    assert state_of(tech) == ReviewState.CLEAN
    assert state_of(gappy) == state_of(west) == state_of(lead) == ReviewState.PENDING
    assert state_of(excused) == ReviewState.EXCUSED
    assert DayReview.objects.get(member=tech).history.get().history_user == lead.user
    assert review_mark_all_clean(day=FRIDAY, members=members, by=lead, now=AFTER) == 0

    later = at(FRIDAY, 21)
    assert review_mark_all_clean(day=FRIDAY, members=list(members), by=lead, now=later) == 1
    assert state_of(west) == ReviewState.CLEAN


def test_mark_all_clean_updates_a_reopened_row(full_day, lead):
    review_mark_clean(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    review_reopen(member=full_day, day=FRIDAY, by=lead, now=AFTER)
    assert review_mark_all_clean(day=FRIDAY, members=[full_day], by=lead, now=AFTER) == 1
    assert state_of(full_day) == ReviewState.CLEAN


def test_mark_all_clean_leaves_out_members_the_reviewer_does_not_review(
    full_day, other_manager, other_team_tech, ticket
):
    log_entry(other_team_tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    marked = review_mark_all_clean(
        day=FRIDAY, members=[full_day, other_team_tech], by=other_manager, now=AFTER
    )
    assert marked == 1
    assert state_of(full_day) == ReviewState.PENDING


def test_technician_cannot_mark_all_clean(full_day, other_team_tech):
    with pytest.raises(PermissionDenied, match="don't review anyone"):
        review_mark_all_clean(day=FRIDAY, members=[full_day], by=other_team_tech, now=AFTER)


# --- Policy ------------------------------------------------------------------------------------


def test_admin_sets_a_team_policy_starting_from_the_organisation(admin, team):
    policy_set(team=None, by=admin, realtime_window_minutes=20)
    row = policy_set(team=team, by=admin, gap_threshold_minutes=60)
    assert (row.gap_threshold_minutes, row.realtime_window_minutes, row.grace_minutes) == (
        60,
        20,
        30,
    )
    assert row.history.get().history_user == admin.user


def test_policy_values_are_checked(admin, team):
    with pytest.raises(ValidationError):
        policy_set(team=team, by=admin, gap_threshold_minutes=0)
    with pytest.raises(ValidationError):
        policy_set(team=None, by=admin, grace_minutes=24 * 60 + 1)


@pytest.mark.parametrize("who", ["lead", "finance", "tech"])
def test_only_an_admin_changes_the_policy(who, request):
    with pytest.raises(PermissionDenied):
        policy_set(team=None, by=request.getfixturevalue(who), gap_threshold_minutes=10)


def test_database_keeps_one_policy_per_scope(team):
    ReviewPolicy.objects.create(team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewPolicy.objects.create(team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewPolicy.objects.create(team=None)


@pytest.mark.parametrize(
    "values",
    [
        {"gap_threshold_minutes": 0},
        {"realtime_window_minutes": 0},
        {"grace_minutes": 24 * 60 + 1},
    ],
)
def test_database_refuses_out_of_range_policy(team, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewPolicy.objects.create(team=team, **values)


def test_database_keeps_one_review_per_member_day(tech):
    DayReview.objects.create(member=tech, date=FRIDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        DayReview.objects.create(member=tech, date=FRIDAY)
