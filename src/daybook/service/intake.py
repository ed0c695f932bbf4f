"""Opening tickets and keeping projects on their own company's agreements.

Kept apart from services.py until the lead folds it in; same conventions: keyword-only,
atomic, validated before anything is saved.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company
from daybook.people.models import Member

from .choices import Priority
from .models import Board, Ticket


def ensure_agreement_matches_company(*, agreement: Agreement | None, company: Company) -> None:
    """Time is applied to the ticket's or project's agreement, so it must be that client's."""
    if agreement is not None and agreement.company_id != company.pk:
        raise ValidationError(
            {"agreement": [f"{agreement} belongs to another company than {company}."]}
        )


@transaction.atomic
def ticket_create(
    *,
    board: Board,
    company: Company,
    summary: str,
    by: Member,
    agreement: Agreement | None = None,
    description: str = "",
    priority: int = Priority.MEDIUM,
    work_type: WorkType | None = None,
    assignee: Member | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a new ticket; it starts as New, its SLA clock from opened_at (default now)."""
    ensure_agreement_matches_company(agreement=agreement, company=company)
    ticket = Ticket(
        board=board,
        company=company,
        agreement=agreement,
        summary=summary,
        description=description,
        priority=priority,
        work_type=work_type,
        assignee=assignee,
        opened_at=opened_at or timezone.now(),
    )
    ticket.full_clean()
    ticket._history_user = by.user
    ticket.save()
    return ticket
