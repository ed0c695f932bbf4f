"""Writes of the insights app: issuing a client statement."""

from django.db import transaction
from django.utils import timezone

from daybook.clients.models import Company
from daybook.core.periods import Period
from daybook.people.models import Member
from daybook.timekeeping.approval import entries_mark_billed

from .access import require_finance
from .models import IssuedStatement
from .selectors import CENT, client_statement


@transaction.atomic
def statement_issue(*, company: Company, period: Period, by: Member) -> IssuedStatement:
    """Record a statement as handed to the client: its fingerprint and, per entry, the entry's
    id and last change time, so later changes to those entries can be pointed out.

    Its entries become billed on it (timekeeping.approval.entries_mark_billed): from then on
    only Finance may change them, and each change shows when the statement is checked."""
    require_finance(by.user)
    statement = client_statement(company=company, period=period)
    issued = IssuedStatement.objects.create(
        company=company,
        period_start=period.start,
        period_end=period.end,
        time_zone=statement.time_zone,
        fingerprint=statement.fingerprint,
        issued_by=by,
        issued_at=timezone.now(),
        entries=[[row.entry_id, row.updated_at.isoformat()] for row in statement.rows],
        total_hours=statement.hours.quantize(CENT),
        total_amount=statement.amount.quantize(CENT),
    )
    entries_mark_billed(
        entry_ids=[row.entry_id for row in statement.rows],
        statement=issued.pk,
        by=by,
        at=issued.issued_at,
    )
    return issued
