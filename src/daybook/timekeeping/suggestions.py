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
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.utils import timezone

from daybook.calendars.models import Meeting
from daybook.catalogue.models import WorkType
from daybook.core.time import Span, local_date, local_day_bounds
from daybook.people.models import Member
from daybook.people.selectors import with_holidays
from daybook.service.choices import OPEN_STATUSES, TicketStatus
from daybook.service.models import Ticket, TicketNote, TicketStatusChange

from .choices import SuggestionSource
from .day_figures import day_figures
from .defaults import default_work_type, internal_work_type, usual_client_work_type
from .models import LONGEST_ENTRY, SuggestionDismissal, TimeEntry, Timer
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


class _Activity(NamedTuple):
    """One row of the member's day as `_day_activity` reads it: what each column holds
    depends on `kind` (see there)."""

    kind: str
    begins: datetime
    ends: datetime
    ticket_id: int | None
    thing: int
    words: str
    more: str
    flag: bool


class _Meeting(NamedTuple):
    """A calendar meeting, as much of it as a suggestion needs."""

    pk: int
    start: datetime
    end: datetime
    title: str
    attendees: str
    private: bool


def _day_activity(member: Member, start: datetime, end: datetime) -> list[_Activity]:
    """Everything of the member's own around their local day [start, end), in one read (a
    query each would cost more than the rows, most on PostgreSQL), in time order: status
    changes they made ("status": `thing` the change, `words` the new status), notes they
    wrote ("note": `flag` client-visible), their entries on tickets touching the day
    ("entry": `thing` the work type, `flag` payroll wrap) and their calendar's meetings
    ("meeting": `words` the title, `more` the attendees, `flag` private). Rows, not model
    instances: only the few near a gap matter, and the tickets those name are read
    afterwards in one query."""
    changes = (
        TicketStatusChange.objects.filter(by=member, at__gte=start - NEAR, at__lt=end + NEAR)
        .order_by()
        .values_list(
            Value("status"), "at", "at", "ticket_id", "pk", "to_status", Value(""), Value(False)
        )
    )
    notes = (
        TicketNote.objects.filter(
            author=member, created_at__gte=start - NEAR, created_at__lt=end + NEAR
        )
        .order_by()
        .values_list(
            Value("note"),
            "created_at",
            "created_at",
            "ticket_id",
            "pk",
            Value(""),
            Value(""),
            "client_visible",
        )
    )
    entries = (
        # Bounded below too (entries are at most a day long): a short stretch of the
        # (member, start) index, however long the member's history.
        TimeEntry.objects.filter(
            member=member,
            start__gte=start - TOUCHING - LONGEST_ENTRY,
            start__lt=end + TOUCHING,
            end__gt=start - TOUCHING,
            ticket__isnull=False,
        )
        .order_by()
        .values_list(
            Value("entry"),
            "start",
            "end",
            "ticket_id",
            "work_type_id",
            Value(""),
            Value(""),
            "work_type__is_payroll_wrap",
        )
    )
    meetings = (
        Meeting.objects.filter(member=member, start__lt=end, end__gt=start)
        .order_by()
        .values_list(
            Value("meeting"),
            "start",
            "end",
            Value(None, output_field=IntegerField()),
            "pk",
            "title",
            "attendees",
            "private",
        )
    )
    rows = [_Activity(*row) for row in changes.union(notes, entries, meetings, all=True)]
    # A day's few dozen rows sort faster here than the union's ordering compiles.
    return sorted(rows, key=lambda row: (row.begins, row.kind, row.thing, row.ends))


def _traces(activity: list[_Activity]) -> list[_Trace]:
    """The member's status changes and notes on tickets, in time order."""
    statuses = dict(TicketStatus.choices)
    traces = []
    for row in activity:
        if row.kind == "status":
            words = f"set #{row.ticket_id} to {statuses.get(row.words, row.words)}"
        elif row.kind == "note":
            which = "a client note" if row.flag else "an internal note"
            words = f"wrote {which} on #{row.ticket_id}"
        else:
            continue
        traces.append(_Trace(row.begins, row.ticket_id, words))
    return traces


def _neighbours(activity: list[_Activity]) -> list[_Neighbour]:
    return [
        _Neighbour(row.begins, row.ends, row.ticket_id, row.thing, row.flag)
        for row in activity
        if row.kind == "entry"
    ]


def _meetings(activity: list[_Activity]) -> list[_Meeting]:
    return [
        _Meeting(row.thing, row.begins, row.ends, row.words, row.more, row.flag)
        for row in activity
        if row.kind == "meeting"
    ]


def _touches(entry: _Neighbour, gap: Span) -> str | None:
    """ "before" or "after" when the entry ends at the gap's start or starts at its end."""
    if abs(entry.end - gap.start) <= TOUCHING:
        return "before"
    if abs(entry.start - gap.end) <= TOUCHING:
        return "after"
    return None


def _meeting_ticket(meeting: _Meeting, tickets_by_number: dict[int, Ticket], by_contact):
    for number in TICKET_NUMBER.findall(meeting.title):
        if int(number) in tickets_by_number:
            return tickets_by_number[int(number)]
    words = meeting.attendees.lower()
    for email, ticket in by_contact.items():
        if email in words:
            return ticket
    return None


def _meeting_lookups(meetings: list[_Meeting]) -> tuple[dict[int, Ticket], dict[str, Ticket]]:
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


def _work_types(ids: set[int], tickets: dict[int, Ticket]) -> dict[int, WorkType]:
    """The work types by id, taking those the tickets came with and reading only the rest
    (the entries next to a gap are usually of their ticket's own type)."""
    known = {
        work_type.pk: work_type
        for ticket in tickets.values()
        for work_type in (ticket.work_type, ticket.board.default_work_type)
        if work_type is not None
    }
    missing = ids - known.keys()
    if missing:
        known.update(WorkType.objects.in_bulk(missing))
    return known


def _meeting_work_type() -> WorkType | None:
    """Internal meetings go to the wrap type named for meetings, else the first wrap type."""
    named = (
        WorkType.objects.filter(is_active=True, is_payroll_wrap=True, name__icontains="meeting")
        .order_by("name")
        .first()
    )
    return named or internal_work_type()


def _member_on(member: Member, day: date) -> Member:
    """The member read again with their holiday on `day` and their running timer's start
    (`timer_started_at`) in the same query, which the day's figures would read one by one."""
    running = Timer.objects.filter(member=OuterRef("pk")).values("started_at")
    members = Member.objects.filter(pk=member.pk).order_by()
    (again,) = with_holidays(members.annotate(timer_started_at=Subquery(running)), day)
    return again


def gap_suggestions(*, member: Member, day: date, now: datetime | None = None) -> list[Suggestion]:
    """Suggestions for each gap (small ones too: this is the member's own view) of the
    member's local `day`, at most three a gap, the likeliest first."""
    now = now or timezone.now()
    again = _member_on(member, day)
    timers = {member.pk: again.timer_started_at}
    if day < local_date(now, member.zone):
        # A day gone by is usually stored whole (timekeeping.summaries): one read, not the
        # engine's handful; today is still growing, so it is worked out afresh.
        figures = day_summaries(day=day, members=[again], now=now, timers=timers)[member.pk]
    else:
        figures = day_figures(day=day, members=[again], now=now, timers=timers)[member.pk]
    gaps = sorted((*figures.gaps, *figures.small_gaps), key=lambda g: g.start)
    if not gaps:
        return []
    start, end = local_day_bounds(day, member.zone)
    activity = _day_activity(member, start, end)
    traces, entries, meetings = _traces(activity), _neighbours(activity), _meetings(activity)
    near = {gap: [t for t in traces if _near(t.at, gap)] for gap in gaps}
    touching = {gap: [(e, _touches(e, gap)) for e in entries if _touches(e, gap)] for gap in gaps}
    ticket_ids = {t.ticket_id for ts in near.values() for t in ts} | {
        e.ticket_id for es in touching.values() for e, _ in es
    }
    tickets = Ticket.objects.select_related(*TICKET_TYPES).in_bulk(ticket_ids) if ticket_ids else {}
    work_types = _work_types(
        {e.work_type_id for es in touching.values() for e, _ in es if not e.wrap}, tickets
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
