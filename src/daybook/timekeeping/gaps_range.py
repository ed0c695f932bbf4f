"""One member's gaps over a range of local days, in one read of the range's entries.

A gap here is exactly the review's gap: a free piece of the elapsed part of a scheduled window,
at or over the threshold, on a day that is no holiday, no booked time off and inside the
member's start and end dates. The engine's own pieces decide each part (see
`member_gaps_range`); what this module adds is reading five years once instead of a handful of
queries per day (`day_figures.day_figures`), and cutting all the windows in one walk along the
tracked time instead of one engine run per day. tests/timekeeping/test_gaps_range.py holds the
result equal to the day-by-day path.

Who sees what follows the review's rule: the member sees every day of their own; anyone else
(a reviewer, Finance, the command line) only the days whose review has opened
(`day.review_opening`). Days not open yet are counted, not shown.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.core.time import (
    DATE_WINDOW_MESSAGE,
    Span,
    in_date_window,
    local_date,
    local_day_bounds,
)
from daybook.people.models import Holiday, Member, ScheduleBlock

from .day import EntryFacts, review_member_day, review_opening, schedule_windows
from .day_figures import (
    LONGEST_ENTRY,
    _day_off,
    _expected_minutes,
    member_entries_touching,
    policy_for,
)
from .models import Timer

# The longest range one request may ask for: a little over six years.
MAX_RANGE_DAYS = 6 * 366
DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayGaps:
    """One working day's gaps (UTC spans, in order)."""

    day: date
    gaps: tuple[Span, ...]

    @property
    def minutes(self) -> float:
        return sum(gap.minutes for gap in self.gaps)


@dataclass(frozen=True)
class GapRange:
    """A member's gaps from `first` to `last` (local dates, both included), as one viewer may
    see them.

    `days` holds only the working days with at least one gap. `working_days` counts the working
    days the viewer sees (scheduled, not off), gaps or not. `days_not_open` counts the
    scheduled days the viewer may not see yet (their review has not opened); always 0 for the
    member themself.
    """

    member: Member
    first: date
    last: date
    days: tuple[DayGaps, ...]
    working_days: int
    days_not_open: int
    gap_threshold_minutes: int

    @property
    def total_minutes(self) -> float:
        return sum(day.minutes for day in self.days)

    @property
    def gap_count(self) -> int:
        return sum(len(day.gaps) for day in self.days)


def gap_range_check(*, first: date | None, last: date | None) -> tuple[date, date]:
    """The range, or a ValidationError keyed "from" / "to" that says what is wrong with it."""
    errors: dict[str, str] = {}
    for key, day in (("from", first), ("to", last)):
        if day is None:
            errors[key] = "Give a date as YYYY-MM-DD."
        elif not in_date_window(day):
            errors[key] = DATE_WINDOW_MESSAGE
    if errors:
        raise ValidationError(errors)
    if last < first:
        raise ValidationError(
            {"to": f"The range ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d})."}
        )
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise ValidationError(
            {
                "to": f"Ask for at most {MAX_RANGE_DAYS} days (about six years) at a time; "
                f"this range has {days}."
            }
        )
    return first, last


def _blocks_by_weekday(member: Member) -> dict[int, list[tuple[time, time]]]:
    blocks: dict[int, list[tuple[time, time]]] = defaultdict(list)
    rows = (
        ScheduleBlock.objects.filter(member=member)
        .order_by()
        .values_list("weekday", "start", "end")
    )
    for weekday, start, end in rows:
        blocks[weekday].append((start, end))
    return blocks


def _holidays(member: Member, first: date, last: date) -> dict[date, str]:
    """The member's holidays in the range by date: their team's name for a day, else the
    organisation's (as `people.selectors.holidays_on` names them)."""
    rows = (
        Holiday.objects.filter(Q(team__isnull=True) | Q(team_id=member.team_id))
        .filter(date__gte=first, date__lte=last)
        .order_by()
        .values_list("date", "team_id", "name")
    )
    names: dict[date, str] = {}
    for day, team_id, name in rows:
        if team_id is not None or day not in names:
            names[day] = name
    return names


class _Entries:
    """The member's entries touching a span, by start, read once: the raw rows (id, start,
    end, work role id, work type id), their times as aware datetimes (`starts`, `ends`), and
    the few work types that are wrap or time off.

    Times are read as text and parsed here: five years of them through Django's per-value
    converters (or the driver's, plus a zone) would take longer than the whole engine run.
    """

    def __init__(self, member: Member, start: datetime, end: datetime) -> None:
        self.flags = {
            pk: (wrap, time_off)
            for pk, wrap, time_off in WorkType.objects.filter(
                Q(is_payroll_wrap=True) | Q(is_time_off=True)
            ).values_list("pk", "is_payroll_wrap", "is_time_off")
        }
        query = (
            member_entries_touching(member, start, end)
            .annotate(start_text=Cast("start", TextField()), end_text=Cast("end", TextField()))
            .order_by("start")  # the (member, start) index's order: no sort step
            .values_list("pk", "start_text", "end_text", "work_role_id", "work_type_id")
        )
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            self.rows = cursor.fetchall()
        # SQLite writes UTC without an offset; PostgreSQL (session zone UTC) with one.
        zone = "" if not self.rows or "+" in self.rows[0][1] else "+00:00"
        parse = datetime.fromisoformat
        self.starts = [parse(row[1] + zone) for row in self.rows]
        self.ends = [parse(row[2] + zone) for row in self.rows]

    def near(self, day_start: datetime, day_end: datetime) -> list[EntryFacts]:
        """The entries that may touch a day, for the engine: only what its gaps depend on
        (times, time off) and the ids its findings look at (findings are not used here).
        Entries are at most LONGEST_ENTRY long, so those touching the day start after."""
        first = bisect_left(self.starts, day_start - LONGEST_ENTRY)
        last = bisect_left(self.starts, day_end)
        facts = []
        for index in range(first, last):
            pk, _, _, role, kind = self.rows[index]
            wrap, time_off = self.flags.get(kind, (False, False))
            facts.append(
                EntryFacts(
                    id=pk,
                    start=self.starts[index],
                    end=self.ends[index],
                    is_wrap=wrap,
                    work_role_id=role,
                    work_type_id=kind,
                    is_time_off=time_off,
                )
            )
        return facts

    def time_off_days(self, zone: ZoneInfo) -> set[date]:
        """Local days touched by a time-off entry: only there can the engine take a day off."""
        time_off = {pk for pk, (_, off) in self.flags.items() if off}
        days: set[date] = set()
        for index, row in enumerate(self.rows):
            if row[4] in time_off:
                day = local_date(self.starts[index], zone)
                last = local_date(self.ends[index], zone)
                while day <= last:
                    days.add(day)
                    day += DAY
        return days

    def tracked(
        self, timer_started_at: datetime | None, now: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The union of the entries and a running timer (from its start to now), as the
        engine's `_tracked` makes it for a day, here for the whole span at once: (start, end)
        pairs in order, apart from each other."""
        spans = list(zip(self.starts, self.ends, strict=True))
        if timer_started_at is not None and timer_started_at < now:
            spans.append((timer_started_at, now))
            spans.sort()
        merged: list[list[datetime]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1][1] = end
            else:
                merged.append([start, end])
        return [(start, end) for start, end in merged]


class _Windows:
    """The schedule windows of each local day (the engine's `schedule_windows`). A day of 24
    hours has them at the same distance from its midnight as any other 24-hour day of the same
    weekday, so they are worked out once per weekday; a day the clocks change on is worked out
    on its own."""

    def __init__(self, zone: ZoneInfo, blocks: dict[int, list[tuple[time, time]]]) -> None:
        self.zone = zone
        self.blocks = blocks
        self.offsets: dict[int, tuple[tuple[timedelta, timedelta], ...]] = {}

    def on(self, day: date, day_start: datetime, day_end: datetime) -> tuple[Span, ...]:
        blocks = self.blocks[day.weekday()]
        if day_end - day_start != DAY:
            return schedule_windows(day, self.zone, blocks)
        offsets = self.offsets.get(day.weekday())
        if offsets is None:
            windows = schedule_windows(day, self.zone, blocks)
            offsets = tuple((w.start - day_start, w.end - day_start) for w in windows)
            self.offsets[day.weekday()] = offsets
        return tuple(Span(day_start + start, day_start + end) for start, end in offsets)


class _Cutter:
    """Cuts windows, in order, into the free pieces the tracked time leaves of their elapsed
    part, keeping those at or over the threshold: the engine's `_split_schedule` for one day
    (`day._split_window`, then the threshold), done as one walk along the whole range so five
    years cost one pass instead of a call per day. The tests hold it equal to the engine's
    day by day, across DST changes, midnight and running timers."""

    def __init__(
        self, tracked: list[tuple[datetime, datetime]], *, now: datetime, threshold: timedelta
    ):
        self.tracked = tracked
        self.now = now
        self.threshold = threshold
        self.next = 0  # no tracked span before this one reaches a later window

    def gaps(self, windows: tuple[Span, ...]) -> tuple[Span, ...]:
        tracked, count, threshold = self.tracked, len(self.tracked), self.threshold
        found: list[Span] = []
        for window in windows:
            start, end = window.start, min(window.end, self.now)
            if end <= start:
                continue
            index = self.next
            while index < count and tracked[index][1] <= start:
                index += 1
            self.next = index
            cursor = start
            while index < count and tracked[index][0] < end:
                busy_start, busy_end = tracked[index]
                if busy_start > cursor and busy_start - cursor >= threshold:
                    found.append(Span(cursor, busy_start))
                if busy_end > cursor:
                    cursor = busy_end
                index += 1
            if cursor < end and end - cursor >= threshold:
                found.append(Span(cursor, end))
        return tuple(found)


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def member_gaps_range(
    *, member: Member, first: date, last: date, own: bool, now: datetime | None = None
) -> GapRange:
    """The member's gaps on each local day from `first` to `last`, as the review finds them.

    `own`: the viewer is the member (sees every day); otherwise only days whose review has
    opened show. Callers decide whether the viewer may see the member at all. A handful of
    queries whatever the range: schedule, policy, holidays, timer, work types and entries.

    The engine's rules, day by day: no schedule, a holiday, or a day outside the start and
    end dates has no windows (`day_figures._day_off`); windows come from the schedule
    (`day.schedule_windows`); a day touched by time off goes through `review_member_day`
    whole, which decides whether the time off takes the day; every other day's windows are
    cut by the tracked time (`_Cutter`); a day opens to others at `day.review_opening`.
    """
    first, last = gap_range_check(first=first, last=last)
    now = now or timezone.now()
    zone = member.zone
    blocks = _blocks_by_weekday(member)
    policy = policy_for(member.team)
    holidays = _holidays(member, first, last)
    timer_started_at = (
        Timer.objects.filter(member=member).values_list("started_at", flat=True).first()
    )
    entries = _Entries(member, local_day_bounds(first, zone)[0], local_day_bounds(last, zone)[1])
    cutter = _Cutter(
        entries.tracked(timer_started_at, now), now=now, threshold=policy.gap_threshold
    )
    time_off_days = entries.time_off_days(zone)
    windows_of = _Windows(zone, blocks)
    expected_minutes = _expected_minutes(member, True)
    grace = policy.grace

    found: list[DayGaps] = []
    working_days = days_not_open = 0
    for day in _days(first, last):
        holiday = holidays.get(day)
        if not blocks.get(day.weekday()) or _day_off(
            member, day, {member.team_id: holiday} if holiday else {}
        ):
            continue
        day_start, day_end = local_day_bounds(day, zone)
        windows = windows_of.on(day, day_start, day_end)
        if day in time_off_days:
            figures = review_member_day(
                day=day,
                zone=zone,
                windows=windows,
                expected_minutes=expected_minutes,
                entries=entries.near(day_start, day_end),
                timer_started_at=timer_started_at,
                policy=policy,
                now=now,
            )
            visible, off, gaps = figures.visible_to_reviewer, figures.off, figures.gaps
        else:
            # Windows end by midnight, so a day is open once midnight plus grace has passed.
            visible = (
                own
                or now >= day_end + grace
                or now >= review_opening(windows, day_end=day_end, policy=policy)[1]
            )
            off, gaps = None, cutter.gaps(windows)
        if not own and not visible:
            days_not_open += 1
        elif off is None:
            working_days += 1
            if gaps:
                found.append(DayGaps(day=day, gaps=gaps))
    return GapRange(
        member=member,
        first=first,
        last=last,
        days=tuple(found),
        working_days=working_days,
        days_not_open=days_not_open,
        gap_threshold_minutes=policy.gap_threshold_minutes,
    )
