"""Financial forecast: twelve months to March 2025 and two projected months, by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from daybook.insights.selectors import financial_forecast

D = Decimal
CENT = D("0.01")


@pytest.fixture
def forecast(msp):
    return financial_forecast(last_month=date(2025, 3, 1), months_ahead=2)


def month(report, year, number):
    (found,) = [m for m in report.months if m.month == date(year, number, 1)]
    return found


def test_history_months(forecast):
    assert [m.month for m in forecast.months][:2] == [date(2024, 4, 1), date(2024, 5, 1)]
    assert len(forecast.months) == 14
    feb = month(forecast, 2025, 2)
    # e4: 5 block hours at 100.00 drawn; cost 5 x 40
    assert (feb.revenue, feb.labour_cost, feb.margin) == (D(500), D(200), D(300))
    march = month(forecast, 2025, 3)
    # Same revenue as the profitability report: 2,100 fee + 2,975 work = 5,075
    assert march.fee_revenue.quantize(CENT) == D("2100.00")
    assert march.revenue.quantize(CENT) == D("5075.00")
    # Labour cost of all logged time: 1,457.50 on agreements + Admin 1h and PTO 8h at 50
    assert march.labour_cost == D("1907.5")
    assert march.margin.quantize(CENT) == D("3167.50")
    assert month(forecast, 2024, 12).revenue == 0


def test_projection_averages_only_the_months_since_the_data_starts(forecast):
    # The first entry is in February 2025, so October-January are not months of zero work:
    # the averages are over February and March only.
    assert forecast.data_from == date(2025, 2, 1)
    assert forecast.trailing_months == 2
    # Work (500 + 2,975) / 2 = 1,737.50; cost (200 + 1,907.50) / 2 = 1,053.75
    assert forecast.trailing_work_revenue == D("1737.5")
    assert forecast.trailing_labour_cost == D("1053.75")
    april = month(forecast, 2025, 4)
    assert april.projected
    assert april.fee_revenue == D(3100)  # managed fee, whole month
    assert april.revenue == D("4837.5")  # 3,100 + 1,737.50
    assert april.labour_cost == D("1053.75")


def test_empty_months_after_the_data_starts_count_as_zero(msp):
    # History February 2025 - January 2026: the data starts in its first month, and the last
    # six months (August-January) have no time at all: a real zero, not left out.
    report = financial_forecast(last_month=date(2026, 1, 1), months_ahead=1)
    assert report.data_from == date(2025, 2, 1)
    assert report.trailing_months == 6
    assert report.trailing_work_revenue == 0
    assert report.trailing_labour_cost == 0


def test_what_if_raise_and_hires(msp):
    report = financial_forecast(
        last_month=date(2025, 3, 1),
        months_ahead=1,
        raise_pct=D(10),
        new_hires=1,
        hire_cost_rate=D(30),
        hire_hours_per_month=D(100),
    )
    april = month(report, 2025, 4)
    # 1,053.75 x 1.10 + 1 x 30 x 100 = 1,159.125 + 3,000
    assert april.labour_cost == D("4159.125")
    assert april.margin == D("678.375")  # 4,837.50 - 4,159.125


def test_forecast_access_and_input(client, msp, tech, lead, finance):
    url, csv_url = reverse("insights:forecast"), reverse("insights:forecast_csv")
    api = "/api/reports/forecast/"
    params = {"last_month": "2025-03", "months": "2"}
    assert client.get(url).status_code == 302
    assert client.get(api).status_code == 401
    for member in (tech, lead):
        client.force_login(member.user)
        for u in (url, api, csv_url):
            assert client.get(u, params).status_code == 403
    client.force_login(finance.user)
    response = client.get(url, params)
    html = response.content.decode()
    assert '<canvas id="forecast-chart"' in html
    # The page starts with the first month that has time in it
    assert response.context["chart"]["labels"][:2] == ["2025-02", "2025-03"]
    assert "the data starts in 2025-02" in html
    data = client.get(api, {**params, "raise_pct": "10", "new_hires": "1",
                            "hire_cost_rate": "30", "hire_hours": "100"}).json()  # fmt: skip
    assert data["months"][-1]["labour_cost"] == "4159.12"  # 4,159.125 to the even cent
    assert data["data_from"] == "2025-02-01"
    body = b"".join(client.get(csv_url, params).streaming_content).decode()
    assert "2025-03,actual,2100.00,2975.00,5075.00,1907.50,3167.50" in body
    for bad in ({"last_month": "2025-3"}, {"months": "0"}, {"raise_pct": "x"},
                {"new_hires": "-1"}, {"hire_hours": "1000"}):  # fmt: skip
        assert client.get(url, bad).status_code == 400
        assert client.get(api, bad).status_code == 400
