"""The reports' heaviest reads are answered from an index alone, without the table's rows: the
SLA report's grouped counts, the projects' phase hours and the months' sums, settled or not. Each
index holds every column its read asks for as a key, since SQLite ignores INCLUDE. A column
added to one of these reads and not to its index shows up here, as the table read again.

SQLite only, with statistics (ANALYZE, as the demo loader runs; without them SQLite guesses
from the indexes' shapes alone). PostgreSQL's choice also hangs on the visibility map of a
freshly written table, so a test there would say more about the test than the index.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from daybook.core.periods import Period
from daybook.insights.selectors import (
    agreement_profitability,
    capacity_report,
    projects_report,
    sla_compliance,
)
from daybook.service.choices import Priority, ProjectStatus
from daybook.service.models import SlaTarget
from daybook.timekeeping.totals import rollup_settled
from tests.factories import (
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    TimeEntryFactory,
)
from tests.statements import plans_of, statements_sent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2025, 6, 2, 12, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def plans(run, table: str) -> list[str]:
    """What SQLite plans for `table` in each statement `run` sends that reads it."""
    sent = [(sql, params) for sql, params in statements_sent(run) if f'FROM "{table}"' in sql]
    return plans_of(sent, table=table)


@pytest.mark.parametrize("one_team", [False, True], ids=["everyone", "a lead's teams"])
def test_the_sla_counts_read_only_their_index(tech, one_team):
    SlaTarget.objects.create(priority=Priority.MEDIUM, respond_minutes=60, resolve_minutes=240)
    for days in (3, 10, 20):
        TicketFactory(opened_at=NOW - timedelta(days=days), assignee=tech)
    quarter = Period(date(2025, 3, 1), date(2025, 5, 31))
    teams = [tech.team] if one_team else None
    grouped = plans(lambda: sla_compliance(period=quarter, now=NOW, teams=teams), "service_ticket")
    assert len(grouped) == 2  # per company and agreement; per priority, board and week
    for plan in grouped:
        assert "USING COVERING INDEX ticket_company_opened_sla" in plan, plan


def test_the_projects_phase_hours_read_only_their_index(tech):
    phase = PhaseFactory(project=ProjectFactory(), estimated_hours=Decimal(10))
    start = NOW - timedelta(days=5)
    TimeEntryFactory(
        member=tech, ticket=None, phase=phase, start=start, end=start + timedelta(hours=2)
    )
    read = plans(lambda: projects_report(as_of=NOW.date()), "timekeeping_timeentry")
    phase_hours = [plan for plan in read if "entry_phase_start_covering" in plan]
    assert phase_hours, read
    for plan in phase_hours:
        assert "USING COVERING INDEX entry_phase_start_covering" in plan, plan


def test_capacity_looks_up_the_open_projects_phase_entries_by_phase(tech):
    # Finished projects hold most phase entries; capacity asks only for the open ones', by
    # phase id in the index, not by reading every phase entry and keeping the few it wants.
    for status in (ProjectStatus.DONE, ProjectStatus.DONE, ProjectStatus.ACTIVE):
        phase = PhaseFactory(project=ProjectFactory(status=status), estimated_hours=Decimal(40))
        for days in range(1, 8):
            start = NOW - timedelta(days=days, hours=3)
            TimeEntryFactory(
                member=tech, ticket=None, phase=phase, start=start, end=start + timedelta(hours=1)
            )
    read = plans(
        lambda: capacity_report(
            first_week=date(2025, 5, 5), weeks=4, target_utilization=Decimal(75)
        ),
        "timekeeping_timeentry",
    )
    phase_reads = [plan for plan in read if "entry_phase_start_covering" in plan]
    assert len(phase_reads) == 2, read  # the phases' hours, and each team's share
    for plan in phase_reads:
        assert "USING COVERING INDEX entry_phase_start_covering (phase_id=?" in plan, plan


def test_the_settled_months_are_summed_from_their_index_alone(tech):
    start = datetime(2025, 2, 10, 9, tzinfo=NEW_YORK)
    TimeEntryFactory(member=tech, start=start, end=start + timedelta(hours=3))
    rollup_settled()
    year = Period(date(2024, 6, 1), date(2025, 5, 31))
    read = plans(
        lambda: agreement_profitability(period=year, target_rate=Decimal(100)),
        "timekeeping_monthlyrollup",
    )
    # The period's months (a lookup of one agreement's earlier hours takes its own index).
    months = [plan for plan in read if "month>? AND month<?" in plan]
    assert months, read
    for plan in months:
        assert "USING COVERING INDEX monthly_rollup_month_covering" in plan, plan


def test_a_month_under_way_is_summed_from_the_totals_index_alone(tech):
    start = datetime(2025, 5, 20, 9, tzinfo=NEW_YORK)
    TimeEntryFactory(member=tech, start=start, end=start + timedelta(hours=3))
    may = Period(date(2025, 5, 1), date(2025, 5, 31))  # not settled on 2 June
    read = plans(
        lambda: agreement_profitability(period=may, target_rate=Decimal(100)),
        "timekeeping_monthlytotal",
    )
    assert read, "the month was not read from the totals"
    for plan in read:
        assert "USING COVERING INDEX monthly_total_month_covering" in plan, plan
