"""An entry's saved versions, oldest first, each with the fields it changed.

The changes are django-simple-history's own diff between a version and the one before it
(`diff_against`), so a field shows only when its value really differs. Related rows come as
the rows themselves, times as aware datetimes and amounts as Decimals: revisions.py puts them
into words for the pages, `plain_value` into JSON for the API.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import ForeignKey, Model
from simple_history.models import DeletedObject

from .models import TimeEntry

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping columns that change with every save and say nothing about the work, the
# browser's key for an offline save, which the member never sees, and the length the
# database works out from start and end (history does not keep it).
NOT_SHOWN = frozenset({"id", "updated_at", "created_at", "client_key", "duration_seconds"})
# Everything the changed related rows are named by, read with the versions, not one by one.
RELATED = (
    "ticket",
    "phase__project",
    "agreement__company",
    "work_type",
    "work_role",
    "member__user",
)


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: object  # None in the version that created the entry
    new: object


@dataclass(frozen=True)
class HistoryRecord:
    history_id: int
    history_date: datetime
    history_type: str
    user: Model | None
    changes: list[HistoryChange] = field(default_factory=list)

    @property
    def history_user(self) -> str | None:
        """The username of whoever made the change, when known."""
        return self.user.get_username() if self.user is not None else None


def shown_fields(hidden_fields: frozenset[str] = frozenset()) -> list[str]:
    """The entry's fields worth showing, in the model's order."""
    return [
        f.name
        for f in TimeEntry._meta.concrete_fields
        if f.name not in NOT_SHOWN and f.name not in hidden_fields
    ]


def _value(row, name: str) -> object:
    """A field of a version; a related row that no longer exists is a DeletedObject, as in
    simple-history's own diffs."""
    model_field = TimeEntry._meta.get_field(name)
    if not isinstance(model_field, ForeignKey):
        return getattr(row, name)
    pk = getattr(row, model_field.attname)
    if pk is None:
        return None
    try:
        related = getattr(row, name)
    except ObjectDoesNotExist:
        related = None
    return related if related is not None else DeletedObject(model_field.related_model, pk)


def _created(row, fields: list[str]) -> list[HistoryChange]:
    """What the entry was created with: every field that has a value."""
    changes = []
    for name in fields:
        value = _value(row, name)
        if value not in (None, ""):
            changes.append(HistoryChange(name, None, value))
    return changes


def entry_history(
    *, entry: TimeEntry, hidden_fields: frozenset[str] = frozenset()
) -> list[HistoryRecord]:
    """Every saved version of the entry, oldest first. The first lists what it was created
    with; later ones only what changed; a deletion lists nothing. `hidden_fields` are left out
    entirely (cost rates for those who may not see them). One query, however many versions."""
    rows = list(
        entry.history.select_related("history_user", *RELATED).order_by("history_date", "pk")
    )
    fields = shown_fields(hidden_fields)
    position = {name: index for index, name in enumerate(fields)}
    records = []
    previous = None
    for row in rows:
        if row.history_type == "-":
            changes = []
        elif previous is None:
            changes = _created(row, fields)
        else:
            delta = row.diff_against(previous, included_fields=fields, foreign_keys_are_objs=True)
            changes = [
                HistoryChange(change.field, change.old, change.new)
                for change in sorted(delta.changes, key=lambda change: position[change.field])
            ]
        records.append(
            HistoryRecord(
                history_id=row.history_id,
                history_date=row.history_date,
                history_type=HISTORY_TYPES.get(row.history_type, row.history_type),
                user=row.history_user,
                changes=changes,
            )
        )
        previous = row
    return records


def plain_value(value: object, zone: ZoneInfo) -> object:
    """A changed value for JSON: times in ISO 8601 with the member's offset (as the entry
    itself shows them), amounts as strings, related rows as their ids."""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model | DeletedObject):
        return value.pk
    return value
