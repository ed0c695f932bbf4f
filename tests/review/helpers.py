"""Small helpers shared by the review tests: local times and entries written straight to rows."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from daybook.timekeeping.models import TimeEntry
from tests.factories import TimeEntryFactory
from tests.zones import NEW_YORK

# A Friday; New York is on daylight time (UTC-4), so 09:00-17:00 is 13:00-21:00 UTC.
FRIDAY = date(2025, 3, 14)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK, fold: int = 0):
    """A wall-clock time on a local day, as a UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).replace(fold=fold).astimezone(UTC)


def log_entry(member, start: datetime, end: datetime, *, lag_minutes: int = 2, **fields):
    """An entry saved `lag_minutes` after it ended (rows written directly, rules skipped)."""
    entry = TimeEntryFactory(member=member, start=start, end=end, **fields)
    created = end + timedelta(minutes=lag_minutes)
    TimeEntry.objects.filter(pk=entry.pk).update(created_at=created)
    entry.created_at = created
    return entry
