"""Meetings out of an iCalendar file, as Outlook and Google publish a calendar.

icalendar reads the file and recurring-ical-events expands repeating events into their
occurrences (with their exceptions, moved and cancelled instances, and time zones); here we
only decide which occurrences are time the member spent in a meeting."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

# Outlook's own word for how an event shows on the calendar, beside the standard TRANSP.
BUSY_STATUS = "X-MICROSOFT-CDO-BUSYSTATUS"
HIDDEN_CLASSES = {"PRIVATE", "CONFIDENTIAL"}


class CalendarUnreadable(ValueError):
    """The file is not an iCalendar file we can read; the message says why."""


@dataclass(frozen=True)
class Occurrence:
    uid: str
    start: datetime  # aware
    end: datetime
    title: str  # "" for a private event
    private: bool
    attendees: str  # location, attendee names and addresses, for matching tickets


def _moment(value, zone: ZoneInfo) -> datetime | None:
    """An aware datetime, or None for a date (an all-day event). A "floating" time (no zone
    in the file) is read in the member's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return None


def _attendees(event) -> list:
    """ATTENDEE lines: icalendar gives one as itself and several as a list."""
    attendees = event.get("ATTENDEE") or []
    return attendees if isinstance(attendees, list) else [attendees]


def _declined(event, emails: set[str]) -> bool:
    for attendee in _attendees(event):
        address = str(attendee).lower().removeprefix("mailto:")
        if address in emails and str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED":
            return True
    return False


def _people(event) -> str:
    words = [str(event.get("LOCATION", ""))]
    for attendee in _attendees(event):
        words.append(str(attendee.params.get("CN", "")))
        words.append(str(attendee).removeprefix("mailto:").removeprefix("MAILTO:"))
    return " ".join(w for w in words if w)[:2000]


def occurrences(
    data: bytes, *, start: datetime, end: datetime, zone: ZoneInfo, emails: set[str]
) -> list[Occurrence]:
    """The member's meetings between `start` and `end`: timed, busy, not cancelled, not
    declined by any of the member's `emails`. Raises CalendarUnreadable."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
        events = recurring_ical_events.of(calendar).between(start, end)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise CalendarUnreadable(
            f"it is not an iCalendar file Daybook can read ({error})"
        ) from None
    emails = {e.lower() for e in emails}
    found = []
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get(BUSY_STATUS, "")).upper() == "FREE":
            continue
        begins = _moment(event.decoded("DTSTART"), zone) if event.get("DTSTART") else None
        if begins is None:
            continue
        if event.get("DTEND"):
            ends = _moment(event.decoded("DTEND"), zone)
        elif event.get("DURATION"):
            ends = begins + event.decoded("DURATION")
        else:
            ends = None
        if ends is None or ends <= begins or ends - begins > timedelta(days=1):
            continue
        if _declined(event, emails):
            continue
        private = str(event.get("CLASS", "")).upper() in HIDDEN_CLASSES
        found.append(
            Occurrence(
                uid=str(event.get("UID", ""))[:500],
                start=begins,
                end=ends,
                title="" if private else str(event.get("SUMMARY", ""))[:300],
                private=private,
                attendees="" if private else _people(event),
            )
        )
    return sorted(found, key=lambda o: (o.start, o.uid))
