"""The batch form of logging time entries, for imports of many rows at once.

`entries_log_many` logs what `services.entry_log` logs, row by row, under the same rules
(the per-row checks, closed periods and overlaps are the very functions entry_log calls), but
does the database work in bulk: one lock for all the batch's members, one read of the close
in force, one read of the members' entries over the batch's span for the overlap check, rates
resolved once per distinct question (a member's cost rate once per stretch between their
dated rates), and entries written in bulk with their history rows copied by the database.
The follow-on steps (DAYBOOK_AFTER_ENTRY_CHANGE) run once per member
with all the days the batch changed.

`EntryBatch` is the same in chunks, for an import that streams its file: what the chunks
share (permissions, locks, rates, tickets answered, days changed) is kept between them, and
the follow-on steps run once at the end.

The answer is, per row and in order, the saved entry or the refusal entry_log would have
raised for it (ValidationError or PermissionDenied). Refused rows change nothing; later rows
are judged as if the earlier accepted ones were saved, as when logging them one by one.
"""

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check, covered_billable_error
from daybook.people.models import Member, MemberCostRate
from daybook.people.services import members_lock
from daybook.service.models import Phase, Ticket
from daybook.service.services import ticket_note_response, ticket_set_status

from .choices import EntrySource
from .models import LONGEST_ENTRY, TimeEntry
from .rates import default_billable, resolve_bill_rate, resolve_cost_rate, work_date
from .selectors import period_in_force
from .services import (
    _agreement_for,
    _days_changed,
    _ensure_may_write,
    _local_days,
    entry_clash_error,
    entry_lock_error,
    entry_row_errors,
)

# Entries written (with their history rows) per bulk insert.
CHUNK = 2000
# The history's own columns, in the order _write fills them (the change reason is empty).
HISTORY_OWN = ("history_date", "history_type", "history_user", "history_change_reason")
# Members whose saved entries one query reads for the overlap check.
MEMBERS_A_QUERY = 100


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
        self.cost: dict[tuple[int, int], Decimal] = {}
        self.cost_dates: dict[int, list[date]] = {}

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
        # A member's cost rate changes only on the dates their dated rates take effect, so
        # one answer holds for every day between two of those dates.
        member = entry.member
        if member.pk not in self.cost_dates:
            self.cost_dates[member.pk] = sorted(
                MemberCostRate.objects.filter(member=member).values_list(
                    "effective_from", flat=True
                )
            )
        cost_key = (member.pk, bisect_right(self.cost_dates[member.pk], on))
        if cost_key not in self.cost:
            self.cost[cost_key] = resolve_cost_rate(member=member, on=on)
        entry.cost_rate = self.cost[cost_key]


class _Spans:
    """A member's entries over the batch's span, kept sorted by (start, pk) so the first
    overlapping one is found as entry_log's query finds it (earliest start first).

    Entries of this batch not yet written have no pk; a clash with one of them writes the
    pending chunk first, so the refusal names the entry as entry_log would."""

    def __init__(self, entries: Iterable[TimeEntry]) -> None:
        self.items: list[tuple[datetime, float, int, TimeEntry]] = []
        self.longest = LONGEST_ENTRY
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
    """Each member's saved entries that could overlap one of the rows, over the span from
    the member's earliest row to their latest: one query for all the members.

    An entry lasts at most LONGEST_ENTRY (every door refuses a longer one), so only entries that
    start at most that long before a member's earliest row can reach into it; bounding the
    start keeps the read to the member's index range instead of all their earlier time."""
    reach: dict[int, tuple[Member, datetime, datetime]] = {}
    for row in rows:
        start, end = row.start.astimezone(UTC), row.end.astimezone(UTC)
        low, high = min(start, end), max(start, end)
        known = reach.get(row.member.pk)
        if known is not None:
            low, high = min(low, known[1]), max(high, known[2])
        reach[row.member.pk] = (row.member, low, high)
    found: dict[int, list[TimeEntry]] = {pk: [] for pk in reach}
    wanted = list(reach.items())
    # A query per MEMBERS_A_QUERY members: SQLite limits how deep a condition may nest.
    for at in range(0, len(wanted), MEMBERS_A_QUERY):
        near = Q()
        for pk, (_member, low, high) in wanted[at : at + MEMBERS_A_QUERY]:
            near |= Q(member_id=pk, start__gte=low - LONGEST_ENTRY, start__lt=high, end__gt=low)
        for entry in (
            TimeEntry.objects.filter(near).select_related("ticket", "phase").order_by("start", "pk")
        ):
            entry.member = reach[entry.member_id][0]
            found[entry.member_id].append(entry)
    return {pk: _Spans(entries) for pk, entries in found.items()}


def _write(entries: list[TimeEntry]) -> None:
    """Save new entries, then their history rows ("+", by each entry's `_history_user`).

    Django's bulk_create writes the entries; the history rows are copied from them by the
    database in one INSERT ... SELECT per author, rather than built as a second set of model
    objects in Python, which took half of a large import's time (simple_history's
    bulk_create_with_history). Tracked fields and the history's own columns are read from
    the history model, so a field added to entries is copied with no change here."""
    TimeEntry.objects.bulk_create(entries, batch_size=CHUNK)
    if any(entry.pk is None for entry in entries):  # a database that returns no ids
        raise RuntimeError("The database did not return the new entries' ids.")
    history = TimeEntry.history.model
    connection = connections[router.db_for_write(history)]
    quote = connection.ops.quote_name
    copied = [field.column for field in history.tracked_fields]
    by_user: dict[int | None, list[int]] = defaultdict(list)
    for entry in entries:
        user = getattr(entry, "_history_user", None)
        by_user[user.pk if user is not None else None].append(entry.pk)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ", ".join(
        [quote(c) for c in copied] + [quote(history._meta.get_field(f).column) for f in HISTORY_OWN]
    )
    source = quote(TimeEntry._meta.db_table)
    key = quote(TimeEntry._meta.pk.column)
    with connection.cursor() as cursor:
        for user_pk, pks in by_user.items():
            for at in range(0, len(pks), CHUNK):
                part = pks[at : at + CHUNK]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"INSERT INTO {quote(history._meta.db_table)} ({columns}) "  # noqa: S608
                    f"SELECT {', '.join(quote(c) for c in copied)}, %s, %s, %s, NULL "
                    f"FROM {source} WHERE {key} IN ({marks})",
                    [now, "+", user_pk, *part],
                )


class EntryBatch:
    """Entries logged in chunks inside one transaction (an import of many lines), with what
    the chunks share kept from one to the next: who may write whose time, which members are
    locked, the rates resolved, the tickets already answered, and the days changed, whose
    follow-on steps run once per member in `finish`.

    Call `log` for each chunk and `finish` once at the end, all inside the caller's
    transaction; `entries_log_many` is the one-chunk form."""

    def __init__(self, *, by: Member | None) -> None:
        self.by = by
        self.members: dict[int, Member] = {}
        self.allowed: dict[int, PermissionDenied | None] = {}
        self.rates = _Rates()
        self.answered: set[int] = set()
        self.changed: dict[int, set[date]] = {}

    def _permit(self, rows: Sequence[EntryRow]) -> None:
        """Decide once per member whether `by` may write their time, and lock the ones
        it may (a member's lock holds until the transaction ends)."""
        fresh = []
        for row in rows:
            member = row.member
            if member.pk in self.allowed:
                continue
            self.members[member.pk] = member
            try:
                _ensure_may_write(by=self.by, member=member)
                self.allowed[member.pk] = None
                fresh.append(member.pk)
            except PermissionDenied as refusal:
                self.allowed[member.pk] = refusal
        members_lock(fresh)

    @transaction.atomic
    def log(self, rows: Sequence[EntryRow]) -> list[Result]:
        """Log these rows as entry_log logs each; for each row in order, its saved entry or
        why it was refused. Refused rows change nothing."""
        if not transaction.get_connection().in_atomic_block:  # pragma: no cover
            raise RuntimeError("EntryBatch.log runs inside the caller's transaction.")
        results: list[Result | None] = [None] * len(rows)
        self._permit(rows)
        allowed = self.allowed
        closed = period_in_force()
        rates = self.rates
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
            _write(objs)
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
            if self.by is not None:
                entry._history_user = self.by.user
            pending.append((index, entry))
            member_spans.add(entry)
            if len(pending) >= CHUNK:
                flush()
        flush()

        # What entry_log does after saving each entry, in the rows' order: the ticket's first
        # response (the earliest row logged to it wins, as one by one) and its next status.
        for index, entry in sorted(saved, key=lambda item: item[0]):
            row = rows[index]
            results[index] = entry
            ticket = row.ticket
            if ticket is not None and ticket.pk not in self.answered:
                self.answered.add(ticket.pk)
                if ticket.first_response_at is None:
                    ticket_note_response(ticket=ticket, at=row.start)
            if row.next_status and ticket is not None:
                ticket_set_status(ticket=ticket, status=row.next_status, by=self.by)
            self.changed.setdefault(entry.member_id, set()).update(
                _local_days(entry.member, (entry.start, entry.end))
            )
        return results  # type: ignore[return-value]

    def finish(self) -> None:
        """The follow-on steps (DAYBOOK_AFTER_ENTRY_CHANGE), once per member with every day
        the chunks changed, inside the same transaction."""
        changed, self.changed = self.changed, {}
        for member_pk, days in changed.items():
            _days_changed(self.members[member_pk], days)


@transaction.atomic
def entries_log_many(rows: Sequence[EntryRow], *, by: Member | None) -> list[Result]:
    """Log many entries as entry_log logs each (same checks, same messages, same rates,
    same history, same ticket updates), in one transaction and with bulk writes.

    Returns, for each row in order, its saved entry or why it was refused."""
    batch = EntryBatch(by=by)
    results = batch.log(rows)
    batch.finish()
    return results
