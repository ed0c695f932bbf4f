"""A member's time as an iCalendar feed (RFC 5545): entries as events, the weekly schedule as
recurring events.

- Each event keeps its UID (entry-<id>@daybook, schedule-<id>@daybook), so a calendar that
  refreshes updates events in place instead of duplicating them.
- Entries are written in UTC; the schedule in the member's zone (TZID, with its VTIMEZONE),
  so working hours follow daylight saving time the way the member's wall clock does.
- SEQUENCE and LAST-MODIFIED follow each entry's last change; deleted entries simply leave
  the feed.
"""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from daybook.people.choices import Weekday
from daybook.people.models import Member, ScheduleBlock
from daybook.timekeeping.labels import entry_label
from daybook.timekeeping.models import TimeEntry

# How far back the feed reaches: enough for any calendar, small enough to stay quick.
FEED_DAYS = 120
REFRESH = timedelta(minutes=15)
BYDAY = {
    Weekday.MONDAY: "MO",
    Weekday.TUESDAY: "TU",
    Weekday.WEDNESDAY: "WE",
    Weekday.THURSDAY: "TH",
    Weekday.FRIDAY: "FR",
    Weekday.SATURDAY: "SA",
    Weekday.SUNDAY: "SU",
}


def _sequence(entry: TimeEntry) -> int:
    """Grows with every change: seconds between creation and the last update."""
    return max(0, int((entry.updated_at - entry.created_at).total_seconds()))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _entry_event(entry: TimeEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"entry-{entry.pk}@daybook")
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(entry.start))
    event.add("dtend", _utc(entry.end))
    event.add("summary", entry_label(entry))
    if entry.notes:
        event.add("description", entry.notes)
    event.add("created", _utc(entry.created_at))
    event.add("last-modified", _utc(entry.updated_at))
    event.add("sequence", _sequence(entry))
    company = None
    if entry.ticket_id:
        company = entry.ticket.company.name
    elif entry.phase_id:
        company = entry.phase.project.company.name
    event.add("categories", [company or "Internal time", entry.work_type.name])
    event.add("transp", "OPAQUE")
    return event


def _first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _schedule_event(block: ScheduleBlock, member: Member, anchor: date, stamp: datetime) -> Event:
    zone = member.zone
    first = _first_on_or_after(anchor, block.weekday)
    event = Event()
    event.add("uid", f"schedule-{block.pk}@daybook")
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", datetime.combine(first, block.start, tzinfo=zone))
    event.add("dtend", datetime.combine(first, block.end, tzinfo=zone))
    event.add("rrule", {"freq": "weekly", "byday": BYDAY[block.weekday]})
    event.add("summary", "Working hours")
    # Working hours are context, not appointments: they leave free/busy alone.
    event.add("transp", "TRANSPARENT")
    return event


def member_calendar(*, member: Member, now: datetime | None = None) -> bytes:
    """The feed's body. Three queries, however long the member's history."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Daybook//Time entries//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Daybook — {member.name}")
    calendar.add("x-wr-timezone", member.time_zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)

    entries = (
        TimeEntry.objects.filter(member=member, start__gte=now - timedelta(days=FEED_DAYS))
        .select_related("ticket__company", "phase__project__company", "work_type")
        .order_by("start", "pk")
    )
    for entry in entries:
        calendar.add_component(_entry_event(entry, entry.updated_at))

    # The schedule repeats from the week the member joined, so its events never move.
    joined = timezone.localtime(member.user.date_joined, member.zone).date()
    anchor = joined - timedelta(days=joined.weekday())
    stamp = member.user.date_joined
    for block in ScheduleBlock.objects.filter(member=member).order_by("weekday", "start"):
        calendar.add_component(_schedule_event(block, member, anchor, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
