"""Capacity and forecast stay a fixed handful of queries however many members, zones and
projects there are, and capacity's weeks stay each member's own local weeks when the database
cuts the range at every zone's week starts at once."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daybook.insights.selectors import capacity_report, financial_forecast
from daybook.service.choices import ProjectStatus
from tests.factories import (
    MemberFactory,
    PhaseFactory,
    ProjectFactory,
    TimeEntryFactory,
)

from .msp import berlin, ny

D = Decimal


def capacity():
    return capacity_report(first_week=date(2025, 3, 10), weeks=3, target_utilization=D(75))


def cell(report, team, week):
    (row,) = [r for r in report.rows if r.team == team and r.week == week]
    return row


def count_queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


ZONES = ("Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles", "UTC")


def add_people_and_projects(msp, per_zone: int) -> None:
    """Members in more zones, each with an open project worked on in the report's weeks."""
    for zone in ZONES:
        for _ in range(per_zone):
            member = MemberFactory(team=msp.tess.team, time_zone=zone)
            project = ProjectFactory(company=msp.acme, status=ProjectStatus.ACTIVE)
            phase = PhaseFactory(project=project, estimated_hours=D(10))
            TimeEntryFactory(
                member=member, start=ny(3, 18, 9), end=ny(3, 18, 10), phase=phase, ticket=None
            )


# A fixed clock: the trust rule asks for holidays only while some zone is in its evening.
@time_machine.travel(datetime(2026, 1, 14, 15, 0, tzinfo=UTC), tick=False)
def test_capacity_queries_do_not_grow_with_zones_members_or_projects(msp):
    add_people_and_projects(msp, 1)
    before = count_queries(capacity)
    # On PostgreSQL two more: the weekly GROUP BY's planner setting, and putting it back.
    # The open projects' phases are read on their own and named by id in the two reads of
    # their entries.
    assert before <= (16 if connection.vendor == "postgresql" else 14)
    add_people_and_projects(msp, 3)
    assert count_queries(capacity) == before


def test_each_member_keeps_their_own_week_when_zones_cut_the_range(msp):
    # Otto (Berlin, Projects): e6 2h in the week of 24 March. Two more hours right at Berlin's
    # Monday midnight, which New York (the other team's zone) still calls Sunday afternoon.
    before = capacity()
    assert cell(before, "Projects", date(2025, 3, 17)).client == D(0)
    otto = msp.otto
    # Sunday 23 March 23:00-23:59 Berlin: the week of 17 March on Otto's calendar.
    TimeEntryFactory(member=otto, start=berlin(3, 23, 23), end=berlin(3, 23, 23, 59))
    # Monday 24 March 00:00-01:00 Berlin (Sunday 19:00-20:00 in New York): the week of 24th.
    TimeEntryFactory(member=otto, start=berlin(3, 24, 0), end=berlin(3, 24, 1))
    after = capacity()
    assert cell(after, "Projects", date(2025, 3, 17)).client == D(59) / 60
    assert cell(after, "Projects", date(2025, 3, 24)).client == D(3)  # e6 2h + 1h
    # New York's own weeks are untouched by Berlin's boundaries.
    for week in after.weeks:
        assert cell(after, "Service Desk", week) == cell(before, "Service Desk", week)


def test_kolkata_half_hour_zone_lands_in_its_own_week(msp):
    # A member at UTC+05:30 in Service Desk: Monday 24 March 00:15-01:15 local is Sunday
    # 18:45-19:45 UTC and Sunday afternoon in New York, yet the week of 24 March for them.
    member = MemberFactory(team=msp.tess.team, time_zone="Asia/Kolkata")
    before = cell(capacity(), "Service Desk", date(2025, 3, 24)).client
    kolkata = ZoneInfo("Asia/Kolkata")
    TimeEntryFactory(
        member=member,
        start=datetime(2025, 3, 24, 0, 15, tzinfo=kolkata),
        end=datetime(2025, 3, 24, 1, 15, tzinfo=kolkata),
    )
    report = capacity()
    assert cell(report, "Service Desk", date(2025, 3, 24)).client == before + 1
    assert cell(report, "Service Desk", date(2025, 3, 17)).client == D("5.5")  # unchanged


@pytest.mark.parametrize("members", [0, 6])
def test_forecast_of_settled_months_asks_for_no_visibility_rule(msp, members):
    # Every month of the history ended long ago (the clock is today), so the totals answer
    # it all: the trust rule's look at every member's schedule is never needed.
    for _ in range(members):
        MemberFactory(team=msp.tess.team, time_zone="Asia/Kolkata")
    financial_forecast(last_month=date(2025, 3, 1), months_ahead=2)  # rolls the months up
    with CaptureQueriesContext(connection) as queries:
        financial_forecast(last_month=date(2025, 3, 1), months_ahead=2)
    assert len(queries) <= 9
    assert not [q for q in queries if "timekeeping_reviewpolicy" in q["sql"]]
