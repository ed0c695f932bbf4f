"""Each report defined once for every door: the form that parses its filters, its rule from
access.py, and the selector call. A report's page, its CSV/PDF download and its API endpoint
all run it through here, so they accept the same parameters, refuse the same people with the
same words, answer bad input with the same messages and show the same numbers.

Web views (views.py) and the API (api/) both import this module; neither imports the other.

Every report counts only the time its viewer may see (timekeeping.visibility): their own, and
everyone's days whose review has opened. A day still under way shows in no report, total or
per person, until it opens — the viewer's own time excepted.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import get_object_or_404
from django.utils import timezone

from daybook.clients.models import Agreement
from daybook.people.selectors import member_for, members_visible_to
from daybook.timekeeping.visibility import visible_entry_q

from .access import (
    report_teams,
    require_finance,
    require_signed_in,
    require_statement_issuer,
    require_team_reports,
)
from .forms import (
    CapacityForm,
    ForecastForm,
    PeriodForm,
    ProfitabilityForm,
    ProjectsForm,
    SlaForm,
    StatementForm,
    TeamPeriodForm,
)
from .models import IssuedStatement
from .selectors import (
    AgreementDetail,
    CapacityReport,
    FinancialForecast,
    ProfitabilityReport,
    ProjectsReport,
    SlaReport,
    Statement,
    WorkloadReport,
    agreement_detail,
    agreement_profitability,
    capacity_report,
    client_statement,
    financial_forecast,
    projects_report,
    sla_compliance,
    workload_distribution,
)
from .services import statement_issue

T = TypeVar("T")
Params = Mapping[str, Any]


@dataclass(frozen=True)
class Report(Generic[T]):
    """One report: its filter form, who may see it, and how valid filters become numbers."""

    form_class: type[forms.Form]
    require: Callable[[AbstractBaseUser], None]
    compute: Callable[..., T]  # (cleaned data, user, **objects) -> the report

    def run(
        self, user: AbstractBaseUser, params: Params, **objects: Any
    ) -> tuple[forms.Form, T | None]:
        """Check the rule (PermissionDenied), then parse the filters. Returns the bound form
        and the report, or None when the form has errors to show with a 400."""
        self.require(user)
        form = self.form_class(params, user=user)
        if not form.is_valid():
            return form, None
        return form, self.compute(form.cleaned_data, user, **objects)


def _profitability(data: dict, user: AbstractBaseUser) -> ProfitabilityReport:
    return agreement_profitability(
        period=data["period"],
        target_rate=data["target_rate"],
        company_id=data["company"].pk if data["company"] else None,
        agreement_type=data["type"] or None,
        visible=visible_entry_q(user),
    )


def _agreement(data: dict, user: AbstractBaseUser, *, agreement: Agreement) -> AgreementDetail:
    return agreement_detail(
        agreement=agreement, period=data["period"], visible=visible_entry_q(user)
    )


def _statement(data: dict, user: AbstractBaseUser) -> Statement:
    return client_statement(
        company=data["company"], period=data["period"], visible=visible_entry_q(user)
    )


def _chosen_teams(data: dict, user: AbstractBaseUser):
    """The teams a team report covers: the user's (report_teams), narrowed to the one team
    the filter names, if any."""
    teams = report_teams(user)
    team = data.get("team")
    if team is None:
        return teams
    return [team] if teams is None else teams.filter(pk=team.pk)


def _sla(data: dict, user: AbstractBaseUser) -> SlaReport:
    return sla_compliance(
        period=data["period"],
        now=timezone.now(),
        teams=_chosen_teams(data, user),
        breach_order=data.get("sort", ""),
    )


def _projects(data: dict, user: AbstractBaseUser) -> ProjectsReport:
    return projects_report(
        as_of=data["as_of"],
        teams=report_teams(user),
        include_done=data["include_done"],
        visible=visible_entry_q(user),
    )


def _capacity(data: dict, user: AbstractBaseUser) -> CapacityReport:
    return capacity_report(
        first_week=data["first_week"],
        weeks=data["weeks"],
        target_utilization=data["target_utilization"],
        teams=_chosen_teams(data, user),
        visible=visible_entry_q(user),
    )


def _workload(data: dict, user: AbstractBaseUser) -> WorkloadReport:
    members = members_visible_to(user)
    if data.get("team") is not None:
        members = members.filter(team=data["team"])
    return workload_distribution(
        period=data["period"], members=members, visible=visible_entry_q(user)
    )


def _forecast(data: dict, user: AbstractBaseUser) -> FinancialForecast:
    extra = {} if data["hire_hours"] is None else {"hire_hours_per_month": data["hire_hours"]}
    return financial_forecast(
        last_month=data["last_month"],
        months_ahead=data["months"],
        raise_pct=data["raise_pct"],
        new_hires=data["new_hires"],
        hire_cost_rate=data["hire_cost_rate"],
        visible=visible_entry_q(user),
        **extra,
    )


PROFITABILITY = Report(ProfitabilityForm, require_finance, _profitability)
AGREEMENT = Report(PeriodForm, require_finance, _agreement)  # one agreement's drill-down
STATEMENT = Report(StatementForm, require_finance, _statement)  # a draft, not issued
SLA = Report(SlaForm, require_team_reports, _sla)
PROJECTS = Report(ProjectsForm, require_team_reports, _projects)
CAPACITY = Report(CapacityForm, require_team_reports, _capacity)
WORKLOAD = Report(TeamPeriodForm, require_signed_in, _workload)
FORECAST = Report(ForecastForm, require_finance, _forecast)


def agreement_for(user: AbstractBaseUser, pk: int | str) -> Agreement:
    """The agreement to drill into: refused (403) before it is looked up (404)."""
    require_finance(user)
    return get_object_or_404(Agreement.objects.select_related("company"), pk=pk)


def issued_for(user: AbstractBaseUser, pk: int | str) -> IssuedStatement:
    """An issued statement: refused (403) before it is looked up (404)."""
    require_finance(user)
    return get_object_or_404(
        IssuedStatement.objects.select_related("company", "issued_by__user"), pk=pk
    )


def issue_statement(
    user: AbstractBaseUser, params: Params
) -> tuple[StatementForm, IssuedStatement | None]:
    """Issue the statement the filters describe; None with the form's errors when they are
    bad. Same rule and form for the page's button and the API."""
    require_statement_issuer(user)
    form = StatementForm(params)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    issued = statement_issue(company=data["company"], period=data["period"], by=member_for(user))
    return form, issued
