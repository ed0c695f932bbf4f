"""The SLA report's grouped figures, counted by the database, against a hand count: a clock
paused while waiting on the client, one that ran across the spring DST change, and the breach
list read a page at a time.

New York, March 2025 (clocks go forward on Sunday 9 March, 02:00 -> 03:00); now is Monday
31 March 17:00. Targets: P1 respond 60 / resolve 240 minutes, P3 respond 240 / resolve 1,440.

- A, Help Desk, P1, Sat 8 Mar 23:30: answered 00:00, resolved 04:00 EDT -> respond met (30),
  resolve met (210, across the DST change).
- B, Help Desk, P1, Mon 10 Mar 09:00: answered 09:20, waiting on the client 09:30-13:30,
  resolved 14:30 -> respond met (20), resolve met (90).
- C, Alerts, P3, Tue 11 Mar 09:00: waiting on the client since 09:10 -> both pending.
- D, Alerts, P3, Wed 12 Mar 09:00: nothing since -> both breached, still open.
- E, Help Desk, P3, Thu 13 Mar 09:00: answered 14:00, resolved Fri 08:00 -> respond
  breached (300), resolve met (1,380).

A ran from 04:30 to 08:00 UTC: 210 minutes, though the wall clock shows 4 h 30 (270 minutes,
which would breach). B's wait takes 240 minutes off 330. C's clocks stand at the start of its
wait, so it is not late however long the client takes.
"""

import pickle
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from daybook.core.periods import month_period
from daybook.insights.selectors import sla_compliance
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket
from daybook.service.services import ticket_create, ticket_set_status
from tests.factories import AgreementFactory, BoardFactory, CompanyFactory

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")
MARCH = month_period(2025, 3)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


NOW = ny(31, 17)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(tech):
    SlaTarget.objects.create(priority=Priority.CRITICAL, respond_minutes=60, resolve_minutes=240)
    SlaTarget.objects.create(priority=Priority.MEDIUM, respond_minutes=240, resolve_minutes=1440)
    company = CompanyFactory(name="Acme", identifier="acme", time_zone="America/New_York")
    agreement = AgreementFactory(company=company, name="Managed")
    desk, alerts = BoardFactory(name="Help Desk"), BoardFactory(name="Alerts")

    def ticket(summary, *, board, priority, opened, moves=()):
        made = ticket_create(
            by=tech, board=board, company=company, agreement=agreement, summary=summary,
            priority=priority, opened_at=opened, assignee=tech,
        )  # fmt: skip
        for status, at, by in moves:
            made = ticket_set_status(ticket=made, status=status, by=by, at=at)
        return made

    progress, waiting, resolved = (
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CLIENT,
        TicketStatus.RESOLVED,
    )
    return {
        "A": ticket(
            "A", board=desk, priority=Priority.CRITICAL, opened=ny(8, 23, 30),
            moves=[(progress, ny(9, 0), tech), (resolved, ny(9, 4), tech)],
        ),
        "B": ticket(
            "B", board=desk, priority=Priority.CRITICAL, opened=ny(10, 9),
            moves=[(progress, ny(10, 9, 20), tech), (waiting, ny(10, 9, 30), tech),
                   (progress, ny(10, 13, 30), tech), (resolved, ny(10, 14, 30), tech)],
        ),
        # Moved by the system (no member), so it is no answer: both clocks wait.
        "C": ticket("C", board=alerts, priority=Priority.MEDIUM, opened=ny(11, 9),
                    moves=[(waiting, ny(11, 9, 10), None)]),
        "D": ticket("D", board=alerts, priority=Priority.MEDIUM, opened=ny(12, 9)),
        "E": ticket(
            "E", board=desk, priority=Priority.MEDIUM, opened=ny(13, 9),
            moves=[(progress, ny(13, 14), tech), (resolved, ny(14, 8), tech)],
        ),
    }  # fmt: skip


def counts(group) -> tuple:
    return (
        group.tickets,
        (group.respond_met, group.respond_breached, group.respond_pending),
        (group.resolve_met, group.resolve_breached, group.resolve_pending),
    )


def test_grouped_figures_match_the_hand_count(tickets):
    report = sla_compliance(period=MARCH, now=NOW)
    assert counts(report.overall) == (5, (2, 2, 1), (3, 1, 1))
    assert report.overall.respond_pct == D(50)
    assert report.overall.resolve_pct == D(75)
    # Averages over the clocks that stopped: respond A, B, E; resolve A, B, E.
    assert report.overall.avg_respond_minutes == (D(30) + D(20) + D(300)) / 3
    assert report.overall.avg_resolve_minutes == D(560)  # (210 + 90 + 1,380) / 3

    priority = {g.key: g for g in report.by_priority}
    assert list(priority) == ["P1 Critical", "P3 Medium"]
    p1, p3 = priority["P1 Critical"], priority["P3 Medium"]
    assert counts(p1) == (2, (2, 0, 0), (2, 0, 0))
    assert (p1.avg_respond_minutes, p1.avg_resolve_minutes) == (D(25), D(150))
    assert counts(p3) == (3, (0, 2, 1), (1, 1, 1))
    assert (p3.respond_pct, p3.resolve_pct) == (D(0), D(50))
    assert (p3.avg_respond_minutes, p3.avg_resolve_minutes) == (D(300), D(1380))

    board = {g.key: g for g in report.by_board}
    assert counts(board["Help Desk"]) == (3, (2, 1, 0), (3, 0, 0))
    assert counts(board["Alerts"]) == (2, (0, 1, 1), (0, 1, 1))
    assert board["Alerts"].avg_respond_minutes is None  # no clock there has stopped

    (agreement,) = report.by_agreement
    assert (agreement.key, counts(agreement)) == ("Acme — Managed", counts(report.overall))

    # A opened on Saturday 8 March, in the week of Monday 3 March; the rest the week after.
    weeks = {g.key: counts(g) for g in report.weeks}
    assert weeks == {
        "2025-03-03": (1, (1, 0, 0), (1, 0, 0)),
        "2025-03-10": (4, (1, 2, 1), (2, 1, 1)),
    }


def test_breach_list_is_counted_sorted_and_paged_by_the_database(
    tickets, django_assert_num_queries
):
    report = sla_compliance(period=MARCH, now=NOW)
    breaches = report.breaches
    # The count comes from the tallies already read (breached clocks are its rows).
    with django_assert_num_queries(0):
        assert len(breaches) == 3
    # D open since Wed 12 March 09:00: 19 days 8 hours = 27,840 minutes on both clocks.
    expected = [
        (tickets["D"].pk, "respond", 240, D(27840), True),
        (tickets["D"].pk, "resolve", 1440, D(27840), True),
        (tickets["E"].pk, "respond", 240, D(300), False),
    ]
    # A page: its rows and the target table, whatever the period holds.
    with django_assert_num_queries(2):
        page = breaches[1:3]
    rows = [(b.ticket_id, b.clock, b.target_minutes, b.minutes, b.still_open) for b in page]
    assert rows == expected[1:]
    assert [(b.ticket_id, b.clock) for b in breaches] == [row[:2] for row in expected]
    assert (breaches[0].ticket_id, breaches[-1].clock) == (tickets["D"].pk, "respond")
    with pytest.raises(IndexError):
        breaches[3]


def test_breach_list_sorted_the_other_way_keeps_respond_before_resolve(tickets):
    report = sla_compliance(period=MARCH, now=NOW, breach_order="-opened")
    assert [(b.ticket_id, b.clock) for b in report.breaches] == [
        (tickets["E"].pk, "respond"),
        (tickets["D"].pk, "respond"),
        (tickets["D"].pk, "resolve"),
    ]
    # One company: its name ties, and the opening time decides.
    by_company = sla_compliance(period=MARCH, now=NOW, breach_order="-company").breaches
    assert [(b.ticket_id, b.clock) for b in by_company] == [
        (tickets["E"].pk, "respond"),
        (tickets["D"].pk, "respond"),
        (tickets["D"].pk, "resolve"),
    ]


def test_a_report_kept_for_later_keeps_its_breaches_as_they_were(tickets):
    report = sla_compliance(period=MARCH, now=NOW)
    # As the worker keeps a report run (insights/runs.py); bytes made here, one line up.
    kept = pickle.loads(pickle.dumps(report))  # noqa: S301
    Ticket.objects.filter(pk=tickets["D"].pk).update(summary="Renamed since")
    assert [b.summary for b in kept.breaches] == ["D", "D", "E"]
    assert kept.overall == report.overall
    assert [b.summary for b in report.breaches] == ["Renamed since", "Renamed since", "E"]
