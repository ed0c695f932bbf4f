"""Report pages and their CSV/PDF downloads. Thin: run the report (reports.py checks access,
validates the filter form and calls the selector), render. Bad input is a form error with
status 400."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from daybook.core.periods import Period

from . import reports, runs
from .access import TEAMS, require_finance, sees_finance
from .exports import (
    capacity_rows,
    csv_response,
    forecast_rows,
    profitability_rows,
    projects_rows,
    sla_rows,
    statement_pdf,
    statement_rows,
    workload_rows,
)
from .forms import StatementForm
from .models import IssuedStatement, RunState
from .periods import partial_until
from .selectors import (
    AgreementProfit,
    CapacityReport,
    FinancialForecast,
    ProfitabilityReport,
    ProjectsReport,
    SlaReport,
    Statement,
    WorkloadReport,
    statement_check,
)
from .tables import page_of, sort_param, sorted_rows

View = Callable[[HttpRequest], HttpResponse]
# How often a long report's page asks whether the worker has it ready.
POLL_SECONDS = 2


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.01")))


def _form_errors(form) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        json.dumps(form.errors.get_json_data()), content_type="application/json"
    )


def _period_stamp(report: Any) -> str:
    return f"{report.period.start}-{report.period.end}"


def _partial(period: Period | None) -> dict:
    """partial_to: today, when the period shown has not ended yet (labelled as partial)."""
    return {"partial_to": None if period is None else partial_until(period, timezone.localdate())}


@dataclass(frozen=True)
class ReportPage:
    """How one report is shown: the page insights/<name>.html with its chart, and the CSV
    <name>-<stamp>.csv with its rows."""

    name: str
    report: reports.Report
    chart: Callable[[Any, dict], dict]  # (report, the context so far, with the page shown)
    rows: Callable[[Any], Iterable]
    stamp: Callable[[Any], object] = _period_stamp
    # The page's tables: sorted and paged rows and the like, from the report and the request.
    more: Callable[[Any, HttpRequest], dict] = lambda report, request: {}

    @property
    def template(self) -> str:
        return f"insights/{self.name}.html"

    def filename(self, report: Any) -> str:
        return f"{self.name}-{self.stamp(report)}.csv"


def report_download(report: reports.Report, respond: Callable[[Any], HttpResponse]) -> View:
    """A report's CSV or PDF, from the same filters as its page. Bad filters are a 400 with
    the form's errors as JSON."""

    @login_required
    @require_GET
    def download(request: HttpRequest) -> HttpResponse:
        form, result = report.run(request.user, request.GET)
        if result is None:
            return _form_errors(form)
        return respond(result)

    return download


def report_views(page: ReportPage) -> tuple[View, View]:
    """A report's page and its CSV download: the same filters, rule and numbers. Bad filters
    are a 400 that shows the form's errors."""

    @login_required
    @require_GET
    def show(request: HttpRequest) -> HttpResponse:
        if page.name in runs.SLOW_REPORTS:
            form, report, run = runs.report_or_run(
                name=page.name, user=request.user, params=request.GET
            )
            if report is None and run is not None:
                # Long range: the worker prepares it; the card polls and then shows it.
                context = {"form": form, "run": run, "poll_seconds": POLL_SECONDS}
                status = 202 if run.state == RunState.PENDING else 200
                return render(request, page.template, context, status=status)
        else:
            form, report = page.report.run(request.user, request.GET)
        if report is None:
            return render(request, page.template, {"form": form}, status=400)
        context = {
            "form": form,
            "report": report,
            "query": request.GET.urlencode(),
            **_partial(getattr(report, "period", None)),
            **page.more(report, request),
        }
        context["chart"] = page.chart(report, context)
        return render(request, page.template, context)

    def csv_of(report: Any) -> HttpResponse:
        return csv_response(page.filename(report), page.rows(report))

    return show, report_download(page.report, csv_of)


@login_required
@require_GET
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The card a long report's page polls: still preparing, failed (with why), or ready,
    when the page is loaded again to show the report (it then reuses the stored result).
    Only the viewer the run belongs to gets an answer; anyone else a 404."""
    run = runs.run_for(user=request.user, pk=pk)
    page_url = f"{reverse(f'insights:{run.report}')}?{run.query}"
    if run.state == RunState.READY:
        if request.htmx:
            response = HttpResponse(status=200)
            response["HX-Redirect"] = page_url
            return response
        return redirect(page_url)
    if not request.htmx:
        return redirect(page_url)
    context = {"run": run, "poll_seconds": POLL_SECONDS}
    return render(request, "insights/_preparing.html", context)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "insights/index.html",
        {"finance": sees_finance(user), "teams": sees_finance(user) or user.has_perm(TEAMS)},
    )


# --- Agreement profitability ---------------------------------------------------------------


def _money_series(items: Iterable) -> dict:
    """Revenue, labour cost and margin series for a chart, one point per item."""
    items = list(items)
    return {
        "revenue": [_float(i.revenue) for i in items],
        "cost": [_float(i.labour_cost) for i in items],
        "margin": [_float(i.margin) for i in items],
    }


PROFITABILITY_COLUMNS: dict[str, Callable[[AgreementProfit], Any]] = {
    "company": lambda r: (r.company.lower(), r.agreement.lower()),
    "agreement": lambda r: r.agreement.lower(),
    "type": lambda r: r.type_label,
    "hours": lambda r: r.hours,
    "revenue": lambda r: r.revenue,
    "cost": lambda r: r.labour_cost,
    "margin": lambda r: r.margin,
    "margin_pct": lambda r: r.margin_pct,
    "rate": lambda r: r.effective_rate,
}


def _profitability_rows(report: ProfitabilityReport, request: HttpRequest) -> dict:
    sort = sort_param(request, PROFITABILITY_COLUMNS)
    return {"page_obj": page_of(request, sorted_rows(report.rows, sort, PROFITABILITY_COLUMNS))}


def _profitability_chart(report: ProfitabilityReport, context: dict) -> dict:
    """The agreements of the page shown, so the chart and the table beside it agree."""
    rows = list(context["page_obj"])
    labels = [f"{r.company} — {r.agreement}" for r in rows]
    return {"labels": labels, **_money_series(rows)}


profitability, profitability_csv = report_views(
    ReportPage(
        "profitability",
        reports.PROFITABILITY,
        chart=_profitability_chart,
        rows=profitability_rows,
        more=_profitability_rows,
    )
)


@login_required
@require_GET
def profitability_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = reports.agreement_for(request.user, pk)
    form, detail = reports.AGREEMENT.run(request.user, request.GET, agreement=agreement)
    context: dict[str, Any] = {"form": form, "agreement": agreement}
    if detail is None:
        return render(request, "insights/agreement_detail.html", context, status=400)
    context["detail"] = detail
    context["query"] = request.GET.urlencode()
    context.update(_partial(detail.period))
    context["chart"] = {
        "labels": [f"{p.month:%Y-%m}" for p in detail.burn_down],
        "remaining": [_float(p.remaining) for p in detail.burn_down],
        "drawn": [_float(p.drawn) for p in detail.burn_down],
    }
    return render(request, "insights/agreement_detail.html", context)


# --- Client statements ---------------------------------------------------------------------


def _issued(**filters) -> QuerySet[IssuedStatement]:
    return IssuedStatement.objects.filter(**filters).select_related("company", "issued_by__user")


@login_required
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    if "company" not in request.GET:
        context = {"form": StatementForm(), "issued": _issued()[:20]}
        return render(request, "insights/statement.html", context)
    form, draft = reports.STATEMENT.run(request.user, request.GET)
    if draft is None:
        return render(request, "insights/statement.html", {"form": form}, status=400)
    chart = {
        "labels": [t.agreement for t in draft.totals],
        "hours": [_float(t.hours) for t in draft.totals],
    }
    partial = _partial(draft.period)
    return render(
        request,
        "insights/statement.html",
        {
            "form": form,
            "statement": draft,
            "rows": [(row, None) for row in draft.rows],
            "chart": chart,
            "query": request.GET.urlencode(),
            "issued": _issued(company_id=draft.company_id)[:20],
            **partial,
        },
    )


def _name(statement: Statement, suffix: str) -> str:
    return (
        f"statement-{statement.company_identifier}-{statement.period.start}-"
        f"{statement.period.end}.{suffix}"
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


statement_csv = report_download(
    reports.STATEMENT, lambda draft: csv_response(_name(draft, "csv"), statement_rows(draft))
)
statement_pdf_view = report_download(
    reports.STATEMENT, lambda draft: _pdf_response(statement_pdf(draft), _name(draft, "pdf"))
)


@login_required
@require_POST
def statement_issue_view(request: HttpRequest) -> HttpResponse:
    form, issued = reports.issue_statement(request.user, request.POST)
    if issued is None:
        return render(request, "insights/statement.html", {"form": form}, status=400)
    return redirect("insights:issued_statement", pk=issued.pk)


@login_required
@require_GET
def issued_statement(request: HttpRequest, pk: int) -> HttpResponse:
    issued = reports.issued_for(request.user, pk)
    check = statement_check(issued=issued)
    rows = [(row, check.change_for(row.entry_id)) for row in check.current.rows]
    return render(
        request,
        "insights/issued_statement.html",
        {"issued": issued, "check": check, "statement": check.current, "rows": rows},
    )


@login_required
@require_GET
def issued_statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    issued = reports.issued_for(request.user, pk)
    check = statement_check(issued=issued)
    return csv_response(_name(check.current, "csv"), statement_rows(check.current, check))


@login_required
@require_GET
def issued_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    issued = reports.issued_for(request.user, pk)
    check = statement_check(issued=issued)
    return _pdf_response(
        statement_pdf(check.current, check, issued=issued), _name(check.current, "pdf")
    )


@login_required
@require_GET
def statement_verify(request: HttpRequest) -> HttpResponse:
    """Is this fingerprint one we issued, and do the entries still say the same?"""
    require_finance(request.user)
    fingerprint = request.GET.get("fingerprint", "").strip().lower()
    context: dict = {"fingerprint": fingerprint}
    status = 200
    if fingerprint:
        if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
            context["error"] = "A fingerprint is 64 hexadecimal characters."
            status = 400
        else:
            issued = _issued(fingerprint=fingerprint).first()
            context["issued"] = issued
            if issued is not None:
                context["check"] = statement_check(issued=issued)
    return render(request, "insights/statement_verify.html", context, status=status)


# --- SLA compliance --------------------------------------------------------------------------


def _sla_chart(report: SlaReport, context: dict) -> dict:
    return {
        "labels": [w.key for w in report.weeks],
        "respond": [_float(w.respond_pct) for w in report.weeks],
        "resolve": [_float(w.resolve_pct) for w in report.weeks],
    }


def _sla_groups(report: SlaReport, request: HttpRequest) -> dict:
    """The groupings, and one page of the breach list (sorted by the database through the
    report's ?sort=)."""
    return {
        "groups": [
            ("Priority", report.by_priority),
            ("Board", report.by_board),
            ("Company", report.by_company),
            ("Agreement", report.by_agreement),
        ],
        "page_obj": page_of(request, report.breaches),
    }


sla, sla_csv = report_views(
    ReportPage("sla", reports.SLA, chart=_sla_chart, rows=sla_rows, more=_sla_groups)
)


# --- Projects -------------------------------------------------------------------------------


PROJECT_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "project": lambda p: (p.company.lower(), p.name.lower()),
    "estimate": lambda p: p.estimate,
    "actual": lambda p: p.actual,
    "remaining": lambda p: p.remaining,
    "finish": lambda p: p.forecast_finish,
    "due": lambda p: p.due_date,
}
PROJECTS_PER_PAGE = 20


def _projects_page(report: ProjectsReport, request: HttpRequest) -> dict:
    sort = sort_param(request, PROJECT_COLUMNS)
    rows = sorted_rows(report.projects, sort, PROJECT_COLUMNS)
    return {"page_obj": page_of(request, rows, PROJECTS_PER_PAGE), "partial_to": None}


def _projects_chart(report: ProjectsReport, context: dict) -> dict:
    shown = list(context["page_obj"])
    return {
        "labels": [p.name for p in shown],
        "estimate": [_float(p.estimate) for p in shown],
        "actual": [_float(p.actual) for p in shown],
    }


projects, projects_csv = report_views(
    ReportPage(
        "projects",
        reports.PROJECTS,
        chart=_projects_chart,
        rows=projects_rows,
        stamp=lambda r: r.as_of,
        more=_projects_page,
    )
)


# --- Capacity -------------------------------------------------------------------------------


def _capacity_weeks(report: CapacityReport, request: HttpRequest) -> dict:
    """The week still under way (or ahead), marked as partial."""
    today = timezone.localdate()
    partial = [w for w in report.weeks if w + timedelta(days=6) >= today]
    return {"partial_weeks": partial, "partial_to": today if partial else None}


def _capacity_chart(report: CapacityReport, context: dict) -> dict:
    teams = sorted({r.team for r in report.rows})
    return {
        "labels": [f"{w:%Y-%m-%d}" for w in report.weeks],
        "teams": [
            {
                "team": team,
                "utilization": [_float(r.utilization_pct) for r in report.rows if r.team == team],
            }
            for team in teams
        ],
    }


capacity, capacity_csv = report_views(
    ReportPage(
        "capacity",
        reports.CAPACITY,
        chart=_capacity_chart,
        rows=capacity_rows,
        stamp=lambda r: r.weeks[0],
        more=_capacity_weeks,
    )
)


# --- Workload -------------------------------------------------------------------------------


# Members are listed by team and name, or by name: never by hours (nothing ranks people).
WORKLOAD_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "member": lambda m: m.member.lower(),
    "team": lambda m: (m.team.lower(), m.member.lower()),
}
MEMBERS_PER_PAGE = 25


def _workload_page(report: WorkloadReport, request: HttpRequest) -> dict:
    sort = sort_param(request, WORKLOAD_COLUMNS)
    rows = sorted_rows(report.members, sort, WORKLOAD_COLUMNS)
    return {"page_obj": page_of(request, rows, MEMBERS_PER_PAGE)}


def _workload_chart(report: WorkloadReport, context: dict) -> dict:
    shown = list(context["page_obj"])
    return {
        "labels": [m.member for m in shown],
        "datasets": [
            {"label": name, "data": [_float(m.by_company[i].hours) for m in shown]}
            for i, name in enumerate(report.companies)
        ],
    }


workload, workload_csv = report_views(
    ReportPage(
        "workload",
        reports.WORKLOAD,
        chart=_workload_chart,
        rows=workload_rows,
        more=_workload_page,
    )
)


# --- Financial forecast ---------------------------------------------------------------------


def _forecast_months(report: FinancialForecast, request: HttpRequest) -> dict:
    """The months shown: from the first month with time in it (the months before are not
    months of zero work), then the projection."""
    start = report.data_from
    shown = [m for m in report.months if start is None or m.projected or m.month >= start]
    return {"months": shown, "partial_to": None}


def _forecast_chart(report: FinancialForecast, context: dict) -> dict:
    months = context["months"]
    return {
        "labels": [f"{m.month:%Y-%m}" for m in months],
        **_money_series(months),
        "projected": [m.projected for m in months],
    }


forecast, forecast_csv = report_views(
    ReportPage(
        "forecast",
        reports.FORECAST,
        chart=_forecast_chart,
        rows=forecast_rows,
        stamp=lambda r: f"{r.months[0].month:%Y-%m}",
        more=_forecast_months,
    )
)
