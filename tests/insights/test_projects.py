"""Projects: estimate against actual, pace, forecast and scoping accuracy, by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from daybook.insights.selectors import projects_report
from daybook.people.models import Team
from daybook.service.choices import ProjectStatus
from tests.factories import PhaseFactory, ProjectFactory, TimeEntryFactory

from .msp import ny

D = Decimal
AS_OF = date(2025, 3, 31)


@pytest.fixture
def finished(msp):
    """Two finished office moves (20h estimated, 25 worked; 30 and 30) and a firewall job
    (10 estimated, 8 worked), all worked by Otto in 2024."""

    def done(name, kind, estimate, worked):
        project = ProjectFactory(name=name, project_type=kind, company=msp.globex,
                                 agreement=msp.a3, status=ProjectStatus.DONE)  # fmt: skip
        phase = PhaseFactory(project=project, name="All", estimated_hours=D(estimate))
        half = worked // 2  # two days of worked / 2 hours each, from 08:00
        for day in (6, 7):
            start = ny(1, day, 8).replace(year=2024)
            TimeEntryFactory(member=msp.otto, start=start, end=start.replace(hour=8 + half),
                             ticket=None, phase=phase, agreement=msp.a3)  # fmt: skip
        return project

    return [
        done("Move A", "Office move", 20, 24),
        done("Move B", "Office move", 30, 30),
        done("Firewall", "Firewall", 10, 8),
    ]


def test_estimate_actual_pace_and_forecast(msp):
    msp.project.status = ProjectStatus.ACTIVE
    msp.project.due_date = date(2025, 5, 26)  # 56 days (8 weeks) after 31 March
    msp.project.save()
    report = projects_report(as_of=AS_OF)
    (move,) = report.projects
    assert (move.estimate, move.actual, move.remaining) == (D(40), D(12), D(28))
    assert [(p.name, p.estimate, p.actual, p.remaining) for p in move.phases] == [
        ("Discovery", D(10), D(4), D(6)),  # e13
        ("Build", D(30), D(8), D(22)),  # e14
    ]
    assert move.phases[0].used_pct == D(40)
    # 12h in the 28 days 4-31 March -> 12 x 7/28 = 3h a week
    assert move.burn_per_week == D(3)
    # 28h left / 3h a week = 9.33 weeks = 65.3 days -> 66 days after 31 March: 5 June
    assert move.forecast_finish == date(2025, 6, 5)
    # 12h + 3h a week x 8 weeks to the due date = 36h, 4 under the estimate
    assert move.forecast_at_due == D(36)
    assert [(w.work_type, w.hours) for w in move.hours_by_work_type] == [("Project Work", D(12))]


def test_hours_by_work_type_add_up_each_type_over_all_phases_in_name_order(msp):
    """Besides e13 (Discovery, 4h) and e14 (Build, 8h) of Project Work: 1.5h of After Hours
    on Discovery and 2h on Build, so After Hours (3.5h) comes first and each phase counts
    both of its work types."""
    after_hours = msp.work_types["after_hours"]
    evenings = (
        (msp.phases["discovery"], ny(3, 10, 18), ny(3, 10, 19, 30)),
        (msp.phases["build"], ny(3, 11, 18), ny(3, 11, 20)),
    )
    for phase, start, end in evenings:
        TimeEntryFactory(member=msp.tess, start=start, end=end, ticket=None, phase=phase,
                         agreement=msp.project.agreement, work_type=after_hours)  # fmt: skip
    (move,) = projects_report(as_of=AS_OF).projects
    assert [(w.work_type, w.hours) for w in move.hours_by_work_type] == [
        (after_hours.name, D("3.5")),
        ("Project Work", D(12)),
    ]
    assert [(p.name, p.actual) for p in move.phases] == [("Discovery", D("5.5")), ("Build", D(10))]
    assert move.actual == D("15.5")


def test_pace_window_is_the_last_28_days(msp):
    # As of 27 March the window is 28 February - 27 March: e13 (4 March) and e14 (24 March)
    # both in; as of 1 April it is 5 March - 1 April: e13 (4 March) drops out.
    assert projects_report(as_of=date(2025, 3, 27)).projects[0].burn_per_week == D(3)
    assert projects_report(as_of=date(2025, 4, 1)).projects[0].burn_per_week == D(2)  # 8 x 7/28


def test_scoping_accuracy_multiplier_by_project_type(msp, finished):
    report = projects_report(as_of=AS_OF)
    assert [p.name for p in report.projects] == ["Office move"]  # finished ones left out
    accuracy = {a.project_type: a for a in report.accuracy}
    # Office move: (24 + 30) worked / (20 + 30) estimated = 54 / 50 = 1.08
    assert (accuracy["Office move"].projects, accuracy["Office move"].multiplier) == (2, D("1.08"))
    assert accuracy["Firewall"].multiplier == D("0.8")  # 8 / 10


def test_manager_sees_projects_their_teams_work_on(msp, finished, lead):
    teams = Team.objects.filter(reviewers=lead)
    report = projects_report(as_of=AS_OF, teams=teams, include_done=True)
    # Tess and Lena (Service Desk) worked on the office move; Otto did the finished ones.
    assert [p.name for p in report.projects] == ["Office move"]


def test_projects_page_and_api_access(client, msp, tech, lead, finance):
    url, csv_url = reverse("insights:projects"), reverse("insights:projects_csv")
    api = "/api/reports/projects/"
    assert client.get(url).status_code == 302
    assert client.get(api).status_code == 401
    client.force_login(tech.user)
    for u in (url, api, csv_url):
        assert client.get(u).status_code == 403
    client.force_login(lead.user)
    response = client.get(url, {"as_of": "2025-03-31"})
    assert response.status_code == 200
    assert '<canvas id="projects-chart"' in response.content.decode()
    data = client.get(api, {"as_of": "2025-03-31"}).json()
    assert data["projects"][0]["remaining"] == "28.00"
    body = b"".join(client.get(csv_url, {"as_of": "2025-03-31"}).streaming_content).decode()
    assert "Office move" in body
    client.force_login(finance.user)
    assert client.get(url, {"as_of": "31/03/2025"}).status_code == 400
    assert client.get(api, {"as_of": "yesterday"}).status_code == 400
