"""Report periods and the local calendars they are counted in.

A report period is a range of calendar dates, both ends included. Which calendar is stated
by each report: hours count on the member's local day (the day the entry starts on in the
member's time zone); client statements count on the company's local day.
"""

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Q, Value, When

from daybook.core.time import local_day_bounds

MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """UTC start and end (exclusive) of the period on a local calendar."""
        return local_day_bounds(self.start, tz)[0], local_day_bounds(self.end, tz)[1]

    def months(self) -> Iterator["Period"]:
        """The period cut at month ends."""
        cursor = self.start
        while cursor <= self.end:
            last = date(cursor.year, cursor.month, days_in_month(cursor))
            yield Period(cursor, min(last, self.end))
            cursor = last + timedelta(days=1)


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(first, date(year, month, days_in_month(first)))


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    last = month_period(year, first_month + 2)
    return Period(date(year, first_month, 1), last.end)


def local_range_q(
    period: Period,
    zones: Iterable[str],
    *,
    zone_field: str = "member__time_zone",
    moment_field: str = "start",
) -> Q:
    """Rows whose moment falls in the period on the local calendar of each row's zone.

    One bounded range per zone, plus one overall range so the database can use an index on
    the moment column before it looks at zones.
    """
    parts = Q()
    lows, highs = [], []
    for name in zones:
        low, high = period.bounds(ZoneInfo(name))
        lows.append(low)
        highs.append(high)
        parts |= Q(**{zone_field: name, f"{moment_field}__gte": low, f"{moment_field}__lt": high})
    if not lows:
        return Q(pk__in=[])
    return Q(**{f"{moment_field}__gte": min(lows), f"{moment_field}__lt": max(highs)}) & parts


def member_local_range_q(
    period: Period, groups: dict[str, list[int]], *, since: datetime | None = None
) -> Q:
    """Entries whose start falls in the period on their member's local calendar (and, with
    ``since``, is not before that instant)."""
    if not groups:
        return Q(pk__in=[])
    if len(groups) == 1:
        (zone,) = groups
        low, high = period.bounds(ZoneInfo(zone))
        return Q(start__gte=max(low, since or low), start__lt=high)
    parts = Q()
    lows, highs = [], []
    for zone, ids in groups.items():
        low, high = period.bounds(ZoneInfo(zone))
        lows.append(low)
        highs.append(high)
        parts |= Q(member_id__in=ids, start__gte=low, start__lt=high)
    # One lower bound on start, the tightest: SQLite walks its index from the first one it
    # is given.
    low = min(lows) if since is None else max(min(lows), since)
    return Q(start__gte=low, start__lt=max(highs)) & parts


def member_before_q(day: date, groups: dict[str, list[int]]) -> Q:
    """Entries that start before a date on their member's local calendar."""
    if not groups:
        return Q(pk__in=[])
    if len(groups) == 1:
        (zone,) = groups
        return Q(start__lt=local_day_bounds(day, ZoneInfo(zone))[0])
    parts = Q()
    for zone, ids in groups.items():
        parts |= Q(member_id__in=ids, start__lt=local_day_bounds(day, ZoneInfo(zone))[0])
    return parts


def local_month_starts(first: date, count: int, tz: ZoneInfo) -> list[datetime]:
    """UTC instants at which ``count`` consecutive local months start, plus the end of the
    last one: the bounds for :func:`bucket_case`."""
    bounds = []
    year, month = first.year, first.month
    for _ in range(count + 1):
        bounds.append(local_day_bounds(date(year, month, 1), tz)[0])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds


def local_week_starts(monday: date, count: int, tz: ZoneInfo) -> list[datetime]:
    """UTC instants at which ``count`` consecutive local weeks start, plus the last end."""
    return [local_day_bounds(monday + timedelta(weeks=i), tz)[0] for i in range(count + 1)]


def bucket_case(bounds: list[datetime], field: str = "start") -> Case:
    """Which bucket a moment falls in: i for bounds[i] <= moment < bounds[i + 1], else -1.

    Plain comparisons, so the database converts no time zones row by row; filter the rows to
    [bounds[0], bounds[-1]) first.
    """
    whens = [
        When(**{f"{field}__lt": bound}, then=Value(index)) for index, bound in enumerate(bounds[1:])
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())
