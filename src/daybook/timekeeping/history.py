"""An entry's saved versions, oldest first, each with the fields it changed."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .models import TimeEntry

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping columns that change with every save and say nothing about the work.
NOT_SHOWN = frozenset({"id", "updated_at", "created_at"})


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryRecord:
    history_id: int
    history_date: datetime
    history_type: str
    history_user: str | None
    changes: list[HistoryChange] = field(default_factory=list)


def _plain(value):
    """JSON-friendly values: times as ISO 8601, amounts as strings, relations as ids."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _tracked_fields(hidden_fields: frozenset[str]) -> list[tuple[str, str]]:
    """(field name, attribute on a history row) for every field worth showing."""
    result = []
    for model_field in TimeEntry._meta.concrete_fields:
        if model_field.name in NOT_SHOWN or model_field.name in hidden_fields:
            continue
        result.append((model_field.name, model_field.attname))
    return result


def entry_history(
    *, entry: TimeEntry, hidden_fields: frozenset[str] = frozenset()
) -> list[HistoryRecord]:
    """Every saved version of the entry, oldest first. The first lists what it was created
    with; later ones only what changed. `hidden_fields` are left out entirely (cost rates for
    those who may not see them). Two queries, however many versions."""
    rows = list(entry.history.select_related("history_user").order_by("history_date", "pk"))
    fields = _tracked_fields(hidden_fields)
    records = []
    previous = None
    for row in rows:
        changes = []
        for name, attname in fields:
            new = getattr(row, attname)
            old = getattr(previous, attname) if previous is not None else None
            if row.history_type == "-":
                continue
            if previous is None:
                if new not in (None, ""):
                    changes.append(HistoryChange(name, None, _plain(new)))
            elif old != new:
                changes.append(HistoryChange(name, _plain(old), _plain(new)))
        user = row.history_user
        records.append(
            HistoryRecord(
                history_id=row.history_id,
                history_date=row.history_date,
                history_type=HISTORY_TYPES.get(row.history_type, row.history_type),
                history_user=user.get_username() if user is not None else None,
                changes=changes,
            )
        )
        previous = row
    return records
