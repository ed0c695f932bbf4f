"""Meetings read from calendar files written the way Google and Outlook publish them:
repeating events across the change to summer time, exceptions, cancelled and moved
occurrences, all-day, free, declined and private events."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daybook.calendars.reading import CalendarUnreadable, occurrences

DATA = Path(__file__).parent / "data"
BERLIN = ZoneInfo("Europe/Berlin")


def read(name: str, start: datetime, end: datetime):
    return occurrences(
        (DATA / name).read_bytes(),
        start=start,
        end=end,
        zone=BERLIN,
        emails={"tess@brightline.example"},
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_google_calendar_across_the_change_to_summer_time():
    found = read("google.ics", utc(2026, 3, 16), utc(2026, 4, 2))
    assert [(o.start, o.end, o.title) for o in found] == [
        # 09:00 in Berlin is 08:00 UTC in winter...
        (utc(2026, 3, 16, 8), utc(2026, 3, 16, 8, 15), "Service desk stand-up"),
        # (the 18th is an exception, the 25th was cancelled)
        (utc(2026, 3, 23, 8), utc(2026, 3, 23, 8, 15), "Service desk stand-up"),
        (utc(2026, 3, 24, 8), utc(2026, 3, 24, 8, 30), ""),  # private: no title
        (utc(2026, 3, 26, 12), utc(2026, 3, 26, 13), "Quarterly review #564 with Acme"),
        # ...and 07:00 UTC once Berlin is on summer time (29 March).
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 7, 15), "Service desk stand-up"),
        # The 1 April occurrence was moved to 10:30.
        (utc(2026, 4, 1, 8, 30), utc(2026, 4, 1, 8, 45), "Service desk stand-up (moved)"),
    ]
    private = found[2]
    assert private.private
    assert private.attendees == ""
    assert "carl@acme.example" in found[3].attendees
    assert "Acme HQ" in found[3].attendees


def test_outlook_calendar_with_its_own_time_zone_names():
    found = read("outlook.ics", utc(2026, 3, 16), utc(2026, 4, 11))
    assert [(o.start, o.end, o.title) for o in found] == [
        (utc(2026, 3, 20, 9), utc(2026, 3, 20, 9, 45), "Weekly service review"),
        # Lunch is shown as free, so it is no meeting; the one-to-one is private.
        (utc(2026, 3, 20, 13), utc(2026, 3, 20, 13, 30), ""),
        # 27 March is an exception; 3 April is after the change to summer time; the all-day
        # public holiday that day is no meeting.
        (utc(2026, 4, 3, 8), utc(2026, 4, 3, 8, 45), "Weekly service review"),
        (utc(2026, 4, 10, 8), utc(2026, 4, 10, 8, 45), "Weekly service review"),
    ]


def test_a_repeating_event_ends_with_its_until_date():
    found = read("outlook.ics", utc(2026, 4, 20), utc(2026, 5, 30))
    assert [o.start for o in found] == [utc(2026, 4, 24, 8)]


def test_a_floating_time_is_read_in_the_members_zone():
    data = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Daybook test//EN
BEGIN:VEVENT
UID:floating-1
DTSTART:20260316T140000
DTEND:20260316T150000
SUMMARY:Site visit
END:VEVENT
END:VCALENDAR
"""
    (found,) = occurrences(
        data, start=utc(2026, 3, 16), end=utc(2026, 3, 17), zone=BERLIN, emails=set()
    )
    assert found.start == utc(2026, 3, 16, 13)


@pytest.mark.parametrize("data", [b"", b"not a calendar", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\n"])
def test_an_unreadable_file_says_so(data):
    with pytest.raises(CalendarUnreadable, match="not an iCalendar file"):
        occurrences(data, start=utc(2026, 3, 16), end=utc(2026, 3, 17), zone=BERLIN, emails=set())
