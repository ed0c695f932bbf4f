"""Locking time: weeks handed in and approved, client statements billing their entries,
and periods closed and reopened.

None of this edits what an entry says, so it lives apart from the entry services; all of it
decides what those services later refuse to change (selectors.entry_lock_reason).

Weeks. A week is Monday to Sunday in the member's zone. It is handed in once it is over,
either by the member (`week_submit`) or, when the review policy says "closing a day's review
submits its week", by the review closing a day of it (`week_submit_after_review`). A reviewer
of the member's team, or Finance, then approves it (its entries become Approved) or returns
it with a reason; a returned week is fixed by the member and submitted again.

Who approves. Finance (and Admin) may set any approval state on anyone's time. A reviewer may
approve, or put back to open, the time of members of the teams they review, never their own.
Billing and invoicing are Finance's alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from daybook.catalogue.choices import BillableOption
from daybook.core.time import local_day_bounds
from daybook.people.models import Member

from .choices import ApprovalState, WeekState, WeekSubmitter
from .models import PeriodClose, ReviewPolicy, TimeEntry, WeekSubmission
from .selectors import entries_visible_to

# Where an entry may go from each approval state. Billed entries are on an issued client
# statement (Finance may still correct them); invoiced is final: the client has the bill.
APPROVAL_MOVES: dict[str, frozenset[str]] = {
    ApprovalState.OPEN: frozenset(
        {ApprovalState.APPROVED, ApprovalState.BILLED, ApprovalState.INVOICED}
    ),
    ApprovalState.APPROVED: frozenset(
        {ApprovalState.OPEN, ApprovalState.BILLED, ApprovalState.INVOICED}
    ),
    ApprovalState.BILLED: frozenset({ApprovalState.INVOICED}),
    ApprovalState.INVOICED: frozenset(),
}
# What a reviewer (not Finance) may do to the time of the teams they review.
REVIEWER_STATES = frozenset({ApprovalState.OPEN, ApprovalState.APPROVED})
MAX_REASON = 500


def is_finance(member: Member) -> bool:
    return member.user.has_perm("timekeeping.manage_all_entries")


def reviews_member(by: Member, member: Member) -> bool:
    """Whether `by` reviews the team `member` is on (and is not `member`)."""
    return (
        by.pk != member.pk
        and member.team_id is not None
        and by.user.has_perm("timekeeping.view_team_entries")
        and by.reviewed_teams.filter(pk=member.team_id).exists()
    )


def may_approve(by: Member, member: Member) -> bool:
    """The one rule for approving (or returning) a member's time: Finance for anyone, a
    reviewer for the members of the teams they review; nobody for their own time, except
    Finance, who answer for the books."""
    return is_finance(by) or reviews_member(by, member)


@transaction.atomic
def entries_set_approval(
    *, entries: QuerySet[TimeEntry] | Iterable[TimeEntry], state: str, by: Member
) -> int:
    """Move entries to an approval state, all of them or none. Returns how many changed.

    Entries already in that state are left as they are. Each change is kept in the entry's
    history under `by`.
    """
    if state not in ApprovalState.values:
        raise ValidationError({"approval_state": [f"{state!r} is not an approval state."]})
    pks = entries.values("pk") if isinstance(entries, QuerySet) else [e.pk for e in entries]
    rows = list(
        TimeEntry.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("member")
        .order_by("pk")
    )
    if not is_finance(by):
        if state not in REVIEWER_STATES:
            raise PermissionDenied("Only Finance can bill or invoice time.")
        members = {entry.member_id: entry.member for entry in rows}
        if not by.user.has_perm("timekeeping.view_team_entries") or not all(
            reviews_member(by, member) for member in members.values()
        ):
            raise PermissionDenied(
                "You can approve the time of the teams you review; some of these entries "
                "are someone else's. Finance can approve anyone's time."
            )
    moving = [entry for entry in rows if entry.approval_state != state]
    stuck = [entry for entry in moving if state not in APPROVAL_MOVES[entry.approval_state]]
    if stuck:
        label = ApprovalState(state).label.lower()
        were = " or ".join(
            sorted({ApprovalState(entry.approval_state).label.lower() for entry in stuck})
        )
        raise ValidationError(
            {
                "approval_state": [
                    f"{len(stuck)} of the selected entries are already {were} and cannot "
                    f"become {label}. Nothing was changed."
                ]
            }
        )
    now = timezone.now()
    for entry in moving:
        entry.approval_state = state
        entry.updated_at = now
    bulk_update_with_history(
        moving,
        TimeEntry,
        ["approval_state", "updated_at"],
        default_user=by.user,
        default_change_reason=f"Marked {ApprovalState(state).label.lower()}",
    )
    return len(moving)


@transaction.atomic
def period_close(*, through: date, by: Member, note: str = "") -> PeriodClose:
    """Close time up to and including `through`. The newest close is the one in force, so a
    close with an earlier date reopens the days after it; that needs a reason in `note`,
    kept with the close, since reopened time can change after it was reported."""
    if not by.user.has_perm("timekeeping.add_periodclose"):
        raise PermissionDenied("Only Finance can close a period.")
    note = note.strip()
    # Locked, so two closes at once are decided one after the other against the one in force.
    in_force = PeriodClose.objects.select_for_update().order_by("-closed_at", "-pk").first()
    if in_force is not None and through < in_force.closed_through and not note:
        raise ValidationError(
            {
                "note": [
                    f"This reopens {through + timedelta(days=1):%Y-%m-%d} to "
                    f"{in_force.closed_through:%Y-%m-%d}, closed until now. Say why in the "
                    "note; it stays with the close."
                ]
            }
        )
    today = timezone.localdate(timezone=by.zone)
    if through > today:
        raise ValidationError(
            {
                "closed_through": [
                    f"Only days that are over can be closed; {through:%Y-%m-%d} is after "
                    f"today ({today:%Y-%m-%d})."
                ]
            }
        )
    close = PeriodClose(closed_through=through, closed_by=by, note=note)
    close.full_clean()
    close.save()
    return close


def reopen_through(*, through: date, by: Member, reason: str) -> PeriodClose:
    """Reopen the days after `through` (closed until now): a close with an earlier date,
    with the reason kept in the history of closes. Only Finance; only days that are closed."""
    if not by.user.has_perm("timekeeping.add_periodclose"):
        raise PermissionDenied("Only Finance can reopen a period.")
    in_force = PeriodClose.objects.order_by("-closed_at", "-pk").first()
    if in_force is None:
        raise ValidationError(
            {"closed_through": ["Nothing is closed, so there is nothing to reopen."]}
        )
    if through >= in_force.closed_through:
        raise ValidationError(
            {
                "closed_through": [
                    f"Time is closed through {in_force.closed_through:%Y-%m-%d}; to reopen, "
                    f"keep an earlier date closed (you gave {through:%Y-%m-%d})."
                ]
            }
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"note": ["Say why the period reopens; the reason stays in the history of closes."]}
        )
    return period_close(through=through, by=by, note=reason)


# --- Weeks ----------------------------------------------------------------------------------


def week_bounds(member: Member, week_start: date) -> tuple[datetime, datetime]:
    """The week's start and end instants in the member's zone (DST-aware)."""
    low = local_day_bounds(week_start, member.zone)[0]
    high = local_day_bounds(week_start + timedelta(days=6), member.zone)[1]
    return low, high


def week_entries(member: Member, week_start: date) -> QuerySet[TimeEntry]:
    """The member's entries that start in the week (an entry over Sunday midnight belongs to
    the week it starts in)."""
    low, high = week_bounds(member, week_start)
    return TimeEntry.objects.filter(member=member, start__gte=low, start__lt=high)


def submission_policy(member: Member) -> str:
    """Who hands in the member's weeks: their team's review policy, else the organisation's."""
    rows = dict(
        ReviewPolicy.objects.filter(Q(team__isnull=True) | Q(team_id=member.team_id)).values_list(
            "team_id", "week_submission"
        )
    )
    return rows.get(member.team_id) or rows.get(None) or WeekSubmitter.MEMBER


def _check_week(member: Member, week_start: date, now: datetime) -> None:
    if week_start.weekday() != 0:
        raise ValidationError(
            {
                "week_start": [
                    f"A week starts on a Monday; {week_start:%Y-%m-%d} is a {week_start:%A}."
                ]
            }
        )
    today = timezone.localdate(now, timezone=member.zone)
    last = week_start + timedelta(days=6)
    if last >= today:
        raise ValidationError(
            {
                "week_start": [
                    f"A week is handed in once it is over; the week of {week_start:%Y-%m-%d} "
                    f"ends on Sunday {last:%Y-%m-%d}."
                ]
            }
        )


def _locked_week(member: Member, week_start: date) -> WeekSubmission | None:
    return (
        WeekSubmission.objects.select_for_update()
        .filter(member=member, week_start=week_start)
        .first()
    )


@transaction.atomic
def week_submit(
    *, member: Member, week_start: date, by: Member, now: datetime | None = None
) -> WeekSubmission:
    """Hand in a member's finished week for approval. Members submit their own weeks (Finance
    may for anyone); a returned week may be submitted again once fixed."""
    now = now or timezone.now()
    if by.pk != member.pk and not is_finance(by):
        raise PermissionDenied("You can only submit your own weeks.")
    _check_week(member, week_start, now)
    return _submit(member=member, week_start=week_start, by=by, now=now)


def _submit(*, member: Member, week_start: date, by: Member, now: datetime) -> WeekSubmission:
    row = _locked_week(member, week_start)
    if row is not None and row.state == WeekState.SUBMITTED:
        raise ValidationError(
            {"week_start": [f"The week of {week_start:%Y-%m-%d} is already submitted."]}
        )
    if row is not None and row.state == WeekState.APPROVED:
        raise ValidationError(
            {"week_start": [f"The week of {week_start:%Y-%m-%d} is already approved."]}
        )
    if row is None:
        row = WeekSubmission(member=member, week_start=week_start)
    row.state = WeekState.SUBMITTED
    row.submitted_by = by
    row.submitted_at = now
    row.decided_by = None
    row.decided_at = None
    row._history_user = by.user
    row._change_reason = "Submitted"
    row.save()
    return row


@transaction.atomic
def week_submit_after_review(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> WeekSubmission | None:
    """A reviewer closed the review of `day`: under the policy "closing a day's review
    submits its week", hand in the week holding it when that week is over and not yet
    submitted or approved. Returns the submission, or None when nothing was handed in."""
    now = now or timezone.now()
    if submission_policy(member) != WeekSubmitter.DAY_REVIEW:
        return None
    monday = day - timedelta(days=day.weekday())
    try:
        _check_week(member, monday, now)
    except ValidationError:
        return None
    existing = _locked_week(member, monday)
    if existing is not None and existing.state != WeekState.RETURNED:
        return None
    return _submit(member=member, week_start=monday, by=by, now=now)


def _decidable(submission: WeekSubmission, by: Member) -> WeekSubmission:
    if not may_approve(by, submission.member):
        raise PermissionDenied(
            "You can approve or return the weeks of the teams you review; Finance can for everyone."
        )
    row = _locked_week(submission.member, submission.week_start)
    if row is None or row.state != WeekState.SUBMITTED:
        state = WeekState(row.state).label.lower() if row else "withdrawn"
        raise ValidationError(
            {
                "state": [
                    f"This week is {state}, not waiting for approval; reload to see it as it "
                    "is now."
                ]
            }
        )
    return row


@transaction.atomic
def week_approve(
    *, submission: WeekSubmission, by: Member, now: datetime | None = None
) -> WeekSubmission:
    """Approve a submitted week: its open entries become Approved (entries_set_approval, in
    the same transaction), so they no longer change."""
    now = now or timezone.now()
    row = _decidable(submission, by)
    entries = week_entries(row.member, row.week_start)
    open_entries = entries.filter(approval_state=ApprovalState.OPEN)
    hidden = open_entries.exclude(pk__in=entries_visible_to(by.user, now=now).values("pk"))
    if hidden.exists():
        raise ValidationError(
            {
                "state": [
                    "Part of this week is not open for review yet, so it cannot be approved "
                    "unseen. Try again once the member's last day has opened."
                ]
            }
        )
    entries_set_approval(entries=open_entries, state=ApprovalState.APPROVED, by=by)
    row.state = WeekState.APPROVED
    row.decided_by = by
    row.decided_at = now
    row._history_user = by.user
    row._change_reason = "Approved"
    row.save()
    return row


@transaction.atomic
def week_return(
    *, submission: WeekSubmission, by: Member, reason: str, now: datetime | None = None
) -> WeekSubmission:
    """Send a submitted week back to the member with a reason; they fix it and submit again."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    row = _decidable(submission, by)
    if not reason:
        raise ValidationError(
            {"reason": ["Say what needs fixing; the member sees this on their week."]}
        )
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [f"Keep the reason to {MAX_REASON} characters or fewer."]})
    row.state = WeekState.RETURNED
    row.reason = reason
    row.decided_by = by
    row.decided_at = now
    row._history_user = by.user
    row._change_reason = f"Returned: {reason}"
    row.save()
    return row


# --- Billing --------------------------------------------------------------------------------


def entries_mark_billed(
    *, entry_ids: Iterable[int], statement: int, by: Member, at: datetime
) -> int:
    """Mark entries billed on issued statement number `statement` (insights.statement_issue,
    inside its transaction). Entries billed or invoiced before keep their first statement.
    Only Finance. The history records the step at `at`, the statement's issue time, and the
    entries' change time stays as it was: billing changes nothing the client sees."""
    if not is_finance(by):
        raise PermissionDenied("Only Finance can bill time.")
    rows = list(
        TimeEntry.objects.select_for_update()
        .filter(pk__in=list(entry_ids))
        .filter(approval_state__in=[ApprovalState.OPEN, ApprovalState.APPROVED])
        .order_by("pk")
    )
    for entry in rows:
        entry.approval_state = ApprovalState.BILLED
        entry.billed_on_statement = statement
    bulk_update_with_history(
        rows,
        TimeEntry,
        ["approval_state", "billed_on_statement"],
        default_user=by.user,
        default_change_reason=f"Billed on statement {statement}",
        default_date=at,
    )
    return len(rows)


# --- Reads for the approvals and periods pages and the API --------------------------------


def submissions_visible_to(by: Member) -> QuerySet[WeekSubmission]:
    """The weeks `by` may see and decide on (may_approve): everyone's for Finance, the members
    of the teams they review for a reviewer, never their own (except for Finance)."""
    rows = WeekSubmission.objects.select_related(
        "member__user", "member__team", "submitted_by__user", "decided_by__user"
    )
    if is_finance(by):
        return rows
    if not by.user.has_perm("timekeeping.view_team_entries"):
        return rows.none()
    return rows.filter(member__team__reviewers=by).exclude(member=by).distinct()


def submissions_of(member: Member) -> QuerySet[WeekSubmission]:
    """A member's own weeks, as handed in."""
    return WeekSubmission.objects.filter(member=member).select_related("decided_by__user")


def may_open_approvals(by: Member) -> bool:
    """Whether the approvals page is for `by`: Finance, or a reviewer of at least one team."""
    return is_finance(by) or (
        by.user.has_perm("timekeeping.view_team_entries") and by.reviewed_teams.exists()
    )


def may_close_periods(by: Member) -> bool:
    return by.user.has_perm("timekeeping.add_periodclose")


@dataclass(frozen=True)
class WeekDayTotal:
    day: date
    minutes: int
    billable_minutes: int


@dataclass(frozen=True)
class WeekReview:
    """A submitted week as its approver sees it: the entries and the totals."""

    submission: WeekSubmission
    entries: list[TimeEntry]
    days: list[WeekDayTotal]
    minutes: int
    billable_minutes: int
    open_count: int


def week_review(*, submission: WeekSubmission, by: Member) -> WeekReview:
    """The week's entries that `by` may see, with minutes per local day (by start)."""
    member = submission.member
    entries = list(
        week_entries(member, submission.week_start)
        .filter(pk__in=entries_visible_to(by.user).values("pk"))
        .select_related("ticket__company", "phase__project", "work_type")
        .order_by("start")
    )
    per_day: dict[date, list[int]] = {
        submission.week_start + timedelta(days=i): [0, 0] for i in range(7)
    }
    for entry in entries:
        minutes = round((entry.end - entry.start).total_seconds() / 60)
        totals = per_day[entry.start.astimezone(member.zone).date()]
        totals[0] += minutes
        if entry.billable == BillableOption.BILLABLE:
            totals[1] += minutes
    days = [WeekDayTotal(day=d, minutes=m, billable_minutes=b) for d, (m, b) in per_day.items()]
    return WeekReview(
        submission=submission,
        entries=entries,
        days=days,
        minutes=sum(d.minutes for d in days),
        billable_minutes=sum(d.billable_minutes for d in days),
        open_count=sum(1 for e in entries if e.approval_state == ApprovalState.OPEN),
    )


@dataclass(frozen=True)
class CloseLine:
    """One step in the history of closes: a close, or a reopening (an earlier date than the
    close before it)."""

    close: PeriodClose
    reopens: bool
    previous: date | None


def period_history(limit: int = 100) -> list[CloseLine]:
    """The closes, newest first, each marked as a close or a reopening."""
    rows = list(
        PeriodClose.objects.select_related("closed_by__user").order_by("-closed_at", "-pk")[
            : limit + 1
        ]
    )
    lines = []
    for index, close in enumerate(rows[:limit]):
        before = rows[index + 1].closed_through if index + 1 < len(rows) else None
        lines.append(
            CloseLine(
                close=close,
                reopens=before is not None and close.closed_through < before,
                previous=before,
            )
        )
    return lines
