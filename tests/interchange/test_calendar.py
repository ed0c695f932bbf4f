"""The private calendar feed: create, read with a calendar parser, update, revoke."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from daybook.interchange.models import CalendarFeed
from daybook.interchange.services import feed_create
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from tests.factories import TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)


def ny(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def wrap(db):
    return WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")


@pytest.fixture
def ticket(db):
    return TicketFactory(summary="Printer offline", opened_at=ny(1, 8))


def feed_url(feed: CalendarFeed) -> str:
    return reverse("interchange:calendar_feed", kwargs={"token": feed.token})


def read(client, feed: CalendarFeed) -> Calendar:
    response = client.get(feed_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- managing the address ----------------------------------------------------------------------


def test_anonymous_visitors_cannot_manage_feeds(client, db):
    response = client.get(reverse("interchange:calendar_feeds"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_member_creates_a_feed_and_sees_its_address(client, tech):
    client.force_login(tech.user)
    response = client.post(reverse("interchange:calendar_feeds"))
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(member=tech)
    assert len(feed.token) >= 40
    page = client.get(reverse("interchange:calendar_feeds")).content.decode()
    assert feed.token in page
    assert "webcal://" in page


def test_a_new_address_replaces_the_old_one(client, tech):
    old = feed_create(member=tech)
    new = feed_create(member=tech)
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    assert CalendarFeed.objects.filter(member=tech, revoked_at__isnull=True).get() == new


def test_revoked_feed_is_a_404(client, tech):
    feed = feed_create(member=tech)
    client.force_login(tech.user)
    response = client.post(reverse("interchange:calendar_feed_revoke", args=[feed.pk]))
    assert response.status_code == 302
    client.logout()
    assert client.get(feed_url(feed)).status_code == 404


def test_unknown_token_is_a_404(client, db):
    url = reverse("interchange:calendar_feed", kwargs={"token": "x" * 43})
    assert client.get(url).status_code == 404


def test_nobody_else_can_revoke_my_feed(client, tech, other_team_tech):
    feed = feed_create(member=tech)
    client.force_login(other_team_tech.user)
    response = client.post(reverse("interchange:calendar_feed_revoke", args=[feed.pk]))
    assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


# --- what the calendar receives ------------------------------------------------------------------


def test_entries_arrive_with_stable_uids_utc_times_and_summaries(
    client, tech, ticket, remote, wrap
):
    on_ticket = entry_log(
        member=tech,
        ticket=ticket,
        work_type=remote,
        start=ny(13, 9),
        end=ny(13, 10, 30),
        notes="Cleared the queue.",
    )
    internal = entry_log(member=tech, work_type=wrap, start=ny(13, 12), end=ny(13, 12, 45))
    feed = feed_create(member=tech)
    calendar = read(client, feed)
    assert str(calendar["VERSION"]) == "2.0"
    found = events(calendar)
    event = found[f"entry-{on_ticket.pk}@daybook"]
    assert str(event["SUMMARY"]) == f"#{ticket.pk} Printer offline"
    assert str(event["DESCRIPTION"]) == "Cleared the queue."
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == timedelta(0)
    assert (start, end) == (ny(13, 9), ny(13, 10, 30))
    assert start == datetime(2025, 3, 13, 13, tzinfo=UTC)
    assert str(found[f"entry-{internal.pk}@daybook"]["SUMMARY"]) == "Admin"
    # A second read gives the same UIDs: calendars update rather than duplicate.
    assert set(events(read(client, feed))) == set(found)


def test_schedule_repeats_weekly_in_the_members_zone(client, tech):
    tech.schedule.exclude(weekday=0).delete()
    tech.schedule.update(start=time(9), end=time(17))
    feed = feed_create(member=tech)
    calendar = read(client, feed)
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("schedule-")]
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert (start.hour, start.minute, start.weekday()) == (9, 0, 0)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["BYDAY"] == ["MO"]
    assert str(event["TRANSP"]) == "TRANSPARENT"
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert "America/New_York" in zones
    # The zone carries both offsets, so 09:00 stays 09:00 across the DST change.
    (zone,) = [tz for tz in calendar.walk("VTIMEZONE") if str(tz["TZID"]) == "America/New_York"]
    assert {c.name for c in zone.subcomponents} >= {"STANDARD", "DAYLIGHT"}


def test_an_edited_entry_moves_with_a_higher_sequence(client, tech, ticket, remote):
    entry = entry_log(
        member=tech,
        ticket=ticket,
        work_type=remote,
        start=ny(13, 9),
        end=ny(13, 10),
        notes="First version.",
    )
    feed = feed_create(member=tech)
    before = events(read(client, feed))[f"entry-{entry.pk}@daybook"]
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        entry_edit(entry=entry, by=tech, end=ny(13, 10, 15), notes="Second version.")
        after = events(read(client, feed))[f"entry-{entry.pk}@daybook"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTEND") == ny(13, 10, 15)
    assert str(after["DESCRIPTION"]) == "Second version."


def test_deleted_entries_leave_the_feed_and_others_entries_never_appear(
    client, tech, other_team_tech, ticket, remote
):
    mine = entry_log(
        member=tech,
        ticket=ticket,
        work_type=remote,
        start=ny(13, 9),
        end=ny(13, 10),
        notes="Restarted the spooler.",
    )
    theirs = entry_log(
        member=other_team_tech,
        ticket=ticket,
        work_type=remote,
        start=ny(13, 9),
        end=ny(13, 10),
        notes="Swapped the toner.",
    )
    feed = feed_create(member=tech)
    uids = set(events(read(client, feed)))
    assert f"entry-{mine.pk}@daybook" in uids
    assert f"entry-{theirs.pk}@daybook" not in uids
    entry_delete(entry=mine, by=tech)
    assert f"entry-{mine.pk}@daybook" not in set(events(read(client, feed)))


def test_feed_is_a_fixed_number_of_queries(client, tech, ticket, remote, django_assert_num_queries):
    for day in range(3, 13):
        entry_log(
            member=tech,
            ticket=ticket,
            work_type=remote,
            start=ny(day, 9),
            end=ny(day, 10),
            notes="Checked the print queue.",
        )
    feed = feed_create(member=tech)
    with django_assert_num_queries(3):
        client.get(feed_url(feed))
