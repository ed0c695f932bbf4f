from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daybook.core.time import Span, local_day_bounds, merge_spans, minutes_by_local_day
from tests.zones import BERLIN, NEW_YORK


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "tz", "hours"),
    [
        (date(2025, 3, 10), NEW_YORK, 24),  # ordinary Monday
        (date(2025, 3, 9), NEW_YORK, 23),  # US spring forward
        (date(2025, 11, 2), NEW_YORK, 25),  # US fall back
        (date(2025, 3, 30), BERLIN, 23),  # EU spring forward
        (date(2025, 10, 26), BERLIN, 25),  # EU fall back
    ],
)
def test_local_day_has_23_24_or_25_hours(day, tz, hours):
    start, end = local_day_bounds(day, tz)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(tz).hour == 0


def test_local_day_bounds_are_midnights_in_the_zone():
    start, end = local_day_bounds(date(2025, 1, 15), NEW_YORK)
    assert start == utc(2025, 1, 15, 5)
    assert end == utc(2025, 1, 16, 5)


@pytest.mark.parametrize(
    ("start", "end", "tz", "expected"),
    [
        # 09:00-10:30 New York on a January day: all on that day.
        (utc(2025, 1, 15, 14), utc(2025, 1, 15, 15, 30), NEW_YORK, {date(2025, 1, 15): 90}),
        # 22:00-01:30 local crosses midnight: 120 minutes on the 15th, 90 on the 16th.
        (
            utc(2025, 1, 16, 3),
            utc(2025, 1, 16, 6, 30),
            NEW_YORK,
            {date(2025, 1, 15): 120, date(2025, 1, 16): 90},
        ),
        # 01:00-04:00 local on the US spring-forward day is two real hours.
        (utc(2025, 3, 9, 6), utc(2025, 3, 9, 8), NEW_YORK, {date(2025, 3, 9): 120}),
        # 00:30-02:30 UTC is the same UTC span but Berlin days: 01:30-03:30 local on Jan 15.
        (utc(2025, 1, 15, 0, 30), utc(2025, 1, 15, 2, 30), BERLIN, {date(2025, 1, 15): 120}),
        # 23:30 Jan 14 to 00:30 Jan 15 UTC, seen from UTC: 30 + 30.
        (
            utc(2025, 1, 14, 23, 30),
            utc(2025, 1, 15, 0, 30),
            ZoneInfo("UTC"),
            {date(2025, 1, 14): 30, date(2025, 1, 15): 30},
        ),
        # An entry ending exactly at local midnight belongs only to the day it started.
        (utc(2025, 1, 16, 4), utc(2025, 1, 16, 5), NEW_YORK, {date(2025, 1, 15): 60}),
    ],
)
def test_minutes_are_split_by_local_day(start, end, tz, expected):
    assert minutes_by_local_day(start, end, tz) == expected


def test_minutes_by_day_add_up_to_the_whole_entry_with_odd_seconds():
    start = utc(2025, 1, 16, 4, 59, 40)  # 23:59:40 local
    end = start + timedelta(minutes=2)  # 00:01:40 local
    parts = minutes_by_local_day(start, end, NEW_YORK)
    assert sum(parts.values()) == 2


def test_empty_or_backwards_span_has_no_minutes():
    assert minutes_by_local_day(utc(2025, 1, 1, 10), utc(2025, 1, 1, 10), NEW_YORK) == {}
    assert minutes_by_local_day(utc(2025, 1, 1, 11), utc(2025, 1, 1, 10), NEW_YORK) == {}


def test_merge_spans_joins_overlapping_and_touching():
    a = Span(utc(2025, 1, 1, 9), utc(2025, 1, 1, 10))
    b = Span(utc(2025, 1, 1, 9, 30), utc(2025, 1, 1, 11))
    c = Span(utc(2025, 1, 1, 11), utc(2025, 1, 1, 12))
    d = Span(utc(2025, 1, 1, 13), utc(2025, 1, 1, 14))
    inside = Span(utc(2025, 1, 1, 13, 15), utc(2025, 1, 1, 13, 45))
    merged = merge_spans([d, c, a, inside, b])
    assert merged == [Span(a.start, c.end), d]
    assert sum(s.minutes for s in merged) == 240
