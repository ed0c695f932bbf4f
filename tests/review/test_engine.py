"""The review engine on hand-computed days, no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from daybook.catalogue.choices import AgreementCheck
from daybook.core.time import Span
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.day import (
    EntryFacts,
    MemberDay,
    Policy,
    local_to_utc,
    review_member_day,
    schedule_windows,
)
from tests.zones import BERLIN, NEW_YORK

from .helpers import FRIDAY, at

NINE_TO_FIVE = [(time(9), time(17))]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def entry(start, end, id=1, **fields) -> EntryFacts:
    fields.setdefault("created_at", end + timedelta(minutes=1))
    fields.setdefault("work_role_id", 1)
    fields.setdefault("work_type_id", 1)
    return EntryFacts(id=id, start=start, end=end, **fields)


def compute(
    entries=(),
    *,
    day: date = FRIDAY,
    zone: ZoneInfo = NEW_YORK,
    blocks=NINE_TO_FIVE,
    expected: int = 480,
    timer=None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> MemberDay:
    return review_member_day(
        day=day,
        zone=zone,
        windows=schedule_windows(day, zone, blocks),
        expected_minutes=expected,
        entries=list(entries),
        timer_started_at=timer,
        policy=policy or Policy(),
        now=now or utc(2030, 1, 1),
    )


def minutes(spans) -> list[float]:
    return [span.minutes for span in spans]


def kinds(day: MemberDay) -> list[str]:
    return [finding.kind for finding in day.findings]


def test_ordinary_day_totals_gaps_and_small_gaps():
    d = FRIDAY
    result = compute(
        [
            entry(at(d, 9), at(d, 10), id=1),
            entry(at(d, 10, 20), at(d, 11), id=2),  # 20 minutes unlogged before: small
            entry(at(d, 12), at(d, 13), id=3, is_wrap=True),  # 11:00-12:00 unlogged: a gap
            entry(at(d, 13), at(d, 17), id=4),
        ]
    )
    assert result.expected_minutes == 480
    assert result.logged_minutes_client == 60 + 40 + 240
    assert result.logged_minutes_wrap == 60
    assert result.unaccounted_minutes == 80
    assert result.gaps == (Span(at(d, 11), at(d, 12)),)
    assert result.small_gaps == (Span(at(d, 10), at(d, 10, 20)),)
    assert result.covered_minutes == 400
    assert result.scheduled_minutes == 480
    assert result.findings == ()


def test_gap_exactly_at_threshold_reaches_the_reviewer_and_a_second_less_does_not():
    d = FRIDAY
    exact = compute([entry(at(d, 9, 45), at(d, 17))])
    assert minutes(exact.gaps) == [45]
    just_under = compute([entry(at(d, 9, 45) - timedelta(seconds=1), at(d, 17))])
    assert just_under.gaps == ()
    assert [round(m, 2) for m in minutes(just_under.small_gaps)] == [44.98]


def test_unaccounted_never_goes_below_zero():
    d = FRIDAY
    result = compute([entry(at(d, 7), at(d, 19))])
    assert result.logged_minutes == 720
    assert result.unaccounted_minutes == 0


def test_time_outside_the_schedule_counts_but_never_makes_a_gap():
    d = FRIDAY
    result = compute([entry(at(d, 6), at(d, 9)), entry(at(d, 17), at(d, 20))])
    assert result.logged_minutes_client == 360
    assert minutes(result.gaps) == [480]  # the whole window is still unlogged
    assert all(at(d, 9) <= g.start and g.end <= at(d, 17) for g in result.gaps)


# --- DST days: schedule 00:00-06:00 on the change days ---------------------------------------


def test_us_spring_forward_window_is_five_real_hours():
    day = date(2025, 3, 9)  # Sunday; 02:00 EST jumps to 03:00 EDT
    windows = schedule_windows(day, NEW_YORK, [(time(0), time(6))])
    assert windows == (Span(utc(2025, 3, 9, 5), utc(2025, 3, 9, 10)),)
    # 01:00 EST to 03:00 EDT is one real hour.
    result = compute(
        [entry(utc(2025, 3, 9, 6), utc(2025, 3, 9, 7))],
        day=day,
        blocks=[(time(0), time(6))],
    )
    assert result.logged_minutes_client == 60
    assert minutes(result.gaps) == [60, 180]
    assert result.gaps[1].start.astimezone(NEW_YORK).hour == 3


def test_us_fall_back_window_is_seven_real_hours():
    day = date(2025, 11, 2)  # Sunday; 02:00 EDT falls back to 01:00 EST
    result = compute(
        # 01:30 EDT to 01:30 EST: the same wall clock twice, one real hour apart.
        [entry(utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30))],
        day=day,
        blocks=[(time(0), time(6))],
    )
    assert result.scheduled_minutes == 420
    assert result.logged_minutes_client == 60
    assert minutes(result.gaps) == [90, 270]
    assert result.working_day_end == utc(2025, 11, 2, 11)


def test_european_spring_forward_window_is_five_real_hours():
    day = date(2025, 3, 30)  # 02:00 CET jumps to 03:00 CEST (01:00 UTC)
    windows = schedule_windows(day, BERLIN, [(time(0), time(6))])
    assert windows == (Span(utc(2025, 3, 29, 23), utc(2025, 3, 30, 4)),)


def test_european_fall_back_day_logs_seven_hours_for_a_midnight_to_six_entry():
    day = date(2025, 10, 26)  # 03:00 CEST falls back to 02:00 CET (01:00 UTC)
    start, end = utc(2025, 10, 25, 22), utc(2025, 10, 26, 5)  # local 00:00 to 06:00
    result = compute(
        [entry(start, end)], day=day, zone=BERLIN, blocks=[(time(0), time(6))], expected=420
    )
    assert result.scheduled_minutes == 420
    assert result.logged_minutes_client == 420
    assert result.gaps == ()
    assert result.small_gaps == ()
    assert result.unaccounted_minutes == 0


def test_window_edge_in_the_skipped_hour_moves_to_the_change():
    # 02:30 does not exist in Berlin on 30 March 2025; the clocks jump at 01:00 UTC.
    assert local_to_utc(date(2025, 3, 30), time(2, 30), BERLIN) == utc(2025, 3, 30, 1)
    assert local_to_utc(date(2025, 3, 9), time(2, 30), NEW_YORK) == utc(2025, 3, 9, 7)
    # A window wholly inside the skipped hour is empty and dropped.
    assert schedule_windows(date(2025, 3, 9), NEW_YORK, [(time(2), time(2, 59))]) == ()


def test_repeated_hour_means_its_first_occurrence():
    # 01:30 happens twice in New York on 2 November 2025; the first is EDT (05:30 UTC).
    assert local_to_utc(date(2025, 11, 2), time(1, 30), NEW_YORK) == utc(2025, 11, 2, 5, 30)


# --- Midnight, split shifts, no schedule ------------------------------------------------------


def test_entry_crossing_midnight_counts_its_part_on_each_day_and_findings_on_the_first():
    thursday = date(2025, 3, 13)
    late = entry(at(thursday, 22), at(FRIDAY, 1, 30), has_notes=False)
    before = compute([late], day=thursday, blocks=[])
    after = compute([late], day=FRIDAY, blocks=[])
    assert before.logged_minutes_client == 120
    assert after.logged_minutes_client == 90
    assert kinds(before) == [FindingKind.MISSING_NOTES]
    assert kinds(after) == []


def test_entry_crossing_midnight_covers_an_early_window_on_the_next_day():
    thursday = date(2025, 3, 13)
    result = compute(
        [entry(at(thursday, 22), at(FRIDAY, 1, 30))], blocks=[(time(0), time(2))], expected=120
    )
    assert result.logged_minutes_client == 90
    assert result.covered_minutes == 90
    assert result.small_gaps == (Span(at(FRIDAY, 1, 30), at(FRIDAY, 2)),)


def test_split_shift_leaves_the_break_alone():
    d = FRIDAY
    result = compute(
        [entry(at(d, 8), at(d, 12), id=1), entry(at(d, 16), at(d, 18), id=2)],
        blocks=[(time(16), time(20)), (time(8), time(12))],
    )
    assert [(w.start, w.end) for w in result.windows] == [
        (at(d, 8), at(d, 12)),
        (at(d, 16), at(d, 20)),
    ]
    assert result.gaps == (Span(at(d, 18), at(d, 20)),)
    assert result.working_day_end == at(d, 20)
    assert result.review_opens_at == at(d, 20, 30)


def test_touching_schedule_blocks_make_one_window_and_one_gap():
    d = FRIDAY
    result = compute(
        [entry(at(d, 9), at(d, 11, 30)), entry(at(d, 12, 30), at(d, 17))],
        blocks=[(time(9), time(12)), (time(12), time(17))],
    )
    assert result.gaps == (Span(at(d, 11, 30), at(d, 12, 30)),)


def test_member_with_no_schedule_that_day_has_no_gaps_and_the_day_ends_at_midnight():
    saturday = date(2025, 3, 15)
    result = compute(
        [entry(at(saturday, 10), at(saturday, 11))], day=saturday, blocks=[], expected=0
    )
    assert result.windows == ()
    assert result.gaps == ()
    assert result.small_gaps == ()
    assert result.logged_minutes_client == 60
    assert result.unaccounted_minutes == 0
    assert result.working_day_end == at(date(2025, 3, 16), 0)
    assert result.review_opens_at == at(date(2025, 3, 16), 0, 30)


# --- Overlaps, timers and the day still under way ---------------------------------------------


def test_overlapping_entries_merge_for_gaps_count_for_logged_time_and_are_a_finding():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 10), id=1), entry(at(d, 9, 30), at(d, 10, 30), id=2)])
    assert result.covered == (Span(at(d, 9), at(d, 10, 30)),)
    assert result.logged_minutes_client == 120
    (overlap,) = result.findings
    assert overlap.kind == FindingKind.OVERLAP
    assert (overlap.entry_id, overlap.other_entry_id) == (1, 2)
    assert "30 min" in overlap.message


def test_day_under_way_shows_only_the_elapsed_part_of_the_schedule():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 10))], now=at(d, 12))
    assert result.gaps == (Span(at(d, 10), at(d, 12)),)
    assert not result.day_ended
    assert not result.visible_to_reviewer


def test_review_opens_after_the_working_day_plus_grace():
    d = FRIDAY
    assert not compute(now=at(d, 17) - timedelta(seconds=1)).day_ended
    ended = compute(now=at(d, 17))
    assert ended.day_ended
    assert not ended.visible_to_reviewer
    assert not compute(now=at(d, 17, 29)).visible_to_reviewer
    assert compute(now=at(d, 17, 30)).visible_to_reviewer
    assert compute(now=at(d, 17, 10), policy=Policy(grace_minutes=0)).visible_to_reviewer


def test_running_timer_is_tracked_time_and_a_finding_once_the_day_ends():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 15))], timer=at(d, 15), now=at(d, 18))
    assert result.gaps == ()
    assert result.small_gaps == ()
    assert result.logged_minutes_client == 360  # the timer is not logged time yet
    assert kinds(result) == [FindingKind.TIMER_RUNNING]
    assert "15:00" in result.findings[0].message


def test_timer_started_after_the_working_day_is_not_a_finding():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 17))], timer=at(d, 19), now=at(d, 20))
    assert result.findings == ()


def test_timer_left_running_from_an_earlier_day_is_noted_on_this_day_too():
    thursday = date(2025, 3, 13)
    result = compute(timer=at(thursday, 16), now=at(FRIDAY, 18))
    assert result.gaps == ()
    assert kinds(result) == [FindingKind.TIMER_RUNNING]
    assert "Thu 13 Mar 16:00" in result.findings[0].message


# --- Findings on entries ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "kind"),
    [
        (AgreementCheck.NO_AGREEMENT, FindingKind.NO_AGREEMENT),
        (AgreementCheck.OUT_OF_DATES, FindingKind.AGREEMENT_OUT_OF_DATES),
        (AgreementCheck.NOT_COVERED, FindingKind.NOT_COVERED),
    ],
)
def test_agreement_problems_are_findings(check, kind):
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 17), agreement_check=check, work_type_name="Onsite")])
    assert kinds(result) == [kind]


def test_internal_time_needs_no_notes_and_no_agreement():
    d = FRIDAY
    result = compute(
        [
            entry(
                at(d, 9),
                at(d, 17),
                is_wrap=True,
                has_notes=False,
                agreement_check=AgreementCheck.NO_AGREEMENT,
            )
        ]
    )
    assert result.findings == ()


def test_missing_notes_role_and_type_are_findings():
    d = FRIDAY
    result = compute(
        [entry(at(d, 9), at(d, 17), has_notes=False, work_role_id=None, work_type_id=None)]
    )
    assert kinds(result) == [
        FindingKind.MISSING_NOTES,
        FindingKind.MISSING_WORK_ROLE,
        FindingKind.MISSING_WORK_TYPE,
    ]


def test_entry_saved_after_the_realtime_window_is_a_finding_unless_imported():
    d = FRIDAY
    on_time = entry(at(d, 9), at(d, 13), id=1, created_at=at(d, 13, 15))
    late = entry(at(d, 13), at(d, 17), id=2, created_at=at(d, 19, 5))
    imported = entry(at(d, 13), at(d, 17), id=3, created_at=at(d, 22), imported=True)
    result = compute([on_time, late])
    assert kinds(result) == [FindingKind.LATE_ENTRY]
    assert result.findings[0].entry_id == 2
    assert "2 h 5 min" in result.findings[0].message
    assert FindingKind.LATE_ENTRY not in kinds(compute([imported]))
    assert kinds(compute([late], policy=Policy(realtime_window_minutes=180))) == []


def test_finding_messages_ask_rather_than_accuse():
    d = FRIDAY
    result = compute(
        [
            entry(at(d, 9), at(d, 12), id=1, has_notes=False, created_at=at(d, 18)),
            entry(at(d, 11), at(d, 13), id=2, agreement_check=AgreementCheck.NO_AGREEMENT),
        ],
        timer=at(d, 16),
    )
    assert len(result.findings) == 5
    for finding in result.findings:
        lowered = finding.message.lower()
        assert "?" in finding.message or "help" in lowered or "stopping" in lowered
        for word in ("why", "fail", "violation", "missing", "should have", "wrong"):
            assert word not in lowered
