"""Report endpoints under /insights/api/. Same forms, selectors and access rules as the pages.

Numbers come back as strings rounded to two places (money, hours, percentages), dates as
ISO 8601. Anonymous callers get 401, callers without access 403, bad filters 400.
"""

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from daybook.clients.models import Agreement
from daybook.core.periods import Period
from daybook.people.selectors import member_for

from .access import require_finance
from .forms import (
    CapacityForm,
    ForecastForm,
    PeriodForm,
    ProfitabilityForm,
    ProjectsForm,
    StatementForm,
)
from .models import IssuedStatement
from .selectors import agreement_detail, client_statement, statement_check
from .services import statement_issue
from .views import (
    run_capacity,
    run_forecast,
    run_profitability,
    run_projects,
    run_sla,
    run_workload,
    team_scope,
)

CENT = Decimal("0.01")


def to_data(value):
    """A report result as JSON-ready data."""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Period):
        return {"start": value.start.isoformat(), "end": value.end.isoformat()}
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if dataclasses.is_dataclass(value):
        data = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if hasattr(value, "flags"):
            data["flags"] = list(value.flags)
        return data
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


class ReportView(APIView):
    # Token first, so an anonymous caller is told to authenticate (401), not refused (403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


def _bad(form) -> Response:
    return Response({"errors": form.errors.get_json_data()}, status=400)


class ProfitabilityAPI(ReportView):
    @extend_schema(operation_id="insights_profitability", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        require_finance(request.user)
        form = ProfitabilityForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_profitability(form)))


class AgreementDetailAPI(ReportView):
    @extend_schema(operation_id="insights_profitability_agreement", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        require_finance(request.user)
        agreement = get_object_or_404(Agreement, pk=pk)
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(
            to_data(agreement_detail(agreement=agreement, period=form.cleaned_data["period"]))
        )


class StatementAPI(ReportView):
    @extend_schema(operation_id="insights_statement_draft", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        """A draft statement for a company and period (not issued)."""
        require_finance(request.user)
        form = StatementForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        data = form.cleaned_data
        return Response(to_data(client_statement(company=data["company"], period=data["period"])))

    @extend_schema(
        operation_id="insights_statement_issue",
        responses=OpenApiTypes.OBJECT,
        request=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request) -> Response:
        """Issue the statement: its fingerprint and entries are kept."""
        require_finance(request.user)
        member = member_for(request.user)
        if member is None:
            raise PermissionDenied("Only a member can issue a statement.")
        form = StatementForm(request.data)
        if not form.is_valid():
            return _bad(form)
        data = form.cleaned_data
        issued = statement_issue(company=data["company"], period=data["period"], by=member)
        return Response(_issued_data(issued), status=201)


def _issued_data(issued: IssuedStatement, check=None) -> dict:
    data = {
        "id": issued.pk,
        "company": {"id": issued.company_id, "name": issued.company.name},
        "period": {"start": issued.period_start.isoformat(), "end": issued.period_end.isoformat()},
        "time_zone": issued.time_zone,
        "fingerprint": issued.fingerprint,
        "issued_at": issued.issued_at.isoformat(),
        "issued_by": issued.issued_by.name,
        "total_hours": str(issued.total_hours),
        "total_amount": str(issued.total_amount),
    }
    if check is not None:
        data["matches"] = check.matches
        data["current_fingerprint"] = check.current.fingerprint
        data["changes"] = to_data(check.changes)
    return data


class IssuedStatementAPI(ReportView):
    @extend_schema(operation_id="insights_statement_issued", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        """An issued statement and whether its entries still match it."""
        require_finance(request.user)
        issued = get_object_or_404(
            IssuedStatement.objects.select_related("company", "issued_by__user"), pk=pk
        )
        return Response(_issued_data(issued, statement_check(issued=issued)))


class SlaAPI(ReportView):
    @extend_schema(operation_id="insights_sla", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        team_scope(request.user)
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_sla(request, form)))


class ProjectsAPI(ReportView):
    @extend_schema(operation_id="insights_projects", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        team_scope(request.user)
        form = ProjectsForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_projects(request, form)))


class CapacityAPI(ReportView):
    @extend_schema(operation_id="insights_capacity", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        team_scope(request.user)
        form = CapacityForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_capacity(request, form)))


class WorkloadAPI(ReportView):
    @extend_schema(operation_id="insights_workload", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_workload(request, form)))


class ForecastAPI(ReportView):
    @extend_schema(operation_id="insights_forecast", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        require_finance(request.user)
        form = ForecastForm(request.query_params)
        if not form.is_valid():
            return _bad(form)
        return Response(to_data(run_forecast(form)))
