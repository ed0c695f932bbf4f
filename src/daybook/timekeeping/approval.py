"""Locking time: approving and invoicing entries, and closing periods.

Neither edits what an entry says, so both live apart from the entry services; both decide
what those services later refuse to change.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from daybook.people.models import Member

from .choices import ApprovalState
from .models import PeriodClose, TimeEntry

# Where an entry may go from each approval state. Invoiced is final: the client has the bill.
APPROVAL_MOVES: dict[str, frozenset[str]] = {
    ApprovalState.OPEN: frozenset({ApprovalState.APPROVED, ApprovalState.INVOICED}),
    ApprovalState.APPROVED: frozenset({ApprovalState.OPEN, ApprovalState.INVOICED}),
    ApprovalState.INVOICED: frozenset(),
}


@transaction.atomic
def entries_set_approval(
    *, entries: QuerySet[TimeEntry] | Iterable[TimeEntry], state: str, by: Member
) -> int:
    """Move entries to an approval state, all of them or none. Returns how many changed.

    Entries already in that state are left as they are. Each change is kept in the entry's
    history under `by`.
    """
    if not by.user.has_perm("timekeeping.manage_all_entries"):
        raise PermissionDenied("Only Finance can approve or invoice time.")
    if state not in ApprovalState.values:
        raise ValidationError({"approval_state": [f"{state!r} is not an approval state."]})
    pks = entries.values("pk") if isinstance(entries, QuerySet) else [e.pk for e in entries]
    rows = list(TimeEntry.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    moving = [entry for entry in rows if entry.approval_state != state]
    stuck = [entry for entry in moving if state not in APPROVAL_MOVES[entry.approval_state]]
    if stuck:
        label = ApprovalState(state).label.lower()
        raise ValidationError(
            {
                "approval_state": [
                    f"{len(stuck)} of the selected entries are already invoiced and cannot "
                    f"become {label} again. Nothing was changed."
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
    in_force = PeriodClose.objects.select_for_update().order_by("-closed_at").first()
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
