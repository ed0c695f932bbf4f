from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import timer_current, timer_start, timer_stop, work_start
from tests.factories import TicketFactory, TimeEntryFactory, WorkTypeFactory

STARTED = datetime(2025, 3, 14, 14, tzinfo=UTC)


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=STARTED - timedelta(hours=1))


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


def test_in_progress_starts_the_timer_and_counts_as_response(tech, ticket):
    timer = work_start(member=tech, ticket=ticket, at=STARTED)
    ticket.refresh_from_db()
    assert (timer.ticket, timer.started_at) == (ticket, STARTED)
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.first_response_at == STARTED


def test_second_timer_is_refused_naming_the_running_one(tech, ticket):
    work_start(member=tech, ticket=ticket, at=STARTED)
    other = TicketFactory()
    with pytest.raises(ValidationError) as error:
        work_start(member=tech, ticket=other, at=STARTED + timedelta(minutes=3))
    assert f"#{ticket.pk}" in str(error.value)
    assert "10:00" in str(error.value)  # started 14:00 UTC = 10:00 in New York
    other.refresh_from_db()
    assert other.status == TicketStatus.NEW  # the refused start changed nothing
    assert Timer.objects.count() == 1


def test_stop_logs_until_the_moment_of_saving_and_moves_the_ticket(tech, ticket, remote):
    work_start(member=tech, ticket=ticket, at=STARTED)
    saved_at = STARTED + timedelta(minutes=47)
    with time_machine.travel(saved_at + timedelta(seconds=1), tick=False):
        entry = timer_stop(
            member=tech,
            work_type=remote,
            notes="Rebuilt the mail profile; user confirmed it works.",
            next_status=TicketStatus.RESOLVED,
            at=saved_at,
        )
    ticket.refresh_from_db()
    assert (entry.start, entry.end, entry.source) == (STARTED, saved_at, EntrySource.TIMER)
    assert ticket.status == TicketStatus.RESOLVED
    assert timer_current(member=tech) is None


@pytest.mark.parametrize(
    ("notes", "field"),
    [("", "notes"), ("   ", "notes")],
)
def test_refused_stop_keeps_the_timer_running(tech, ticket, remote, notes, field):
    work_start(member=tech, ticket=ticket, at=STARTED)
    with (
        time_machine.travel(STARTED + timedelta(hours=1), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        timer_stop(member=tech, work_type=remote, notes=notes)
    assert field in error.value.message_dict
    assert Timer.objects.filter(member=tech, started_at=STARTED).exists()
    assert not TimeEntry.objects.exists()


def test_overlap_on_stop_keeps_the_timer_and_ticket_status(tech, ticket, remote):
    TimeEntryFactory(
        member=tech, start=STARTED + timedelta(minutes=10), end=STARTED + timedelta(minutes=20)
    )
    work_start(member=tech, ticket=ticket, at=STARTED)
    with (
        time_machine.travel(STARTED + timedelta(hours=1), tick=False),
        pytest.raises(ValidationError, match="overlaps"),
    ):
        timer_stop(
            member=tech,
            work_type=remote,
            notes="Done",
            next_status=TicketStatus.RESOLVED,
            at=STARTED + timedelta(hours=1),
        )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert Timer.objects.filter(member=tech).exists()


def test_internal_time_stops_without_notes_like_any_internal_entry(tech):
    admin_time = WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    timer_start(member=tech, at=STARTED)
    with time_machine.travel(STARTED + timedelta(minutes=30), tick=False):
        entry = timer_stop(member=tech, work_type=admin_time, notes="")
    assert (entry.ticket, entry.notes, entry.source) == (None, "", EntrySource.TIMER)
    assert timer_current(member=tech) is None


def test_stop_without_timer_is_a_clear_error(tech, remote):
    with pytest.raises(ValidationError, match="No timer"):
        timer_stop(member=tech, work_type=remote, notes="x")


def test_timer_on_closed_ticket_is_refused(tech):
    closed = TicketFactory(status=TicketStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        timer_start(member=tech, ticket=closed, at=STARTED)
