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
from datetime import date, datetime, timedelta

from django.utils import timezone

from daybook.calendars.models import Meeting
from daybook.catalogue.models import WorkType
from daybook.core.time import Span, local_day_bounds
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES
from daybook.service.models import Ticket, TicketNote, TicketStatusChange

from .day_figures import day_figures
from .defaults import default_work_type, internal_work_type, usual_client_work_type
from .models import TimeEntry

# Traces this close to a gap count as part of it: a note written just after a call, say.
NEAR = timedelta(minutes=10)
# An entry that ends this close to a gap's start (or starts this close to its end) suggests
# the work went on.
TOUCHING = timedelta(minutes=5)
TICKET_NUMBER = re.compile(r"#(\d{1,9})\b")
MOST_PER_GAP = 3
# What default_work_type reads of a ticket, fetched with it.
TICKET_TYPES = ("ticket__work_type", "ticket__board__default_work_type")


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
    source: str  # "activity", "meeting" or "neighbour"

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


@dataclass(frozen=True)
class _Trace:
    at: datetime
    ticket: Ticket
    words: str  # "set #564 to Waiting Client"


def _clock(moment: datetime, member: Member) -> str:
    return timezone.localtime(moment, member.zone).strftime("%H:%M")


def _near(moment: datetime, gap: Span) -> bool:
    return gap.start - NEAR <= moment <= gap.end + NEAR


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _traces(member: Member, start: datetime, end: datetime) -> list[_Trace]:
    """The member's status changes and notes on tickets during the local day."""
    traces = [
        _Trace(
            change.at,
            change.ticket,
            f"set #{change.ticket_id} to {change.get_to_status_display()}",
        )
        for change in TicketStatusChange.objects.filter(
            by=member, at__gte=start - NEAR, at__lt=end + NEAR
        ).select_related(*TICKET_TYPES)
    ]
    traces += [
        _Trace(
            note.created_at,
            note.ticket,
            f"wrote {'a client note' if note.client_visible else 'an internal note'} "
            f"on #{note.ticket_id}",
        )
        for note in TicketNote.objects.filter(
            author=member, created_at__gte=start - NEAR, created_at__lt=end + NEAR
        ).select_related(*TICKET_TYPES)
    ]
    return sorted(traces, key=lambda t: t.at)


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
    by_number = (
        Ticket.objects.select_related("work_type", "board__default_work_type").in_bulk(numbers)
        if numbers
        else {}
    )
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
            .select_related("contact", "work_type", "board__default_work_type")
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
    figures = day_figures(day=day, members=[member], now=now)[member.pk]
    gaps = sorted((*figures.gaps, *figures.small_gaps), key=lambda g: g.start)
    if not gaps:
        return []
    start, end = local_day_bounds(day, member.zone)
    traces = _traces(member, start, end)
    entries = list(
        TimeEntry.objects.filter(
            member=member, start__lt=end + TOUCHING, end__gt=start - TOUCHING, ticket__isnull=False
        )
        .select_related("work_type", *TICKET_TYPES)
        .order_by("start", "pk")
    )
    meetings = list(Meeting.objects.filter(member=member, start__lt=end, end__gt=start))
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
                    key=f"meeting:{meeting.pk}:{gap.start:%Y%m%dT%H%M}",
                    gap=gap,
                    start=begins,
                    end=ends,
                    ticket=ticket,
                    work_type=work_type_for(ticket) if ticket else meeting_type,
                    reason=(
                        f"Your calendar has {what} from {_clock(meeting.start, member)} "
                        f"to {_clock(meeting.end, member)}."
                    ),
                    source="meeting",
                )
            )
        by_ticket: dict[int, list[_Trace]] = defaultdict(list)
        for trace in traces:
            if _near(trace.at, gap):
                by_ticket[trace.ticket.pk].append(trace)
        for ticket_traces in sorted(by_ticket.values(), key=lambda ts: (-len(ts), ts[0].at)):
            ticket = ticket_traces[0].ticket
            said = [f"{t.words} at {_clock(t.at, member)}" for t in ticket_traces]
            mine.append(
                Suggestion(
                    key=f"activity:{ticket.pk}:{gap.start:%Y%m%dT%H%M}",
                    gap=gap,
                    start=gap.start,
                    end=gap.end,
                    ticket=ticket,
                    work_type=work_type_for(ticket),
                    reason=f"You {_join(said)}.",
                    source="activity",
                )
            )
        for entry in entries:
            before = abs(entry.end - gap.start) <= TOUCHING
            after = abs(entry.start - gap.end) <= TOUCHING
            if not (before or after) or any(s.ticket == entry.ticket for s in mine):
                continue
            when = (
                f"ends at {_clock(entry.end, member)}"
                if before
                else f"starts at {_clock(entry.start, member)}"
            )
            mine.append(
                Suggestion(
                    key=f"neighbour:{entry.ticket_id}:{gap.start:%Y%m%dT%H%M}",
                    gap=gap,
                    start=gap.start,
                    end=gap.end,
                    ticket=entry.ticket,
                    work_type=entry.work_type if not entry.work_type.is_payroll_wrap else None,
                    reason=f"Your entry on #{entry.ticket_id} {when}, right by this gap.",
                    source="neighbour",
                )
            )
        found += mine[:MOST_PER_GAP]
    return found
