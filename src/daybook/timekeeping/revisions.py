"""An entry's history for the entry page: history.entry_history in words and local times."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType

from .choices import ApprovalState, EntrySource
from .history import entry_history
from .models import TimeEntry

LABELS = {
    "member": "Member",
    "start": "Start",
    "end": "End",
    "ticket": "Ticket",
    "phase": "Project phase",
    "agreement": "Agreement",
    "work_role": "Work role",
    "work_type": "Work type",
    "billable": "Billable",
    "bill_rate": "Bill rate",
    "cost_rate": "Cost rate",
    "notes": "Notes",
    "internal_notes": "Internal notes",
    "source": "Source",
    "approval_state": "Approval",
}
CHOICES = {
    "billable": dict(BillableOption.choices),
    "source": dict(EntrySource.choices),
    "approval_state": dict(ApprovalState.choices),
}
KINDS = {"created": "Created", "changed": "Changed", "deleted": "Deleted"}
# Cost rates are for Finance; the member's own history page leaves them out.
HIDDEN = frozenset({"cost_rate", "member"})


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Revision:
    at: datetime
    by: str
    kind: str
    changes: list[Change]


def _words(name: str, value, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return "—"
    if name in CHOICES:
        return CHOICES[name].get(value, str(value))
    if name in names:
        return names[name].get(value, f"#{value}")
    if name == "ticket":
        return f"#{value}"
    if name in {"start", "end"}:
        moment = parse_datetime(value)
        if moment is not None:
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    return str(value)


def entry_revisions(entry: TimeEntry) -> list[Revision]:
    """Newest first, in the zone active for the request."""
    records = entry_history(entry=entry, hidden_fields=HIDDEN)
    names = {
        "work_type": dict(WorkType.objects.values_list("pk", "name")),
        "work_role": dict(WorkRole.objects.values_list("pk", "name")),
    }
    people = {
        user.get_username(): user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(
            username__in={r.history_user for r in records if r.history_user}
        )
    }
    return [
        Revision(
            at=record.history_date,
            by=people.get(record.history_user, record.history_user or "Daybook"),
            kind=KINDS.get(record.history_type, record.history_type),
            changes=[
                Change(
                    LABELS.get(c.field, c.field),
                    "" if record.history_type == "created" else _words(c.field, c.old, names),
                    _words(c.field, c.new, names),
                )
                for c in record.changes
            ],
        )
        for record in reversed(records)
    ]
