"""Pages, downloads and API endpoints of profitability and statements: who may see them, what
they show, and that bad input is a 400, never a 500."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from daybook.accounts.services import token_create
from daybook.core.periods import month_period
from daybook.insights.models import IssuedStatement
from daybook.insights.services import statement_issue

MARCH = {"month": "2025-03"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 4, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def evening(frozen):
    """1 April in the evening: Otto's 1 April in Berlin has opened, so a statement carries his
    entry of that morning too (reports count only opened days; timekeeping/visibility.py)."""
    with time_machine.travel(datetime(2025, 4, 1, 20, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def issued(msp, finance):
    return statement_issue(company=msp.acme, period=month_period(2025, 3), by=finance)


def finance_only_urls(msp, issued):
    acme = {"company": msp.acme.pk, **MARCH}
    return [
        (reverse("insights:profitability"), MARCH),
        (reverse("insights:profitability_csv"), MARCH),
        (reverse("insights:profitability_agreement", args=[msp.a2.pk]), MARCH),
        (reverse("insights:statement"), acme),
        (reverse("insights:statement_csv"), acme),
        (reverse("insights:statement_pdf"), acme),
        (reverse("insights:statement_verify"), {"fingerprint": issued.fingerprint}),
        (reverse("insights:issued_statement", args=[issued.pk]), {}),
        (reverse("insights:issued_statement_csv", args=[issued.pk]), {}),
        (reverse("insights:issued_statement_pdf", args=[issued.pk]), {}),
    ]


def finance_only_api(msp, issued):
    return [
        ("/api/reports/profitability/", MARCH),
        (f"/api/reports/profitability/{msp.a2.pk}/", MARCH),
        ("/api/reports/statements/", {"company": msp.acme.pk, **MARCH}),
        (f"/api/reports/statements/{issued.pk}/", {}),
    ]


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "other_team_tech"])
def test_technicians_and_managers_are_refused_money_reports(client, request, msp, issued, who):
    member = request.getfixturevalue(who)
    client.force_login(member.user)
    for url, params in finance_only_urls(msp, issued) + finance_only_api(msp, issued):
        assert client.get(url, params).status_code == 403, url
    response = client.post(reverse("insights:statement_issue"), {"company": msp.acme.pk})
    assert response.status_code == 403
    api = "/api/reports/statements/"
    assert client.post(api, {"company": msp.acme.pk, **MARCH}).status_code == 403
    assert IssuedStatement.objects.count() == 1


def test_anonymous_is_sent_to_log_in_and_api_says_401(client, msp, issued):
    for url, params in finance_only_urls(msp, issued):
        response = client.get(url, params)
        assert response.status_code == 302, url
        assert "login" in response["Location"]
    for url, params in finance_only_api(msp, issued):
        assert client.get(url, params).status_code == 401, url
    assert client.post(reverse("insights:statement_issue")).status_code == 302


@pytest.mark.parametrize("who", ["finance", "admin"])
def test_finance_and_admin_see_every_money_report(client, request, msp, issued, who):
    client.force_login(request.getfixturevalue(who).user)
    for url, params in finance_only_urls(msp, issued) + finance_only_api(msp, issued):
        assert client.get(url, params).status_code == 200, url


def test_profitability_page_shows_table_chart_and_csv_link(client, finance, msp):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability"), MARCH)
    html = response.content.decode()
    assert '<canvas id="profitability-chart"' in html
    assert "2,325.00" in html  # Managed revenue: 2,100 fee + 225
    assert "under target rate" in html
    assert reverse("insights:profitability_csv") + "?month=2025-03" in html
    assert response.context["chart"]["revenue"][0] == 600.0  # Block first (Acme, "Block")


def test_profitability_csv_matches_the_page(client, finance, msp):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability_csv"), MARCH)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, managed = rows[0], rows[2]
    assert dict(zip(header, managed, strict=True)) == {
        "company": "Acme",
        "agreement": "Managed",
        "type": "Managed (monthly fee)",
        "hours": "4.00",
        "billable hours": "1.50",
        "fee revenue": "2100.00",
        "work revenue": "225.00",
        "revenue": "2325.00",
        "labour cost": "185.00",
        "margin": "2140.00",
        "margin %": "92.0",
        "effective rate": "581.25",
        "block hours remaining": "",
        "flags": "",
    }
    assert rows[-1][:8] == ["Total", "", "", "29.25", "", "", "", "5075.00"]


def test_profitability_api(client, finance, msp):
    _, key = token_create(user=finance.user, name="Finance script")
    response = client.get(
        "/api/reports/profitability/",
        MARCH,
        headers={"Authorization": f"Token {key}"},
    )
    data = response.json()
    assert data["period"] == {"start": "2025-03-01", "end": "2025-03-31"}
    assert data["revenue"] == "5075.00"
    block = next(r for r in data["rows"] if r["agreement"] == "Block")
    assert block["block_remaining"] == "9.00"
    assert block["effective_rate"] == "88.89"
    assert block["flags"] == ["under target rate"]


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2025-13"},
        {"month": "March"},
        {"quarter": "2025-Q5"},
        {"start": "2025-03-31", "end": "2025-03-01"},
        {"start": "2025-03-01"},
        {"start": "2025-02-30", "end": "2025-03-01"},
        {"start": "2020-01-01", "end": "2025-01-01"},
        {"target_rate": "-5"},
        {"target_rate": "lots"},
        {"company": "999999"},
        {"type": "barter"},
    ],
)
def test_bad_filters_are_400_everywhere(client, finance, msp, params):
    client.force_login(finance.user)
    for url in (reverse("insights:profitability"), reverse("insights:profitability_csv"),
                "/api/reports/profitability/"):  # fmt: skip
        assert client.get(url, params).status_code == 400, url
    url = reverse("insights:profitability_agreement", args=[msp.a1.pk])
    if "target_rate" not in params and "company" not in params and "type" not in params:
        assert client.get(url, params).status_code == 400


def test_unknown_agreement_or_statement_is_404(client, finance, msp):
    client.force_login(finance.user)
    assert client.get(reverse("insights:profitability_agreement", args=[999999])).status_code == 404
    assert client.get(reverse("insights:issued_statement", args=[999999])).status_code == 404
    api = "/api/reports/statements/999999/"
    assert client.get(api).status_code == 404


def test_drill_down_page_shows_burn_down(client, finance, msp):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability_agreement", args=[msp.a2.pk]), MARCH)
    html = response.content.decode()
    assert '<canvas id="burn-chart"' in html
    assert response.context["chart"] == {
        "labels": ["2025-01", "2025-02", "2025-03"],
        "remaining": [20.0, 15.0, 9.0],
        "drawn": [0.0, 5.0, 6.0],
    }
    assert "Europe/Berlin" in html  # Otto's entry shown in his own zone


@pytest.mark.parametrize(
    "params",
    [{"company": "999999", "month": "2025-03"}, {"company": "acme"}, {"company": ""}],
)
def test_statement_with_unknown_company_is_400(client, finance, msp, params):
    client.force_login(finance.user)
    for url in (reverse("insights:statement"), reverse("insights:statement_csv"),
                reverse("insights:statement_pdf"), "/api/reports/statements/"):  # fmt: skip
        assert client.get(url, params).status_code == 400, url
    assert client.post(reverse("insights:statement_issue"), params).status_code == 400


def test_statement_preview_issue_and_verify(client, finance, msp):
    client.force_login(finance.user)
    params = {"company": msp.acme.pk, **MARCH}
    html = client.get(reverse("insights:statement"), params).content.decode()
    assert "Restored the VPN after hours." in html
    assert "Second look at the laptop." not in html  # Do Not Bill
    assert "Issue this statement" in html
    response = client.post(
        reverse("insights:statement_issue"),
        {"company": msp.acme.pk, "start": "2025-03-01", "end": "2025-03-31"},
    )
    issued = IssuedStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insights:issued_statement", args=[issued.pk])
    assert issued.issued_by == finance
    html = client.get(response["Location"]).content.decode()
    assert "still match" in html
    verify = reverse("insights:statement_verify")
    html = client.get(verify, {"fingerprint": issued.fingerprint.upper()}).content.decode()
    assert "Its entries have not changed since." in html
    html = client.get(verify, {"fingerprint": "0" * 64}).content.decode()
    assert "No statement was issued with this fingerprint." in html
    assert client.get(verify, {"fingerprint": "nope"}).status_code == 400


def test_statement_downloads(client, finance, msp, issued):
    client.force_login(finance.user)
    response = client.get(reverse("insights:issued_statement_pdf", args=[issued.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Statement for Acme" in text
    assert "Issued 2025-04-01 12:00 UTC by Fiona Tester" in text
    response = client.get(reverse("insights:issued_statement_csv", args=[issued.pk]))
    body = b"".join(response.streaming_content).decode()
    assert issued.fingerprint in body
    assert "statement-acme-2025-03-01-2025-03-31.csv" in response["Content-Disposition"]


def test_statement_api_issue_and_check(client, evening, finance, msp):
    client.force_login(finance.user)
    url = "/api/reports/statements/"
    draft = client.get(url, {"company": msp.acme.pk, **MARCH}).json()
    assert draft["amount"] == "225.00"
    assert len(draft["rows"]) == 7
    created = client.post(url, {"company": msp.acme.pk, **MARCH}).json()
    assert created["fingerprint"] == draft["fingerprint"]
    detail = client.get(f"/api/reports/statements/{created['id']}/").json()
    assert detail["matches"] is True
    assert detail["changes"] == []


def test_index_lists_reports_for_finance_only(client, finance, tech):
    client.force_login(finance.user)
    assert (
        reverse("insights:profitability") in client.get(reverse("insights:index")).content.decode()
    )
    client.force_login(tech.user)
    assert (
        reverse("insights:profitability")
        not in client.get(reverse("insights:index")).content.decode()
    )
