"""Refreshing a member's calendar through the outbound door: meetings kept for the window,
replaced (never doubled) on the next refresh, and every way a calendar can fail recorded on
the subscription without raising or losing what was kept."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from daybook.calendars.models import Meeting
from daybook.calendars.services import (
    MAX_CALENDAR_BYTES,
    subscription_add,
    subscription_refresh,
    subscriptions_refresh,
)
from daybook.calendars.tasks import refresh_calendars

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


@pytest.fixture
def subscription(feed, tech):
    tech.user.email = "tess@brightline.example"
    tech.user.save()
    tech.time_zone = "Europe/Berlin"
    tech.save()
    return subscription_add(member=tech, label="Work calendar", url=feed["url"])


def test_refresh_keeps_the_months_meetings_and_never_doubles_them(subscription):
    assert subscription_refresh(subscription=subscription, now=NOW) == 6
    assert subscription_refresh(subscription=subscription, now=NOW) == 6
    meetings = Meeting.objects.filter(member=subscription.member)
    assert meetings.count() == 6
    assert meetings.filter(title="").count() == 1  # the private dentist appointment
    subscription.refresh_from_db()
    assert subscription.refreshed_at == NOW
    assert subscription.problem == ""


def test_a_broken_calendar_is_recorded_and_what_was_kept_stays(subscription, feed):
    subscription_refresh(subscription=subscription, now=NOW)
    feed["body"] = b"<html>Sign in to Outlook</html>"
    assert subscription_refresh(subscription=subscription, now=NOW) == 0
    subscription.refresh_from_db()
    assert "could not be read" in subscription.problem
    assert "iCalendar" in subscription.problem
    assert Meeting.objects.count() == 6


def test_a_calendar_too_large_is_refused(subscription, feed):
    feed["body"] = b"X" * (MAX_CALENDAR_BYTES + 10)
    subscription_refresh(subscription=subscription, now=NOW)
    subscription.refresh_from_db()
    assert "larger than 5 MB" in subscription.problem
    assert not Meeting.objects.exists()


def test_a_slow_calendar_times_out_without_holding_the_worker(subscription, feed, settings):
    feed["slow"] = True
    from daybook.calendars import services

    services.FETCH_SECONDS, before = 2, services.FETCH_SECONDS
    try:
        subscription_refresh(subscription=subscription, now=NOW)
    finally:
        services.FETCH_SECONDS = before
    subscription.refresh_from_db()
    assert "timed out" in subscription.problem.lower()


def test_one_broken_calendar_does_not_stop_the_others(subscription, lead):
    # Nothing listens on port 9 here: the connection is refused.
    broken = subscription_add(member=lead, label="Lena's", url="http://127.0.0.1:9/cal.ics")
    counts = subscriptions_refresh(now=NOW)
    assert counts == {subscription.pk: 6, broken.pk: 0}
    broken.refresh_from_db()
    assert broken.problem.startswith("The calendar could not be read")
    assert refresh_calendars.call_local() == 2


def test_an_address_off_the_allow_list_is_refused_when_saved_and_when_read(tech, settings):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["calendar.google.com"]
    with pytest.raises(ValidationError, match="url"):
        subscription_add(member=tech, label="Work", url="https://calendar.example.net/x.ics")
    with pytest.raises(ValidationError, match="url"):
        subscription_add(member=tech, label="Work", url="http://169.254.169.254/latest/")


def test_webcal_addresses_are_read_over_https(tech, settings, monkeypatch):
    monkeypatch.setattr("daybook.core.outbound.resolve", lambda host, port: ["142.250.0.1"])
    subscription = subscription_add(
        member=tech,
        label="Google",
        url="webcal://calendar.google.com/calendar/ical/tess/private-abc/basic.ics",
    )
    assert subscription.url.startswith("https://calendar.google.com/")
