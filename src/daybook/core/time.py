"""Time utilities: a member's day is their local calendar day, whatever UTC says."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

# The one window of dates Daybook takes from anyone (pages, API, reports, URLs, commands). It
# is wide enough for any real working day and narrow enough that adding a day or a week, or
# moving to any time zone, never leaves the calendar Python can count (years 1 to 9999).
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_WINDOW_MESSAGE = "Give a date from 1970-01-01 to 2100-12-31."


def in_date_window(day: date) -> bool:
    """Whether a date, or the date of a moment as written, lies in the accepted window."""
    if isinstance(day, datetime):
        day = day.date()
    return EARLIEST_DATE <= day <= LATEST_DATE


def year_in_window(year: int) -> bool:
    """For a month or quarter given by its year: whether the whole year lies in the window."""
    return EARLIEST_DATE.year <= year <= LATEST_DATE.year


def validate_date_window(value: date) -> None:
    """A validator for form, serializer and filter fields: dates and moments in the window."""
    if value is not None and not in_date_window(value):
        raise ValidationError(DATE_WINDOW_MESSAGE, code="date_window")


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a local calendar day, in UTC.

    On DST days the span is 23 or 25 hours; computing each midnight separately keeps that right.
    """
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def minutes_by_local_day(start: datetime, end: datetime, tz: ZoneInfo) -> dict[date, int]:
    """Split [start, end) into whole minutes per local calendar day.

    An entry crossing local midnight counts toward both days by its minutes. Seconds are
    rounded per day so the parts add up to the whole entry's rounded minutes.
    """
    if end <= start:
        return {}
    result: dict[date, int] = {}
    day = local_date(start, tz)
    last_day = local_date(end - timedelta(microseconds=1), tz)
    counted = 0
    cumulative_seconds = 0.0
    while day <= last_day:
        day_start, day_end = local_day_bounds(day, tz)
        part = (min(end, day_end) - max(start, day_start)).total_seconds()
        cumulative_seconds += part
        # Round the running total, not each part, so no minute is gained or lost.
        minutes = round(cumulative_seconds / 60) - counted
        counted += minutes
        if part > 0:
            result[day] = minutes
        day += timedelta(days=1)
    return result


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Union of spans: overlapping or touching spans become one."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged
