"""The batch form of logging time entries, for imports of many rows at once.

`entries_log_many` logs what `services.entry_log` logs, row by row, under the same rules
(the per-row checks, closed periods and overlaps are the very functions entry_log calls), but
does the database work in bulk: one lock for all the batch's members, one read of the close
in force, one read of each member's entries over the batch's span for the overlap check, rates
resolved once per distinct (work, date) in the batch, and entries written with their history
in chunks. The follow-on steps (DAYBOOK_AFTER_ENTRY_CHANGE) run once per member with all the
days the batch changed.

The answer is, per row and in order, the saved entry or the refusal entry_log would have
raised for it (ValidationError or PermissionDenied). Refused rows change nothing; later rows
are judged as if the earlier accepted ones were saved, as when logging them one by one.
"""

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check, covered_billable_error
from daybook.people.models import Member
from daybook.people.services import members_lock
from daybook.service.models import Phase, Ticket
from daybook.service.services import ticket_note_response, ticket_set_status

from .choices import EntrySource
from .models import TimeEntry
from .rates import default_billable, resolve_bill_rate, resolve_cost_rate, work_date
from .selectors import period_in_force
from .services import (
    MAX_ENTRY,
    _agreement_for,
    _days_changed,
    _ensure_may_write,
    _local_days,
    entry_clash_error,
    entry_lock_error,
    entry_row_errors,
)

# Entries written (with their history rows) per INSERT round.
CHUNK = 2000


@dataclass
class EntryRow:
    """One entry to log: the arguments entry_log takes, less `by`, which the batch shares."""

    member: Member
    start: datetime
    end: datetime
    work_type: WorkType
    ticket: Ticket | None = None
    phase: Phase | None = None
    work_role: WorkRole | None = None
    billable: str | None = None
    notes: str = ""
    internal_notes: str = ""
    next_status: str | None = None
    source: str = EntrySource.MANUAL
    import_key: str = ""


Result = TimeEntry | ValidationError | PermissionDenied


class _Rates:
    """The rates a batch resolves, each once per distinct question. Nothing the batch writes
    changes a rate, so an answer holds for the whole batch."""

    def __init__(self) -> None:
        self.checks: dict[tuple, tuple[bool, str | None]] = {}
        self.bill: dict[tuple, Decimal] = {}
        self.cost: dict[tuple[int, date], Decimal] = {}

    def apply(self, entry: TimeEntry, *, billable: str | None) -> None:
        """services._apply_rates for a new entry (Billable on covered work is refused)."""
        agreement: Agreement | None = entry.agreement
        work_type = entry.work_type
        on = work_date(member=entry.member, start=entry.start)
        key = (agreement.pk if agreement else None, work_type.pk, on)
        if key not in self.checks:
            covered = agreement_check(agreement=agreement, work_type=work_type, on=on)
            refusal = covered_billable_error(agreement=agreement, work_type=work_type, on=on)
            self.checks[key] = (covered == AgreementCheck.OK, refusal)
        covered, refusal = self.checks[key]
        if billable == BillableOption.BILLABLE and refusal:
            raise ValidationError({"billable": [refusal]})
        entry.billable = billable or default_billable(
            work_type=work_type, agreement=agreement, covered=covered
        )
        bill_key = (entry.work_role.pk, work_type.pk, entry.billable, key[0], on)
        if bill_key not in self.bill:
            self.bill[bill_key] = resolve_bill_rate(
                work_role=entry.work_role,
                work_type=work_type,
                billable=entry.billable,
                agreement=agreement,
                on=on,
            )
        entry.bill_rate = self.bill[bill_key]
        cost_key = (entry.member.pk, on)
        if cost_key not in self.cost:
            self.cost[cost_key] = resolve_cost_rate(member=entry.member, on=on)
        entry.cost_rate = self.cost[cost_key]


class _Spans:
    """A member's entries over the batch's span, kept sorted by (start, pk) so the first
    overlapping one is found as entry_log's query finds it (earliest start first).

    Entries of this batch not yet written have no pk; a clash with one of them writes the
    pending chunk first, so the refusal names the entry as entry_log would."""

    def __init__(self, entries: Iterable[TimeEntry]) -> None:
        self.items: list[tuple[datetime, float, int, TimeEntry]] = []
        self.longest = MAX_ENTRY
        self.serial = 0
        for entry in entries:
            self.add(entry)

    def add(self, entry: TimeEntry) -> None:
        self.serial += 1
        self.longest = max(self.longest, entry.end - entry.start)
        # pk orders ties; unsaved entries come after saved ones, in the order they came.
        order = float(entry.pk) if entry.pk is not None else float("inf")
        insort(self.items, (entry.start, order, self.serial, entry))

    def first_clash(self, start: datetime, end: datetime) -> TimeEntry | None:
        # Only an entry starting after start - longest can reach past start.
        at = bisect_left(self.items, (start - self.longest,))
        for item_start, _order, _serial, entry in self.items[at:]:
            if item_start >= end:
                break
            if entry.end > start:
                return entry
        return None


def _existing_spans(rows: Sequence[EntryRow]) -> dict[int, _Spans]:
    """Each member's saved entries that could overlap one of the rows: one query per member,
    over the span from the member's earliest row to their latest."""
    reach: dict[int, tuple[Member, datetime, datetime]] = {}
    for row in rows:
        start, end = row.start.astimezone(UTC), row.end.astimezone(UTC)
        low, high = min(start, end), max(start, end)
        known = reach.get(row.member.pk)
        if known is not None:
            low, high = min(low, known[1]), max(high, known[2])
        reach[row.member.pk] = (row.member, low, high)
    return {
        pk: _Spans(
            TimeEntry.objects.filter(member=member, start__lt=high, end__gt=low)
            .select_related("ticket", "phase", "member")
            .order_by("start", "pk")
        )
        for pk, (member, low, high) in reach.items()
    }


@transaction.atomic
def entries_log_many(rows: Sequence[EntryRow], *, by: Member | None) -> list[Result]:
    """Log many entries as entry_log logs each (same checks, same messages, same rates,
    same history, same ticket updates), in one transaction and with bulk writes.

    Returns, for each row in order, its saved entry or why it was refused."""
    results: list[Result | None] = [None] * len(rows)
    members = {row.member.pk: row.member for row in rows}
    allowed: dict[int, PermissionDenied | None] = {}
    for pk, member in members.items():
        try:
            _ensure_may_write(by=by, member=member)
            allowed[pk] = None
        except PermissionDenied as refusal:
            allowed[pk] = refusal
    members_lock(pk for pk, refusal in allowed.items() if refusal is None)
    closed = period_in_force()
    rates = _Rates()
    spans = _existing_spans(
        [
            row
            for row in rows
            if allowed[row.member.pk] is None
            and timezone.is_aware(row.start)
            and timezone.is_aware(row.end)
        ]
    )
    pending: list[tuple[int, TimeEntry]] = []
    saved: list[tuple[int, TimeEntry]] = []

    def flush() -> None:
        if not pending:
            return
        objs = [entry for _, entry in pending]
        bulk_create_with_history(objs, TimeEntry, batch_size=CHUNK)
        if any(entry.pk is None for entry in objs):  # a database that returns no ids
            raise RuntimeError("The database did not return the new entries' ids.")
        saved.extend(pending)
        pending.clear()

    for index, row in enumerate(rows):
        member = row.member
        if allowed[member.pk] is not None:
            results[index] = allowed[member.pk]
            continue
        errors = entry_row_errors(
            member=member,
            start=row.start,
            end=row.end,
            work_type=row.work_type,
            ticket=row.ticket,
            phase=row.phase,
            work_role=row.work_role,
            billable=row.billable,
            notes=row.notes,
            internal_notes=row.internal_notes,
        )
        if errors:
            results[index] = ValidationError(errors)
            continue
        start, end = row.start.astimezone(UTC), row.end.astimezone(UTC)
        error = entry_lock_error(member=member, start=start, end=end, closed=closed)
        if error is not None:
            results[index] = error
            continue
        member_spans = spans[member.pk]
        clash = member_spans.first_clash(start, end)
        if clash is not None:
            if clash.pk is None:
                flush()
            results[index] = entry_clash_error(clash)
            continue
        entry = TimeEntry(
            member=member,
            start=start,
            end=end,
            ticket=row.ticket,
            phase=row.phase,
            agreement=_agreement_for(ticket=row.ticket, phase=row.phase),
            work_role=row.work_role or member.default_work_role,
            work_type=row.work_type,
            notes=row.notes,
            internal_notes=row.internal_notes,
            source=row.source,
            import_key=row.import_key,
            cost_rate=member.cost_rate,
        )
        try:
            rates.apply(entry, billable=row.billable)
        except ValidationError as refusal:
            results[index] = refusal
            continue
        if by is not None:
            entry._history_user = by.user
        pending.append((index, entry))
        member_spans.add(entry)
        if len(pending) >= CHUNK:
            flush()
    flush()

    # What entry_log does after saving each entry, in the rows' order: the ticket's first
    # response (the earliest row logged to it wins, as one by one) and its next status.
    answered: set[int] = set()
    changed: dict[int, set[date]] = {}
    for index, entry in sorted(saved, key=lambda item: item[0]):
        row = rows[index]
        results[index] = entry
        ticket = row.ticket
        if ticket is not None and ticket.pk not in answered:
            answered.add(ticket.pk)
            if ticket.first_response_at is None:
                ticket_note_response(ticket=ticket, at=row.start)
        if row.next_status and ticket is not None:
            ticket_set_status(ticket=ticket, status=row.next_status, by=by)
        changed.setdefault(entry.member_id, set()).update(
            _local_days(entry.member, (entry.start, entry.end))
        )
    for member_pk, days in changed.items():
        _days_changed(members[member_pk], days)
    return results  # type: ignore[return-value]
