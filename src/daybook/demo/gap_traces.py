"""Traces of work inside the small demo's gaps, so My Day's suggestions have something to say.

The simulated days leave real gaps (time away from the calendar) with nothing in them. Here
each technician's gaps of yesterday and today get what a busy technician leaves behind while
forgetting the timer: a note or two on one of their open tickets, written during the gap. The
suggestions then read "You wrote an internal note on #564 at 10:31 ..." next to the entries
that touch the gap.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta

from daybook.core.time import local_date
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES
from daybook.service.models import Ticket, TicketNote
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.models import TimeEntry

MIN_MINUTES = 20

CLIENT_NOTES = [
    "Called the user back; they will try again after lunch and let us know.",
    "Walked the user through it on the phone; it works again from their desk.",
    "Sent the steps by email and asked for a screenshot if it happens again.",
]
INTERNAL_NOTES = [
    "Checked the logs on the server: nothing unusual before the error started.",
    "Compared the settings with a working machine; the difference is the proxy entry.",
    "Looked up the vendor's article on this; the fix needs a restart tonight.",
]


def seed_gap_traces(*, now: datetime, seed: int = 42) -> int:
    """Notes in the technicians' gaps of yesterday and today (their local days, up to `now`).
    Returns the notes written."""
    rng = random.Random(f"{seed}-gap-traces")
    technicians = list(
        Member.objects.filter(user__groups__name=Role.TECHNICIAN, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    # Their open tickets, else the tickets they worked on in the last weeks.
    tickets: dict[int, set[int]] = defaultdict(set)
    for ticket_id, member_id in Ticket.objects.filter(
        assignee__in=technicians, status__in=OPEN_STATUSES
    ).values_list("pk", "assignee_id"):
        tickets[member_id].add(ticket_id)
    for ticket_id, member_id in TimeEntry.objects.filter(
        member__in=[m for m in technicians if m.pk not in tickets],
        ticket__isnull=False,
        start__gte=now - timedelta(days=21),
    ).values_list("ticket_id", "member_id"):
        tickets[member_id].add(ticket_id)
    notes = []
    for member in technicians:
        choices = sorted(tickets[member.pk])
        if not choices:
            continue
        today = local_date(now, member.zone)
        for day in (today - timedelta(days=1), today):
            figures = day_figures(day=day, members=[member], now=now)[member.pk]
            # The gaps a reviewer would ask about, and the shorter ones worth a note.
            gaps = [*figures.gaps, *(g for g in figures.small_gaps if g.minutes >= MIN_MINUTES)]
            for gap in gaps:
                notes += _notes_in(gap.start, gap.end, member, rng.choice(choices), rng)
    TicketNote.objects.bulk_create(notes)
    return len(notes)


def _notes_in(start: datetime, end: datetime, member: Member, ticket_id: int, rng) -> list:
    """One internal note a few minutes into the gap, and often a client note near its end."""
    minutes = int((end - start).total_seconds() // 60)
    written = [
        TicketNote(
            ticket_id=ticket_id,
            author=member,
            text=rng.choice(INTERNAL_NOTES),
            client_visible=False,
            created_at=start + timedelta(minutes=min(minutes - 1, rng.randint(4, 15))),
        )
    ]
    if minutes >= 30 and rng.random() < 0.6:
        written.append(
            TicketNote(
                ticket_id=ticket_id,
                author=member,
                text=rng.choice(CLIENT_NOTES),
                client_visible=True,
                created_at=end - timedelta(minutes=rng.randint(2, 8)),
            )
        )
    return written
