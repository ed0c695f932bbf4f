from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from daybook.catalogue.models import WorkType
from daybook.core.time import local_date
from daybook.people.models import Member
from daybook.people.selectors import members_visible_to

from .choices import LOCKED_STATES
from .models import PeriodClose, TimeEntry


def closed_through() -> date | None:
    """The last date of the closed period, or None when nothing is closed."""
    return (
        PeriodClose.objects.order_by("-closed_at").values_list("closed_through", flat=True).first()
    )


def span_lock_reason(*, member: Member, start, end, closed: date | None) -> str | None:
    """Why time at this span may not be written, or None when it may."""
    if closed is None:
        return None
    if local_date(start, member.zone) <= closed or local_date(end, member.zone) <= closed:
        return f"Time up to {closed:%Y-%m-%d} is closed; ask Finance to reopen the period."
    return None


def entry_lock_reason(entry: TimeEntry, *, closed: date | None = None) -> str | None:
    """Why an entry cannot be changed, or None when it can."""
    if entry.approval_state in LOCKED_STATES:
        return (
            f"This entry is {entry.get_approval_state_display().lower()} and can no longer change."
        )
    if closed is None:
        closed = closed_through()
    return span_lock_reason(member=entry.member, start=entry.start, end=entry.end, closed=closed)


def entries_visible_to(user: AbstractBaseUser) -> QuerySet[TimeEntry]:
    """Entries a user may see: their own, their reviewed teams' (managers), or all (finance)."""
    if user.has_perm("timekeeping.view_all_entries"):
        return TimeEntry.objects.all()
    return TimeEntry.objects.filter(member__in=members_visible_to(user))


def overlapping_entries(*, member: Member, start, end, exclude_pk: int | None = None):
    qs = TimeEntry.objects.filter(member=member, start__lt=end, end__gt=start)
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
