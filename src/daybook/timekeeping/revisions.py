"""An entry's history for people to read: history.entry_history in words, with related
records by name and times in the member's own zone. The entry page and the admin's history
page both word their changes here."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from simple_history.models import DeletedObject

from daybook.catalogue.choices import BillableOption
from daybook.core.money import may_see_money

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
# The member is the page's own subject; rates show only to those who may see money.
HIDDEN = frozenset({"member"})
MONEY = frozenset({"bill_rate", "cost_rate"})
EMPTY = "—"


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


def change_words(field: str, value: object, zone: ZoneInfo) -> str:
    """One value of a changed field as a reader wants it: a ticket as "#123 Printer offline",
    a work type by its name, a time on the member's wall clock."""
    if value is None or value == "":
        return EMPTY
    if field in CHOICES:
        return CHOICES[field].get(value, str(value))
    if isinstance(value, datetime):
        return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"
    if isinstance(value, DeletedObject):
        return f"{value.model._meta.verbose_name.capitalize()} #{value.pk}, since deleted"
    return str(value)  # related rows by their own names: str(ticket) is "#123 Printer offline"


def entry_revisions(entry: TimeEntry, *, viewer=None) -> list[Revision]:
    """Newest first, in the zone of the member whose time it is. Rates are left out unless
    `viewer` may see money (nobody named: left out)."""
    zone = entry.member.zone
    hidden = HIDDEN if may_see_money(viewer) else HIDDEN | MONEY
    revisions = []
    for record in reversed(entry_history(entry=entry, hidden_fields=hidden)):
        created = record.history_type == "created"
        user = record.user
        revisions.append(
            Revision(
                at=record.history_date,
                by=(user.get_full_name() or user.get_username()) if user else "Daybook",
                kind=KINDS.get(record.history_type, record.history_type),
                changes=[
                    Change(
                        LABELS.get(c.field, c.field),
                        "" if created else change_words(c.field, c.old, zone),
                        change_words(c.field, c.new, zone),
                    )
                    for c in record.changes
                ],
            )
        )
    return revisions
