"""The reports' API on the shared router: every field of every report described in the
schema, the same filter form and messages as the pages, and pages and API sharing no code but
the modules below them."""

import ast
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.urls import include, path, reverse
from drf_spectacular.generators import SchemaGenerator

import daybook.insights
from daybook.clients.choices import AgreementType
from daybook.insights import selectors
from daybook.insights.api import serializers as s
from daybook.insights.models import IssuedStatement
from daybook.insights.selectors.profitability import BurnPoint, EntryLine, WorkLine
from tests.api_support import client_for
from tests.factories import UserFactory

MARCH = {"month": "2025-03"}
REPORTS = "/api/reports/"

# Each report dataclass and the serializer that gives it over the API.
SHAPES = [
    (selectors.ProfitabilityReport, s.ProfitabilityReportSerializer),
    (selectors.AgreementProfit, s.AgreementProfitSerializer),
    (selectors.WorkTypeHours, s.WorkTypeHoursSerializer),
    (selectors.AgreementDetail, s.AgreementDetailSerializer),
    (WorkLine, s.WorkLineSerializer),
    (EntryLine, s.EntryLineSerializer),
    (BurnPoint, s.BurnPointSerializer),
    (selectors.Statement, s.StatementSerializer),
    (selectors.StatementRow, s.StatementRowSerializer),
    (selectors.StatementTotal, s.StatementTotalSerializer),
    (selectors.EntryChange, s.EntryChangeSerializer),
    (selectors.HistoryLine, s.HistoryLineSerializer),
    (selectors.SlaReport, s.SlaReportSerializer),
    (selectors.SlaGroup, s.SlaGroupSerializer),
    (selectors.SlaBreach, s.SlaBreachSerializer),
    (selectors.ProjectsReport, s.ProjectsReportSerializer),
    (selectors.ProjectLine, s.ProjectLineSerializer),
    (selectors.PhaseLine, s.PhaseLineSerializer),
    (selectors.ScopingAccuracy, s.ScopingAccuracySerializer),
    (selectors.CapacityReport, s.CapacityReportSerializer),
    (selectors.CapacityWeek, s.CapacityWeekSerializer),
    (selectors.TeamTrend, s.TeamTrendSerializer),
    (selectors.CapacityForecast, s.CapacityForecastSerializer),
    (selectors.WorkloadReport, s.WorkloadReportSerializer),
    (selectors.WorkloadMember, s.WorkloadMemberSerializer),
    (selectors.WorkloadCell, s.WorkloadCellSerializer),
    (selectors.FinancialForecast, s.FinancialForecastSerializer),
    (selectors.ForecastMonth, s.ForecastMonthSerializer),
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 4, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.mark.parametrize(("shape", "serializer"), SHAPES, ids=lambda x: x.__name__)
def test_every_field_of_a_report_row_is_in_its_serializer(shape, serializer):
    fields = {f.name for f in dataclasses.fields(shape)}
    assert fields - set(serializer().fields) == set()


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        generator = SchemaGenerator(patterns=[path("api/", include("daybook.api_urls"))])
        return generator.get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("url", "component"),
    [
        ("/api/reports/profitability/", "ProfitabilityReport"),
        ("/api/reports/profitability/{id}/", "AgreementDetail"),
        ("/api/reports/statements/", "Statement"),
        ("/api/reports/statements/{id}/", "IssuedStatementCheck"),
        ("/api/reports/sla/", "SlaReport"),
        ("/api/reports/projects/", "ProjectsReport"),
        ("/api/reports/capacity/", "CapacityReport"),
        ("/api/reports/workload/", "WorkloadReport"),
        ("/api/reports/forecast/", "FinancialForecast"),
    ],
)
def test_schema_names_each_report_and_types_its_numbers(schema, url, component):
    response = schema["paths"][url]["get"]["responses"]["200"]["content"]["application/json"]
    assert response["schema"] == {"$ref": f"#/components/schemas/{component}"}
    properties = schema["components"]["schemas"][component]["properties"]
    assert all("type" in p or "$ref" in p or "allOf" in p for p in properties.values())


def test_schema_lists_the_forms_fields_as_query_parameters(schema):
    operation = schema["paths"]["/api/reports/profitability/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {
        "preset", "month", "quarter", "start", "end", "target_rate", "company", "type"
    }  # fmt: skip
    assert parameters["start"]["schema"] == {"type": "string", "format": "date"}
    assert set(parameters["type"]["schema"]["enum"]) == set(AgreementType.values)
    issue = schema["paths"]["/api/reports/statements/"]["post"]["requestBody"]["content"]
    assert issue["application/json"]["schema"]["required"] == ["company"]


def test_numbers_are_strings_to_two_places_and_rows_are_complete(client, msp, finance):
    client.force_login(finance.user)
    data = client.get(f"{REPORTS}profitability/", MARCH).json()
    managed = next(r for r in data["rows"] if r["agreement"] == "Managed")
    assert managed["revenue"] == "2325.00"  # 2,100 prorated fee + 225 billable work
    assert managed["margin_pct"] == "92.04"
    assert managed["hours_by_work_type"][0].keys() == {"work_type", "hours"}
    assert set(managed) == set(s.AgreementProfitSerializer().fields)


def test_bad_filters_get_the_pages_own_words(client, msp, finance):
    client.force_login(finance.user)
    page = client.get(reverse("insights:profitability"), {"month": "March"})
    api = client.get(f"{REPORTS}profitability/", {"month": "March"})
    assert page.status_code == api.status_code == 400
    message = "Give a month as YYYY-MM, e.g. 2025-03."
    assert page.context["form"].errors["month"] == [message]
    assert api.json() == {"month": [message]}
    api = client.get(f"{REPORTS}workload/", {"start": "2025-03-05", "end": "2025-03-01"})
    assert api.json() == {"non_field_errors": ["The end date is before the start date."]}
    api = client.get(f"{REPORTS}statements/", {"company": "999999", **MARCH})
    assert api.json() == {"company": ["There is no company with this id."]}


def test_an_unknown_or_malformed_id_is_404(client, msp, finance):
    client.force_login(finance.user)
    assert client.get(f"{REPORTS}profitability/999999/", MARCH).status_code == 404
    assert client.get(f"{REPORTS}profitability/abc/", MARCH).status_code == 404


def test_an_outsider_is_refused_before_the_agreement_is_looked_up(client, msp, tech):
    client.force_login(tech.user)
    response = client.get(f"{REPORTS}profitability/999999/", MARCH)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only Finance and Admin can see this report."


def test_a_login_without_a_member_cannot_issue_a_statement(msp):
    root = UserFactory(username="root", is_superuser=True)
    response = client_for(root).post(
        f"{REPORTS}statements/", {"company": msp.acme.pk, **MARCH}, format="json"
    )
    assert response.status_code == 403
    assert not IssuedStatement.objects.exists()


def test_issuing_through_the_api_answers_201_with_the_statement(msp, finance):
    response = client_for(finance).post(
        f"{REPORTS}statements/", {"company": msp.acme.pk, **MARCH}, format="json"
    )
    assert response.status_code == 201
    issued = IssuedStatement.objects.get()
    assert response.json()["id"] == issued.pk
    assert response.json()["period"] == {"start": "2025-03-01", "end": "2025-03-31"}
    assert response.json()["issued_by"] == "Fiona Tester"


def _imports(path: Path) -> set[str]:
    """The insights modules a file imports, relative to the insights package."""
    package = path.parent.relative_to(Path(daybook.insights.__file__).parent).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level + 1])
            parts = [*base, *(node.module or "").split(".")]
            names = [parts] if node.module else [[*base, a.name] for a in node.names]
            found |= {".".join(p for p in name if p) for name in names}
        elif isinstance(node, ast.ImportFrom) and node.module.startswith("daybook.insights."):
            found.add(node.module.removeprefix("daybook.insights."))
    return found


def test_pages_and_api_do_not_import_each_other():
    root = Path(daybook.insights.__file__).parent
    api_files = sorted((root / "api").glob("*.py"))
    assert api_files
    for api_file in api_files:
        assert "views" not in _imports(api_file), api_file.name
    for page_file in (root / "views.py", root / "reports.py", root / "exports.py"):
        assert not {m for m in _imports(page_file) if m.startswith("api")}, page_file.name
