"""Writes to tickets: status moves and the agreement a ticket's time is applied to."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.clients.models import Agreement
from daybook.people.models import Member

from .choices import TICKET_TRANSITIONS, TicketStatus
from .models import Ticket, TicketStatusChange


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, status: str, by: Member | None, at: datetime | None = None
) -> Ticket:
    """Move a ticket along its workflow, keeping the move for SLA clocks.

    A member's first move counts as the first response; Resolved stamps the resolve time and
    reopening clears it.
    """
    at = at or timezone.now()
    if status not in TicketStatus.values:
        raise ValidationError({"status": [f"{status!r} is not a ticket status."]})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if status == ticket.status:
        return ticket
    if status not in TICKET_TRANSITIONS[ticket.status]:
        raise ValidationError(
            {
                "status": [
                    f"A ticket cannot go from {ticket.get_status_display()} to "
                    f"{TicketStatus(status).label}."
                ]
            }
        )
    TicketStatusChange.objects.create(
        ticket=ticket, from_status=ticket.status, to_status=status, at=at, by=by
    )
    ticket.status = status
    if by is not None and ticket.first_response_at is None:
        ticket.first_response_at = max(at, ticket.opened_at)
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    else:
        ticket.resolved_at = None
    if by is not None:
        ticket._history_user = by.user
    ticket.save()
    return ticket


@transaction.atomic
def ticket_set_agreement(*, ticket: Ticket, agreement: Agreement | None, by: Member) -> Ticket:
    """Point a ticket at the right agreement (agreement verification). Existing entries keep
    theirs; time logged from now on is applied to the new one."""
    if not by.user.has_perm("service.change_ticket_agreement"):
        raise PermissionDenied("You may not change the agreement on a ticket.")
    if agreement is not None and agreement.company_id != ticket.company_id:
        raise ValidationError(
            {"agreement": [f"{agreement} belongs to another company than this ticket."]}
        )
    ticket.agreement = agreement
    ticket._history_user = by.user
    ticket.save(update_fields=["agreement"])
    return ticket
