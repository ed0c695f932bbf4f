"""Report pages and their CSV/PDF downloads. Thin: check access, validate the filter form,
call the report's selector, render. Bad input is a form error with status 400."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from daybook.clients.models import Agreement
from daybook.people.selectors import member_for, members_visible_to

from .access import TEAMS, require_finance, require_team_reports, sees_finance, teams_for
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
from .forms import (
    CapacityForm,
    ForecastForm,
    PeriodForm,
    ProfitabilityForm,
    ProjectsForm,
    StatementForm,
)
from .models import IssuedStatement
from .selectors import (
    CapacityReport,
    FinancialForecast,
    ProfitabilityReport,
    ProjectsReport,
    SlaReport,
    WorkloadReport,
    agreement_detail,
    agreement_profitability,
    capacity_report,
    client_statement,
    financial_forecast,
    projects_report,
    sla_compliance,
    statement_check,
    workload_distribution,
)
from .services import statement_issue


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.01")))


def _form_errors(form) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        json.dumps(form.errors.get_json_data()), content_type="application/json"
    )


@dataclass(frozen=True)
class ReportView:
    """How one report is shown: its filter form, page template and chart, and its CSV."""

    form_class: type[forms.Form]
    template: str
    chart: Callable[[Any], dict]
    filename: Callable[[Any], str]
    rows: Callable[[Any], Iterable]
    more: Callable[[Any], dict] = lambda report: {}


def _report_page(request: HttpRequest, view: ReportView, run: Callable) -> HttpResponse:
    """A report page: the filter form, then the report and its chart (400 on bad filters)."""
    form = view.form_class(request.GET)
    if not form.is_valid():
        return render(request, view.template, {"form": form}, status=400)
    report = run(form)
    context = {
        "form": form,
        "report": report,
        "chart": view.chart(report),
        "query": request.GET.urlencode(),
        **view.more(report),
    }
    return render(request, view.template, context)


def _report_csv(request: HttpRequest, view: ReportView, run: Callable) -> HttpResponse:
    """A report's CSV download, from the same filters as its page (400 with the errors)."""
    form = view.form_class(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run(form)
    return csv_response(view.filename(report), view.rows(report))


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


def run_profitability(form: ProfitabilityForm) -> ProfitabilityReport:
    data = form.cleaned_data
    return agreement_profitability(
        period=data["period"],
        target_rate=data["target_rate"],
        company_id=data["company"].pk if data["company"] else None,
        agreement_type=data["type"] or None,
    )


def _profitability_chart(report: ProfitabilityReport) -> dict:
    return {
        "labels": [f"{r.company} — {r.agreement}" for r in report.rows],
        "revenue": [_float(r.revenue) for r in report.rows],
        "cost": [_float(r.labour_cost) for r in report.rows],
        "margin": [_float(r.margin) for r in report.rows],
    }


PROFITABILITY_VIEW = ReportView(
    form_class=ProfitabilityForm,
    template="insights/profitability.html",
    chart=_profitability_chart,
    filename=lambda r: f"profitability-{r.period.start}-{r.period.end}.csv",
    rows=profitability_rows,
)


@login_required
@require_GET
def profitability(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    return _report_page(request, PROFITABILITY_VIEW, run_profitability)


@login_required
@require_GET
def profitability_csv(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    return _report_csv(request, PROFITABILITY_VIEW, run_profitability)


def _agreement_for(request: HttpRequest, pk: int) -> Agreement:
    require_finance(request.user)
    return get_object_or_404(Agreement.objects.select_related("company"), pk=pk)


@login_required
@require_GET
def profitability_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement_for(request, pk)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "insights/agreement_detail.html",
            {"form": form, "agreement": agreement},
            status=400,
        )
    detail = agreement_detail(agreement=agreement, period=form.cleaned_data["period"])
    chart = {
        "labels": [f"{p.month:%Y-%m}" for p in detail.burn_down],
        "remaining": [_float(p.remaining) for p in detail.burn_down],
        "drawn": [_float(p.drawn) for p in detail.burn_down],
    }
    return render(
        request,
        "insights/agreement_detail.html",
        {
            "form": form,
            "agreement": agreement,
            "detail": detail,
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


# --- Client statements ---------------------------------------------------------------------


def _issued_for(request: HttpRequest, pk: int) -> IssuedStatement:
    require_finance(request.user)
    return get_object_or_404(
        IssuedStatement.objects.select_related("company", "issued_by__user"), pk=pk
    )


@login_required
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    if "company" not in request.GET:
        return render(
            request,
            "insights/statement.html",
            {
                "form": StatementForm(),
                "issued": IssuedStatement.objects.select_related("company", "issued_by__user")[:20],
            },
        )
    form = StatementForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/statement.html", {"form": form}, status=400)
    company, period = form.cleaned_data["company"], form.cleaned_data["period"]
    draft = client_statement(company=company, period=period)
    chart = {
        "labels": [t.agreement for t in draft.totals],
        "hours": [_float(t.hours) for t in draft.totals],
    }
    return render(
        request,
        "insights/statement.html",
        {
            "form": form,
            "statement": draft,
            "rows": [(row, None) for row in draft.rows],
            "chart": chart,
            "query": request.GET.urlencode(),
            "issued": IssuedStatement.objects.filter(company=company).select_related(
                "company", "issued_by__user"
            )[:20],
        },
    )


def _draft(request: HttpRequest):
    require_finance(request.user)
    form = StatementForm(request.GET)
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    return client_statement(company=data["company"], period=data["period"]), form


def _name(statement, suffix: str) -> str:
    return (
        f"statement-{statement.company_identifier}-{statement.period.start}-"
        f"{statement.period.end}.{suffix}"
    )


@login_required
@require_GET
def statement_csv(request: HttpRequest) -> HttpResponse:
    draft, form = _draft(request)
    if draft is None:
        return _form_errors(form)
    return csv_response(_name(draft, "csv"), statement_rows(draft))


@login_required
@require_GET
def statement_pdf_view(request: HttpRequest) -> HttpResponse:
    draft, form = _draft(request)
    if draft is None:
        return _form_errors(form)
    return _pdf_response(statement_pdf(draft), _name(draft, "pdf"))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def statement_issue_view(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    member = member_for(request.user)
    if member is None:
        raise PermissionDenied("Only a member can issue a statement.")
    form = StatementForm(request.POST)
    if not form.is_valid():
        return render(request, "insights/statement.html", {"form": form}, status=400)
    issued = statement_issue(
        company=form.cleaned_data["company"], period=form.cleaned_data["period"], by=member
    )
    return redirect("insights:issued_statement", pk=issued.pk)


@login_required
@require_GET
def issued_statement(request: HttpRequest, pk: int) -> HttpResponse:
    issued = _issued_for(request, pk)
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
    issued = _issued_for(request, pk)
    check = statement_check(issued=issued)
    return csv_response(_name(check.current, "csv"), statement_rows(check.current, check))


@login_required
@require_GET
def issued_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    issued = _issued_for(request, pk)
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
            issued = (
                IssuedStatement.objects.filter(fingerprint=fingerprint)
                .select_related("company", "issued_by__user")
                .first()
            )
            context["issued"] = issued
            if issued is not None:
                context["check"] = statement_check(issued=issued)
    return render(request, "insights/statement_verify.html", context, status=status)


# --- SLA compliance --------------------------------------------------------------------------


def team_scope(user):
    """Finance and Admin: everyone (None); managers: the teams they review."""
    require_team_reports(user)
    return None if sees_finance(user) else teams_for(user)


def run_sla(request: HttpRequest, form: PeriodForm) -> SlaReport:
    return sla_compliance(
        period=form.cleaned_data["period"], now=timezone.now(), teams=team_scope(request.user)
    )


def _sla_chart(report: SlaReport) -> dict:
    return {
        "labels": [w.key for w in report.weeks],
        "respond": [_float(w.respond_pct) for w in report.weeks],
        "resolve": [_float(w.resolve_pct) for w in report.weeks],
    }


def _sla_groups(report: SlaReport) -> dict:
    return {
        "groups": [
            ("Priority", report.by_priority),
            ("Board", report.by_board),
            ("Company", report.by_company),
            ("Agreement", report.by_agreement),
        ]
    }


SLA_VIEW = ReportView(
    form_class=PeriodForm,
    template="insights/sla.html",
    chart=_sla_chart,
    filename=lambda r: f"sla-{r.period.start}-{r.period.end}.csv",
    rows=sla_rows,
    more=_sla_groups,
)


@login_required
@require_GET
def sla(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_page(request, SLA_VIEW, lambda form: run_sla(request, form))


@login_required
@require_GET
def sla_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_csv(request, SLA_VIEW, lambda form: run_sla(request, form))


# --- Projects -------------------------------------------------------------------------------


def run_projects(request: HttpRequest, form: ProjectsForm) -> ProjectsReport:
    return projects_report(
        as_of=form.cleaned_data["as_of"],
        teams=team_scope(request.user),
        include_done=form.cleaned_data["include_done"],
    )


def _projects_chart(report: ProjectsReport) -> dict:
    return {
        "labels": [p.name for p in report.projects],
        "estimate": [_float(p.estimate) for p in report.projects],
        "actual": [_float(p.actual) for p in report.projects],
    }


PROJECTS_VIEW = ReportView(
    form_class=ProjectsForm,
    template="insights/projects.html",
    chart=_projects_chart,
    filename=lambda r: f"projects-{r.as_of}.csv",
    rows=projects_rows,
)


@login_required
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_page(request, PROJECTS_VIEW, lambda form: run_projects(request, form))


@login_required
@require_GET
def projects_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_csv(request, PROJECTS_VIEW, lambda form: run_projects(request, form))


# --- Capacity -------------------------------------------------------------------------------


def run_capacity(request: HttpRequest, form: CapacityForm) -> CapacityReport:
    data = form.cleaned_data
    return capacity_report(
        first_week=data["first_week"],
        weeks=data["weeks"],
        target_utilization=data["target_utilization"],
        teams=team_scope(request.user),
    )


def _capacity_chart(report: CapacityReport) -> dict:
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


CAPACITY_VIEW = ReportView(
    form_class=CapacityForm,
    template="insights/capacity.html",
    chart=_capacity_chart,
    filename=lambda r: f"capacity-{r.weeks[0]}.csv",
    rows=capacity_rows,
)


@login_required
@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_page(request, CAPACITY_VIEW, lambda form: run_capacity(request, form))


@login_required
@require_GET
def capacity_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    return _report_csv(request, CAPACITY_VIEW, lambda form: run_capacity(request, form))


# --- Workload -------------------------------------------------------------------------------


def run_workload(request: HttpRequest, form: PeriodForm) -> WorkloadReport:
    # Finance and Admin: everyone; managers: themselves and their teams; others: themselves.
    return workload_distribution(
        period=form.cleaned_data["period"], members=members_visible_to(request.user)
    )


def _workload_chart(report: WorkloadReport) -> dict:
    return {
        "labels": [m.member for m in report.members],
        "datasets": [
            {"label": name, "data": [_float(m.by_company[i].hours) for m in report.members]}
            for i, name in enumerate(report.companies)
        ],
    }


WORKLOAD_VIEW = ReportView(
    form_class=PeriodForm,
    template="insights/workload.html",
    chart=_workload_chart,
    filename=lambda r: f"workload-{r.period.start}-{r.period.end}.csv",
    rows=workload_rows,
)


@login_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    return _report_page(request, WORKLOAD_VIEW, lambda form: run_workload(request, form))


@login_required
@require_GET
def workload_csv(request: HttpRequest) -> HttpResponse:
    return _report_csv(request, WORKLOAD_VIEW, lambda form: run_workload(request, form))


# --- Financial forecast ---------------------------------------------------------------------


def run_forecast(form: ForecastForm) -> FinancialForecast:
    data = form.cleaned_data
    extra = {} if data["hire_hours"] is None else {"hire_hours_per_month": data["hire_hours"]}
    return financial_forecast(
        last_month=data["last_month"],
        months_ahead=data["months"],
        raise_pct=data["raise_pct"],
        new_hires=data["new_hires"],
        hire_cost_rate=data["hire_cost_rate"],
        **extra,
    )


def _forecast_chart(report: FinancialForecast) -> dict:
    return {
        "labels": [f"{m.month:%Y-%m}" for m in report.months],
        "revenue": [_float(m.revenue) for m in report.months],
        "cost": [_float(m.labour_cost) for m in report.months],
        "margin": [_float(m.margin) for m in report.months],
        "projected": [m.projected for m in report.months],
    }


FORECAST_VIEW = ReportView(
    form_class=ForecastForm,
    template="insights/forecast.html",
    chart=_forecast_chart,
    filename=lambda r: f"forecast-{r.months[0].month:%Y-%m}.csv",
    rows=forecast_rows,
)


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    return _report_page(request, FORECAST_VIEW, run_forecast)


@login_required
@require_GET
def forecast_csv(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    return _report_csv(request, FORECAST_VIEW, run_forecast)
