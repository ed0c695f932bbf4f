"""The dispatcher's agreement queue: tickets whose logged time went to no valid agreement, and
tickets a member flagged as having the wrong one.

Agreement verification is the dispatcher's job, so the review sends these findings here rather
than asking the technician. A ticket leaves the queue when its waiting time is applied to a
valid agreement (`services.ticket_agreement_fix`) and its flags are answered. The queue names
tickets, never people or hours: how much of whose time waits is not the dispatcher's to read.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from daybook.catalogue.choices import AgreementCheck
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.core.time import local_date
from daybook.service.models import AgreementFlag, Ticket

from .choices import LOCKED_STATES
from .models import TimeEntry
from .selectors import closed_through, span_lock_reason

# The agreement checks that are the dispatcher's to fix (the day engine's matching findings are
# DISPATCH_FINDINGS in day.py): time on no agreement, or on one not active that day.
UNAPPLIED = frozenset({AgreementCheck.NO_AGREEMENT, AgreementCheck.OUT_OF_DATES})

# The queue looks this far back. Older time is normally in a closed period by then; what is
# not is Finance's to sort out with the period, not the dispatcher's.
LOOK_BACK = timedelta(days=180)
# A member's local date is within a day of the UTC date of the same moment.
ZONE_SLACK = timedelta(days=1)


def _maybe_unapplied() -> Q:
    """Entries whose agreement is missing or may not have been active on their local date.
    The UTC date of the start is a day away from the local date at most, so comparing with
    it (edges included) finds every such entry and a few more; the exact check follows."""
    utc_day = TruncDate("start", tzinfo=UTC)
    return (
        Q(agreement__isnull=True)
        | Q(agreement__start_date__gte=utc_day)
        | Q(agreement__end_date__lte=utc_day)
    )


def unapplied_entries(
    *, ticket: Ticket | None = None, now: datetime | None = None
) -> list[TimeEntry]:
    """Unlocked client entries on tickets (or on one ticket) whose agreement check is
    UNAPPLIED on their local date, oldest first."""
    since = (now or timezone.now()) - LOOK_BACK
    closed = closed_through()
    if closed is not None:
        since = max(since, datetime.combine(closed + ZONE_SLACK, time.min, tzinfo=UTC) - ZONE_SLACK)
    rows = (
        TimeEntry.objects.filter(_maybe_unapplied(), ticket__isnull=False, start__gte=since)
        .exclude(approval_state__in=LOCKED_STATES)
        .exclude(work_type__is_payroll_wrap=True)
        .select_related("member", "agreement", "work_type")
        .prefetch_related("agreement__covered_work_types")
        .order_by("start", "pk")
    )
    if ticket is not None:
        rows = rows.filter(ticket=ticket)
    found = []
    for entry in rows:
        on = local_date(entry.start, entry.member.zone)
        check = agreement_check(agreement=entry.agreement, work_type=entry.work_type, on=on)
        if check not in UNAPPLIED:
            continue
        if span_lock_reason(member=entry.member, start=entry.start, end=entry.end, closed=closed):
            continue
        found.append(entry)
    return found


@dataclass(frozen=True)
class QueueRow:
    """One ticket in the queue: why it is there, and what the dispatcher may apply to it."""

    ticket: Ticket
    waiting: int = 0  # entries applied to no valid agreement
    first_day: date | None = None
    last_day: date | None = None
    flags: list[AgreementFlag] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if not self.waiting:
            return "Flagged"
        entries = "entry" if self.waiting == 1 else "entries"
        if self.ticket.agreement_id is None:
            return f"{self.waiting} {entries} on no agreement"
        return f"{self.waiting} {entries} on an agreement not active that day"


def agreement_queue() -> list[QueueRow]:
    """Every ticket with time waiting for a valid agreement or an open flag, the longest
    waiting first; with each company's agreements, to pick the right one. A fixed number of
    queries."""
    waiting: dict[int, list[date]] = defaultdict(list)
    for entry in unapplied_entries():
        waiting[entry.ticket_id].append(local_date(entry.start, entry.member.zone))
    flags: dict[int, list[AgreementFlag]] = defaultdict(list)
    open_flags = AgreementFlag.objects.filter(resolved_at__isnull=True).select_related(
        "raised_by__user"
    )
    for flag in open_flags.order_by("created_at", "pk"):
        flags[flag.ticket_id].append(flag)
    tickets = Ticket.objects.filter(pk__in=set(waiting) | set(flags)).select_related(
        "company", "agreement", "board"
    )
    tickets = list(tickets)
    agreements: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in Agreement.objects.filter(
        company_id__in={t.company_id for t in tickets}
    ).order_by("-start_date", "name"):
        agreements[agreement.company_id].append(agreement)
    rows = [
        QueueRow(
            ticket=ticket,
            waiting=len(waiting.get(ticket.pk, ())),
            first_day=min(waiting[ticket.pk]) if ticket.pk in waiting else None,
            last_day=max(waiting[ticket.pk]) if ticket.pk in waiting else None,
            flags=flags.get(ticket.pk, []),
            agreements=agreements.get(ticket.company_id, []),
        )
        for ticket in tickets
    ]

    def since(row: QueueRow):
        flagged = row.flags[0].created_at.date() if row.flags else date.max
        return (min(row.first_day or date.max, flagged), row.ticket.pk)

    return sorted(rows, key=since)
