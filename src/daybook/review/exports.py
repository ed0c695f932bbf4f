"""Flat rows of a day review for tables and CSV, built from the same DayViews as the API."""

import io
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields

from daybook.core.csv import SafeWriter

from .selectors import DayView


def hours(minutes: float | None) -> str:
    """Minutes as h:mm, the way people read a timesheet."""
    if minutes is None:
        return ""
    whole = round(minutes)
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class ReviewRow:
    team: str
    member: str
    date: str
    status: str
    expected: str
    logged_client: str
    logged_wrap: str
    unaccounted: str
    gaps: str
    findings: str


HEADERS = {
    "team": "Team",
    "member": "Member",
    "date": "Date",
    "status": "Status",
    "expected": "Expected",
    "logged_client": "Client",
    "logged_wrap": "Wrap",
    "unaccounted": "Unaccounted",
    "gaps": "Gaps",
    "findings": "Findings",
}


def _clock(view: DayView, moment) -> str:
    return f"{moment.astimezone(view.member.zone):%H:%M}"


def status_text(view: DayView) -> str:
    if view.in_progress:
        return f"in progress (review opens {_clock(view, view.review_opens_at)} local time)"
    return view.status.replace("_", " ")


def gap_lines(view: DayView) -> list[str]:
    return [
        f"{_clock(view, gap.start)}-{_clock(view, gap.end)} ({hours(gap.minutes)})"
        for gap in view.gaps
    ]


def review_row(view: DayView) -> ReviewRow:
    figures = view.figures
    return ReviewRow(
        team=view.member.team.name if view.member.team else "",
        member=view.member.name,
        date=view.day.isoformat(),
        status=status_text(view),
        expected=hours(figures.expected_minutes) if figures else "",
        logged_client=hours(figures.logged_minutes_client) if figures else "",
        logged_wrap=hours(figures.logged_minutes_wrap) if figures else "",
        unaccounted=hours(figures.unaccounted_minutes) if figures else "",
        gaps=str(len(figures.gaps)) if figures else "",
        findings=str(len(figures.findings)) if figures else "",
    )


def csv_lines(views: Iterable[DayView]) -> Iterator[str]:
    """CSV text line by line: one row per member, with gaps and findings spelled out.
    Through SafeWriter: team and member names never open as spreadsheet formulas."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([*HEADERS.values(), "Gap times", "Finding notes"])
    yield flush()
    for view in views:
        writer.writerow(
            [
                *astuple(review_row(view)),
                "; ".join(gap_lines(view)),
                " | ".join(f.message for f in view.findings),
            ]
        )
        yield flush()


def table_lines(views: list[DayView]) -> Iterator[str]:
    """A fixed-width table, then each member's gaps and findings underneath."""
    rows = [review_row(view) for view in views]
    # Every row shares the date, which heads the table instead.
    names = [f.name for f in fields(ReviewRow) if f.name != "date"]
    widths = {
        name: max([len(HEADERS[name]), *(len(getattr(row, name)) for row in rows)])
        for name in names
    }

    def line(values: dict[str, str]) -> str:
        return "  ".join(values[name].ljust(widths[name]) for name in names).rstrip()

    yield line(HEADERS)
    yield line({name: "-" * widths[name] for name in names})
    for row in rows:
        yield line({name: getattr(row, name) for name in names})
    for view in views:
        if not (view.gaps or view.findings):
            continue
        yield ""
        team = view.member.team.name if view.member.team else "No team"
        yield f"{team} / {view.member.name}"
        for text in gap_lines(view):
            yield f"  gap {text}"
        for finding in view.findings:
            yield f"  {finding.message}"
