"""CSV and PDF renderings of the reports. Each takes a selector's result; nothing is
recomputed here, only rounded for display."""

from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse

from daybook.core.csv import SafeWriter

from .selectors import (
    CENT,
    CapacityReport,
    FinancialForecast,
    ProfitabilityReport,
    ProjectsReport,
    SlaReport,
    Statement,
    StatementCheck,
    WorkloadReport,
)

PERCENT = Decimal("0.1")


def fmt(value: Decimal | None, places: Decimal = CENT) -> str:
    """A Decimal rounded once, for display; empty when there is no value."""
    return "" if value is None else str(value.quantize(places))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream rows as CSV: a generator all the way, so a large export never sits in memory.
    Through SafeWriter: notes and names typed by people never open as spreadsheet formulas."""
    writer = SafeWriter(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def profitability_rows(report: ProfitabilityReport) -> Iterator[list]:
    yield [
        "company",
        "agreement",
        "type",
        "hours",
        "billable hours",
        "fee revenue",
        "work revenue",
        "revenue",
        "labour cost",
        "margin",
        "margin %",
        "effective rate",
        "block hours remaining",
        "flags",
    ]
    for r in report.rows:
        yield [
            r.company,
            r.agreement,
            r.type_label,
            fmt(r.hours),
            fmt(r.billable_hours),
            fmt(r.fee_revenue),
            fmt(r.work_revenue),
            fmt(r.revenue),
            fmt(r.labour_cost),
            fmt(r.margin),
            fmt(r.margin_pct, PERCENT),
            fmt(r.effective_rate),
            fmt(r.block_remaining),
            "; ".join(r.flags),
        ]
    yield [
        "Total",
        "",
        "",
        fmt(report.hours),
        "",
        "",
        "",
        fmt(report.revenue),
        fmt(report.labour_cost),
        fmt(report.margin),
        fmt(report.margin_pct, PERCENT),
        fmt(report.effective_rate),
        "",
        "",
    ]


STATEMENT_HEADER = [
    "entry",
    "date",
    "member",
    "hours",
    "work type",
    "reference",
    "agreement",
    "charge",
    "rate",
    "amount",
    "notes",
    "changed since issue",
]


def statement_rows(statement: Statement, check: StatementCheck | None = None) -> Iterator[list]:
    yield STATEMENT_HEADER
    for row in statement.rows:
        change = check.change_for(row.entry_id) if check else None
        yield [
            row.entry_id,
            row.day.isoformat(),
            row.member,
            fmt(row.hours),
            row.work_type,
            row.reference,
            row.agreement,
            row.charge,
            fmt(row.rate),
            fmt(row.amount),
            row.notes,
            change.status if change else "",
        ]
    yield []
    yield ["agreement", "type", "hours", "amount", "block hours drawn", "block hours remaining"]
    for total in statement.totals:
        yield [
            total.agreement,
            total.type_label,
            fmt(total.hours),
            fmt(total.amount),
            fmt(total.block_drawn),
            fmt(total.block_remaining),
        ]
    yield ["Total", "", fmt(statement.hours), fmt(statement.amount), "", ""]
    yield []
    yield ["company", statement.company]
    yield ["period", statement.period.start.isoformat(), statement.period.end.isoformat()]
    yield ["days counted in", statement.time_zone]
    yield ["fingerprint (SHA-256 of the rows)", statement.fingerprint]
    if check is not None:
        yield ["fingerprint when issued", check.issued_fingerprint]
        for change in check.changes:
            for line in change.history:
                yield [
                    f"entry {change.entry_id} {change.status}",
                    f"{line.at:%Y-%m-%d %H:%M} UTC",
                    line.by,
                    line.action,
                    "; ".join(line.changes),
                ]


def statement_pdf(
    statement: Statement, check: StatementCheck | None = None, *, issued=None
) -> bytes:
    """A client statement as a PDF (A4 landscape) with its fingerprint printed on it; for an
    issued one, who issued it and what changed since."""
    from .pdf import statement_document  # reportlab loads only when a PDF is asked for

    return statement_document(statement, check, issued=issued)


SLA_GROUP_HEADER = [
    "group",
    "key",
    "tickets",
    "respond met",
    "respond breached",
    "respond pending",
    "respond % met",
    "resolve met",
    "resolve breached",
    "resolve pending",
    "resolve % met",
    "average respond minutes",
    "average resolve minutes",
]


def sla_rows(report: SlaReport) -> Iterator[list]:
    yield SLA_GROUP_HEADER
    groups = [("all", [report.overall]), ("priority", report.by_priority),
              ("board", report.by_board), ("company", report.by_company),
              ("agreement", report.by_agreement), ("week", report.weeks)]  # fmt: skip
    for name, items in groups:
        for g in items:
            yield [
                name,
                g.key,
                g.tickets,
                g.respond_met,
                g.respond_breached,
                g.respond_pending,
                fmt(g.respond_pct, PERCENT),
                g.resolve_met,
                g.resolve_breached,
                g.resolve_pending,
                fmt(g.resolve_pct, PERCENT),
                fmt(g.avg_respond_minutes),
                fmt(g.avg_resolve_minutes),
            ]
    yield []
    yield ["breach: ticket", "summary", "company", "priority", "clock", "target minutes",
           "minutes", "still open"]  # fmt: skip
    for b in report.breaches:
        yield [b.ticket_id, b.summary, b.company, b.priority_label, b.clock, b.target_minutes,
               fmt(b.minutes), "yes" if b.still_open else "no"]  # fmt: skip


def projects_rows(report: ProjectsReport) -> Iterator[list]:
    yield ["project", "company", "type", "status", "phase", "estimate", "actual",
           "remaining", "burn per week", "forecast finish", "forecast hours at due date",
           "due date"]  # fmt: skip
    for p in report.projects:
        yield [p.name, p.company, p.project_type, p.status_label, "", fmt(p.estimate),
               fmt(p.actual), fmt(p.remaining), fmt(p.burn_per_week),
               p.forecast_finish.isoformat() if p.forecast_finish else "",
               fmt(p.forecast_at_due), p.due_date.isoformat() if p.due_date else ""]  # fmt: skip
        for phase in p.phases:
            yield [p.name, p.company, p.project_type, p.status_label, phase.name,
                   fmt(phase.estimate), fmt(phase.actual), fmt(phase.remaining),
                   "", "", "", ""]  # fmt: skip
    yield []
    yield ["project type", "finished projects", "estimated hours", "actual hours", "multiplier"]
    for a in report.accuracy:
        yield [a.project_type, a.projects, fmt(a.estimate), fmt(a.actual), fmt(a.multiplier)]


def capacity_rows(report: CapacityReport) -> Iterator[list]:
    yield ["team", "week", "scheduled", "time off", "client", "internal", "utilized",
           "utilization %", "available"]  # fmt: skip
    for r in report.rows:
        yield [r.team, r.week.isoformat(), fmt(r.scheduled), fmt(r.time_off), fmt(r.client),
               fmt(r.internal), fmt(r.utilized), fmt(r.utilization_pct, PERCENT),
               fmt(r.available)]  # fmt: skip
    yield []
    yield ["team", "members", "scheduled per person", "client hours per week",
           "utilization %", f"people needed at {report.target_utilization}%"]  # fmt: skip
    for t in report.trends:
        yield [t.team, t.members, fmt(t.scheduled_per_person), fmt(t.client_per_week),
               fmt(t.utilization_pct, PERCENT), fmt(t.people_needed, PERCENT)]  # fmt: skip
    yield []
    yield ["team", "next week", "scheduled", "ticket work at trend", "project estimates",
           "expected utilization %", "people needed"]  # fmt: skip
    for f in report.forecast:
        yield [f.team, f.week.isoformat(), fmt(f.scheduled), fmt(f.ticket_trend),
               fmt(f.project_demand), fmt(f.expected_utilization_pct, PERCENT),
               fmt(f.people_needed, PERCENT)]  # fmt: skip


def workload_rows(report: WorkloadReport) -> Iterator[list]:
    yield ["member", "team", "view", "column", "hours"]
    for m in report.members:
        for c in m.by_company:
            yield [m.member, m.team, "company", c.column, fmt(c.hours)]
        for c in m.by_board:
            yield [m.member, m.team, "board", c.column, fmt(c.hours)]
        yield [m.member, m.team, "open tickets", "", m.open_tickets]


def forecast_rows(report: FinancialForecast) -> Iterator[list]:
    yield ["month", "kind", "fee revenue", "work revenue", "revenue", "labour cost", "margin",
           "margin %"]  # fmt: skip
    for m in report.months:
        yield [f"{m.month:%Y-%m}", "projected" if m.projected else "actual",
               fmt(m.fee_revenue), fmt(m.work_revenue), fmt(m.revenue), fmt(m.labour_cost),
               fmt(m.margin), fmt(m.margin_pct, PERCENT)]  # fmt: skip
    yield []
    yield ["raise %", fmt(report.raise_pct), "new hires", report.new_hires,
           "hire cost rate", fmt(report.hire_cost_rate), "hire hours a month",
           fmt(report.hire_hours_per_month)]  # fmt: skip
