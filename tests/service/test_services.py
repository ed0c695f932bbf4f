from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.service.choices import TicketStatus
from daybook.service.services import ticket_set_agreement, ticket_set_status
from tests.factories import AgreementFactory, TicketFactory

OPENED = datetime(2025, 3, 14, 13, tzinfo=UTC)


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=OPENED)


def test_first_status_change_by_a_member_is_the_first_response(tech, ticket):
    ticket = ticket_set_status(
        ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=OPENED + timedelta(minutes=20)
    )
    assert ticket.first_response_at == OPENED + timedelta(minutes=20)
    change = ticket.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("new", "in_progress", tech)


def test_resolving_stamps_and_reopening_clears_resolve_time(tech, ticket):
    at = OPENED + timedelta(hours=2)
    ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=OPENED)
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, by=tech, at=at)
    assert ticket.resolved_at == at
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=at)
    assert ticket.resolved_at is None
    assert ticket.status_changes.count() == 3


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([TicketStatus.IN_PROGRESS], TicketStatus.NEW),
        ([TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED], TicketStatus.WAITING_CLIENT),
        ([TicketStatus.CLOSED], TicketStatus.IN_PROGRESS),
    ],
)
def test_illegal_status_moves_are_refused(tech, ticket, path, target):
    for status in path:
        ticket = ticket_set_status(ticket=ticket, status=status, by=tech, at=OPENED)
    with pytest.raises(ValidationError, match="cannot go from"):
        ticket_set_status(ticket=ticket, status=target, by=tech, at=OPENED)
    ticket.refresh_from_db()
    assert ticket.status == path[-1]


def test_unknown_status_is_refused(tech, ticket):
    with pytest.raises(ValidationError, match="not a ticket status"):
        ticket_set_status(ticket=ticket, status="done-ish", by=tech)


def test_technician_cannot_change_a_tickets_agreement(tech, ticket):
    other = AgreementFactory(company=ticket.company, name="Second agreement")
    with pytest.raises(PermissionDenied):
        ticket_set_agreement(ticket=ticket, agreement=other, by=tech)


def test_dispatcher_fixes_the_agreement_within_the_same_company(dispatcher, ticket):
    right = AgreementFactory(company=ticket.company, name="Right agreement")
    assert ticket_set_agreement(ticket=ticket, agreement=right, by=dispatcher).agreement == right
    with pytest.raises(ValidationError, match="another company"):
        ticket_set_agreement(ticket=ticket, agreement=AgreementFactory(), by=dispatcher)
    ticket.refresh_from_db()
    assert ticket.agreement == right
    assert ticket.history.first().history_user == dispatcher.user
