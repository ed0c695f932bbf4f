"""Reports over the API, on the shared router under /api/reports/.

GET  /api/reports/profitability/         agreement profitability       Finance and Admin
GET  /api/reports/profitability/<id>/    one agreement's drill-down    Finance and Admin
GET  /api/reports/statements/            a draft client statement      Finance and Admin
POST /api/reports/statements/            issue it                      Finance and Admin
GET  /api/reports/statements/<id>/       an issued statement, checked  Finance and Admin
GET  /api/reports/sla/                   SLA compliance                managers: their teams
GET  /api/reports/projects/              projects                      managers: their teams
GET  /api/reports/capacity/              capacity                      managers: their teams
GET  /api/reports/workload/              workload                      everyone: whom they see
GET  /api/reports/forecast/              financial forecast            Finance and Admin

Each endpoint runs its report through reports.py, as the page and the download do: the same
filter form (query parameters, 400 with its messages), the same rule from access.py (403) and
the same selector. Anonymous callers get 401.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.accounts.authentication import ApiTokenAuthentication
from daybook.core.api import DaybookViewSetMixin, drf_validation_error, object_body

from .. import reports
from ..forms import PeriodForm, StatementForm
from ..selectors import statement_check
from .schema import form_body, form_parameters
from .serializers import (
    AgreementDetailSerializer,
    CapacityReportSerializer,
    FinancialForecastSerializer,
    IssuedAnswer,
    IssuedStatementCheckSerializer,
    IssuedStatementSerializer,
    ProfitabilityReportSerializer,
    ProjectsReportSerializer,
    SlaReportSerializer,
    StatementSerializer,
    WorkloadReportSerializer,
)

ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
PERIOD_NOTE = (
    " The period is a month (month=2025-03), a quarter (quarter=2025-Q1) or start and end "
    "dates; start and end win over a quarter, a quarter over a month, and nothing given means "
    "this month."
)


def form_errors(form: Form) -> ValidationError:
    """A filter form's errors as a 400, keyed by parameter (non_field_errors for the period
    as a whole), in the form's own words."""
    return drf_validation_error(DjangoValidationError(form.errors.as_data()))


class ReportViewSet(DaybookViewSetMixin, viewsets.ViewSet):
    """Base of the report endpoints. GET on the collection runs ``report`` with the query
    parameters and answers with ``serializer_class``."""

    # Token first, so an anonymous caller is told to authenticate (401), not refused (403).
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    # The door asks only for a signed-in user; the report's own rule in access.py, asked by
    # Report.run, decides who sees it, as it does for the page and the download.
    permissions_by_action: dict[str, list[str]] = {"list": []}
    lookup_value_regex = "[0-9]+"
    report: reports.Report
    serializer_class: type[serializers.Serializer]

    def answer(
        self,
        report: reports.Report,
        serializer_class: type[serializers.Serializer],
        params,
        **objects,
    ) -> Response:
        form, result = report.run(self.request.user, params, **objects)
        if result is None:
            raise form_errors(form)
        return Response(serializer_class(result).data)

    def list(self, request: Request) -> Response:
        return self.answer(self.report, self.serializer_class, request.query_params)


def report_endpoint(
    report: reports.Report, serializer_class: type[serializers.Serializer], *, note: str = ""
) -> Callable[[type[ReportViewSet]], type[ReportViewSet]]:
    """Ties a report endpoint to its report and serializer, and describes its GET from the
    report's form: one query parameter per form field."""

    def decorate(viewset: type[ReportViewSet]) -> type[ReportViewSet]:
        viewset.report = report
        viewset.serializer_class = serializer_class
        description = (viewset.__doc__ or "").strip() + note
        schema = extend_schema(
            description=description,
            parameters=form_parameters(report.form_class),
            responses=serializer_class,
        )
        return extend_schema_view(list=schema)(extend_schema(tags=["reports"])(viewset))

    return decorate


@report_endpoint(reports.PROFITABILITY, ProfitabilityReportSerializer, note=PERIOD_NOTE)
class ProfitabilityViewSet(ReportViewSet):
    """Revenue, labour cost and margin of each agreement over a period of member-local days.
    Finance and Admin only."""

    permissions_by_action = {"list": [], "retrieve": []}

    @extend_schema(
        description="One agreement's tickets, phases and entries over the period, and a block's "
        "burn-down. Finance and Admin only." + PERIOD_NOTE,
        parameters=[ID, *form_parameters(PeriodForm)],
        responses=AgreementDetailSerializer,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        agreement = reports.agreement_for(request.user, pk)
        return self.answer(
            reports.AGREEMENT, AgreementDetailSerializer, request.query_params, agreement=agreement
        )


@report_endpoint(reports.STATEMENT, StatementSerializer, note=PERIOD_NOTE)
class StatementViewSet(ReportViewSet):
    """A draft statement for a company and period: every client-visible entry, with totals
    per agreement and the fingerprint it would be issued with. Finance and Admin only."""

    permissions_by_action = {"list": [], "create": [], "retrieve": []}

    @extend_schema(
        description="Issue the statement: its fingerprint and entries are kept. Finance and "
        "Admin, as a member." + PERIOD_NOTE,
        request=form_body(StatementForm),
        responses={201: IssuedStatementSerializer},
    )
    def create(self, request: Request) -> Response:
        form, issued = reports.issue_statement(request.user, object_body(request))
        if issued is None:
            raise form_errors(form)
        data = IssuedStatementSerializer(IssuedAnswer(issued)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        description="An issued statement and whether its entries still give its fingerprint, "
        "with the history of each entry changed since. Finance and Admin only.",
        parameters=[ID],
        responses=IssuedStatementCheckSerializer,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        issued = reports.issued_for(request.user, pk)
        answer = IssuedAnswer(issued, statement_check(issued=issued))
        return Response(IssuedStatementCheckSerializer(answer).data)


@report_endpoint(reports.SLA, SlaReportSerializer, note=PERIOD_NOTE)
class SlaViewSet(ReportViewSet):
    """Respond and resolve clocks of tickets opened in the period, met or breached, by
    priority, board, company, agreement and week. Managers see their teams' tickets; Finance
    and Admin all."""


@report_endpoint(reports.PROJECTS, ProjectsReportSerializer)
class ProjectsViewSet(ReportViewSet):
    """Estimate against actual hours per project and phase, the pace and where it leads, and
    how finished projects compared with their estimates. Managers see projects their teams
    manage or work on; Finance and Admin all."""


@report_endpoint(reports.CAPACITY, CapacityReportSerializer)
class CapacityViewSet(ReportViewSet):
    """Scheduled, client and internal hours and utilization per team and week, then the next
    four weeks. Managers see their teams; Finance and Admin all."""


@report_endpoint(reports.WORKLOAD, WorkloadReportSerializer, note=PERIOD_NOTE)
class WorkloadViewSet(ReportViewSet):
    """Hours by member across companies and boards, and open tickets, for balancing load.
    Everyone sees whom they may see: themselves; managers their teams; Finance and Admin
    everyone. Members come by team and name, never ranked by hours."""


@report_endpoint(reports.FORECAST, FinancialForecastSerializer)
class ForecastViewSet(ReportViewSet):
    """Revenue, labour cost and margin for twelve months of history and a projection, with
    raises and new hires as what-ifs. Finance and Admin only."""
