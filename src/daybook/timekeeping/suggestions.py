"""What the member was probably doing in a gap of their day, from their own traces: status
changes and notes they made on tickets, the entries just before and after, and the meetings
in their calendar. For the member alone: nothing here is shown to a reviewer, put in a report
or served to anyone else (the callers check that the viewer is the member).

A suggestion only fills the entry form; saving it is an ordinary entry through entry_log,
logged after the fact, so the real-time share stays honest."""

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.calendars.models import Meeting
from daybook.catalogue.models import WorkType
from daybook.core.time import Span, local_date, local_day_bounds
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES, TicketStatus
from daybook.service.models import Ticket, TicketNote, TicketStatusChange

from .choices import SuggestionSource
from .day_figures import day_figures
from .defaults import default_work_type, internal_work_type, usual_client_work_type
from .models import SuggestionDismissal, TimeEntry
from .summaries import day_summaries

# Traces this close to a gap count as part of it: a note written just after a call, say.
NEAR = timedelta(minutes=10)
# An entry that ends this close to a gap's start (or starts this close to its end) suggests
# the work went on.
TOUCHING = timedelta(minutes=5)
TICKET_NUMBER = re.compile(r"#(\d{1,9})\b")
MOST_PER_GAP = 3
# A key ends with its gap's start in UTC, so the key alone tells which day it belongs to.
KEY_MOMENT = "%Y%m%dT%H%M"
NOT_OFFERED = (
    "That is not one of the suggestions for your day: the gap may have been logged, or the "
    "suggestion dismissed, since the page was loaded."
)
# What default_work_type reads of a ticket, fetched with it.
TICKET_TYPES = ("work_type", "board__default_work_type")


@dataclass(frozen=True)
class Suggestion:
    """One proposed entry for a gap: the times to log, what to charge and why we think so."""

    key: str  # stable for the same gap and source: the page uses it to dismiss one
    gap: Span
    start: datetime
    end: datetime
    ticket: Ticket | None
    work_type: WorkType | None
    reason: str
    source: str  # a SuggestionSource

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


@dataclass(frozen=True)
class _Trace:
    at: datetime
    ticket_id: int
    words: str  # "set #564 to Waiting Client"


class _Neighbour(NamedTuple):
    """An entry on a ticket, as much of it as a neighbour suggestion needs."""

    start: datetime
    end: datetime
    ticket_id: int
    work_type_id: int
    wrap: bool


def _key(source: str, thing: int, gap: Span) -> str:
    return f"{source}:{thing}:{gap.start.astimezone(UTC):{KEY_MOMENT}}"


def suggestion_day(key: str, member: Member) -> date | None:
    """The member's local date of the gap a suggestion key names, or None for a string that is
    no suggestion key."""
    try:
        moment = datetime.strptime(key.rsplit(":", 1)[-1], KEY_MOMENT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return timezone.localtime(moment, member.zone).date()


def _clock(moment: datetime, member: Member) -> str:
    return timezone.localtime(moment, member.zone).strftime("%H:%M")


def _near(moment: datetime, gap: Span) -> bool:
    return gap.start - NEAR <= moment <= gap.end + NEAR


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# Rows, not model instances: a busy day has dozens of traces and only a few near a gap, and
# the tickets those few name are read afterwards in one query.
def _traces(member: Member, start: datetime, end: datetime) -> list[_Trace]:
    """The member's status changes and notes on tickets during the local day."""
    statuses = dict(TicketStatus.choices)
    traces = [
        _Trace(at, ticket_id, f"set #{ticket_id} to {statuses.get(status, status)}")
        for at, ticket_id, status in TicketStatusChange.objects.filter(
            by=member, at__gte=start - NEAR, at__lt=end + NEAR
        )
        # Not the model's ordering: through the ticket's it would join and sort for nothing.
        .order_by("at", "pk")
        .values_list("at", "ticket_id", "to_status")
    ]
    traces += [
        _Trace(
            at,
            ticket_id,
            f"wrote {'a client note' if client_visible else 'an internal note'} on #{ticket_id}",
        )
        for at, ticket_id, client_visible in TicketNote.objects.filter(
            author=member, created_at__gte=start - NEAR, created_at__lt=end + NEAR
        )
        .order_by("created_at", "pk")
        .values_list("created_at", "ticket_id", "client_visible")
    ]
    return sorted(traces, key=lambda t: t.at)


def _neighbours(member: Member, start: datetime, end: datetime) -> list[_Neighbour]:
    return [
        _Neighbour(*row)
        for row in TimeEntry.objects.filter(
            member=member, start__lt=end + TOUCHING, end__gt=start - TOUCHING, ticket__isnull=False
        )
        .order_by("start", "pk")
        .values_list("start", "end", "ticket_id", "work_type_id", "work_type__is_payroll_wrap")
    ]


def _touches(entry: _Neighbour, gap: Span) -> str | None:
    """ "before" or "after" when the entry ends at the gap's start or starts at its end."""
    if abs(entry.end - gap.start) <= TOUCHING:
        return "before"
    if abs(entry.start - gap.end) <= TOUCHING:
        return "after"
    return None


def _meeting_ticket(meeting: Meeting, tickets_by_number: dict[int, Ticket], by_contact):
    for number in TICKET_NUMBER.findall(meeting.title):
        if int(number) in tickets_by_number:
            return tickets_by_number[int(number)]
    words = meeting.attendees.lower()
    for email, ticket in by_contact.items():
        if email in words:
            return ticket
    return None


def _meeting_lookups(meetings: list[Meeting]) -> tuple[dict[int, Ticket], dict[str, Ticket]]:
    """Tickets the meetings name by number, and each attendee contact's latest open ticket:
    one query each, whatever the number of meetings."""
    numbers = {int(n) for m in meetings for n in TICKET_NUMBER.findall(m.title)}
    by_number = Ticket.objects.select_related(*TICKET_TYPES).in_bulk(numbers) if numbers else {}
    emails = {
        word.lower()
        for m in meetings
        for word in m.attendees.split()
        if "@" in word and not m.private
    }
    by_contact: dict[str, Ticket] = {}
    if emails:
        for ticket in (
            Ticket.objects.filter(contact__email__in=emails, status__in=OPEN_STATUSES)
            .select_related("contact", *TICKET_TYPES)
            .order_by("-opened_at", "-pk")
        ):
            by_contact.setdefault(ticket.contact.email.lower(), ticket)
    return by_number, by_contact


def _meeting_work_type() -> WorkType | None:
    """Internal meetings go to the wrap type named for meetings, else the first wrap type."""
    named = (
        WorkType.objects.filter(is_active=True, is_payroll_wrap=True, name__icontains="meeting")
        .order_by("name")
        .first()
    )
    return named or internal_work_type()


def gap_suggestions(*, member: Member, day: date, now: datetime | None = None) -> list[Suggestion]:
    """Suggestions for each gap (small ones too: this is the member's own view) of the
    member's local `day`, at most three a gap, the likeliest first."""
    now = now or timezone.now()
    if day < local_date(now, member.zone):
        # A day gone by is usually stored whole (timekeeping.summaries): one read, not the
        # engine's handful; today is still growing, so it is worked out afresh.
        figures = day_summaries(day=day, members=[member], now=now)[member.pk]
    else:
        figures = day_figures(day=day, members=[member], now=now)[member.pk]
    gaps = sorted((*figures.gaps, *figures.small_gaps), key=lambda g: g.start)
    if not gaps:
        return []
    start, end = local_day_bounds(day, member.zone)
    traces = _traces(member, start, end)
    entries = _neighbours(member, start, end)
    near = {gap: [t for t in traces if _near(t.at, gap)] for gap in gaps}
    touching = {gap: [(e, _touches(e, gap)) for e in entries if _touches(e, gap)] for gap in gaps}
    ticket_ids = {t.ticket_id for ts in near.values() for t in ts} | {
        e.ticket_id for es in touching.values() for e, _ in es
    }
    tickets = Ticket.objects.select_related(*TICKET_TYPES).in_bulk(ticket_ids) if ticket_ids else {}
    type_ids = {e.work_type_id for es in touching.values() for e, _ in es if not e.wrap}
    work_types = WorkType.objects.in_bulk(type_ids) if type_ids else {}
    meetings = list(
        # Not the model's ordering: through the member's it would join their login.
        Meeting.objects.filter(member=member, start__lt=end, end__gt=start).order_by("start", "pk")
    )
    by_number, by_contact = _meeting_lookups(meetings)
    meeting_type = _meeting_work_type() if meetings else None
    usual = functools.cache(lambda: usual_client_work_type(member))

    def work_type_for(ticket: Ticket) -> WorkType | None:
        return default_work_type(ticket=ticket, member=member, usual=usual)

    found: list[Suggestion] = []
    for gap in gaps:
        mine: list[Suggestion] = []
        for meeting in meetings:
            begins, ends = max(gap.start, meeting.start), min(gap.end, meeting.end)
            if ends <= begins:
                continue
            ticket = _meeting_ticket(meeting, by_number, by_contact)
            what = f"“{meeting.title}”" if meeting.title else "a private event"
            mine.append(
                Suggestion(
                    key=_key("meeting", meeting.pk, gap),
                    gap=gap,
                    start=begins,
                    end=ends,
                    ticket=ticket,
                    work_type=work_type_for(ticket) if ticket else meeting_type,
                    reason=(
                        f"Your calendar has {what} from {_clock(meeting.start, member)} "
                        f"to {_clock(meeting.end, member)}."
                    ),
                    source=SuggestionSource.MEETING,
                )
            )
        by_ticket: dict[int, list[_Trace]] = defaultdict(list)
        for trace in near[gap]:
            by_ticket[trace.ticket_id].append(trace)
        for ticket_traces in sorted(by_ticket.values(), key=lambda ts: (-len(ts), ts[0].at)):
            ticket = tickets[ticket_traces[0].ticket_id]
            said = [f"{t.words} at {_clock(t.at, member)}" for t in ticket_traces]
            mine.append(
                Suggestion(
                    key=_key("activity", ticket.pk, gap),
                    gap=gap,
                    start=gap.start,
                    end=gap.end,
                    ticket=ticket,
                    work_type=work_type_for(ticket),
                    reason=f"You {_join(said)}.",
                    source=SuggestionSource.ACTIVITY,
                )
            )
        for entry, side in touching[gap]:
            if any(s.ticket is not None and s.ticket.pk == entry.ticket_id for s in mine):
                continue
            when = (
                f"ends at {_clock(entry.end, member)}"
                if side == "before"
                else f"starts at {_clock(entry.start, member)}"
            )
            mine.append(
                Suggestion(
                    key=_key("neighbour", entry.ticket_id, gap),
                    gap=gap,
                    start=gap.start,
                    end=gap.end,
                    ticket=tickets[entry.ticket_id],
                    work_type=None if entry.wrap else work_types[entry.work_type_id],
                    reason=f"Your entry on #{entry.ticket_id} {when}, right by this gap.",
                    source=SuggestionSource.NEIGHBOUR,
                )
            )
        found += mine[:MOST_PER_GAP]
    return found


def suggestions_offered(
    *, member: Member, day: date, now: datetime | None = None
) -> list[Suggestion]:
    """What My Day offers the member for `day`: the gaps' suggestions less those dismissed."""
    found = gap_suggestions(member=member, day=day, now=now)
    if not found:
        return []
    dismissed = set(
        SuggestionDismissal.objects.filter(member=member, day=day).values_list("key", flat=True)
    )
    return [s for s in found if s.key not in dismissed]


def suggestion_offered(
    *, member: Member, key: str, now: datetime | None = None
) -> Suggestion | None:
    """The suggestion with this key among those offered to the member now, or None: for
    anyone else's key, a stale one (its gap was logged) or one dismissed."""
    day = suggestion_day(key, member)
    if day is None:
        return None
    found = suggestions_offered(member=member, day=day, now=now)
    return next((s for s in found if s.key == key), None)


@transaction.atomic
def suggestion_dismiss(
    *, member: Member, key: str, now: datetime | None = None
) -> SuggestionDismissal:
    """Stop offering one of the member's suggestions, for good. Dismissing it again is no
    change; a key the member is not offered is refused, so nothing is stored for it."""
    day = suggestion_day(key, member)
    if day is not None:
        done = SuggestionDismissal.objects.filter(member=member, day=day, key=key).first()
        if done is not None:
            return done
    if suggestion_offered(member=member, key=key, now=now) is None:
        raise ValidationError({"key": NOT_OFFERED})
    dismissal, _ = SuggestionDismissal.objects.get_or_create(member=member, day=day, key=key)
    return dismissal
