"""The small demo's time: the last twelve months behind the agreements' fees, and today's
work logged up to the moment it loads (a day in progress), never anything later."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from daybook.demo import generator
from daybook.demo.generator import build_demo, small_days
from daybook.insights.selectors.projects import projects_report
from daybook.people.models import Member
from daybook.service.models import Ticket, TicketStatusChange
from daybook.timekeeping.models import TimeEntry, Timer

# Wednesday 10:00 in New York: the demo's first three people (all there) are at work.
NOW = datetime(2025, 11, 19, 15, tzinfo=UTC)
FIRST_MONTH = date(2024, 11, 1)  # twelve complete months before November 2025
CLUMSY = re.compile(r"\b(?:a|an|the)\s+(?:a|an|the)\b|\b(\w+)\s+\1\b", re.IGNORECASE)


@pytest.fixture
def no_review_history(monkeypatch):
    """The weeks of decided reviews take longer to write than the year of time; other tests
    check them (tests/core/test_demo.py)."""
    monkeypatch.setattr(generator, "seed_reviews", lambda **_: 0)


@pytest.fixture
def year(db, no_review_history):
    """The small demo's full span for its first three people: the manager, the dispatcher
    and the showcase technician."""
    with time_machine.travel(NOW, tick=False):
        summary = build_demo(seed=5, members=3)
    assert summary.created
    return {m.user.username: m for m in Member.objects.select_related("user")}


def _months(start: date, end: date) -> list[date]:
    months, month = [], start
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def test_the_small_demo_spans_the_last_twelve_complete_months():
    assert small_days(date(2025, 11, 20)) == (date(2025, 11, 20) - FIRST_MONTH).days
    assert small_days(date(2025, 12, 1)) == 365
    assert small_days(date(2024, 3, 1)) == 366  # leap year
    assert small_days(date(2025, 1, 15)) == (date(2025, 1, 15) - date(2024, 1, 1)).days


def test_a_year_of_time_covers_every_month_and_nothing_is_in_the_future(year):
    for member in year.values():
        entries = TimeEntry.objects.filter(member=member)
        assert not entries.filter(end__gt=NOW).exists(), member
        assert not entries.filter(created_at__gt=NOW).exists(), member
        zone = member.zone
        local = sorted(
            start.astimezone(zone).date() for start in entries.values_list("start", flat=True)
        )
        assert local[0] <= FIRST_MONTH + timedelta(days=3), member  # its first working day
        days_by_month = {}
        for day in local:
            days_by_month.setdefault(day.replace(day=1), set()).add(day)
        for month in _months(FIRST_MONTH, date(2025, 10, 1)):
            # Every complete month: most of its working days logged (holidays and leave aside).
            assert len(days_by_month.get(month, ())) >= 14, (member, month)
    assert not TicketStatusChange.objects.filter(at__gt=NOW).exists()
    assert not Ticket.objects.filter(opened_at__gt=NOW).exists()
    assert not Timer.objects.filter(started_at__gt=NOW).exists()
    # A year of generated texts reads as written: no "the the print server".
    summaries = Ticket.objects.values_list("summary", flat=True)
    notes = TimeEntry.objects.exclude(notes="").values_list("notes", flat=True)
    assert summaries.count() > 1000
    assert [t for t in [*summaries, *notes] if CLUMSY.search(t)] == []


def test_today_is_logged_up_to_now_for_everyone_at_work(year):
    timers = {t.member_id: t for t in Timer.objects.all()}
    for username, member in year.items():
        local_today = NOW.astimezone(member.zone).date()
        today = TimeEntry.objects.filter(member=member, end__gt=NOW - timedelta(hours=6))
        assert today.exists(), username
        assert all(e.start.astimezone(member.zone).date() == local_today for e in today)
        last_end = max(e.end for e in today)
        timer = timers.get(member.pk)
        if timer is None:
            # Saved their last entry minutes ago (a short gap may follow it).
            assert NOW - last_end <= timedelta(minutes=45), username
        else:
            # Working on a ticket since just after their last entry.
            assert last_end <= timer.started_at <= NOW, username
            assert timer.ticket.status == "in_progress"
            assert timer.started_at - last_end <= timedelta(minutes=45), username
    # The showcase technician's timer: started 25 minutes ago, on the day's work.
    assert timers[year["tech"].pk].started_at == NOW - timedelta(minutes=25)


def test_finished_projects_took_about_what_was_estimated(db, no_review_history):
    # The first seven people include a systems engineer, who leads projects; five months
    # see several of them through.
    build_demo(seed=3, members=7, days=150, today=date(2025, 11, 20))
    report = projects_report(as_of=date(2025, 11, 19), visible=None)
    assert report.accuracy
    for line in report.accuracy:
        assert 0.8 <= line.multiplier <= 1.25, line


def test_the_xl_size_exists_and_loads_like_large(db):
    summary = build_demo(seed=1, size="xl", members=2, days=2, today=date(2025, 11, 20))
    assert summary.created
    assert Member.objects.count() == 2
    assert TimeEntry.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its statistics table")
def test_the_large_loader_leaves_statistics_for_sqlite(db):
    build_demo(seed=1, size="large", members=3, days=5, today=date(2025, 11, 20))
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [TimeEntry._meta.db_table])
        stats = [row[0] for row in cursor.fetchall()]
    assert stats
    assert int(stats[0].split()[0]) == TimeEntry.objects.count()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"members": 16}, "1 to 15"),
        ({"members": 0}, "1 to 15"),
        ({"years": 1}, "--years"),
        ({"size": "xl", "years": 0}, "--years"),
        ({"size": "huge"}, "huge"),
    ],
)
def test_bad_sizes_are_refused_with_a_reason(db, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_demo", stdout=io.StringIO(), **options)
    assert not Member.objects.exists()


def test_on_the_first_of_a_month_the_reports_open_on_the_month_that_just_ended(
    db, no_review_history
):
    """Issue 13's promise: a newcomer opening the demo on the 1st sees last month's figures,
    not an empty month in progress."""
    from django.test import Client
    from rest_framework.test import APIClient

    from daybook.home.selectors import process_current
    from daybook.home.services import process_acknowledge
    from daybook.people.choices import Role
    from tests.factories import MemberFactory

    first = datetime(2025, 12, 1, 15, tzinfo=UTC)  # Monday the 1st, 10:00 in New York
    with time_machine.travel(first, tick=False):
        build_demo(seed=5, members=3)
        finance = MemberFactory(role=Role.FINANCE)
        api = APIClient()
        api.force_authenticate(finance.user)
        answer = api.get("/api/reports/profitability/")
        current = process_current()
        if current is not None:
            process_acknowledge(member=finance, version_number=current.number)
        browser = Client()
        browser.force_login(finance.user)
        page = browser.get("/insights/profitability/")
    assert answer.status_code == 200
    report = answer.json()
    assert report["period"] == {"start": "2025-11-01", "end": "2025-11-30"}
    assert float(report["hours"]) > 100  # three people's November
    assert float(report["revenue"]) > 0
    assert page.status_code == 200
    text = page.content.decode()
    assert "2025-11-01" in text
    assert "partial" not in text


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 11, 19, 12, 30, tzinfo=UTC),  # 07:30 in New York: before work
        datetime(2025, 11, 19, 13, 10, tzinfo=UTC),  # 08:10: the first half hour of work
        datetime(2025, 11, 19, 17, 20, tzinfo=UTC),  # 12:20: lunch
        datetime(2025, 11, 19, 22, 0, tzinfo=UTC),  # 17:00: after hours
        datetime(2025, 11, 22, 15, 0, tzinfo=UTC),  # Saturday
    ],
)
def test_the_showcase_technician_has_a_timer_running_whenever_the_demo_loads(
    db, no_review_history, moment
):
    """The pages that show a running timer (the stop form, the timer bar) have one to show
    at any hour the demo is loaded."""
    with time_machine.travel(moment, tick=False):
        build_demo(seed=5, members=3, days=10)
    timer = Timer.objects.select_related("ticket").get(member__user__username="tech")
    assert timer.started_at <= moment
    assert timer.ticket.status == "in_progress"
