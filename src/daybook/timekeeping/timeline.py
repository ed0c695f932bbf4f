"""The day's timeline, as drawn on My Day and on a reviewer's member-day page.

One layout for both pages. Blocks are placed on an hour axis as shares of it; blocks that
overlap in time sit side by side in lanes; anything too short to carry a line of text is
drawn without one (an entry as a thin bar, a gap as a mark beside the timeline), its words in
a tooltip and in text for screen readers. So no label is ever drawn over another.

What goes in is the caller's business: the member's own day gives everything it has (small
gaps, drafts, the running timer, the schedule); the reviewer's page gives only the entries
and gaps the trust rules let that reviewer see (`reviewer_timeline`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import ceil, floor
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse

from daybook.core.formatting import duration_text
from daybook.core.time import Span, local_day_bounds

from .labels import entry_label
from .models import DraftEntry, TimeEntry, Timer

INPUT = "%Y-%m-%dT%H:%M"  # what a datetime-local field reads
DEFAULT_AXIS = (time(8), time(18))
# Seconds between one entry's end and the next start are not worth a line.
MIN_GAP_SHOWN = timedelta(minutes=1)
# An hour is drawn HOUR_REM high (the CSS reads the total from the page); a block shorter
# than LABEL_MINUTES is too low for a line of small text, so it is drawn without one.
HOUR_REM = 3.2
LABEL_MINUTES = 20

# Which page the links go to: the member's own open day, the member's day in a closed period
# (nothing changes there: entries open their history), or a reviewer's page.
MEMBER, CLOSED, REVIEWER = "member", "closed", "reviewer"


def company_colour(company_id: int | None) -> str:
    """A steady hue for each company, so a client looks the same every day. Mid lightness:
    it marks a block's edge and tints its background, readable in light and dark themes."""
    if company_id is None:
        return ""
    hue = (company_id * 137) % 360
    return f"hsl({hue} 60% 50%)"


def _company_id(entry: TimeEntry | DraftEntry | Timer) -> int | None:
    if entry.ticket_id:
        return entry.ticket.company_id
    if entry.phase_id:
        return entry.phase.project.company_id
    return None


@dataclass(frozen=True)
class Block:
    """One thing on the timeline, placed as a share of the axis."""

    kind: str  # entry, wrap, draft, timer, gap, small_gap, window
    start: datetime
    end: datetime
    label: str
    colour: str
    top: float
    height: float
    obj: object = None
    # Shown and linked as the member's wall clock; worked out once here, not per template use.
    clock: str = ""
    start_value: str = ""
    end_value: str = ""
    url: str = ""

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


def axis_for(
    day: date, zone: ZoneInfo, spans: Iterable[Span]
) -> tuple[datetime, datetime, list[tuple[str, float]]]:
    """The hours the timeline shows: working hours widened to whatever happened that day."""
    day_start, day_end = local_day_bounds(day, zone)
    first = datetime.combine(day, DEFAULT_AXIS[0], tzinfo=zone).astimezone(UTC)
    last = datetime.combine(day, DEFAULT_AXIS[1], tzinfo=zone).astimezone(UTC)
    for span in spans:
        first = min(first, max(span.start, day_start))
        last = max(last, min(span.end, day_end))
    # Whole hours, counted from local midnight so DST days still land on the hour.
    start_hour = floor((first - day_start).total_seconds() / 3600)
    end_hour = ceil((last - day_start).total_seconds() / 3600)
    axis_start = day_start + timedelta(hours=start_hour)
    axis_end = min(day_end, day_start + timedelta(hours=end_hour))
    length = (axis_end - axis_start).total_seconds()
    hours = []
    tick = axis_start
    while tick < axis_end:
        hours.append(
            (f"{tick.astimezone(zone):%H:%M}", 100 * (tick - axis_start).total_seconds() / length)
        )
        tick += timedelta(hours=1)
    return axis_start, axis_end, hours


def _url(kind: str, links: str, obj, start: datetime, end: datetime, values: tuple[str, str]):
    if kind in {"entry", "wrap"}:
        name = "timekeeping:entry_edit" if links == MEMBER else "timekeeping:entry_history"
        return reverse(name, args=[obj.pk])
    if kind == "draft" and links != REVIEWER:
        return reverse("timekeeping:draft_complete", args=[obj.pk])
    if kind in {"gap", "small_gap"} and links == MEMBER:
        return f"{reverse('timekeeping:entry_new')}?start={values[0]}&end={values[1]}"
    if kind == "gap" and links == REVIEWER:
        query = urlencode({"gap_start": start.isoformat(), "gap_end": end.isoformat()})
        return f"?{query}#composer"
    return ""


def place(
    axis: tuple[datetime, datetime],
    zone: ZoneInfo,
    kind: str,
    start: datetime,
    end: datetime,
    label: str,
    colour: str,
    obj=None,
    *,
    links: str = MEMBER,
) -> Block | None:
    """`start`-`end` as a block on the axis, or None when none of it falls on the axis."""
    axis_start, axis_end = axis
    shown_start, shown_end = max(start, axis_start), min(end, axis_end)
    if shown_end <= shown_start:
        return None
    length = (axis_end - axis_start).total_seconds()
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    values = (f"{local_start:{INPUT}}", f"{local_end:{INPUT}}")
    return Block(
        kind=kind,
        start=start,
        end=end,
        label=label,
        colour=colour,
        top=round(100 * (shown_start - axis_start).total_seconds() / length, 3),
        height=round(100 * (shown_end - shown_start).total_seconds() / length, 3),
        obj=obj,
        clock=f"{local_start:%H:%M}\N{EN DASH}{local_end:%H:%M}",
        start_value=values[0],
        end_value=values[1],
        url=_url(kind, links, obj, start, end, values),
    )


def entry_block(axis, zone: ZoneInfo, entry: TimeEntry, *, links: str = MEMBER) -> Block | None:
    wrap = entry.work_type.is_payroll_wrap
    colour = "" if wrap else company_colour(_company_id(entry))
    kind = "wrap" if wrap else "entry"
    return place(
        axis, zone, kind, entry.start, entry.end, entry_label(entry), colour, entry, links=links
    )


# --- the layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """A block as drawn: its lane across the timeline's width and whether it carries text."""

    block: Block
    left: float  # % of the width blocks share
    width: float
    labelled: bool

    @property
    def label(self) -> str:
        b = self.block
        if b.kind in {"gap", "small_gap"}:
            return f"{duration_text(b.minutes)} not logged"
        if b.kind == "draft":
            return f"Parked: {b.label}"
        return b.label

    @property
    def text(self) -> str:
        """The block in words: its tooltip, and what a screen reader reads."""
        b = self.block
        if b.kind == "timer":
            return f"Timer running since {b.clock[:5]}: {b.label}"
        return f"{b.clock} {self.label}"


@dataclass(frozen=True)
class Timeline:
    hours: list[tuple[str, float]]
    windows: list[Block]  # the schedule, a thin bar beside the blocks
    blocks: list[Drawn]  # everything with a place in the lanes
    marks: list[Drawn]  # gaps too short for text: marks beside the lanes

    @property
    def height_rem(self) -> str:
        return f"{max(len(self.hours), 1) * HOUR_REM:.1f}rem"


def _lanes(blocks: Sequence[Block]) -> list[tuple[Block, int, int]]:
    """(block, lane, lanes) for blocks sorted by start: overlapping blocks are grouped, and
    each group shares the width among as many lanes as it needs at its busiest."""
    placed: list[tuple[Block, int, int]] = []
    group: list[tuple[Block, int]] = []
    lane_ends: list[datetime] = []
    group_end: datetime | None = None

    def close() -> None:
        placed.extend((b, lane, len(lane_ends)) for b, lane in group)

    for block in blocks:
        if group_end is not None and block.start >= group_end:
            close()
            group, lane_ends, group_end = [], [], None
        lane = next((i for i, end in enumerate(lane_ends) if end <= block.start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(block.end)
        else:
            lane_ends[lane] = block.end
        group.append((block, lane))
        group_end = block.end if group_end is None else max(group_end, block.end)
    close()
    return placed


def timeline_layout(blocks: Iterable[Block], hours: list[tuple[str, float]]) -> Timeline:
    """Lay placed blocks out so that no two labels meet: lanes for overlaps, no text on a
    block too short for it, short gaps as marks beside the lanes."""
    axis_minutes = max(len(hours), 1) * 60
    windows, laned, marks = [], [], []

    def shown_minutes(block: Block) -> float:
        # Rounded: shares of the axis are stored to three decimals.
        return round(block.height * axis_minutes / 100, 1)

    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        if block.kind == "window":
            windows.append(block)
        elif block.kind in {"gap", "small_gap"} and shown_minutes(block) < LABEL_MINUTES:
            marks.append(Drawn(block=block, left=0, width=100, labelled=False))
        else:
            laned.append(block)
    drawn = [
        Drawn(
            block=block,
            left=round(100 * lane / lanes, 3),
            width=round(100 / lanes, 3),
            labelled=shown_minutes(block) >= LABEL_MINUTES,
        )
        for block, lane, lanes in _lanes(laned)
    ]
    return Timeline(hours=hours, windows=windows, blocks=drawn, marks=marks)


def reviewer_timeline(
    *, day: date, zone: ZoneInfo, entries: Sequence[TimeEntry], gaps: Sequence[Span]
) -> Timeline:
    """The member's day as a reviewer draws it: only the `entries` and `gaps` the caller
    was allowed to show (the review selectors apply the trust rules); no schedule, timer,
    parked drafts or small gaps. Entries open their history; gaps open the composer."""
    spans = [Span(e.start, e.end) for e in entries] + [Span(g.start, g.end) for g in gaps]
    axis_start, axis_end, hours = axis_for(day, zone, spans)
    axis = (axis_start, axis_end)
    blocks = [entry_block(axis, zone, e, links=REVIEWER) for e in entries]
    blocks += [
        place(axis, zone, "gap", g.start, g.end, "", "", links=REVIEWER)
        for g in gaps
        if g.end - g.start >= MIN_GAP_SHOWN
    ]
    return timeline_layout((b for b in blocks if b is not None), hours)
