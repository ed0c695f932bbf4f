"""Calendars for a few demo technicians, so My Day's suggestions show meetings.

Each of the first technicians gets a calendar (an Outlook or a Google address, on a host the
default allow-list has) and the meetings a service desk calendar holds over the last weeks: the
team's weekly stand-up, a weekly call with a client that names one of the technician's tickets
(#N, which the suggestion turns into that ticket), a private appointment, and, in the gaps of
yesterday and today, a client call and a one-off briefing. The demo never reads these
addresses (they lead nowhere): the meetings are written here and the calendars marked as read.
"""

import random
from datetime import date, datetime, time, timedelta

from daybook.calendars.models import CalendarSubscription, Meeting
from daybook.core.time import Span, local_date
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES
from daybook.service.models import Ticket
from daybook.timekeeping.day_figures import day_figures

WITH_CALENDARS = 3  # technicians, the showcase technician first
WEEKS = 4  # the refresh keeps a month; so does the demo
MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4
ONE_OFFS = [
    "Vendor briefing: the new backup appliance",
    "Licence review with the account manager",
    "Onboarding walkthrough for the new firewall portal",
]


def seed_meetings(*, now: datetime, seed: int = 42) -> int:
    """Calendars and meetings for the first technicians, up to `now`. Returns the meetings
    written."""
    rng = random.Random(f"{seed}-meetings")
    technicians = list(
        Member.objects.filter(user__groups__name=Role.TECHNICIAN, user__is_active=True)
        .select_related("user", "team")
        .order_by("pk")[:WITH_CALENDARS]
    )
    meetings: list[Meeting] = []
    for number, member in enumerate(technicians):
        subscription = CalendarSubscription.objects.create(
            member=member,
            label="Outlook calendar" if number % 2 == 0 else "Google calendar",
            url=_address(member, number, rng),
            refreshed_at=now - timedelta(minutes=rng.randint(2, 25)),
        )
        tickets = list(
            Ticket.objects.filter(assignee=member, status__in=OPEN_STATUSES)
            .select_related("company", "contact")
            .order_by("pk")
        )
        meetings += _calendar(subscription, member, tickets, now, rng)
    Meeting.objects.bulk_create(meetings)
    return len(meetings)


def _address(member: Member, number: int, rng: random.Random) -> str:
    secret = f"{rng.getrandbits(128):032x}"
    email = member.user.email or f"{member.user.username}@brightline.example"
    if number % 2 == 0:
        return (
            f"https://outlook.office365.com/owa/calendar/{rng.getrandbits(64):016x}"
            f"@brightline.example/{secret}/calendar.ics"
        )
    return (
        f"https://calendar.google.com/calendar/ical/{email.replace('@', '%40')}"
        f"/private-{secret}/basic.ics"
    )


def _at(day: date, clock: time, member: Member) -> datetime:
    return datetime.combine(day, clock, tzinfo=member.zone)


def _calendar(
    subscription: CalendarSubscription,
    member: Member,
    tickets: list[Ticket],
    now: datetime,
    rng: random.Random,
) -> list[Meeting]:
    today = local_date(now, member.zone)
    team = member.team.name if member.team_id else "Service desk"
    found: list[Meeting] = []

    def meeting(uid: str, start: datetime, minutes: int, title: str, **fields) -> None:
        if start < now:
            found.append(
                Meeting(
                    subscription=subscription,
                    member=member,
                    uid=uid,
                    start=start,
                    end=start + timedelta(minutes=minutes),
                    title=title,
                    **fields,
                )
            )

    # A repeating event keeps one UID for all its occurrences, as Outlook and Google write it.
    weekly_call = rng.choice(tickets) if tickets else None
    private_day = today - timedelta(days=15)
    while private_day.weekday() > FRIDAY:
        private_day += timedelta(days=1)
    for back in range(WEEKS * 7, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() == MONDAY:
            meeting(
                f"standup-{member.team_id}@brightline.example",
                _at(day, time(9, 30), member),
                15,
                f"Weekly {team.lower()} stand-up",
                attendees="Microsoft Teams Meeting",
            )
        if day.weekday() == WEDNESDAY and weekly_call is not None:
            meeting(
                f"client-call-{weekly_call.pk}@brightline.example",
                _at(day, time(14), member),
                30,
                f"{weekly_call.company.name} weekly check-in (#{weekly_call.pk})",
                attendees=_people(weekly_call),
            )
        if day == private_day:
            meeting(
                f"private-{member.pk}-{day:%Y%m%d}@brightline.example",
                _at(day, time(11), member),
                45,
                "",
                private=True,
            )
    # The last days' longest gaps: a call about a ticket in one, a one-off in another. My Day
    # suggests a meeting for any gap it overlaps, short ones too (the member's own view).
    for day in (today - timedelta(days=2), today - timedelta(days=1), today):
        figures = day_figures(day=day, members=[member], now=now)[member.pk]
        free = [gap for gap in (*figures.gaps, *figures.small_gaps) if _gap_minutes(gap) >= 15]
        longest = sorted(sorted(free, key=_gap_minutes, reverse=True)[:2], key=lambda g: g.start)
        for index, gap in enumerate(longest):
            start, minutes = _slot(gap)
            if index == 0 and tickets:
                ticket = rng.choice(tickets)
                meeting(
                    f"call-{ticket.pk}-{day:%Y%m%d}@brightline.example",
                    start,
                    minutes,
                    f"Call with {ticket.company.name} about #{ticket.pk}",
                    attendees=_people(ticket),
                )
            else:
                meeting(
                    f"one-off-{member.pk}-{day:%Y%m%d}@brightline.example",
                    start,
                    minutes,
                    rng.choice(ONE_OFFS),
                    attendees="Microsoft Teams Meeting",
                )
    return found


def _gap_minutes(gap: Span) -> float:
    return (gap.end - gap.start).total_seconds() / 60


def _slot(gap: Span) -> tuple[datetime, int]:
    """A meeting in the gap as people book them: on a whole minute (on the next quarter hour
    when that still leaves half an hour), for whole five minutes, at most 45."""
    start = gap.start.replace(second=0, microsecond=0)
    if start.minute % 15:
        quarter = start + timedelta(minutes=15 - start.minute % 15)
        if gap.end - quarter >= timedelta(minutes=30):
            start = quarter
    minutes = min(int((gap.end - start).total_seconds() // 60) // 5 * 5, 45)
    return start, max(minutes, 5)


def _people(ticket: Ticket) -> str:
    if ticket.contact_id and ticket.contact.email:
        return f"Microsoft Teams Meeting {ticket.contact.name} {ticket.contact.email}"
    return "Microsoft Teams Meeting"
