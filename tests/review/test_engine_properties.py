"""Properties of the gap computation for any schedule and entries, DST days included."""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from daybook.core.time import Span, local_day_bounds, merge_spans
from daybook.timekeeping.day import EntryFacts, Policy, review_member_day, schedule_windows

ZONES = [
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("UTC"),
    ZoneInfo("Australia/Lord_Howe"),  # moves its clocks by half an hour
    ZoneInfo("Asia/Kathmandu"),  # +05:45
]
DAYS = [
    date(2025, 3, 9),  # US spring forward
    date(2025, 11, 2),  # US fall back
    date(2025, 3, 30),  # EU spring forward
    date(2025, 10, 26),  # EU fall back
    date(2025, 4, 6),  # Lord Howe falls back half an hour
    date(2025, 10, 5),  # Lord Howe springs forward half an hour
    date(2025, 3, 14),
    date(2025, 7, 1),
]


@st.composite
def schedule_blocks(draw) -> list[tuple[time, time]]:
    blocks = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 1438))
        end = draw(st.integers(start + 1, 1439))
        blocks.append((time(start // 60, start % 60), time(end // 60, end % 60)))
    return blocks


@dataclass(frozen=True)
class Case:
    zone: ZoneInfo
    day: date
    blocks: list[tuple[time, time]]
    entries: list[EntryFacts]
    policy: Policy
    now: datetime


@st.composite
def member_days(draw, *, any_now: bool = False) -> Case:
    """A schedule, entries on a whole-minute grid around the day, a policy and a moment."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    day_start, day_end = local_day_bounds(day, zone)
    blocks = draw(schedule_blocks())
    entries = []
    for index in range(draw(st.integers(0, 8))):
        start = day_start + timedelta(minutes=draw(st.integers(-1440, 2 * 1440)))
        length = timedelta(minutes=draw(st.integers(1, 1440)))
        entries.append(EntryFacts(id=index + 1, start=start, end=start + length))
    policy = Policy(gap_threshold_minutes=draw(st.integers(1, 180)))
    if any_now:
        now = day_start + timedelta(minutes=draw(st.integers(-60, 26 * 60)))
    else:
        now = day_end + timedelta(days=2)
    return Case(zone, day, blocks, entries, policy, now)


def run(case: Case):
    return review_member_day(
        day=case.day,
        zone=case.zone,
        windows=schedule_windows(case.day, case.zone, case.blocks),
        expected_minutes=0,
        entries=case.entries,
        timer_started_at=None,
        policy=case.policy,
        now=case.now,
    )


def elapsed(windows, now) -> list[Span]:
    return [Span(w.start, min(w.end, now)) for w in windows if min(w.end, now) > w.start]


def total(spans) -> timedelta:
    return sum((s.end - s.start for s in spans), timedelta())


@settings(max_examples=300, deadline=None)
@given(member_days(any_now=True))
def test_gaps_small_gaps_and_covered_time_partition_the_elapsed_windows(case):
    result = run(case)
    windows = elapsed(result.windows, case.now)
    pieces = sorted([*result.gaps, *result.small_gaps, *result.covered], key=lambda s: s.start)
    for first, second in itertools.pairwise(pieces):
        assert first.end <= second.start, "pieces overlap"
    assert all(p.end > p.start for p in pieces)
    assert merge_spans(pieces) == merge_spans(windows)
    assert total(pieces) == total(windows)


@settings(max_examples=300, deadline=None)
@given(member_days(any_now=True))
def test_no_reported_gap_is_shorter_than_the_threshold(case):
    result = run(case)
    assert all(g.end - g.start >= case.policy.gap_threshold for g in result.gaps)
    assert all(g.end - g.start < case.policy.gap_threshold for g in result.small_gaps)


@settings(max_examples=300, deadline=None)
@given(member_days())
def test_gaps_lie_inside_windows_and_never_overlap_an_entry(case):
    entries = case.entries
    result = run(case)
    for gap in [*result.gaps, *result.small_gaps]:
        assert any(w.start <= gap.start and gap.end <= w.end for w in result.windows)
        assert not any(e.start < gap.end and gap.start < e.end for e in entries)
    tracked = merge_spans(Span(e.start, e.end) for e in entries)
    for piece in result.covered:
        assert any(t.start <= piece.start and piece.end <= t.end for t in tracked)


@settings(max_examples=200, deadline=None)
@given(member_days())
def test_covered_minutes_match_a_minute_by_minute_count(case):
    entries = case.entries
    result = run(case)
    counted = 0
    for window in result.windows:
        minute = window.start
        while minute < window.end:
            if any(e.start <= minute < e.end for e in entries):
                counted += 1
            minute += timedelta(minutes=1)
    assert result.covered_minutes == counted
    assert round(result.covered_minutes + result.gap_minutes + result.small_gap_minutes) == round(
        result.scheduled_minutes
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(DAYS), schedule_blocks())
def test_windows_stay_inside_the_local_day_in_order(zone, day, blocks):
    day_start, day_end = local_day_bounds(day, zone)
    windows = schedule_windows(day, zone, blocks)
    for window in windows:
        assert day_start <= window.start < window.end <= day_end
        assert window.start.tzinfo is UTC
    for first, second in itertools.pairwise(windows):
        assert first.end < second.start


def test_partition_holds_on_a_known_awkward_case():
    # Lord Howe falls back half an hour at 02:00 local on 6 April 2025.
    zone = ZoneInfo("Australia/Lord_Howe")
    day = date(2025, 4, 6)
    result = run(
        Case(
            zone,
            day,
            [(time(1), time(3))],
            [
                EntryFacts(
                    id=1,
                    start=datetime(2025, 4, 5, 14, 45, tzinfo=UTC),
                    end=datetime(2025, 4, 5, 15, 0, tzinfo=UTC),
                )
            ],
            Policy(),
            datetime(2030, 1, 1, tzinfo=UTC),
        )
    )
    assert result.scheduled_minutes == 150
    assert total([*result.gaps, *result.small_gaps, *result.covered]) == timedelta(minutes=150)
