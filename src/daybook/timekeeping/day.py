"""The day review engine: plain functions over plain values, no database.

Given a member's scheduled windows, their entries and timer for one local day, it works out
expected and logged time, the gaps inside the schedule and the findings worth a second look.
Selectors feed it from the database; tests feed it directly. docs/review.md states the rules.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from daybook.catalogue.choices import AgreementCheck
from daybook.core.formatting import duration_text
from daybook.core.time import Span, local_day_bounds, merge_spans, minutes_by_local_day

from .choices import FindingKind
from .models import (
    DEFAULT_GAP_THRESHOLD_MINUTES,
    DEFAULT_GRACE_MINUTES,
    DEFAULT_REALTIME_WINDOW_MINUTES,
)


@dataclass(frozen=True)
class Policy:
    """The review settings in force for one member (see ReviewPolicy)."""

    gap_threshold_minutes: int = DEFAULT_GAP_THRESHOLD_MINUTES
    realtime_window_minutes: int = DEFAULT_REALTIME_WINDOW_MINUTES
    grace_minutes: int = DEFAULT_GRACE_MINUTES

    @property
    def gap_threshold(self) -> timedelta:
        return timedelta(minutes=self.gap_threshold_minutes)

    @property
    def realtime_window(self) -> timedelta:
        return timedelta(minutes=self.realtime_window_minutes)

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.grace_minutes)


@dataclass(frozen=True)
class EntryFacts:
    """What the engine needs to know about one time entry (times in UTC)."""

    id: int
    start: datetime
    end: datetime
    created_at: datetime | None = None
    is_wrap: bool = False
    has_notes: bool = True
    work_role_id: int | None = None
    work_type_id: int | None = None
    work_type_name: str = ""
    agreement_check: str = AgreementCheck.OK
    label: str = "An entry"
    imported: bool = False
    is_time_off: bool = False


# Findings about the agreement a ticket's time went to are the dispatcher's to fix (agreement
# verification is their job), not the technician's: they go to the dispatch queue, the review
# shows them as sent there, and they hold no day up.
DISPATCH_FINDINGS = frozenset({FindingKind.NO_AGREEMENT, FindingKind.AGREEMENT_OUT_OF_DATES})


@dataclass(frozen=True)
class Finding:
    """Something about a day worth a second look, in words meant for the member too."""

    kind: str
    message: str
    at: datetime
    entry_id: int | None = None
    other_entry_id: int | None = None

    @property
    def for_dispatch(self) -> bool:
        """The dispatcher fixes this one; nobody asks the member about it."""
        return self.kind in DISPATCH_FINDINGS


class DayOff(StrEnum):
    """Why a local day is not a working day for a member. Nobody is expected to work it: it
    has no gaps, and the review leaves it out (unless client work on it has findings)."""

    HOLIDAY = "holiday"
    TIME_OFF = "time_off"
    NOT_STARTED = "not_started"
    LEFT = "left"


@dataclass(frozen=True)
class MemberDay:
    """One member's local day as the engine sees it: everything, nothing hidden yet.

    Minutes of logged time are whole minutes within this local day (an entry crossing
    midnight counts only its part here). Gaps, small gaps and covered spans together cover
    the elapsed part of the scheduled windows exactly, without overlapping; on a day taken
    off (`off` is TIME_OFF) there are no gaps of either size.
    """

    day: date
    time_zone: str
    windows: tuple[Span, ...]
    expected_minutes: int
    logged_minutes_client: int
    logged_minutes_wrap: int
    gaps: tuple[Span, ...]
    small_gaps: tuple[Span, ...]
    covered: tuple[Span, ...]
    findings: tuple[Finding, ...]
    working_day_end: datetime
    review_opens_at: datetime
    day_ended: bool
    visible_to_reviewer: bool
    policy: Policy = field(default_factory=Policy)
    off: DayOff | None = None
    holiday_name: str = ""

    @property
    def off_reason(self) -> str:
        """Why nobody expects work on this day, in words; empty on a working day."""
        if self.off == DayOff.HOLIDAY:
            return f"a holiday ({self.holiday_name})"
        if self.off == DayOff.TIME_OFF:
            return "booked time off"
        if self.off == DayOff.NOT_STARTED:
            return "before the member's start date"
        if self.off == DayOff.LEFT:
            return "after the member's last day"
        return ""

    @property
    def logged_minutes(self) -> int:
        return self.logged_minutes_client + self.logged_minutes_wrap

    @property
    def unaccounted_minutes(self) -> int:
        return max(0, self.expected_minutes - self.logged_minutes)

    @property
    def scheduled_minutes(self) -> float:
        return sum(w.minutes for w in self.windows)

    @property
    def covered_minutes(self) -> float:
        return sum(s.minutes for s in self.covered)

    @property
    def gap_minutes(self) -> float:
        return sum(g.minutes for g in self.gaps)

    @property
    def small_gap_minutes(self) -> float:
        return sum(g.minutes for g in self.small_gaps)

    @property
    def member_findings(self) -> tuple[Finding, ...]:
        """The findings a reviewer may ask the member about (not those sent to dispatch)."""
        return tuple(f for f in self.findings if not f.for_dispatch)

    @property
    def needs_attention(self) -> bool:
        """True when there is a gap at or over the threshold or a finding for the member;
        findings sent to dispatch hold nothing up."""
        return bool(self.gaps or self.member_findings)


def local_to_utc(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local day, in UTC.

    A time that occurs twice (clocks going back) means its first occurrence. A time the
    clocks skip (going forward) moves to the instant of the change, so a window starting in
    the skipped hour starts when the clocks jump.
    """
    naive = datetime.combine(day, moment)
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    # Search whole seconds for the first instant whose wall clock reads `naive` or later.
    lo, hi = sorted((int(first.timestamp()), int(other.timestamp())))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def schedule_windows(
    day: date, zone: ZoneInfo, blocks: Iterable[tuple[time, time]]
) -> tuple[Span, ...]:
    """A local day's schedule blocks (wall-clock start, end) as merged UTC spans."""
    spans = []
    for start, end in blocks:
        span = Span(local_to_utc(day, start, zone), local_to_utc(day, end, zone))
        if span.end > span.start:
            spans.append(span)
    return tuple(merge_spans(spans))


def _clock(moment: datetime, zone: ZoneInfo, day: date) -> str:
    local = moment.astimezone(zone)
    if local.date() == day:
        return f"{local:%H:%M}"
    return f"{local:%a %d %b %H:%M}"


def _describe(entry: EntryFacts, zone: ZoneInfo, day: date) -> str:
    return f"{entry.label} ({_clock(entry.start, zone, day)}-{_clock(entry.end, zone, day)})"


AGREEMENT_FINDINGS = {
    AgreementCheck.NO_AGREEMENT: (
        FindingKind.NO_AGREEMENT,
        "{entry} isn't applied to an agreement yet; the ticket is on the dispatcher's list to "
        "get one. Know which agreement it belongs to? Tell them with the flag on the ticket.",
    ),
    AgreementCheck.OUT_OF_DATES: (
        FindingKind.AGREEMENT_OUT_OF_DATES,
        "{entry} went to an agreement that wasn't active on {day}; the ticket is on the "
        "dispatcher's list to get a current one. Know which agreement it belongs to? Tell "
        "them with the flag on the ticket.",
    ),
    AgreementCheck.NOT_COVERED: (
        FindingKind.NOT_COVERED,
        "{entry}: the agreement doesn't list {work_type} among the work it covers. Is the "
        "work type right, or does the ticket need another agreement?",
    ),
}


def _entry_findings(
    entry: EntryFacts, *, zone: ZoneInfo, day: date, policy: Policy
) -> list[Finding]:
    needs_notes = not entry.is_wrap and not entry.has_notes
    agreement_finding = None if entry.is_wrap else AGREEMENT_FINDINGS.get(entry.agreement_check)
    # Payroll wrap filled in afterwards is the process working (a gap gets its wrap at the end
    # of the day), so only client work is held to the real-time window.
    lag = (
        entry.created_at - entry.end
        if entry.created_at and not entry.imported and not entry.is_wrap
        else None
    )
    late = lag is not None and lag > policy.realtime_window
    if not (
        needs_notes
        or agreement_finding
        or late
        or entry.work_role_id is None
        or entry.work_type_id is None
    ):
        return []  # the usual case: nothing to say, nothing to format
    described = _describe(entry, zone, day)
    found: list[Finding] = []

    def add(kind: str, message: str) -> None:
        found.append(Finding(kind=kind, message=message, at=entry.start, entry_id=entry.id))

    if needs_notes:
        add(
            FindingKind.MISSING_NOTES,
            f"{described} has no notes yet. A line on what was done helps the client see the "
            "work and helps whoever picks the ticket up next.",
        )
    if entry.work_role_id is None:
        add(
            FindingKind.MISSING_WORK_ROLE,
            f"{described} has no work role. Which capacity was this work done in?",
        )
    if entry.work_type_id is None:
        add(
            FindingKind.MISSING_WORK_TYPE,
            f"{described} has no work type. What kind of work was it?",
        )
    if agreement_finding:
        kind, template = agreement_finding
        add(
            kind,
            template.format(
                entry=described,
                day=f"{day:%a %d %b}",
                work_type=entry.work_type_name or "this work type",
            ),
        )
    if late:
        add(
            FindingKind.LATE_ENTRY,
            f"{described} was saved {duration_text(lag, compact=True)} after the work "
            "ended. Logging as the work finishes keeps the details fresh; is anything "
            "making that hard?",
        )
    return found


def _overlap_findings(
    entries: Sequence[EntryFacts],
    *,
    zone: ZoneInfo,
    day: date,
    day_start: datetime,
    day_end: datetime,
) -> list[Finding]:
    """One finding per pair of overlapping entries, on the day the overlap begins."""
    found = []
    for index, first in enumerate(entries):
        for second in entries[index + 1 :]:
            if second.start >= first.end:
                break  # sorted by start: no later entry can overlap `first` either
            overlap = Span(max(first.start, second.start), min(first.end, second.end))
            if not day_start <= overlap.start < day_end:
                continue
            found.append(
                Finding(
                    kind=FindingKind.OVERLAP,
                    message=(
                        f"{_describe(first, zone, day)} and {_describe(second, zone, day)} "
                        f"overlap for {duration_text(overlap.minutes, compact=True)}. "
                        "Which of the two should hold that time?"
                    ),
                    at=overlap.start,
                    entry_id=first.id,
                    other_entry_id=second.id,
                )
            )
    return found


def _split_window(window: Span, tracked: Sequence[Span]) -> tuple[list[Span], list[Span]]:
    """Cut a window into its covered and free pieces. `tracked` is merged and sorted."""
    covered: list[Span] = []
    free: list[Span] = []
    cursor = window.start
    for span in tracked:
        if span.end <= cursor:
            continue
        if span.start >= window.end:
            break
        if span.start > cursor:
            free.append(Span(cursor, span.start))
        cursor = min(span.end, window.end)
        covered.append(Span(max(span.start, window.start), cursor))
        if cursor >= window.end:
            break
    if cursor < window.end:
        free.append(Span(cursor, window.end))
    return covered, free


def review_member_day(
    *,
    day: date,
    zone: ZoneInfo,
    windows: Iterable[Span],
    expected_minutes: int,
    entries: Iterable[EntryFacts],
    timer_started_at: datetime | None,
    policy: Policy,
    now: datetime,
    off: DayOff | None = None,
    holiday_name: str = "",
) -> MemberDay:
    """Compute one member's local day.

    - A day `off` (a holiday, or outside the member's start and end dates) is no working
      day: its schedule is set aside and nothing is expected. A day taken off is off too:
      time-off entries cover every window, or add up to the day's expected hours (a full
      day's leave, when the windows are longer than the hours); what they leave of the
      windows is nobody's gap. Partial time off simply covers its part, like any entry.

    - Windows are clipped to the local day and merged; only their elapsed part (before `now`)
      can hold gaps, so a day still under way never shows the afternoon as missing.
    - Tracked time is the union of the entries and a running timer (from its start to now).
      A free piece of a window at or over the threshold is a gap; shorter ones are small gaps,
      for the member's eyes only.
    - The working day ends when the last window ends, or at local midnight with no schedule;
      the review opens a grace period later.
    - Findings about an entry belong to the day it starts on; an overlap to the day it begins.
    """
    day_start, day_end = local_day_bounds(day, zone)
    if off is not None:
        windows, expected_minutes = (), 0
    day_windows = _windows_within(windows, day_start, day_end)
    working_day_end, review_opens_at = review_opening(day_windows, day_end=day_end, policy=policy)
    todays = sorted(
        (e for e in entries if e.start < day_end and e.end > day_start),
        key=lambda e: (e.start, e.end, e.id),
    )
    if off is None and _taken_off(
        day_windows, todays, expected_minutes, day=day, zone=zone, bounds=(day_start, day_end)
    ):
        off = DayOff.TIME_OFF
    client, wrap = _logged_minutes(todays, day=day, zone=zone, bounds=(day_start, day_end))
    gaps, small_gaps, covered = _split_schedule(
        day_windows, _tracked(todays, timer_started_at, now), now=now, policy=policy
    )
    if off == DayOff.TIME_OFF:
        gaps = small_gaps = ()
    findings = _day_findings(
        todays,
        day=day,
        zone=zone,
        bounds=(day_start, day_end),
        policy=policy,
        timer_started_at=timer_started_at,
        working_day_end=working_day_end,
        now=now,
    )
    return MemberDay(
        day=day,
        time_zone=zone.key,
        windows=day_windows,
        expected_minutes=expected_minutes,
        logged_minutes_client=client,
        logged_minutes_wrap=wrap,
        gaps=gaps,
        small_gaps=small_gaps,
        covered=covered,
        findings=findings,
        working_day_end=working_day_end,
        review_opens_at=review_opens_at,
        day_ended=now >= working_day_end,
        visible_to_reviewer=now >= review_opens_at,
        policy=policy,
        off=off,
        holiday_name=holiday_name if off == DayOff.HOLIDAY else "",
    )


def _taken_off(
    day_windows: Sequence[Span],
    todays: Sequence[EntryFacts],
    expected_minutes: int,
    *,
    day: date,
    zone: ZoneInfo,
    bounds: tuple[datetime, datetime],
) -> bool:
    """Whether time-off entries take the whole working day: they cover every scheduled
    window end to end, or add up to the day's expected minutes."""
    time_off = [e for e in todays if e.is_time_off]
    if not day_windows or not time_off:
        return False
    minutes = sum(_logged_minutes(time_off, day=day, zone=zone, bounds=bounds))
    if expected_minutes and minutes >= expected_minutes:
        return True
    spans = merge_spans(Span(e.start, e.end) for e in time_off)
    return all(not _split_window(window, spans)[1] for window in day_windows)


def review_opening(
    day_windows: Sequence[Span], *, day_end: datetime, policy: Policy
) -> tuple[datetime, datetime]:
    """When a member's working day ends and when others may first see that local day.

    The working day ends with its last scheduled window, or at local midnight (`day_end`)
    without a schedule; the review opens a grace period later. `day_windows` are the day's
    windows, merged and in order. This is the one rule for "has the day opened": the review
    (`review_member_day`) and every other door (timekeeping/visibility.py) ask it.
    """
    working_day_end = day_windows[-1].end if day_windows else day_end
    return working_day_end, working_day_end + policy.grace


def _windows_within(
    windows: Iterable[Span], day_start: datetime, day_end: datetime
) -> tuple[Span, ...]:
    """The schedule windows clipped to the local day, merged."""
    clipped = (
        Span(max(w.start, day_start), min(w.end, day_end))
        for w in windows
        if w.start < day_end and w.end > day_start
    )
    return tuple(merge_spans(clipped))


def _logged_minutes(
    todays: Sequence[EntryFacts], *, day: date, zone: ZoneInfo, bounds: tuple[datetime, datetime]
) -> tuple[int, int]:
    """Whole minutes of client and wrap time within the local day (`bounds` in UTC)."""
    day_start, day_end = bounds
    client = wrap = 0
    for entry in todays:
        if day_start <= entry.start and entry.end <= day_end:
            # Wholly inside the day: the same rounding minutes_by_local_day applies.
            minutes = round((entry.end - entry.start).total_seconds() / 60)
        else:
            minutes = minutes_by_local_day(entry.start, entry.end, zone).get(day, 0)
        if entry.is_wrap:
            wrap += minutes
        else:
            client += minutes
    return client, wrap


def _tracked(
    todays: Sequence[EntryFacts], timer_started_at: datetime | None, now: datetime
) -> list[Span]:
    """The union of the entries and a running timer (from its start to now)."""
    spans = [Span(e.start, e.end) for e in todays]
    if timer_started_at is not None and timer_started_at < now:
        spans.append(Span(timer_started_at, now))
    return merge_spans(spans)


def _split_schedule(
    day_windows: Sequence[Span], tracked: Sequence[Span], *, now: datetime, policy: Policy
) -> tuple[tuple[Span, ...], tuple[Span, ...], tuple[Span, ...]]:
    """The elapsed part of each window cut into gaps, small gaps and covered spans."""
    gaps: list[Span] = []
    small_gaps: list[Span] = []
    covered: list[Span] = []
    for window in day_windows:
        elapsed = Span(window.start, min(window.end, now))
        if elapsed.end <= elapsed.start:
            continue
        window_covered, free = _split_window(elapsed, tracked)
        covered.extend(window_covered)
        for piece in free:
            (gaps if piece.end - piece.start >= policy.gap_threshold else small_gaps).append(piece)
    return tuple(gaps), tuple(small_gaps), tuple(covered)


def _day_findings(
    todays: Sequence[EntryFacts],
    *,
    day: date,
    zone: ZoneInfo,
    bounds: tuple[datetime, datetime],
    policy: Policy,
    timer_started_at: datetime | None,
    working_day_end: datetime,
    now: datetime,
) -> tuple[Finding, ...]:
    """The running timer, each entry starting on the day, and the overlaps, by time."""
    day_start, day_end = bounds
    findings: list[Finding] = []
    if (
        timer_started_at is not None
        and timer_started_at < working_day_end
        and now >= working_day_end
    ):
        findings.append(_timer_finding(timer_started_at, zone=zone, day=day))
    for entry in todays:
        if day_start <= entry.start < day_end:
            findings.extend(_entry_findings(entry, zone=zone, day=day, policy=policy))
    findings.extend(
        _overlap_findings(todays, zone=zone, day=day, day_start=day_start, day_end=day_end)
    )
    findings.sort(key=lambda f: f.at)
    return tuple(findings)


def _timer_finding(started_at: datetime, *, zone: ZoneInfo, day: date) -> Finding:
    return Finding(
        kind=FindingKind.TIMER_RUNNING,
        message=(
            f"A timer started {_clock(started_at, zone, day)} was still running "
            "when the working day ended. If the work has finished, stopping it puts "
            "the time on the day."
        ),
        at=started_at,
    )
