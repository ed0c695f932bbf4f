from collections.abc import Callable
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.core.time import local_date
from daybook.people.models import Member
from daybook.people.selectors import members_visible_to

from .choices import LOCKED_STATES, ApprovalState
from .models import LONGEST_ENTRY, DraftEntry, PeriodClose, TimeEntry, Timer
from .visibility import (
    ENDED_BY,
    STARTED_BEFORE,
    open_cutoffs,
    opened_q,
    own_member_id,
    own_q,
)


def closed_through() -> date | None:
    """The last date of the closed period, or None when nothing is closed."""
    return (
        PeriodClose.objects.order_by("-closed_at", "-pk")
        .values_list("closed_through", flat=True)
        .first()
    )


def period_in_force() -> PeriodClose | None:
    """The close in force (the newest), with who made it, or None when nothing is closed."""
    return PeriodClose.objects.select_related("closed_by").order_by("-closed_at", "-pk").first()


def closed_message(closed: date | PeriodClose) -> str:
    """What is closed, by whom, and who can reopen it: the one sentence every refusal of a
    write into a closed period gives."""
    if isinstance(closed, PeriodClose):
        who = closed.closed_by.name if closed.closed_by_id else "Finance"
        return (
            f"Time up to {closed.closed_through:%Y-%m-%d} is closed (closed by {who} on "
            f"{closed.closed_at:%Y-%m-%d}). Only Finance can reopen it; ask them if this "
            "time must change."
        )
    return (
        f"Time up to {closed:%Y-%m-%d} is closed. Only Finance can reopen it; ask them if this "
        "time must change."
    )


def _closed_date(closed: date | PeriodClose | None) -> date | None:
    return closed.closed_through if isinstance(closed, PeriodClose) else closed


def day_is_closed(day: date, closed: date | PeriodClose | None) -> bool:
    through = _closed_date(closed)
    return through is not None and day <= through


def span_lock_reason(
    *, member: Member, start, end, closed: date | PeriodClose | None
) -> str | None:
    """Why time at this span may not be written, or None when it may. `closed` is the close
    in force (period_in_force) or just its date (closed_through)."""
    through = _closed_date(closed)
    if through is None:
        return None
    if local_date(start, member.zone) <= through or local_date(end, member.zone) <= through:
        return closed_message(closed)
    return None


def may_change_billed(by: Member | None) -> bool:
    """Billed time (on an issued client statement) changes only through Finance (and Admin,
    who holds every permission); the system (None) never changes it."""
    return by is not None and by.user.has_perm("timekeeping.manage_all_entries")


def entry_lock_reason(
    entry: TimeEntry, *, closed: date | PeriodClose | None = None, by: Member | None = None
) -> str | None:
    """Why an entry cannot be changed (by `by`), or None when it can."""
    state = entry.approval_state
    if state == ApprovalState.BILLED:
        if not may_change_billed(by):
            number = entry.billed_on_statement
            on = f" on statement {number}" if number else ""
            return (
                f"This entry is billed{on} and can no longer change, except by Finance: ask "
                "Finance, saying what should change and why. Their change shows when the "
                "statement is checked."
            )
    elif state in LOCKED_STATES:
        return (
            f"This entry is {entry.get_approval_state_display().lower()} and can no longer change."
        )
    if closed is None:
        closed = period_in_force()
    return span_lock_reason(member=entry.member, start=entry.start, end=entry.end, closed=closed)


def visible_time_q(
    user: AbstractBaseUser, *, lookup: str = ENDED_BY, now: datetime | None = None
) -> Q:
    """Whose time `user` may see (members_visible_to) and which part of it (visibility.py):
    all of their own; of their reviewed teams (managers) or of everyone (Finance, Admin), only
    days whose review has opened. `lookup` compares a row with its member's cutoff."""
    mine = own_q(user)
    if not user.is_authenticated:
        return mine
    if user.has_perm("timekeeping.view_all_entries"):
        return mine | opened_q(now=now, lookup=lookup)
    if not user.has_perm("timekeeping.view_team_entries"):
        return mine
    others = members_visible_to(user).exclude(user=user)
    return mine | opened_q(members=others, now=now, lookup=lookup)


def time_visibility(
    user: AbstractBaseUser, *, now: datetime | None = None
) -> Callable[[int, datetime], bool]:
    """A judge of single pieces of time for one viewer, by the same rule as visible_time_q:
    `sees(member_id, end)`. For rows that may no longer exist (a deleted entry's history) or
    that a page meets one by one (the admin's list of related objects); each member costs
    the database once, however many of their rows are judged."""
    now = now or timezone.now()
    cutoffs: dict[int, datetime | None] = {}
    own = own_member_id(user)

    def sees(member_id: int, end: datetime) -> bool:
        if member_id == own:
            return True
        if member_id not in cutoffs:
            member = members_visible_to(user).filter(pk=member_id).first()
            found = open_cutoffs([member], now=now) if member is not None else {}
            cutoffs[member_id] = found.get(member_id)
        cutoff = cutoffs[member_id]
        return cutoff is not None and end <= cutoff

    return sees


def time_visible_to(
    user: AbstractBaseUser, *, member_id: int, end: datetime, now: datetime | None = None
) -> bool:
    """Whether `user` may see one piece of a member's time ending at `end`."""
    return time_visibility(user, now=now)(member_id, end)


def entries_visible_to(
    user: AbstractBaseUser, *, now: datetime | None = None
) -> QuerySet[TimeEntry]:
    """Entries a user may see (visible_time_q). Every door that shows entries starts here:
    pages, the API, the admin."""
    return TimeEntry.objects.filter(visible_time_q(user, now=now))


def timers_visible_to(user: AbstractBaseUser, *, now: datetime | None = None) -> QuerySet[Timer]:
    """Running timers a user may see: their own, and others' only when started on a day whose
    review has opened (left running since; the review shows it as a finding)."""
    return Timer.objects.filter(visible_time_q(user, lookup=STARTED_BEFORE, now=now))


def drafts_visible_to(
    user: AbstractBaseUser, *, now: datetime | None = None
) -> QuerySet[DraftEntry]:
    """Parked drafts a user may see: the same rule as entries."""
    return DraftEntry.objects.filter(visible_time_q(user, now=now))


def overlapping_entries(*, member: Member, start, end, exclude_pk: int | None = None):
    # Bounded below too: a short stretch of the (member, start) index, not all history.
    qs = TimeEntry.objects.filter(
        member=member, start__gte=start - LONGEST_ENTRY, start__lt=end, end__gt=start
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("ticket", "phase").order_by("start")


WRAP_BUTTONS = 4


def wrap_types_offered() -> list[WorkType]:
    """The payroll wrap types offered as one-click buttons for a gap, working time first."""
    return list(
        WorkType.objects.filter(is_payroll_wrap=True, is_active=True).order_by(
            "is_time_off", "name"
        )[:WRAP_BUTTONS]
    )
