"""Report pages and their CSV/PDF downloads. Thin: check access, validate the filter form,
call the report's selector, render. Bad input is a form error with status 400."""

import json
from decimal import Decimal

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


@login_required
@require_GET
def profitability(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    form = ProfitabilityForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/profitability.html", {"form": form}, status=400)
    report = run_profitability(form)
    chart = {
        "labels": [f"{r.company} — {r.agreement}" for r in report.rows],
        "revenue": [_float(r.revenue) for r in report.rows],
        "cost": [_float(r.labour_cost) for r in report.rows],
        "margin": [_float(r.margin) for r in report.rows],
    }
    return render(
        request,
        "insights/profitability.html",
        {"form": form, "report": report, "chart": chart, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def profitability_csv(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    form = ProfitabilityForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_profitability(form)
    period = report.period
    return csv_response(
        f"profitability-{period.start}-{period.end}.csv", profitability_rows(report)
    )


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


@login_required
@require_GET
def sla(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/sla.html", {"form": form}, status=400)
    report = run_sla(request, form)
    chart = {
        "labels": [w.key for w in report.weeks],
        "respond": [_float(w.respond_pct) for w in report.weeks],
        "resolve": [_float(w.resolve_pct) for w in report.weeks],
    }
    groups = [
        ("Priority", report.by_priority),
        ("Board", report.by_board),
        ("Company", report.by_company),
        ("Agreement", report.by_agreement),
    ]
    return render(
        request,
        "insights/sla.html",
        {
            "form": form,
            "report": report,
            "chart": chart,
            "groups": groups,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def sla_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_sla(request, form)
    period = report.period
    return csv_response(f"sla-{period.start}-{period.end}.csv", sla_rows(report))


# --- Projects -------------------------------------------------------------------------------


def run_projects(request: HttpRequest, form: ProjectsForm) -> ProjectsReport:
    return projects_report(
        as_of=form.cleaned_data["as_of"],
        teams=team_scope(request.user),
        include_done=form.cleaned_data["include_done"],
    )


@login_required
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = ProjectsForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/projects.html", {"form": form}, status=400)
    report = run_projects(request, form)
    chart = {
        "labels": [p.name for p in report.projects],
        "estimate": [_float(p.estimate) for p in report.projects],
        "actual": [_float(p.actual) for p in report.projects],
    }
    return render(
        request,
        "insights/projects.html",
        {"form": form, "report": report, "chart": chart, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def projects_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = ProjectsForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_projects(request, form)
    return csv_response(f"projects-{report.as_of}.csv", projects_rows(report))


# --- Capacity -------------------------------------------------------------------------------


def run_capacity(request: HttpRequest, form: CapacityForm) -> CapacityReport:
    data = form.cleaned_data
    return capacity_report(
        first_week=data["first_week"],
        weeks=data["weeks"],
        target_utilization=data["target_utilization"],
        teams=team_scope(request.user),
    )


@login_required
@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = CapacityForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/capacity.html", {"form": form}, status=400)
    report = run_capacity(request, form)
    teams = sorted({r.team for r in report.rows})
    chart = {
        "labels": [f"{w:%Y-%m-%d}" for w in report.weeks],
        "teams": [
            {
                "team": team,
                "utilization": [_float(r.utilization_pct) for r in report.rows if r.team == team],
            }
            for team in teams
        ],
    }
    return render(
        request,
        "insights/capacity.html",
        {"form": form, "report": report, "chart": chart, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def capacity_csv(request: HttpRequest) -> HttpResponse:
    team_scope(request.user)
    form = CapacityForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_capacity(request, form)
    return csv_response(f"capacity-{report.weeks[0]}.csv", capacity_rows(report))


# --- Workload -------------------------------------------------------------------------------


def run_workload(request: HttpRequest, form: PeriodForm) -> WorkloadReport:
    # Finance and Admin: everyone; managers: themselves and their teams; others: themselves.
    return workload_distribution(
        period=form.cleaned_data["period"], members=members_visible_to(request.user)
    )


@login_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/workload.html", {"form": form}, status=400)
    report = run_workload(request, form)
    chart = {
        "labels": [m.member for m in report.members],
        "datasets": [
            {"label": name, "data": [_float(m.by_company[i].hours) for m in report.members]}
            for i, name in enumerate(report.companies)
        ],
    }
    return render(
        request,
        "insights/workload.html",
        {"form": form, "report": report, "chart": chart, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def workload_csv(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_workload(request, form)
    period = report.period
    return csv_response(f"workload-{period.start}-{period.end}.csv", workload_rows(report))


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


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    form = ForecastForm(request.GET)
    if not form.is_valid():
        return render(request, "insights/forecast.html", {"form": form}, status=400)
    report = run_forecast(form)
    chart = {
        "labels": [f"{m.month:%Y-%m}" for m in report.months],
        "revenue": [_float(m.revenue) for m in report.months],
        "cost": [_float(m.labour_cost) for m in report.months],
        "margin": [_float(m.margin) for m in report.months],
        "projected": [m.projected for m in report.months],
    }
    return render(
        request,
        "insights/forecast.html",
        {"form": form, "report": report, "chart": chart, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def forecast_csv(request: HttpRequest) -> HttpResponse:
    require_finance(request.user)
    form = ForecastForm(request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = run_forecast(form)
    return csv_response(f"forecast-{report.months[0].month:%Y-%m}.csv", forecast_rows(report))
