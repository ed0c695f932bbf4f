"""The SLA clock, kept by the ticket services as tickets move: reasoned in New York, with the
time frozen at Friday 14 March 2025 17:00 unless a test moves it."""

from datetime import datetime, timedelta

import pytest
import time_machine

from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket
from daybook.service.services import (
    ticket_create,
    ticket_set_agreement,
    ticket_set_status,
    ticket_update,
)
from daybook.service.sla import clock_breached_q, clock_met_q, clock_pending_q
from daybook.timekeeping.services import entry_log
from tests.factories import AgreementFactory, BoardFactory, WorkTypeFactory
from tests.zones import NEW_YORK

MINUTE = timedelta(minutes=1)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


NOW = ny(14, 17)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agreement(db):
    return AgreementFactory(name="Time & materials")


@pytest.fixture
def premium(agreement):
    """The same client's premium agreement, with faster P1 promises of its own."""
    premium = AgreementFactory(company=agreement.company, name="Premium")
    SlaTarget.objects.create(
        priority=Priority.CRITICAL, agreement=premium, respond_minutes=15, resolve_minutes=120
    )
    return premium


@pytest.fixture(autouse=True)
def targets(db):
    SlaTarget.objects.create(priority=Priority.CRITICAL, respond_minutes=60, resolve_minutes=240)
    SlaTarget.objects.create(priority=Priority.MEDIUM, respond_minutes=240, resolve_minutes=1440)


def open_ticket(by, agreement, *, opened, priority=Priority.CRITICAL):
    return ticket_create(
        by=by,
        board=BoardFactory(),
        company=agreement.company,
        agreement=agreement,
        summary="Nobody can print",
        priority=priority,
        opened_at=opened,
    )


def move(ticket, status, at, by):
    return ticket_set_status(ticket=ticket, status=status, by=by, at=at)


def test_opening_sets_targets_and_due_times_from_the_priority(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    assert (ticket.respond_target_minutes, ticket.resolve_target_minutes) == (60, 240)
    assert (ticket.respond_due_at, ticket.resolve_due_at) == (ny(14, 10), ny(14, 13))
    assert ticket.respond_breached_at is None
    assert ticket.resolve_breached_at is None


def test_a_priority_without_targets_has_no_due_times(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9), priority=Priority.LOW)
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 16), tech)
    assert (ticket.respond_due_at, ticket.resolve_due_at) == (None, None)
    assert ticket.resolve_elapsed == 7 * 60 * MINUTE  # still timed, for the averages
    assert ticket.resolve_breached_at is None


def test_a_members_moves_stamp_the_response_and_the_resolution(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 9, 40), tech)
    assert (ticket.first_response_at, ticket.respond_elapsed) == (ny(14, 9, 40), 40 * MINUTE)
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 12), tech)
    assert (ticket.resolved_at, ticket.resolve_elapsed) == (ny(14, 12), 180 * MINUTE)
    ticket.refresh_from_db()
    assert ticket.respond_breached_at is None
    assert ticket.resolve_breached_at is None


def test_a_move_without_a_time_happens_now(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 16, 30))
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech)
    assert (ticket.first_response_at, ticket.respond_elapsed) == (NOW, 30 * MINUTE)


def test_a_move_by_nobody_is_not_a_response(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.NEEDS_SCHEDULING, ny(14, 9, 5), None)
    assert ticket.first_response_at is None


def test_a_late_answer_is_stamped_when_the_clock_ran_out(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 10, 25), tech)
    assert ticket.respond_elapsed == 85 * MINUTE
    assert ticket.respond_breached_at == ny(14, 10)


def test_waiting_client_pauses_both_clocks_and_moves_their_due_times(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.WAITING_CLIENT, ny(14, 9, 30), None)
    assert ticket.waiting_since == ny(14, 9, 30)
    # Three hours waiting: the clocks stood at 30 minutes, then run on from 12:30.
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 12, 30), tech)
    assert (ticket.waiting_since, ticket.sla_paused) == (None, 3 * 60 * MINUTE)
    assert ticket.respond_elapsed == 30 * MINUTE
    assert ticket.respond_breached_at is None  # 10:00 was due, but the clock was stopped
    assert ticket.resolve_due_at == ny(14, 16)
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 15, 30), tech)
    assert ticket.resolve_elapsed == 210 * MINUTE  # 6.5 hours open, 3 of them waiting
    assert ticket.resolve_breached_at is None


def test_a_breach_stays_after_resolution_and_reopening(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 9, 5), tech)
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 14), tech)
    assert ticket.resolve_breached_at == ny(14, 13)
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 14, 10), tech)
    assert (ticket.resolved_at, ticket.resolve_elapsed) == (None, None)
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 14, 20), tech)
    ticket = move(ticket, TicketStatus.CLOSED, ny(14, 16), None)
    ticket.refresh_from_db()
    assert ticket.resolve_breached_at == ny(14, 13)
    assert (ticket.resolved_at, ticket.closed_at) == (ny(14, 14, 20), ny(14, 16))
    assert ticket.resolve_elapsed == 320 * MINUTE  # Resolved is no pause: 14:00-14:10 counts


def test_a_ticket_closed_straight_away_is_resolved_then(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.CLOSED, ny(14, 9, 20), tech)
    assert (ticket.resolved_at, ticket.resolve_elapsed) == (ny(14, 9, 20), 20 * MINUTE)


def test_first_time_entry_counts_as_the_response(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    entry_log(member=tech, ticket=ticket, work_type=WorkTypeFactory(), start=ny(14, 10, 30),
              end=ny(14, 11), notes="Cleared the print queue.")  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.respond_elapsed) == (ny(14, 10, 30), 90 * MINUTE)
    assert ticket.respond_breached_at == ny(14, 10)


def test_work_logged_later_is_timed_without_a_wait_that_came_after_it(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9))
    move(ticket, TicketStatus.WAITING_CLIENT, ny(14, 9, 30), None)
    move(ticket, TicketStatus.IN_PROGRESS, ny(14, 11), None)
    # At 11:30 Tess logs the call she took at 9:10, before the wait.
    entry_log(member=tech, ticket=ticket, work_type=WorkTypeFactory(), start=ny(14, 9, 10),
              end=ny(14, 9, 25), notes="Called back, asked for the printer's model.")  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.respond_elapsed) == (ny(14, 9, 10), 10 * MINUTE)
    assert ticket.sla_paused == 90 * MINUTE
    assert ticket.resolve_due_at == ny(14, 14, 30)  # 13:00 + the 90 minutes waiting


def test_the_agreements_own_targets_beat_the_priority_default(tech, agreement, premium):
    ours = open_ticket(tech, premium, opened=ny(14, 9))
    assert (ours.respond_due_at, ours.resolve_due_at) == (ny(14, 9, 15), ny(14, 11))
    default = open_ticket(tech, agreement, opened=ny(14, 9))
    assert (default.respond_due_at, default.resolve_due_at) == (ny(14, 10), ny(14, 13))
    medium = open_ticket(tech, premium, opened=ny(14, 9), priority=Priority.MEDIUM)
    assert medium.respond_target_minutes == 240  # premium promises nothing of its own on P3


def test_a_new_agreement_retargets_the_clocks_still_running(dispatcher, agreement, premium):
    ticket = open_ticket(dispatcher, agreement, opened=ny(14, 9))
    ticket = move(ticket, TicketStatus.IN_PROGRESS, ny(14, 9, 30), dispatcher)
    with time_machine.travel(ny(14, 10), tick=False):
        ticket = ticket_set_agreement(ticket=ticket, agreement=premium, by=dispatcher)
    # The answer was judged by the old target; resolving is now due 2 hours after opening.
    assert (ticket.respond_target_minutes, ticket.respond_due_at) == (60, ny(14, 10))
    assert (ticket.resolve_target_minutes, ticket.resolve_due_at) == (120, ny(14, 11))
    ticket = move(ticket, TicketStatus.RESOLVED, ny(14, 11, 30), dispatcher)
    assert ticket.resolve_breached_at == ny(14, 11)


def test_raising_the_priority_stamps_a_target_already_missed(tech, agreement):
    ticket = open_ticket(tech, agreement, opened=ny(14, 9), priority=Priority.MEDIUM)
    with time_machine.travel(ny(14, 10, 30), tick=False):
        ticket = ticket_update(ticket=ticket, by=tech, priority=Priority.CRITICAL)
    assert ticket.respond_due_at == ny(14, 10)
    assert ticket.respond_breached_at == ny(14, 10)
    assert ticket.history.order_by("history_id").last().priority == Priority.CRITICAL


def test_the_clock_counts_real_minutes_across_the_dst_change(tech, agreement):
    # Saturday 20:00 EST; New York's clocks jump from 2:00 to 3:00 on Sunday 9 March.
    ticket = open_ticket(tech, agreement, opened=ny(8, 20), priority=Priority.MEDIUM)
    assert ticket.resolve_due_at == ny(9, 21)  # 1,440 minutes later: 21:00 EDT, not 20:00
    ticket = move(ticket, TicketStatus.RESOLVED, ny(9, 20, 30), tech)
    assert ticket.resolve_elapsed == 1410 * MINUTE
    assert ticket.resolve_breached_at is None


def test_states_in_sql_follow_the_clock(tech, agreement):
    """Running late is a breach before anything stamps it; a clock stopped by waiting is not."""
    waiting = open_ticket(tech, agreement, opened=ny(14, 9))
    move(waiting, TicketStatus.WAITING_CLIENT, ny(14, 9, 30), tech)
    late = open_ticket(tech, agreement, opened=ny(14, 9))
    move(late, TicketStatus.IN_PROGRESS, ny(14, 9, 10), tech)
    answered = Ticket.objects.filter(clock_met_q("respond"))
    assert set(answered) == {waiting, late}
    resolve_pending = Ticket.objects.filter(clock_pending_q("resolve", now=NOW))
    resolve_breached = Ticket.objects.filter(clock_breached_q("resolve", now=NOW))
    assert (list(resolve_pending), list(resolve_breached)) == ([waiting], [late])
    late.refresh_from_db()
    assert late.resolve_breached_at is None  # not stamped until the ticket next moves
    move(late, TicketStatus.RESOLVED, NOW, tech)
    late.refresh_from_db()
    assert late.resolve_breached_at == ny(14, 13)
