"""Writes for day reviews: a reviewer's decisions and the review settings.

Every door (web, API, admin actions, commands) comes here, so the guardrails hold everywhere:
nobody decides about their own day, nobody decides about a day before its review has opened,
and only days the reviewer may see can be touched.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from daybook.people.models import Member, Team
from daybook.people.selectors import members_visible_to

from .choices import REVIEW_TRANSITIONS, ReviewState
from .models import MAX_NOTE_LENGTH, DayReview, ReviewPolicy
from .selectors import DayView, review_day_for, review_days


def _lock_members(ids: list[int]) -> None:
    # The same row lock entry writes take, so a day cannot change while it is being decided.
    list(Member.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))


def _open_view(*, member: Member, day: date, by: Member, now: datetime) -> DayView:
    """The day as `by` sees it, once `by` may decide about it; refuses otherwise."""
    if by.pk == member.pk:
        raise PermissionDenied(
            "Your own days are reviewed by someone else; you can always see them yourself."
        )
    view = review_day_for(member=member, day=day, viewer=by.user, now=now)
    if view is None or view.is_own:
        raise PermissionDenied("You don't review this member's days.")
    if view.in_progress:
        opens = view.review_opens_at.astimezone(member.zone)
        raise ValidationError(
            f"{member.first_name}'s day is still under way. Its review opens at "
            f"{opens:%H:%M} on {opens:%a %d %b} ({member.time_zone})."
        )
    return view


def _set_state(
    *,
    member: Member,
    day: date,
    by: Member,
    to: ReviewState,
    now: datetime,
    note: str | None = None,
) -> DayReview:
    """Move the day to `to`. Asking for the state it is already in changes nothing."""
    row = DayReview.objects.filter(member=member, date=day).first()
    current = ReviewState(row.state) if row else ReviewState.PENDING
    if current == to:
        return row or DayReview(member=member, date=day, state=to)
    if to not in REVIEW_TRANSITIONS[current]:
        raise ValidationError(
            f"This day is {current.label.lower()}; it can't be marked {to.label.lower()} "
            "from there."
        )
    if row is None:
        row = DayReview(member=member, date=day)
    row.state = to
    row.reviewed_by = by
    row.reviewed_at = now
    if note is not None:
        row.note = note
    row._history_user = by.user
    row.full_clean()
    row.save()
    return row


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"note": [f"Keep the note to {MAX_NOTE_LENGTH} characters or fewer."]}
        )
    return note


@transaction.atomic
def review_mark_clean(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> DayReview:
    """Nothing to ask about: no gap at or over the threshold and no findings."""
    now = now or timezone.now()
    _lock_members([member.pk])
    view = _open_view(member=member, day=day, by=by, now=now)
    if view.needs_attention:
        raise ValidationError(
            "This day still has a gap or a finding to look at. If it is fine as it is, mark "
            "the day excused instead, with a word on why."
        )
    return _set_state(member=member, day=day, by=by, to=ReviewState.CLEAN, now=now)


@transaction.atomic
def review_mark_excused(
    *, member: Member, day: date, by: Member, note: str = "", now: datetime | None = None
) -> DayReview:
    """The gaps or findings are understood and need nothing more."""
    now = now or timezone.now()
    note = _clean_note(note)
    _lock_members([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    return _set_state(member=member, day=day, by=by, to=ReviewState.EXCUSED, now=now, note=note)


@transaction.atomic
def review_mark_followed_up(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> DayReview:
    """A question went to the member (the follow-up composer calls this)."""
    now = now or timezone.now()
    _lock_members([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    return _set_state(member=member, day=day, by=by, to=ReviewState.FOLLOWED_UP, now=now)


@transaction.atomic
def review_mark_resolved(
    *, member: Member, day: date, by: Member, note: str = "", now: datetime | None = None
) -> DayReview:
    """The member answered the follow-up and the day is sorted."""
    now = now or timezone.now()
    note = _clean_note(note)
    _lock_members([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    return _set_state(member=member, day=day, by=by, to=ReviewState.RESOLVED, now=now, note=note)


@transaction.atomic
def review_reopen(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> DayReview:
    """Put a clean, excused or resolved day back to pending."""
    now = now or timezone.now()
    _lock_members([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    return _set_state(member=member, day=day, by=by, to=ReviewState.PENDING, now=now)


@transaction.atomic
def review_mark_all_clean(
    *,
    day: date,
    members: QuerySet[Member] | list[Member],
    by: Member,
    now: datetime | None = None,
) -> int:
    """Mark clean every pending day among `members` that `by` may review, whose review has
    opened and that has no gap at or over the threshold and no findings. Returns how many.

    Days that need a look, days still under way and `by`'s own day are left as they are.
    """
    now = now or timezone.now()
    if not members_visible_to(by.user).exclude(pk=by.pk).exists():
        raise PermissionDenied("You don't review anyone's days.")
    if isinstance(members, QuerySet):
        ids = list(members.values_list("pk", flat=True))
    else:
        ids = [m.pk for m in members]
    _lock_members(ids)
    views = review_days(day=day, members=members, viewer=by.user, now=now)
    ready = {view.member.pk: view.member for view in views if view.may_be_marked_clean}
    if not ready:
        return 0
    rows = {
        row.member_id: row for row in DayReview.objects.filter(member_id__in=list(ready), date=day)
    }
    changed, created = [], []
    for member_id, member in ready.items():
        row = rows.get(member_id)
        if row is None:
            row = DayReview(member=member, date=day)
            created.append(row)
        elif row.state != ReviewState.PENDING:
            continue
        else:
            changed.append(row)
        row.state = ReviewState.CLEAN
        row.reviewed_by = by
        row.reviewed_at = now
    if changed:
        for row in changed:
            row.updated_at = now
        bulk_update_with_history(
            changed,
            DayReview,
            ["state", "reviewed_by", "reviewed_at", "updated_at"],
            default_user=by.user,
        )
    if created:
        bulk_create_with_history(created, DayReview, default_user=by.user)
    return len(changed) + len(created)


@transaction.atomic
def policy_set(
    *,
    team: Team | None,
    by: Member,
    gap_threshold_minutes: int | None = None,
    realtime_window_minutes: int | None = None,
    grace_minutes: int | None = None,
) -> ReviewPolicy:
    """Change the organisation's review settings (team None) or one team's. A team without
    its own row starts from the organisation's values."""
    if not by.user.has_perm("review.change_reviewpolicy"):
        raise PermissionDenied("Only an administrator can change the review settings.")
    row = ReviewPolicy.objects.select_for_update().filter(team=team).first()
    if row is None:
        organisation = ReviewPolicy.objects.filter(team__isnull=True).first()
        row = ReviewPolicy(team=team)
        if organisation is not None:
            row.gap_threshold_minutes = organisation.gap_threshold_minutes
            row.realtime_window_minutes = organisation.realtime_window_minutes
            row.grace_minutes = organisation.grace_minutes
    changes = {
        "gap_threshold_minutes": gap_threshold_minutes,
        "realtime_window_minutes": realtime_window_minutes,
        "grace_minutes": grace_minutes,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    row._history_user = by.user
    row.full_clean()
    row.save()
    return row
