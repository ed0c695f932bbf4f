"""Capacity per team and week, by hand. Weeks start on Monday, members' local calendars."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from daybook.insights.selectors import capacity_report
from daybook.people.models import Team

D = Decimal


@pytest.fixture
def report(msp):
    # Weeks of 10, 17 and 24 March 2025; target utilization 75%.
    return capacity_report(first_week=date(2025, 3, 12), weeks=3, target_utilization=D(75))


def cell(report, team, week):
    (row,) = [r for r in report.rows if r.team == team and r.week == week]
    return row


def test_weeks_start_on_monday(report):
    assert report.weeks == (date(2025, 3, 10), date(2025, 3, 17), date(2025, 3, 24))


def test_service_desk_week_with_time_off(report):
    # Tess and Lena: Monday-Friday 09:00-17:00 = 40h each = 80h; Tess took 8h PTO (e17).
    row = cell(report, "Service Desk", date(2025, 3, 24))
    assert row.time_off == D(8)
    assert row.scheduled == D(72)
    assert row.client == D("8.75")  # e14 8h (project) + e7 0.75h (No Charge still client work)
    assert row.internal == 0
    assert row.utilized == D("8.75")
    assert row.utilization_pct.quantize(D("0.01")) == D("12.15")  # 8.75 / 72
    assert row.available == D("63.25")  # 72 - 8.75


def test_internal_time_and_do_not_bill(report):
    row = cell(report, "Service Desk", date(2025, 3, 17))
    # e11 0.5 + e2 1.5 + e15 3 (Tess) + e3 0.5 (Lena, Do Not Bill) = 5.5 client; e16 1h Admin
    assert (row.client, row.internal, row.scheduled) == (D("5.5"), D(1), D(80))
    assert row.available == D("73.5")  # 80 - 5.5 - 1
    # Week of 10 March: e1 2h + e12 1h (Do Not Bill)
    assert cell(report, "Service Desk", date(2025, 3, 10)).client == D(3)


def test_other_team_counts_on_its_own_calendar(report):
    row = cell(report, "Projects", date(2025, 3, 24))
    assert (row.client, row.scheduled) == (D(2), D(40))  # Otto's e6, Berlin week


def test_trend_and_people_needed(report):
    trend = {t.team: t for t in report.trends}["Service Desk"]
    assert trend.members == 2
    assert trend.scheduled_per_person == D(40)
    assert trend.client_per_week == D("5.75")  # (3 + 5.5 + 8.75) / 3
    # 5.75h a week / (75% of 40h) = 0.19 people
    assert trend.people_needed.quantize(D("0.01")) == D("0.19")


def test_next_four_weeks_from_schedules_and_project_estimates(report):
    weeks = [f for f in report.forecast if f.team == "Service Desk"]
    assert [f.week for f in weeks] == [date(2025, 3, 31), date(2025, 4, 7), date(2025, 4, 14),
                                       date(2025, 4, 21)]  # fmt: skip
    first = weeks[0]
    assert first.scheduled == D(80)
    # Ticket work at the trend: (3 + 5.5 + 0.75) / 3 = 3.0833 a week (e14 is project work)
    assert first.ticket_trend.quantize(D("0.0001")) == D("3.0833")
    # Office move: 28h left, no due date -> 7h a week, all Service Desk's (Tess and Lena)
    assert first.project_demand == D(7)
    # (3.0833 + 7) / 80 = 12.6%; / 30h per person at 75% = 0.34 people
    assert first.expected_utilization_pct.quantize(D("0.1")) == D("12.6")
    assert first.people_needed.quantize(D("0.01")) == D("0.34")
    assert all(f.project_demand == 0 for f in report.forecast if f.team == "Projects")


def test_manager_sees_their_teams_only(msp, lead):
    report = capacity_report(first_week=date(2025, 3, 24), weeks=1, target_utilization=D(75),
                             teams=Team.objects.filter(reviewers=lead))  # fmt: skip
    assert {r.team for r in report.rows} == {"Service Desk"}


def test_capacity_page_and_api_access(client, msp, tech, lead, finance):
    url, csv_url = reverse("insights:capacity"), reverse("insights:capacity_csv")
    api = "/api/reports/capacity/"
    params = {"first_week": "2025-03-10", "weeks": "3"}
    assert client.get(url).status_code == 302
    assert client.get(api).status_code == 401
    client.force_login(tech.user)
    for u in (url, api, csv_url):
        assert client.get(u, params).status_code == 403
    client.force_login(lead.user)
    response = client.get(url, params)
    assert response.status_code == 200
    assert '<canvas id="capacity-chart"' in response.content.decode()
    data = client.get(api, params).json()
    assert {r["team"] for r in data["rows"]} == {"Service Desk"}
    body = b"".join(client.get(csv_url, params).streaming_content).decode()
    assert "Service Desk,2025-03-24,72.00" in body
    client.force_login(finance.user)
    for bad in ({"weeks": "0"}, {"weeks": "60"}, {"first_week": "soon"},
                {"target_utilization": "150"}):  # fmt: skip
        assert client.get(url, bad).status_code == 400
        assert client.get(api, bad).status_code == 400


def test_the_week_under_way_is_marked_partial(client, msp, finance):
    client.force_login(finance.user)
    url = reverse("insights:capacity")
    with time_machine.travel(datetime(2025, 3, 26, 15, 0, tzinfo=UTC), tick=False):  # Wed
        response = client.get(url, {"first_week": "2025-03-17", "weeks": "2"})
        assert response.context["partial_weeks"] == [date(2025, 3, 24)]
        assert "partial week (to 2025-03-26)" in response.content.decode()
        # Opened without filters, it shows whole weeks only: none of them is partial.
        default = client.get(url)
        assert default.context["report"].weeks[-1] == date(2025, 3, 17)
        assert default.context["partial_weeks"] == []
        assert "partial week" not in default.content.decode()


def test_team_filter_offers_only_the_managers_teams(client, msp, lead, finance):
    params = {"first_week": "2025-03-10", "weeks": "1"}
    url = reverse("insights:capacity")
    client.force_login(lead.user)
    response = client.get(url, params)
    assert list(response.context["form"].fields["team"].queryset) == list(
        Team.objects.filter(reviewers=lead)
    )
    other = Team.objects.exclude(reviewers=lead).first()
    assert client.get(url, {**params, "team": other.pk}).status_code == 400
    client.force_login(finance.user)
    only = client.get(url, {**params, "team": other.pk})
    assert {r.team for r in only.context["report"].rows} == {other.name}
