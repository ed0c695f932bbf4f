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

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import compress, islice
from operator import gt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import (
    Aggregate,
    Case,
    Func,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.core.database import row_ahead
from daybook.core.time import (
    DATE_WINDOW_MESSAGE,
    Span,
    in_date_window,
    local_date,
    local_day_bounds,
)
from daybook.people.models import Holiday, Member, ScheduleBlock

from .day import EntryFacts, _taken_off, review_opening, schedule_windows
from .day_figures import (
    _expected_minutes,
    member_entries_touching,
    policy_for,
)
from .models import LONGEST_ENTRY, Timer

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


# The walk works in naive UTC datetimes: the drivers hand them over cheaply (SQLite's text
# parses at C speed, PostgreSQL's `timestamp` needs no zone), and comparing or subtracting
# them skips the zone checks of aware ones. Only the gaps found become aware again.
# Before and after any moment stored, naive like the walk's moments:
BEFORE_ALL = datetime.min  # noqa: DTZ901
AFTER_ALL = datetime.max  # noqa: DTZ901


# Adding the distance from a naive epoch to an aware one: a tenth of `replace(tzinfo=UTC)`'s
# time, which over thousands of gaps is milliseconds.
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return _EPOCH_UTC + (moment - _EPOCH)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class _NaiveUtc(Func):
    """A stored moment as a naive UTC datetime (PostgreSQL), or as SQLite's stored UTC text
    ('YYYY-MM-DD HH:MM:SS[.ffffff]') for `datetime.fromisoformat`: cast, so that the driver
    leaves it alone instead of running Django's slower parser on it."""

    arity = 1
    output_field = TextField()
    template = "(%(expressions)s AT TIME ZONE 'UTC')"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS text)", **extra)


class _Column(Aggregate):
    """Every row's value of an expression as one value, in no promised order: an array on
    PostgreSQL; on SQLite one text joined by commas, '' for NULL (see `_split`). Five years
    of entries read as one row spare the drivers a row each, which costs more than the walk."""

    function = "array_agg"
    output_field = TextField()  # a field without converters: values come as the driver reads them

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "group_concat(coalesce(%(expressions)s, ''), ',')"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def _split(column: str | list | None) -> list:
    """A `_Column` as a list: SQLite's text split, PostgreSQL's array as it is; none for no
    rows."""
    if column is None:
        return []
    return column.split(",") if isinstance(column, str) else column


def _by_start(starts: Sequence, *others: Sequence) -> list[Sequence]:
    """The columns in the order of `starts`. Both engines read the rows along the (member,
    start) index, so they come in order, but neither promises it: checking costs less than
    sorting in the query."""
    if not any(map(gt, starts, islice(starts, 1, None))):
        return [starts, *others]
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return [[column[k] for k in order] for column in (starts, *others)]


def _entries_read(member: Member, start: datetime, end: datetime) -> QuerySet:
    """The member's entries touching a span as one row of columns: their times (naive UTC)
    and, for the few that are time off, their ids; and the start of the member's running
    timer, if any, which would cost a query of its own. Only what gaps depend on: over five
    years each column read costs milliseconds, so the many plain entries bring no ids or
    work types, and the time off comes in the same read as a column that is empty for them."""
    time_off_types = WorkType.objects.filter(is_time_off=True).values("pk")
    timer = Timer.objects.filter(member=member).values(at=_NaiveUtc("started_at"))
    # Grouped by a constant, which Django leaves out of the GROUP BY: one row for all.
    return (
        member_entries_touching(member, start, end)
        .order_by()
        .values(_all=Value(1))
        .annotate(
            starts=_Column(_NaiveUtc("start")),
            ends=_Column(_NaiveUtc("end")),
            time_off_ids=_Column(Case(When(work_type_id__in=time_off_types, then="pk"))),
            timer=Subquery(timer),
        )
        .values_list("starts", "ends", "time_off_ids", "timer")
    )


class _Entries:
    """The member's entries from `_entries_read`, by start, apart from them the time off,
    and the running timer's start."""

    def __init__(self, row: tuple) -> None:
        *columns, timer = row
        starts, ends, time_off_ids = map(_split, columns)
        if starts and isinstance(starts[0], str):
            starts = list(map(datetime.fromisoformat, starts))
            ends = list(map(datetime.fromisoformat, ends))
        if isinstance(timer, str):
            timer = datetime.fromisoformat(timer)
        self.timer_started_at: datetime | None = timer  # naive UTC
        starts, ends, time_off_ids = _by_start(starts, ends, time_off_ids)
        self.starts: list[datetime] = starts
        self.ends: list[datetime] = ends
        # compress keeps the places with an id: None (PostgreSQL) and '' (SQLite) are false.
        places = list(compress(range(len(time_off_ids)), time_off_ids))
        self.time_off = [
            EntryFacts(
                id=int(time_off_ids[k]),
                start=_aware(starts[k]),
                end=_aware(ends[k]),
                is_time_off=True,
            )
            for k in places
        ]
        self.time_off_starts = [starts[k] for k in places]

    def time_off_near(self, day_start: datetime, day_end: datetime) -> list[EntryFacts]:
        """The time-off entries touching a day, in the engine's order, for `day._taken_off`.
        Entries are at most LONGEST_ENTRY long, so those touching the day start after."""
        first = bisect_left(self.time_off_starts, day_start - LONGEST_ENTRY)
        last = bisect_left(self.time_off_starts, day_end)
        aware_start = _aware(day_start)
        facts = [fact for fact in self.time_off[first:last] if fact.end > aware_start]
        return sorted(facts, key=lambda e: (e.start, e.end, e.id))

    def time_off_days(self, zone: ZoneInfo) -> set[date]:
        """Local days touched by a time-off entry: only there can the engine take a day off."""
        days: set[date] = set()
        for fact in self.time_off:
            day, last = local_date(fact.start, zone), local_date(fact.end, zone)
            while day <= last:
                days.add(day)
                day += DAY
        return days

    def holes(self, now: datetime, threshold: timedelta) -> "_Holes":
        """The untracked time between the entries and a running timer (from its start to
        `now`, naive UTC), the complement of the engine's `_tracked`, for the whole span at
        once; only the holes at least `threshold` long, as no shorter one holds a gap."""
        spans = zip(self.starts, self.ends, strict=True)
        if self.timer_started_at is not None and self.timer_started_at < now:
            spans = list(spans)
            insort(spans, (self.timer_started_at, now))
        starts: list[datetime] = []
        ends: list[datetime] = []
        finish = BEFORE_ALL
        for start, end in spans:
            if start > finish:  # a new stretch of tracked time: the hole before it ends
                if start - finish >= threshold:
                    starts.append(finish)
                    ends.append(start)
                finish = end
            elif end > finish:
                finish = end
        starts.append(finish)
        ends.append(AFTER_ALL)
        return _Holes(starts, ends)


@dataclass(frozen=True)
class _Holes:
    """Untracked stretches (naive UTC), in order and apart from each other: `starts[k]` to
    `ends[k]`. The first starts at BEFORE_ALL, the last ends at AFTER_ALL."""

    starts: list[datetime]
    ends: list[datetime]


class _Calendar:
    """Local days' midnights and schedule windows (the engine's `local_day_bounds` and
    `schedule_windows`), in naive UTC. A day of 24 hours has its windows at the same
    distance from its midnight as any other 24-hour day of the same weekday, so they are
    worked out once per weekday; a day the clocks change on is worked out on its own."""

    def __init__(self, zone: ZoneInfo, blocks: dict[int, list[tuple[time, time]]]) -> None:
        self.zone = zone
        self.blocks = blocks
        self.offsets: dict[int, tuple[tuple[timedelta, timedelta], ...]] = {}

    def midnights(self, first: date, last: date) -> list[datetime]:
        """The local midnights starting each day from `first` to the day after `last`, as
        `local_day_bounds` finds them: a midnight the clocks skip is read at the offset
        before the change, as `astimezone` does."""
        offset = self.zone.utcoffset
        walls = [
            datetime.combine(first, time.min) + k * DAY for k in range((last - first).days + 2)
        ]
        return [wall - offset(wall) for wall in walls]

    def windows(
        self, day: date, day_start: datetime, day_end: datetime
    ) -> list[tuple[datetime, datetime]]:
        weekday = day.weekday()
        if day_end - day_start != DAY:
            return [
                (_naive(w.start), _naive(w.end))
                for w in schedule_windows(day, self.zone, self.blocks[weekday])
            ]
        offsets = self.offsets.get(weekday)
        if offsets is None:
            base = _aware(day_start)
            offsets = tuple(
                (w.start - base, w.end - base)
                for w in schedule_windows(day, self.zone, self.blocks[weekday])
            )
            self.offsets[weekday] = offsets
        return [(day_start + start, day_start + end) for start, end in offsets]


def _cut(
    windows: list[tuple[datetime, datetime]], holes: _Holes, *, now: datetime, threshold: timedelta
) -> list[tuple[int, datetime, datetime]]:
    """The windows, in order, cut into the free pieces the tracked time leaves of their
    elapsed part, those at or over the threshold, as (window's place, start, end): the
    engine's `_split_schedule` (`day._split_window`, then the threshold) for all the days in
    one walk. A free piece is a window's overlap with a hole in the tracked time, never
    longer than the hole, so only the long holes are looked at. The tests hold it equal to
    the engine day by day, across DST changes, midnight and running timers."""
    starts, ends = holes.starts, holes.ends
    found: list[tuple[int, datetime, datetime]] = []
    index = 0  # no hole before this one reaches a later window
    for place, (start, end) in enumerate(windows):
        if end > now:
            end = now
        if end <= start:
            continue
        index = scan = bisect_right(ends, start, index)
        # The last hole ends at AFTER_ALL, so the walk stops before running off the list.
        while starts[scan] < end:
            free_start = start if starts[scan] < start else starts[scan]
            free_end = end if ends[scan] > end else ends[scan]
            if free_end - free_start >= threshold:
                found.append((place, free_start, free_end))
            if ends[scan] >= end:
                break
            scan += 1
    return found


def member_gaps_range(
    *, member: Member, first: date, last: date, own: bool, now: datetime | None = None
) -> GapRange:
    """The member's gaps on each local day from `first` to `last`, as the review finds them.

    `own`: the viewer is the member (sees every day); otherwise only days whose review has
    opened show. Callers decide whether the viewer may see the member at all. A handful of
    queries whatever the range: schedule, policy, holidays, and the entries with the timer.

    The engine's rules (`day.review_member_day`'s pieces), day by day: no schedule, a
    holiday, or a day outside the start and end dates has no windows (`day_figures._day_off`);
    windows come from the schedule (`day.schedule_windows`); a day opens to others at
    `day.review_opening`; time off may take a day touched by it (`day._taken_off`); every
    other day's windows are cut by the tracked time (`_cut`).
    """
    first, last = gap_range_check(first=first, last=last)
    now = now or timezone.now()
    zone = member.zone
    blocks = _blocks_by_weekday(member)
    policy = policy_for(member.team)
    holidays = _holidays(member, first, last)
    calendar = _Calendar(zone, blocks)
    expected_minutes = _expected_minutes(member, True)
    naive_now, threshold = _naive(now), policy.gap_threshold
    # A day is open once its midnight plus grace has passed (windows end by midnight); a
    # later day asks the review's rule.
    opened_before = naive_now - policy.grace
    scheduled = {weekday for weekday, day_blocks in blocks.items() if day_blocks}
    read = _entries_read(member, local_day_bounds(first, zone)[0], local_day_bounds(last, zone)[1])
    with row_ahead(read) as entries_row:
        # While the database reads the entries, the calendar, which needs none of them: the
        # working days the viewer sees, and all their windows in order with each one's day.
        midnights = calendar.midnights(first, last)
        working: list[date] = []
        windows: list[tuple[datetime, datetime]] = []
        owners: list[int] = []
        days_not_open = 0
        # `day_figures._day_off`: no day before the start date or after the end date works,
        # nor a holiday (the member's team's or the organisation's, both in `holidays`).
        since = max(0, (member.start_date - first).days)
        until = len(midnights) - 1
        if member.end_date is not None:
            until = min(until, (member.end_date - first).days + 1)
        first_ordinal, first_weekday = first.toordinal(), first.weekday()
        for place in range(since, until):
            if (first_weekday + place) % 7 not in scheduled:
                continue
            today = date.fromordinal(first_ordinal + place)
            if today in holidays:
                continue
            day_start, day_end = midnights[place], midnights[place + 1]
            day_windows = calendar.windows(today, day_start, day_end)
            if not own and day_end > opened_before:
                spans = [Span(_aware(start), _aware(end)) for start, end in day_windows]
                if now < review_opening(spans, day_end=_aware(day_end), policy=policy)[1]:
                    days_not_open += 1
                    continue
            windows += day_windows
            owners += [len(working)] * len(day_windows)
            working.append(today)
        entries = _Entries(entries_row())

    # Time off may take a day it touches (`day._taken_off`): its windows then hold no gaps.
    time_off_days = entries.time_off_days(zone)
    taken: set[int] = set()
    for owner, today in enumerate(working):
        if today not in time_off_days:
            continue
        place = (today - first).days
        day_start, day_end = midnights[place], midnights[place + 1]
        spans = [Span(_aware(s), _aware(e)) for s, e in calendar.windows(today, day_start, day_end)]
        bounds = (_aware(day_start), _aware(day_end))
        time_off = entries.time_off_near(day_start, day_end)
        if _taken_off(spans, time_off, expected_minutes, day=today, zone=zone, bounds=bounds):
            taken.add(owner)
    if taken:
        kept = [k for k, owner in enumerate(owners) if owner not in taken]
        windows, owners = [windows[k] for k in kept], [owners[k] for k in kept]
    holes = entries.holes(naive_now, threshold)

    found: list[DayGaps] = []
    gaps: list[Span] = []
    owner = None
    for place, start, end in _cut(windows, holes, now=naive_now, threshold=threshold):
        if owners[place] != owner:
            if gaps:
                found.append(DayGaps(day=working[owner], gaps=tuple(gaps)))
            owner, gaps = owners[place], []
        # _aware, written out: a call per moment costs more than the addition.
        gaps.append(Span(_EPOCH_UTC + (start - _EPOCH), _EPOCH_UTC + (end - _EPOCH)))
    if gaps:
        found.append(DayGaps(day=working[owner], gaps=tuple(gaps)))
    return GapRange(
        member=member,
        first=first,
        last=last,
        days=tuple(found),
        working_days=len(working) - len(taken),
        days_not_open=days_not_open,
        gap_threshold_minutes=policy.gap_threshold_minutes,
    )
