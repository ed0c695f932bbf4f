"""Reads for a member's own day and week: the timeline, totals and real-time share.

Gaps, expected hours and findings come from the day engine (day.py), the same
numbers a reviewer sees later; this module adds what the member needs to act on them: the
entries with their tickets and companies, the running timer, parked drafts and the wrap
types offered for a gap. Every read is bounded by the day or week, never by history.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.core.formatting import duration_text
from daybook.core.time import Span, local_day_bounds, minutes_by_local_day
from daybook.people.models import Member
from daybook.timekeeping.day import MemberDay, Policy

from .choices import AFTER_THE_FACT, EntrySource, WeekState
from .day_figures import day_figures, entries_touching, member_entries_touching, rows_touching
from .labels import entry_label
from .models import DraftEntry, TimeEntry, Timer, WeekSubmission
from .selectors import closed_message, day_is_closed, period_in_force, wrap_types_offered
from .summaries import member_days
from .timeline import (
    CLOSED,
    INPUT,
    MEMBER,
    MIN_GAP_SHOWN,
    Block,
    Timeline,
    axis_for,
    entry_block,
    place,
    timeline_layout,
)

__all__ = ["INPUT", "MyDay", "MyWeek", "my_day", "my_week", "week_start"]


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Totals:
    expected_minutes: int
    logged_minutes: int
    wrap_minutes: int
    realtime_minutes: int
    # Imported time counts as logged but was never entered as it happened, so the real-time
    # share leaves it out of both sides.
    imported_minutes: int = 0

    @property
    def unaccounted_minutes(self) -> int:
        return max(0, self.expected_minutes - self.logged_minutes)

    @property
    def realtime_percent(self) -> int | None:
        entered_here = self.logged_minutes - self.imported_minutes
        if entered_here <= 0:
            return None
        return round(100 * self.realtime_minutes / entered_here)


def _day_totals(figures: MemberDay, realtime_minutes: int, imported_minutes: int = 0) -> Totals:
    """A day's totals: the engine's figures, and the real-time minutes counted here."""
    return Totals(
        expected_minutes=figures.expected_minutes,
        logged_minutes=figures.logged_minutes,
        wrap_minutes=figures.logged_minutes_wrap,
        realtime_minutes=realtime_minutes,
        imported_minutes=imported_minutes,
    )


@dataclass(frozen=True)
class MyDay:
    member: Member
    day: date
    zone: ZoneInfo
    figures: MemberDay
    policy: Policy
    entries: list[TimeEntry]
    drafts: list[DraftEntry]
    timer: Timer | None
    blocks: list[Block]
    hours: list[tuple[str, float]]
    timeline: Timeline
    totals: Totals
    week_totals: Totals
    wrap_types: list[WorkType]
    now: datetime
    # Set when the day is in a closed period: what is closed and who can reopen it. The page
    # then offers no way to log or change time on it.
    closed_text: str | None = None
    # The day's week as handed in for approval, when it was.
    week_submission: WeekSubmission | None = None

    @property
    def gaps(self) -> list[Block]:
        return [b for b in self.blocks if b.kind in {"gap", "small_gap"}]

    @property
    def is_today(self) -> bool:
        return self.day == self.now.astimezone(self.zone).date()


def _realtime_by_day(
    rows: list, zone: ZoneInfo, window: timedelta
) -> tuple[dict[date, int], dict[date, int], dict[date, int]]:
    """Minutes logged, minutes logged in real time and minutes imported, per local day.
    Imported entries and those filled in from a suggestion never count as real time: neither
    was entered as the work ended, however soon after the gap it was accepted."""
    logged: dict[date, int] = defaultdict(int)
    realtime: dict[date, int] = defaultdict(int)
    imported: dict[date, int] = defaultdict(int)
    for row in rows:
        was_imported = row.source == EntrySource.IMPORT
        in_time = row.source not in AFTER_THE_FACT and row.created_at - row.end <= window
        for day, minutes in minutes_by_local_day(row.start, row.end, zone).items():
            logged[day] += minutes
            if in_time:
                realtime[day] += minutes
            if was_imported:
                imported[day] += minutes
    return logged, realtime, imported


def my_day(*, member: Member, day: date, now: datetime | None = None) -> MyDay:
    """A member's own local day, everything shown: every gap, small ones included.

    A fixed number of queries, whatever the member's history.
    """
    now = now or timezone.now()
    zone = member.zone
    week_days = [week_start(day) + timedelta(days=i) for i in range(7)]
    # The week's entry rows serve the engine's day as well, and the timer shown gives the
    # engine its start: each read once.
    rows = _week_rows(member, week_days[0], zone)
    day_start, day_end = local_day_bounds(day, zone)
    items = _day_items(member, day, zone)
    figures = day_figures(
        day=day,
        members=[member],
        now=now,
        rows=rows_touching(rows, day_start, day_end),
        timers={member.pk: items.timer.started_at if items.timer else None},
    )[member.pk]
    spans = _spans_to_show(day, zone, figures, items, now)
    axis_start, axis_end, hours = axis_for(day, zone, spans)
    closed_text = _closed_text(day)
    links = CLOSED if closed_text else MEMBER
    blocks = _timeline((axis_start, axis_end), zone, figures, items, now, links)
    logged, realtime, imported = _realtime_by_day(rows, zone, figures.policy.realtime_window)
    return MyDay(
        member=member,
        day=day,
        zone=zone,
        figures=figures,
        policy=figures.policy,
        entries=items.entries,
        drafts=items.drafts,
        timer=items.timer,
        blocks=blocks,
        hours=hours,
        timeline=timeline_layout(blocks, hours),
        totals=_day_totals(figures, realtime.get(day, 0), imported.get(day, 0)),
        week_totals=Totals(
            # Expected hours for the week come from the week view; here only what was logged.
            expected_minutes=0,
            logged_minutes=sum(logged.get(d, 0) for d in week_days),
            wrap_minutes=0,
            realtime_minutes=sum(realtime.get(d, 0) for d in week_days),
            imported_minutes=sum(imported.get(d, 0) for d in week_days),
        ),
        wrap_types=wrap_types_offered(),
        now=now,
        closed_text=closed_text,
        week_submission=_submission(member, week_days[0]),
    )


def _closed_text(*days: date) -> str | None:
    """The closed-period sentence when any of `days` is closed, else None."""
    closed = period_in_force()
    if closed is not None and any(day_is_closed(day, closed) for day in days):
        return closed_message(closed)
    return None


def _submission(member: Member, monday: date) -> WeekSubmission | None:
    return (
        WeekSubmission.objects.filter(member=member, week_start=monday)
        .select_related("decided_by__user")
        .first()
    )


@dataclass(frozen=True)
class _DayItems:
    """What the member put on the day: entries touching it, parked drafts, a running timer."""

    entries: list[TimeEntry]
    drafts: list[DraftEntry]
    timer: Timer | None


def _day_items(member: Member, day: date, zone: ZoneInfo) -> _DayItems:
    day_start, day_end = local_day_bounds(day, zone)
    entries = list(
        member_entries_touching(member, day_start, day_end)
        # Few joins: planning a query with many of them costs more than running it here.
        .select_related("ticket__company", "work_type")
        .prefetch_related("phase__project")
        .order_by("start")
    )
    drafts = list(
        DraftEntry.objects.filter(member=member)
        .select_related("ticket")
        .prefetch_related("phase__project")
        .order_by("start")
    )
    timer = (
        Timer.objects.filter(member=member)
        .select_related("ticket")
        .prefetch_related("phase__project")
        .first()
    )
    return _DayItems(entries=entries, drafts=drafts, timer=timer)


def _spans_to_show(
    day: date, zone: ZoneInfo, figures: MemberDay, items: _DayItems, now: datetime
) -> list[Span]:
    """Everything the timeline must reach: entries, the day's drafts, schedule and timer."""
    day_start, day_end = local_day_bounds(day, zone)
    timer = items.timer
    spans = [Span(e.start, e.end) for e in items.entries]
    spans += [Span(d.start, d.end) for d in items.drafts if d.start < day_end and d.end > day_start]
    spans += list(figures.windows)
    if timer is not None and timer.started_at < day_end and now > day_start:
        spans.append(Span(timer.started_at, min(now, day_end)))
    return spans


def _timeline(
    axis: tuple[datetime, datetime],
    zone: ZoneInfo,
    figures: MemberDay,
    items: _DayItems,
    now: datetime,
    links: str,
) -> list[Block]:
    """Every block placed on the axis: schedule windows first, so the timeline draws
    everything else over them, then the rest by start."""
    blocks: list[Block | None] = []
    for window in figures.windows:
        blocks.append(
            place(axis, zone, "window", window.start, window.end, "Scheduled", "", links=links)
        )
    blocks += [entry_block(axis, zone, entry, links=links) for entry in items.entries]
    for draft in items.drafts:
        label = entry_label(draft)
        blocks.append(
            place(axis, zone, "draft", draft.start, draft.end, label, "", draft, links=links)
        )
    if (timer := items.timer) is not None:
        label = entry_label(timer)
        blocks.append(
            place(axis, zone, "timer", timer.started_at, now, label, "", timer, links=links)
        )
    for kind, gaps in (("gap", figures.gaps), ("small_gap", figures.small_gaps)):
        for gap in gaps:
            if gap.end - gap.start >= MIN_GAP_SHOWN:
                blocks.append(
                    place(axis, zone, kind, gap.start, gap.end, "Not logged yet", "", links=links)
                )
    return sorted((b for b in blocks if b is not None), key=lambda b: (b.kind != "window", b.start))


def _week_rows(member: Member, monday: date, zone: ZoneInfo) -> list:
    """The engine's rows (`entries_touching`) of every entry touching the member's local
    week."""
    week_from = local_day_bounds(monday, zone)[0]
    week_to = local_day_bounds(monday + timedelta(days=6), zone)[1]
    return list(entries_touching({member.pk: (week_from, week_to)}))


@dataclass(frozen=True)
class WeekDay:
    day: date
    totals: Totals
    gap_minutes: int
    entry_count: int


@dataclass(frozen=True)
class MyWeek:
    member: Member
    start: date
    days: list[WeekDay]
    totals: Totals
    now: datetime
    submission: WeekSubmission | None = None
    closed_text: str | None = None

    @property
    def is_over(self) -> bool:
        """Whether the week has ended in the member's zone, so it may be handed in."""
        return self.start + timedelta(days=6) < self.now.astimezone(self.member.zone).date()

    @property
    def may_submit(self) -> bool:
        state = self.submission.state if self.submission else None
        return self.is_over and state in (None, WeekState.RETURNED)

    @property
    def is_long(self) -> bool:
        """More hours logged than the week expects: shown to the member alone, as a sign to
        look after themself, never to anyone else and never as a score."""
        return self.totals.logged_minutes > self.totals.expected_minutes

    @property
    def long_week_text(self) -> str:
        """'This week: 46 h logged against 40 h expected', or the week's Monday when it is
        another week."""
        this_week = week_start(self.now.astimezone(self.member.zone).date()) == self.start
        when = "This week" if this_week else f"The week of {self.start.day} {self.start:%B}"
        logged = duration_text(self.totals.logged_minutes, compact=True)
        expected = duration_text(self.totals.expected_minutes, compact=True)
        return f"{when}: {logged} logged against {expected} expected"


def my_week(*, member: Member, day: date, now: datetime | None = None) -> MyWeek:
    """The member's week (Monday to Sunday) with the same totals per day as My Day."""
    now = now or timezone.now()
    zone = member.zone
    first = week_start(day)
    week_days = [first + timedelta(days=i) for i in range(7)]
    rows = _week_rows(member, first, zone)
    # Days already over come from their stored summaries: the same figures, one row each.
    timer = Timer.objects.filter(member=member).values_list("started_at", flat=True).first()
    figures = member_days(member=member, days=week_days, now=now, rows=rows, timer=timer)
    window = figures[first].policy.realtime_window
    _, realtime, imported = _realtime_by_day(rows, zone, window)
    counts: dict[date, int] = defaultdict(int)
    for row in rows:
        for d in minutes_by_local_day(row.start, row.end, zone):
            counts[d] += 1
    days = []
    for d in week_days:
        f = figures[d]
        days.append(
            WeekDay(
                day=d,
                totals=_day_totals(f, realtime.get(d, 0), imported.get(d, 0)),
                gap_minutes=round(f.gap_minutes + f.small_gap_minutes),
                entry_count=counts.get(d, 0),
            )
        )
    return MyWeek(
        member=member,
        start=first,
        days=days,
        totals=Totals(
            expected_minutes=sum(d.totals.expected_minutes for d in days),
            logged_minutes=sum(d.totals.logged_minutes for d in days),
            wrap_minutes=sum(d.totals.wrap_minutes for d in days),
            realtime_minutes=sum(d.totals.realtime_minutes for d in days),
            imported_minutes=sum(d.totals.imported_minutes for d in days),
        ),
        now=now,
        submission=_submission(member, first),
        closed_text=_closed_text(first),
    )
