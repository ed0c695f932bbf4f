"""4. Workload distribution, for balancing load."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Min
from django.db.models.functions import Coalesce

from daybook.clients.models import Company
from daybook.core.expressions import sum_seconds, to_hours
from daybook.core.periods import Period, member_local_range_q
from daybook.people.selectors import NO_TEAM
from daybook.service.choices import OPEN_STATUSES
from daybook.service.models import Board, Ticket
from daybook.timekeeping.models import TimeEntry

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


def workload_distribution(*, period: Period, members) -> WorkloadReport:
    """Hours by member across companies and boards, and each member's open tickets, for
    balancing load. Members are listed by team and name — never ordered by hours."""
    members = list(members.select_related("user", "team").order_by())
    members.sort(key=lambda m: ((m.team.name if m.team else "~"), m.name.lower(), m.pk))
    ids = [m.pk for m in members]
    groups: dict[str, list[int]] = {}
    for m in members:
        groups.setdefault(m.time_zone, []).append(m.pk)
    entries = TimeEntry.objects.filter(member_id__in=ids).filter(
        member_local_range_q(period, groups)
    )
    company = Coalesce("ticket__company_id", "phase__project__company_id", "agreement__company_id")
    cells: list[tuple[int, int | None, int | None, bool, Decimal]] = []
    company_ids: set[int] = set()
    board_ids: set[int] = set()
    for row in (
        entries.annotate(company=company)
        .order_by()
        .values("member_id", "company", "ticket__board_id", "work_type__is_payroll_wrap")
        .annotate(seconds=sum_seconds())
    ):
        cells.append(
            (
                row["member_id"],
                row["company"],
                row["ticket__board_id"],
                row["work_type__is_payroll_wrap"],
                to_hours(row["seconds"]),
            )
        )
        if row["company"] is not None:
            company_ids.add(row["company"])
        if row["ticket__board_id"] is not None:
            board_ids.add(row["ticket__board_id"])
    company_names = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    board_names = dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "name"))
    company_cells: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    board_cells: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    company_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    board_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for member_id, company_id, board_id, wrap, hours in cells:
        company_name = INTERNAL if wrap or company_id is None else company_names[company_id]
        if wrap:
            board_name = INTERNAL
        else:
            board_name = board_names[board_id] if board_id is not None else PROJECT_WORK
        company_cells[member_id][company_name] += hours
        board_cells[member_id][board_name] += hours
        company_totals[company_name] += hours
        board_totals[board_name] += hours
    open_rows = {
        r["assignee_id"]: r
        for r in Ticket.objects.filter(assignee_id__in=ids, status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"), oldest=Min("opened_at"))
    }

    columns_company = _columns(company_totals, OTHER_COMPANIES)
    columns_board = _columns(board_totals, OTHER_BOARDS)
    result = []
    for m in members:
        by_company = _fold(company_cells.get(m.pk, {}), columns_company, OTHER_COMPANIES)
        by_board = _fold(board_cells.get(m.pk, {}), columns_board, OTHER_BOARDS)
        result.append(
            WorkloadMember(
                member_id=m.pk,
                member=m.name,
                team=m.team.name if m.team else NO_TEAM,
                hours=sum((c.hours for c in by_company), ZERO),
                by_company=by_company,
                by_board=by_board,
                open_tickets=open_rows.get(m.pk, {}).get("n", 0),
                oldest_open=open_rows.get(m.pk, {}).get("oldest"),
            )
        )
    max_cell = max(
        (
            c.hours
            for m in result
            for c in m.by_company
            if c.column not in (INTERNAL, OTHER_COMPANIES)
        ),
        default=ZERO,
    )
    return WorkloadReport(
        period=period,
        companies=columns_company,
        boards=columns_board,
        members=tuple(result),
        max_cell=max_cell,
    )
