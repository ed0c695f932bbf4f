"""Workload distribution in March 2025, by hand; members are never ordered by hours."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from daybook.core.periods import month_period
from daybook.insights.selectors import workload_distribution
from daybook.people.models import Member
from daybook.service.choices import TicketStatus

from .msp import ny

D = Decimal
MARCH = month_period(2025, 3)


@pytest.fixture
def assigned(msp):
    t = msp.tickets
    t["t1"].assignee = msp.tess
    t["t1"].save()
    t["t3"].assignee = msp.tess
    t["t3"].save()
    t["t5"].assignee = msp.lena
    t["t5"].status = TicketStatus.RESOLVED  # not open
    t["t5"].save()
    return msp


def by_member(report):
    return {m.member: m for m in report.members}


def test_hours_by_company_and_board(assigned):
    msp = assigned
    report = workload_distribution(
        period=MARCH, members=Member.objects.filter(pk__in=[msp.tess.pk, msp.lena.pk, msp.otto.pk])
    )
    assert report.companies == ("Acme", "Globex", "Internal")
    assert report.boards == ("Help Desk", "Project phases", "Internal")
    rows = by_member(report)
    tess = rows["Tess Tester"]
    # Acme: e1 2 + e2 1.5 + e5 3 + e7 0.75 + e8 1 = 8.25
    # Globex: e11 0.5 + e12 1 + e14 8 + e15 3 = 12.5; Internal: e16 1 + e17 8 = 9
    assert [(c.column, c.hours) for c in tess.by_company] == [
        ("Acme", D("8.25")), ("Globex", D("12.5")), ("Internal", D(9))
    ]  # fmt: skip
    # Help Desk: every ticket entry = 8.25 + 4.5 = 12.75; project phase e14 8; internal 9
    assert [c.hours for c in tess.by_board] == [D("12.75"), D(8), D(9)]
    assert tess.hours == D("29.75")
    lena = rows["Lena Tester"]
    assert [c.hours for c in lena.by_company] == [D("0.5"), D(6), D(0)]  # e3; e10 2 + e13 4
    assert rows["Otto Tester"].hours == D(2)  # e6; e9 is 1 April in Berlin
    assert report.max_cell == D("12.5")


def test_open_tickets_per_member(assigned):
    rows = by_member(workload_distribution(period=MARCH, members=Member.objects.all()))
    assert rows["Tess Tester"].open_tickets == 2  # t1, t3 (New)
    assert rows["Tess Tester"].oldest_open == ny(3, 3, 12)  # t3
    assert rows["Lena Tester"].open_tickets == 0  # t5 is resolved


def test_members_are_listed_by_team_and_name_not_by_hours(assigned):
    report = workload_distribution(period=MARCH, members=Member.objects.all())
    assert [m.member for m in report.members] == [
        "Otto Tester",  # Projects
        "Lena Tester",  # Service Desk: Lena before Tess whatever their hours
        "Tess Tester",
    ]
    assert report.period.start == date(2025, 3, 1)


def test_workload_scoping(client, assigned, tech, lead, finance):
    url, csv_url = reverse("insights:workload"), reverse("insights:workload_csv")
    api = "/api/reports/workload/"
    march = {"month": "2025-03"}
    assert client.get(url).status_code == 302
    assert client.get(api).status_code == 401
    client.force_login(tech.user)  # a technician sees only their own hours
    assert [m["member"] for m in client.get(api, march).json()["members"]] == ["Tess Tester"]
    body = b"".join(client.get(csv_url, march).streaming_content).decode()
    assert "Lena" not in body
    client.force_login(lead.user)  # a manager: their team
    response = client.get(url, march)
    assert [m.member for m in response.context["report"].members] == [
        "Lena Tester", "Tess Tester"
    ]  # fmt: skip
    assert '<canvas id="workload-chart"' in response.content.decode()
    client.force_login(finance.user)
    names = [m["member"] for m in client.get(api, march).json()["members"]]
    assert "Otto Tester" in names
    assert client.get(url, {"month": "03-2025"}).status_code == 400
    assert client.get(api, {"start": "2025-03-02", "end": "2025-03-01"}).status_code == 400


def test_workload_pages_members_and_filters_by_team(client, assigned, finance, monkeypatch):
    monkeypatch.setattr("daybook.insights.views.MEMBERS_PER_PAGE", 2)
    client.force_login(finance.user)
    url = reverse("insights:workload")
    first = client.get(url, {"month": "2025-03"})
    everyone = [m.member for m in first.context["report"].members]  # by team and name
    assert len(everyone) == 4  # Otto, Lena, Tess and Fiona (Finance, no team)
    assert [m.member for m in first.context["page_obj"]] == everyone[:2]
    second = client.get(url, {"month": "2025-03", "page": "2"})
    assert [m.member for m in second.context["page_obj"]] == everyone[2:]
    assert "3\u20134 of 4" in second.content.decode()
    # Sorting is by name or team only: hours are no sort key (nothing ranks people).
    by_hours = client.get(url, {"month": "2025-03", "sort": "-hours"})
    assert [m.member for m in by_hours.context["page_obj"]] == everyone[:2]
    by_name = client.get(url, {"month": "2025-03", "sort": "member"})
    assert [m.member for m in by_name.context["page_obj"]] == sorted(everyone)[:2]
    team = assigned.tess.team
    response = client.get(url, {"month": "2025-03", "team": team.pk})
    assert [m.member for m in response.context["report"].members] == [
        "Lena Tester", "Tess Tester"
    ]  # fmt: skip
