"""The dispatcher's agreement queue: tickets whose logged time went to no valid agreement, and
tickets a member flagged as having the wrong one.

Agreement verification is the dispatcher's job, so the review sends these findings here rather
than asking the technician. A ticket leaves the queue when its waiting time is applied to a
valid agreement (`services.ticket_agreement_fix`) and its flags are answered. The queue names
tickets, never people or hours: how much of whose time waits is not the dispatcher's to read.
"""

from collections import defaultdict
from collections.abc import Sequence
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


def _maybe_unapplied(*, since: datetime, until: datetime) -> Q:
    """Entries whose agreement is missing or may not have been active on their local date.
    The UTC date of the start is a day away from the local date at most, so comparing with
    it (edges included) finds every such entry and a few more; the exact check follows.

    Only an agreement starting after the window opens or ending before it closes can be
    inactive on a day in it. Naming those agreements lets the database read their entries,
    and those on no agreement, from the (agreement, start) index instead of every entry in
    the window: 0.6 s at 3.4 million entries."""
    utc_day = TruncDate("start", tzinfo=UTC)
    # Client time is logged once worked (only time off, never on a ticket, is booked ahead);
    # a day's slack past `until` all the same.
    first, last = since.astimezone(UTC).date(), (until + ZONE_SLACK).astimezone(UTC).date()
    edges = Agreement.objects.filter(Q(start_date__gte=first) | Q(end_date__lte=last))
    return Q(agreement__isnull=True) | (
        Q(agreement_id__in=list(edges.values_list("pk", flat=True)))
        & (Q(agreement__start_date__gte=utc_day) | Q(agreement__end_date__lte=utc_day))
    )


# What the agreement check reads of an entry; the queue loads only these (3 to 4 times faster
# to build than whole rows, at thousands of entries).
CHECKED_FIELDS = (
    "ticket_id",
    "start",
    "end",
    "member__time_zone",
    "agreement__start_date",
    "agreement__end_date",
    "work_type__is_payroll_wrap",
)


def unapplied_entries(
    *, ticket: Ticket | None = None, now: datetime | None = None, only_checked: bool = False
) -> list[TimeEntry]:
    """Unlocked client entries on tickets (or on one ticket) whose agreement check is
    UNAPPLIED on their local date, oldest first. `only_checked`: with only the fields the
    check reads (CHECKED_FIELDS), for a reader that changes nothing."""
    now = now or timezone.now()
    since = now - LOOK_BACK
    closed = closed_through()
    if closed is not None:
        since = max(since, datetime.combine(closed + ZONE_SLACK, time.min, tzinfo=UTC) - ZONE_SLACK)
    rows = (
        TimeEntry.objects.filter(
            _maybe_unapplied(since=since, until=now), ticket__isnull=False, start__gte=since
        )
        .exclude(approval_state__in=LOCKED_STATES)
        .exclude(work_type__is_payroll_wrap=True)
        .select_related("member", "agreement", "work_type")
        .prefetch_related("agreement__covered_work_types")
        .order_by("start", "pk")
    )
    if only_checked:
        rows = rows.only(*CHECKED_FIELDS)
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


@dataclass(frozen=True)
class Waiting:
    """A ticket's place in the queue: the local days of its time waiting for a valid
    agreement, and its open flags (oldest first)."""

    ticket_id: int
    days: list[date]
    flags: list[AgreementFlag]

    @property
    def since(self) -> date:
        flagged = self.flags[0].created_at.date() if self.flags else date.max
        return min(min(self.days, default=date.max), flagged)


def agreement_queue_order() -> list[Waiting]:
    """Every ticket with time waiting for a valid agreement or an open flag, the longest
    waiting first. A fixed number of queries, whatever the queue's length; the tickets
    themselves are read by `queue_rows`, for the part shown."""
    days: dict[int, list[date]] = defaultdict(list)
    for entry in unapplied_entries(only_checked=True):
        days[entry.ticket_id].append(local_date(entry.start, entry.member.zone))
    flags: dict[int, list[AgreementFlag]] = defaultdict(list)
    open_flags = AgreementFlag.objects.filter(resolved_at__isnull=True).select_related(
        "raised_by__user"
    )
    for flag in open_flags.order_by("created_at", "pk"):
        flags[flag.ticket_id].append(flag)
    waiting = [
        Waiting(ticket_id=pk, days=days.get(pk, []), flags=flags.get(pk, []))
        for pk in set(days) | set(flags)
    ]
    return sorted(waiting, key=lambda w: (w.since, w.ticket_id))


def queue_rows(waiting: Sequence[Waiting]) -> list[QueueRow]:
    """The queue's rows for these tickets, in their order: each with its company's
    agreements, to pick the right one. Two queries."""
    tickets = Ticket.objects.filter(pk__in=[w.ticket_id for w in waiting]).select_related(
        "company", "agreement", "board"
    )
    by_pk = {ticket.pk: ticket for ticket in tickets}
    agreements: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in Agreement.objects.filter(
        company_id__in={t.company_id for t in by_pk.values()}
    ).order_by("-start_date", "name"):
        agreements[agreement.company_id].append(agreement)
    return [
        QueueRow(
            ticket=by_pk[w.ticket_id],
            waiting=len(w.days),
            first_day=min(w.days, default=None),
            last_day=max(w.days, default=None),
            flags=w.flags,
            agreements=agreements.get(by_pk[w.ticket_id].company_id, []),
        )
        for w in waiting
    ]


def agreement_queue() -> list[QueueRow]:
    """The whole queue, the longest waiting first (agreement_queue_order, queue_rows)."""
    return queue_rows(agreement_queue_order())
