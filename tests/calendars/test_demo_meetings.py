"""The demo's calendars: a few technicians with a calendar on an allowed host, marked as read
(never fetched), and meetings a service desk calendar holds, some of them in yesterday's gaps
so My Day suggests them."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings

from daybook.calendars.models import CalendarSubscription, Meeting
from daybook.core.outbound import allowed_hosts, host_allowed
from daybook.core.time import local_date
from daybook.demo import generator
from daybook.demo.generator import build_demo
from daybook.demo.meetings import WITH_CALENDARS, seed_meetings
from daybook.people.models import Member
from daybook.timekeeping.suggestions import gap_suggestions

TODAY = date(2025, 11, 20)  # a Thursday; the demo's "now" is noon UTC
NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def demo(db, monkeypatch):
    # The weeks of decided reviews are another test's business and the slowest part.
    monkeypatch.setattr(generator, "seed_reviews", lambda **_: 0)
    summary = build_demo(seed=7, today=TODAY, days=21)
    assert summary.created
    return summary


def test_a_few_technicians_get_a_calendar_marked_as_read(demo):
    subscriptions = list(CalendarSubscription.objects.select_related("member__user"))
    assert len(subscriptions) == WITH_CALENDARS
    assert demo.counts["meetings"] == Meeting.objects.count() > 0
    for subscription in subscriptions:
        assert subscription.member.user.groups.filter(name="Technician").exists()
        host = subscription.url.split("/")[2]
        assert host_allowed(host, allowed_hosts()), host
        assert host in settings.DAYBOOK_OUTBOUND_HOSTS
        assert subscription.refreshed_at <= NOW
        assert subscription.problem == ""
    assert not Meeting.objects.filter(start__gte=NOW).exists()
    assert not Meeting.objects.filter(start__lt=NOW - timedelta(days=29)).exists()


def test_the_weekly_stand_up_repeats_on_mondays_in_the_members_zone(demo):
    showcase = Member.objects.get(user__username="tech")
    standups = list(
        Meeting.objects.filter(member=showcase, title__icontains="stand-up").order_by("start")
    )
    # Mondays 27 Oct, 3, 10 and 17 Nov: New York changed to winter time on 2 November.
    assert [m.start.astimezone(showcase.zone).date() for m in standups] == [
        date(2025, 10, 27),
        date(2025, 11, 3),
        date(2025, 11, 10),
        date(2025, 11, 17),
    ]
    assert {m.start.astimezone(showcase.zone).strftime("%H:%M") for m in standups} == {"09:30"}
    assert standups[0].start.hour == 13  # UTC, on summer time
    assert standups[-1].start.hour == 14
    assert len({m.uid for m in standups}) == 1  # one repeating event


def test_the_last_days_gaps_suggest_the_demo_meetings(demo):
    showcase = Member.objects.get(user__username="tech")
    today = local_date(NOW, showcase.zone)
    suggestions = [
        suggestion
        for back in (2, 1, 0)
        for suggestion in gap_suggestions(
            member=showcase, day=today - timedelta(days=back), now=NOW
        )
    ]
    from_calendar = [s for s in suggestions if s.source == "meeting"]
    assert from_calendar, [s.reason for s in suggestions]
    calls = [s for s in from_calendar if "Call with" in s.reason]
    assert calls, [s.reason for s in from_calendar]
    # The call names its ticket (#N), and the suggestion charges that ticket.
    for call in calls:
        assert call.ticket is not None
        assert f"#{call.ticket.pk}" in call.reason


def test_the_meetings_take_a_fraction_of_a_second(demo):
    Meeting.objects.all().delete()
    CalendarSubscription.objects.all().delete()
    started = time.perf_counter()
    written = seed_meetings(now=NOW, seed=7)
    seconds = time.perf_counter() - started
    assert written == demo.counts["meetings"]
    # Generous for a shared machine; the figure goes in the report (bench/ holds timings).
    assert seconds < 5, seconds
