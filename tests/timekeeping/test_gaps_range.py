"""A member's gaps over a range of days (`daybook gaps`, GET /api/members/<id>/gaps/): the same
gaps the day-by-day path finds, across a DST change, an entry over midnight, holidays and time
off, read in one go; shown to others only for days whose review has opened. Reasoned in New
York around the March 2025 change to daylight time (Sunday 9 March, 02:00 -> 03:00)."""

import random
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daybook.core.time import local_day_bounds
from daybook.people.models import Holiday, ScheduleBlock
from daybook.review.selectors import review_day_for
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.gaps_range import _by_start, _Calendar, member_gaps_range
from daybook.timekeeping.models import TimeEntry, Timer
from tests.api_support import client_for
from tests.factories import TimeEntryFactory, WorkTypeFactory
from tests.zones import NEW_YORK

FIRST = date(2025, 3, 6)  # Thursday, still on standard time
DST_SUNDAY = date(2025, 3, 9)
LAST = date(2025, 3, 14)  # Friday: today, under way
# Friday 12:00 in New York: Thursday's review has opened, Friday's has not.
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=NEW_YORK).astimezone(UTC)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(tech, team):
    """Tess (Mon-Fri 09-17, plus Sundays 01:00-04:00 across the skipped hour) over eight days."""
    ScheduleBlock.objects.create(member=tech, weekday=6, start=time(1), end=time(4))
    pto = WorkTypeFactory(
        name="PTO", is_payroll_wrap=True, is_time_off=True, billable_default="do_not_bill"
    )

    def log(start: datetime, end: datetime, **kwargs) -> None:
        TimeEntryFactory(member=tech, start=start, end=end, **kwargs)

    log(at(FIRST, 9), at(FIRST, 12))  # Thursday: gap 12-17
    log(at(FIRST, 13), at(FIRST, 13, 30))
    Holiday.objects.create(date=date(2025, 3, 7), name="Spring closure")  # Friday: no gaps
    log(at(date(2025, 3, 7), 10), at(date(2025, 3, 7), 11))
    log(at(DST_SUNDAY, 1), at(DST_SUNDAY, 1, 30))  # Sunday: 01:30-04:00 is 90 real minutes
    # Monday 16:00 to Tuesday 10:15, over midnight: Tuesday's gap starts at 10:15.
    log(at(date(2025, 3, 10), 16), at(date(2025, 3, 11), 10, 15))
    Holiday.objects.create(date=date(2025, 3, 12), name="Team day", team=team)  # Wednesday
    log(at(date(2025, 3, 13), 9), at(date(2025, 3, 13), 17), work_type=pto, ticket=None)
    log(at(LAST, 9), at(LAST, 10))  # Friday: 10:00 to now is a gap for Tess
    return tech


def gaps_by_day(result) -> dict[date, list[tuple[datetime, datetime]]]:
    return {d.day: [(g.start, g.end) for g in d.gaps] for d in result.days}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_range_gaps_equal_the_day_by_day_gaps_across_dst_midnight_and_holidays(history):
    result = member_gaps_range(member=history, first=FIRST, last=LAST, own=True)

    one_by_one = {}
    for day in days(FIRST, LAST):
        figures = day_figures(day=day, members=[history], now=NOW)[history.pk]
        if figures.gaps:
            one_by_one[day] = [(g.start, g.end) for g in figures.gaps]
    assert gaps_by_day(result) == one_by_one
    assert gaps_by_day(result) == {
        FIRST: [(at(FIRST, 12), at(FIRST, 13)), (at(FIRST, 13, 30), at(FIRST, 17))],
        DST_SUNDAY: [(at(DST_SUNDAY, 1, 30), at(DST_SUNDAY, 4))],
        date(2025, 3, 10): [(at(date(2025, 3, 10), 9), at(date(2025, 3, 10), 16))],
        date(2025, 3, 11): [(at(date(2025, 3, 11), 10, 15), at(date(2025, 3, 11), 17))],
        LAST: [(at(LAST, 10), NOW)],
    }
    assert result.days[1].minutes == 90  # the Sunday lost an hour to the change
    # Thursday, Sunday, Monday, Tuesday, Friday; not the holidays, nor Thursday's time off.
    assert result.working_days == 5
    assert result.days_not_open == 0
    assert result.total_minutes == 60 + 210 + 90 + 420 + 405 + 120


def test_a_range_without_entries_is_one_gap_per_scheduled_window(history):
    """Nothing logged in the week before: each scheduled window is a gap, whole."""
    monday = FIRST - timedelta(days=10)
    sunday = monday + timedelta(days=6)
    result = member_gaps_range(member=history, first=monday, last=sunday, own=True)

    friday = monday + timedelta(days=4)
    expected = {day: [(at(day, 9), at(day, 17))] for day in days(monday, friday)}
    expected[sunday] = [(at(sunday, 1), at(sunday, 4))]
    assert gaps_by_day(result) == expected
    assert result.working_days == 6


def test_a_reviewer_gets_the_review_s_gaps_and_nothing_of_today(history, lead):
    result = member_gaps_range(member=history, first=FIRST, last=LAST, own=False)

    per_day = {}
    for day in days(FIRST, LAST):
        view = review_day_for(member=history, day=day, viewer=lead.user, now=NOW)
        if view.gaps:
            per_day[day] = [(g.start, g.end) for g in view.gaps]
    assert gaps_by_day(result) == per_day
    assert LAST not in per_day
    assert result.days_not_open == 1


def test_a_running_timer_covers_its_time_as_on_the_day(history):
    Timer.objects.create(member=history, started_at=at(LAST, 10, 30))
    result = member_gaps_range(member=history, first=LAST, last=LAST, own=True)
    assert gaps_by_day(result) == {}  # 10:00-10:30 is under the threshold, the rest tracked


def test_the_range_is_a_fixed_handful_of_queries(history):
    with CaptureQueriesContext(connection) as short:
        member_gaps_range(member=history, first=LAST, last=LAST, own=True)
    with CaptureQueriesContext(connection) as long:
        member_gaps_range(member=history, first=date(2020, 1, 1), last=LAST, own=True)
    assert len(long) == len(short) <= 6


# --- the API ---------------------------------------------------------------------------------


def url(member) -> str:
    return f"/api/members/{member.pk}/gaps/"


def test_the_member_gets_their_own_gaps_in_their_time_zone(history):
    response = client_for(history).get(url(history), {"from": "2025-03-06", "to": "2025-03-14"})
    assert response.status_code == 200
    body = response.json()
    assert body["working_days"] == 5
    sunday = next(d for d in body["days"] if d["date"] == "2025-03-09")
    assert sunday["gaps"] == [
        {"start": "2025-03-09T01:30:00-05:00", "end": "2025-03-09T04:00:00-04:00", "minutes": 90.0}
    ]
    assert body["days"][-1]["date"] == "2025-03-14"


def test_a_reviewer_does_not_see_a_day_whose_review_has_not_opened(history, lead):
    response = client_for(lead).get(url(history), {"from": "2025-03-14", "to": "2025-03-14"})
    assert response.status_code == 200
    assert response.json()["days"] == []
    assert response.json()["days_not_open"] == 1


def test_someone_who_may_not_see_the_member_is_told_nothing(history, other_team_tech):
    response = client_for(other_team_tech).get(
        url(history), {"from": "2025-03-06", "to": "2025-03-13"}
    )
    assert response.status_code == 404
    assert "days" not in response.json()
    assert client_for(None).get(url(history), {"from": "2025-03-06"}).status_code in {401, 403}


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"from": "2025-03-14", "to": "2025-03-06"}, "to", "ends (2025-03-06) before it starts"),
        ({"from": "2025-02-30", "to": "2025-03-06"}, "from", "not '2025-02-30'"),
        ({"to": "2025-03-06"}, "from", "Give `from` as a date"),
        ({"from": "2015-01-01", "to": "2025-01-01"}, "to", "at most 2196 days"),
        ({"from": "1900-01-01", "to": "1900-01-02"}, "from", "1970-01-01 to 2100-12-31"),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(history, query, field, words):
    response = client_for(history).get(url(history), query)
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])


# --- the command line ------------------------------------------------------------------------


def test_the_command_prints_each_day_s_gaps_and_the_total_of_open_days(history):
    out = StringIO()
    call_command(
        "gaps", member="tess@example.test", **{"from": "2025-03-06", "to": "2025-03-14"}, stdout=out
    )
    text = out.getvalue()
    assert "Sun 2025-03-09  1 h 30 min\n    01:30-04:00  1 h 30 min" in text
    assert "Tue 2025-03-11  6 h 45 min\n    10:15-17:00" in text
    assert "2025-03-14" not in text.split("\n", 1)[1]  # today is not open to the command line
    assert "Total: 19 h 45 min in 5 gaps on 4 of 4 working days." in text
    assert "1 scheduled days are left out" in text


def test_the_command_names_a_member_it_cannot_find(history):
    with pytest.raises(CommandError, match="no member with the username 'nobody'"):
        call_command("gaps", member="nobody", **{"from": "2025-03-06", "to": "2025-03-14"})
    with pytest.raises(CommandError, match="--to: The range ends"):
        call_command("gaps", member=str(history.pk), **{"from": "2025-03-14", "to": "2025-03-06"})


@pytest.mark.parametrize("seed", [1, 2])
def test_random_weeks_across_the_return_to_standard_time_match_the_day_by_day_gaps(tech, seed):
    """Three weeks around Sunday 2 November 2025 (02:00 -> 01:00), a night block on that
    Sunday, random entries, some over midnight, and a timer: the same gaps as day_figures."""
    rng = random.Random(seed)
    ScheduleBlock.objects.create(member=tech, weekday=6, start=time(0, 30), end=time(3))
    ScheduleBlock.objects.create(member=tech, weekday=2, start=time(19), end=time(23, 30))
    first, last = date(2025, 10, 27), date(2025, 11, 16)
    now = datetime(2025, 11, 14, 15, 20, tzinfo=NEW_YORK).astimezone(UTC)
    model = TimeEntryFactory(member=tech, start=at(first, 0), end=at(first, 0, 5), ticket=None)
    spans, cursor = [], model.end
    while cursor < at(last, 23):
        cursor += timedelta(minutes=rng.choice((5, 20, 44, 45, 46, 90, 300, 700)))
        length = timedelta(minutes=rng.randint(10, 400))
        spans.append((cursor, cursor + length))
        cursor += length - timedelta(minutes=rng.choice((0, 0, 0, 15)))  # some overlap
    TimeEntry.objects.bulk_create(
        TimeEntry(
            member=tech,
            start=start,
            end=end,
            work_role=model.work_role,
            work_type=model.work_type,
            billable=model.billable,
            bill_rate=model.bill_rate,
            cost_rate=model.cost_rate,
        )
        for start, end in spans
    )
    Timer.objects.create(member=tech, started_at=now - timedelta(minutes=rng.randint(0, 200)))

    result = member_gaps_range(member=tech, first=first, last=last, own=True, now=now)

    one_by_one = {}
    for day in days(first, last):
        figures = day_figures(day=day, members=[tech], now=now)[tech.pk]
        if figures.gaps:
            one_by_one[day] = [(g.start, g.end) for g in figures.gaps]
    assert gaps_by_day(result) == one_by_one
    assert one_by_one  # the walk had gaps to find


# --- the walk's own pieces -------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["America/Santiago", "America/Havana", "Asia/Beirut", "Australia/Lord_Howe", "UTC"]
)
def test_the_walk_s_midnights_are_local_day_bounds_even_where_midnight_is_skipped(zone):
    """Chile, Cuba and Lebanon change their clocks at midnight (some midnights never happen);
    Lord Howe moves by half an hour. Each day's start is the one `local_day_bounds` finds."""
    tz = ZoneInfo(zone)
    first, last = date(2016, 1, 1), date(2024, 12, 31)
    midnights = _Calendar(tz, {}).midnights(first, last)
    expected = [local_day_bounds(day, tz)[0] for day in days(first, last + timedelta(days=1))]
    assert [m.replace(tzinfo=UTC) for m in midnights] == expected


def test_columns_read_out_of_order_are_put_back_in_order_of_start_together():
    """The one-row read takes the rows in the index's order, which neither engine promises;
    were one to hand them over otherwise, each entry's end and time-off id must still travel
    with its start."""
    monday = datetime(2025, 3, 3, 13, tzinfo=UTC)
    starts = [monday + timedelta(hours=h) for h in (2, 0, 5, 1)]
    ends = [start + timedelta(minutes=30 + k) for k, start in enumerate(starts)]
    ids = ["", "7", "", "9"]

    ordered = _by_start(starts, ends, ids)

    assert ordered == [
        sorted(starts),
        [ends[1], ends[3], ends[0], ends[2]],
        ["7", "9", "", ""],
    ]
    in_order = [sorted(starts), sorted(ends), ids]
    assert _by_start(*in_order) == in_order


@pytest.mark.parametrize("seed", [3, 4])
def test_random_weeks_with_time_off_and_odd_microseconds_match_the_review(tech, lead, seed):
    """Three weeks over the March change to daylight time: entries at odd microseconds, some
    overlapping or over midnight, a full day of leave, a morning of leave, and eight hours
    of leave logged from the afternoon into the evening (which takes the day by its hours,
    not by covering the windows).
    The member's view equals day_figures day by day, a reviewer's equals the review's."""
    rng = random.Random(seed)
    pto = WorkTypeFactory(
        name="PTO", is_payroll_wrap=True, is_time_off=True, billable_default="do_not_bill"
    )
    first, last = date(2025, 3, 3), date(2025, 3, 21)
    now = datetime(2025, 3, 20, 14, 7, tzinfo=NEW_YORK).astimezone(UTC)
    model = TimeEntryFactory(member=tech, start=at(first, 0), end=at(first, 0, 5), ticket=None)
    spans, cursor = [], model.end
    while cursor < at(last, 23):
        cursor += timedelta(minutes=rng.choice((1, 20, 44, 45, 46, 90, 300)))
        length = timedelta(minutes=rng.randint(10, 300), microseconds=rng.randint(0, 999_999))
        spans.append((cursor, cursor + length, model.work_type))
        cursor += length - timedelta(minutes=rng.choice((0, 0, 0, 15)))
    spans += [
        (at(date(2025, 3, 5), 9), at(date(2025, 3, 5), 17), pto),  # the whole day
        (at(date(2025, 3, 11), 9), at(date(2025, 3, 11), 11, 0), pto),  # a morning
        (at(date(2025, 3, 13), 15), at(date(2025, 3, 13), 23), pto),  # eight hours, late
    ]
    TimeEntry.objects.bulk_create(
        TimeEntry(
            member=tech,
            start=start,
            end=end,
            work_role=model.work_role,
            work_type=kind,
            billable=model.billable,
            bill_rate=model.bill_rate,
            cost_rate=model.cost_rate,
        )
        for start, end, kind in spans
    )

    with time_machine.travel(now, tick=False):
        own = member_gaps_range(member=tech, first=first, last=last, own=True, now=now)
        theirs = member_gaps_range(member=tech, first=first, last=last, own=False, now=now)
        one_by_one, reviewed, not_open = {}, {}, 0
        for day in days(first, last):
            figures = day_figures(day=day, members=[tech], now=now)[tech.pk]
            if figures.gaps:
                one_by_one[day] = [(g.start, g.end) for g in figures.gaps]
            view = review_day_for(member=tech, day=day, viewer=lead.user, now=now)
            if view.gaps:
                reviewed[day] = [(g.start, g.end) for g in view.gaps]
            not_open += day.weekday() < 5 and not figures.visible_to_reviewer
    assert gaps_by_day(own) == one_by_one
    assert gaps_by_day(theirs) == reviewed
    assert theirs.days_not_open == not_open == 2  # Thursday 20 (under way) and Friday 21
    assert {date(2025, 3, 5), date(2025, 3, 13)}.isdisjoint(one_by_one)  # taken off
    assert date(2025, 3, 11) in one_by_one  # a morning off leaves the afternoon's gaps
    assert any(start.microsecond for gaps in one_by_one.values() for start, _ in gaps)
