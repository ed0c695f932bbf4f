"""4. Workload distribution, for balancing load."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce

from daybook.clients.models import Company
from daybook.core.expressions import sum_seconds, to_hours
from daybook.core.periods import Period, member_local_range_q
from daybook.people.selectors import NO_TEAM
from daybook.service.choices import OPEN_STATUSES
from daybook.service.models import Board, Ticket
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import visible_or_opened

from .common import ZERO

INTERNAL = "Internal"
PROJECT_WORK = "Project phases"
OTHER_COMPANIES = "Other companies"
OTHER_BOARDS = "Other boards"
MAX_COLUMNS = 15


def _columns(totals: dict[str, Decimal], other: str) -> tuple[str, ...]:
    """The columns of a heatmap: the MAX_COLUMNS busiest companies (or boards) by name, then
    one column for all the others, then internal time."""
    named = [name for name in totals if name != INTERNAL]
    busiest = sorted(named, key=lambda n: (-totals[n], n.lower()))[:MAX_COLUMNS]
    columns = sorted(busiest, key=str.lower)
    if len(named) > MAX_COLUMNS:
        columns.append(other)
    if INTERNAL in totals:
        columns.append(INTERNAL)
    return tuple(columns)


def _fold(cells: dict[str, Decimal], columns: tuple[str, ...], other: str):
    shown = set(columns)
    rest = sum((h for name, h in cells.items() if name not in shown), ZERO)
    return tuple(WorkloadCell(c, rest if c == other else cells.get(c, ZERO)) for c in columns)


@dataclass(frozen=True)
class WorkloadCell:
    column: str
    hours: Decimal


@dataclass(frozen=True)
class WorkloadMember:
    member_id: int
    member: str
    team: str
    hours: Decimal
    by_company: tuple[WorkloadCell, ...]
    by_board: tuple[WorkloadCell, ...]
    open_tickets: int
    oldest_open: datetime | None


@dataclass(frozen=True)
class WorkloadReport:
    period: Period
    companies: tuple[str, ...]
    boards: tuple[str, ...]
    members: tuple[WorkloadMember, ...]
    max_cell: Decimal


def workload_distribution(*, period: Period, members, visible: Q | None = None) -> WorkloadReport:
    """Hours by member across companies and boards, and each member's open tickets, for
    balancing load. Members are listed by team and name — never ordered by hours.

    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened, so nobody's day shows before it ends."""
    members = list(members.select_related("user", "team").order_by())
    members.sort(key=lambda m: ((m.team.name if m.team else "~"), m.name.lower(), m.pk))
    rows = _grouped_hours(members, period=period, visible=visible_or_opened(visible))
    by_company, by_board = _heatmaps(rows)
    company_columns = _columns(by_company.totals, OTHER_COMPANIES)
    board_columns = _columns(by_board.totals, OTHER_BOARDS)
    open_rows = _open_tickets([m.pk for m in members])
    result = []
    for m in members:
        company_cells = _fold(by_company.cells.get(m.pk, {}), company_columns, OTHER_COMPANIES)
        open_row = open_rows.get(m.pk, {})
        result.append(
            WorkloadMember(
                member_id=m.pk,
                member=m.name,
                team=m.team.name if m.team else NO_TEAM,
                hours=sum((c.hours for c in company_cells), ZERO),
                by_company=company_cells,
                by_board=_fold(by_board.cells.get(m.pk, {}), board_columns, OTHER_BOARDS),
                open_tickets=open_row.get("n", 0),
                oldest_open=open_row.get("oldest"),
            )
        )
    return WorkloadReport(
        period=period,
        companies=company_columns,
        boards=board_columns,
        members=tuple(result),
        max_cell=_max_cell(result),
    )


def _grouped_hours(members: list, *, period: Period, visible: Q) -> list[dict]:
    """The members' hours in the period on their own calendars, grouped by member, company
    (of the ticket, else the project, else the agreement), board and payroll wrap."""
    groups: dict[str, list[int]] = {}
    for m in members:
        groups.setdefault(m.time_zone, []).append(m.pk)
    entries = (
        TimeEntry.objects.filter(member_id__in=[m.pk for m in members])
        .filter(member_local_range_q(period, groups))
        .filter(visible)
    )
    company = Coalesce("ticket__company_id", "phase__project__company_id", "agreement__company_id")
    return list(
        entries.annotate(company=company)
        .order_by()
        .values("member_id", "company", "ticket__board_id", "work_type__is_payroll_wrap")
        .annotate(seconds=sum_seconds())
    )


@dataclass
class _Heatmap:
    """Hours per member and column, and per column over everyone."""

    cells: dict[int, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: ZERO))
    )
    totals: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def add(self, member_id: int, column: str, hours: Decimal) -> None:
        self.cells[member_id][column] += hours
        self.totals[column] += hours


def _heatmaps(rows: list[dict]) -> tuple[_Heatmap, _Heatmap]:
    """The grouped rows by company name and by board name. Payroll wrap is Internal in both;
    other time with no company is Internal, and other time not on a ticket is project work."""
    company_ids = {r["company"] for r in rows if r["company"] is not None}
    board_ids = {r["ticket__board_id"] for r in rows if r["ticket__board_id"] is not None}
    company_names = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    board_names = dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "name"))
    by_company, by_board = _Heatmap(), _Heatmap()
    for row in rows:
        wrap = row["work_type__is_payroll_wrap"]
        company_id, board_id = row["company"], row["ticket__board_id"]
        hours = to_hours(row["seconds"])
        company_name = INTERNAL if wrap or company_id is None else company_names[company_id]
        if wrap:
            board_name = INTERNAL
        else:
            board_name = board_names[board_id] if board_id is not None else PROJECT_WORK
        by_company.add(row["member_id"], company_name, hours)
        by_board.add(row["member_id"], board_name, hours)
    return by_company, by_board


def _open_tickets(member_ids: list[int]) -> dict[int, dict]:
    """{member id: {"n": open tickets assigned, "oldest": when the oldest was opened}}."""
    return {
        r["assignee_id"]: r
        for r in Ticket.objects.filter(assignee_id__in=member_ids, status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"), oldest=Min("opened_at"))
    }


def _max_cell(members: list[WorkloadMember]) -> Decimal:
    """The busiest named company cell, which the heatmap's shades are scaled to."""
    return max(
        (
            c.hours
            for m in members
            for c in m.by_company
            if c.column not in (INTERNAL, OTHER_COMPANIES)
        ),
        default=ZERO,
    )
