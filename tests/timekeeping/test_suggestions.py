"""Suggestions for the gaps in a member's day, from their own traces: status changes and
notes on tickets, the entries around a gap, and the meetings in their calendar."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daybook.calendars.models import CalendarSubscription, Meeting
from daybook.clients.models import Contact
from daybook.service.choices import TicketStatus
from daybook.service.models import TicketNote, TicketStatusChange
from daybook.timekeeping.services import entry_log
from daybook.timekeeping.suggestions import gap_suggestions
from tests.factories import CompanyFactory, TicketFactory, WorkTypeFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 11)  # a Wednesday; New York is on summer time (UTC-4)
NOW = datetime(2026, 3, 11, 16, 30, tzinfo=UTC)  # 12:30 in New York


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 11, hour, minute, tzinfo=UTC)


@pytest.fixture
def client_work(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def meeting_type(db):
    return WorkTypeFactory(name="Internal Meeting", is_payroll_wrap=True)


def log(member, ticket, start, end, work_type):
    return entry_log(
        member=member,
        start=start,
        end=end,
        ticket=ticket,
        work_type=work_type,
        work_role=member.default_work_role,
        notes="Worked on it",
    )


def meet(member, start, end, title, **extra):
    subscription = CalendarSubscription.objects.get_or_create(
        member=member, label="Work", url="https://calendar.google.com/x.ics"
    )[0]
    return Meeting.objects.create(
        subscription=subscription,
        member=member,
        uid=f"{title}-{start:%H%M}",
        start=start,
        end=end,
        title=title,
        **extra,
    )


def test_a_gap_is_explained_by_the_members_own_traces(tech, lead, client_work, meeting_type):
    printer, server, mailbox = TicketFactory(), TicketFactory(), TicketFactory()
    log(tech, printer, utc(13), utc(14), client_work)  # 09:00-10:00 in New York
    log(tech, server, utc(15), utc(16), client_work)  # 11:00-12:00
    TicketStatusChange.objects.create(
        ticket=mailbox,
        from_status=TicketStatus.IN_PROGRESS,
        to_status=TicketStatus.WAITING_CLIENT,
        at=utc(14, 12),
        by=tech,
    )
    TicketNote.objects.create(
        ticket=mailbox, author=tech, text="Asked for the PST", created_at=utc(14, 31)
    )
    # Someone else's work at the same time is none of this member's suggestions.
    TicketNote.objects.create(
        ticket=TicketFactory(), author=lead, text="Mine", created_at=utc(14, 20)
    )
    meet(tech, utc(16), utc(16, 30), "Weekly service desk stand-up")

    found = gap_suggestions(member=tech, day=DAY, now=NOW)

    assert [(s.start, s.end, s.ticket, s.source) for s in found] == [
        (utc(14), utc(15), mailbox, "activity"),
        (utc(14), utc(15), printer, "neighbour"),
        (utc(14), utc(15), server, "neighbour"),
        (utc(16), utc(16, 30), None, "meeting"),
        (utc(16), utc(16, 30), server, "neighbour"),
    ]
    assert found[0].reason == (
        f"You set #{mailbox.pk} to Waiting Client at 10:12 and wrote an internal note on "
        f"#{mailbox.pk} at 10:31."
    )
    assert found[0].work_type == client_work
    assert found[1].reason == f"Your entry on #{printer.pk} ends at 10:00, right by this gap."
    assert found[3].reason == (
        "Your calendar has “Weekly service desk stand-up” from 12:00 to 12:30."
    )
    assert found[3].work_type == meeting_type
    assert found[3].minutes == 30


def test_a_meeting_goes_to_the_ticket_it_names_or_its_contacts_ticket(tech, client_work):
    named = TicketFactory()
    contact = Contact.objects.create(
        company=CompanyFactory(name="Acme"), name="Carl Client", email="carl@acme.example"
    )
    asked = TicketFactory(contact=contact, company=contact.company, agreement=None)
    meet(tech, utc(13), utc(13, 30), f"Call about #{named.pk}")
    meet(tech, utc(14), utc(14, 30), "Quarterly review", attendees="Carl carl@acme.example")
    meet(tech, utc(15), utc(15, 30), "", private=True)

    found = gap_suggestions(member=tech, day=DAY, now=NOW)
    by_start = {s.start: s for s in found if s.source == "meeting"}

    assert by_start[utc(13)].ticket == named
    assert by_start[utc(14)].ticket == asked
    assert by_start[utc(15)].ticket is None
    assert by_start[utc(15)].reason == "Your calendar has a private event from 11:00 to 11:30."


def test_no_gap_no_suggestion(tech, client_work):
    ticket = TicketFactory()
    log(tech, ticket, utc(13), NOW, client_work)
    TicketNote.objects.create(ticket=ticket, author=tech, text="Done", created_at=utc(14))
    assert gap_suggestions(member=tech, day=DAY, now=NOW) == []


def _queries(member) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = gap_suggestions(member=member, day=DAY, now=NOW)
    assert found
    return len(queries)


def test_the_queries_do_not_grow_with_the_traces(tech, client_work):
    first = TicketFactory()
    log(tech, first, utc(13), utc(14), client_work)
    TicketNote.objects.create(ticket=first, author=tech, text="One", created_at=utc(14, 5))
    few = _queries(tech)
    # Many more tickets touched and entries logged around many more gaps.
    for hour in (15, 16):
        ticket = TicketFactory()
        log(tech, ticket, utc(hour - 1, 30), utc(hour), client_work)
        for minute in (5, 12, 20):
            TicketStatusChange.objects.create(
                ticket=TicketFactory(),
                from_status=TicketStatus.NEW,
                to_status=TicketStatus.IN_PROGRESS,
                at=utc(hour, minute),
                by=tech,
            )
            TicketNote.objects.create(
                ticket=ticket, author=tech, text="More", created_at=utc(hour, minute + 1)
            )
    assert len(gap_suggestions(member=tech, day=DAY, now=NOW)) >= 7
    assert _queries(tech) == few


def test_a_days_suggestions_read_in_a_few_queries_with_every_kind_of_trace(
    tech, client_work, meeting_type
):
    """Traces, neighbouring entries and meetings come in one read, the member's timer and
    holiday with the member: seven queries for a stored past day with a meeting (six
    without), ten for today (the day's engine reads its entries, work types and agreements
    afresh)."""
    ticket = TicketFactory(work_type=client_work)
    log(tech, ticket, utc(13), utc(14), client_work)
    TicketNote.objects.create(ticket=ticket, author=tech, text="Called", created_at=utc(14, 5))
    TicketStatusChange.objects.create(
        ticket=ticket,
        from_status=TicketStatus.NEW,
        to_status=TicketStatus.IN_PROGRESS,
        at=utc(14, 20),
        by=tech,
    )
    meet(tech, utc(15), utc(15, 30), "Stand-up")
    log(tech, TicketFactory(work_type=client_work), utc(16), utc(16, 30), client_work)
    today = _queries(tech)
    evening = datetime(2026, 3, 12, 12, tzinfo=UTC)
    gap_suggestions(member=tech, day=DAY, now=evening)  # the ended day is stored
    with CaptureQueriesContext(connection) as queries:
        found = gap_suggestions(member=tech, day=DAY, now=evening)

    assert {s.source for s in found} == {"meeting", "activity", "neighbour"}
    assert len(queries) == 7
    assert today == 10
