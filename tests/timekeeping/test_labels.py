from datetime import UTC, datetime

import pytest

from daybook.timekeeping.labels import entry_label, target_label
from daybook.timekeeping.models import DraftEntry, Timer
from tests.factories import PhaseFactory, TicketFactory, TimeEntryFactory, WorkTypeFactory

STARTED = datetime(2025, 3, 14, 14, tzinfo=UTC)
ENDED = datetime(2025, 3, 14, 15, tzinfo=UTC)


def saved_entry(**fields):
    return TimeEntryFactory(start=STARTED, end=ENDED, **fields)


def test_from_plain_values_a_ticket_or_phase_without_names_goes_by_its_number():
    assert target_label(ticket_id=12) == "Ticket #12"
    assert target_label(ticket_id=12, ticket_summary="Printer offline") == "#12 Printer offline"
    assert target_label(phase_id=4) == "Project phase #4"
    assert (
        target_label(phase_id=4, project_name="Office move", phase_name="Cabling")
        == "Office move / Cabling"
    )
    assert target_label(work_type_name="Admin") == "Admin"
    assert target_label() == "Internal time"
    assert target_label(internal="internal time") == "internal time"


@pytest.mark.django_db
def test_entries_drafts_and_timers_share_one_name(tech):
    ticket = TicketFactory(summary="Printer offline")
    phase = PhaseFactory(name="Cabling", project__name="Office move")
    wrap = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    assert entry_label(saved_entry(ticket=ticket)) == f"#{ticket.pk} Printer offline"
    assert entry_label(saved_entry(ticket=None, phase=phase)) == "Office move / Cabling"
    assert entry_label(saved_entry(ticket=None, work_type=wrap)) == "Admin"
    draft = DraftEntry(member=tech, phase=phase, start=STARTED, end=ENDED)
    assert entry_label(draft) == "Office move / Cabling"
    timer = Timer(member=tech, started_at=STARTED)
    assert entry_label(timer) == "Internal time"
    assert entry_label(timer, internal="internal time") == "internal time"
