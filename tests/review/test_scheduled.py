"""The scheduled notices: each reviewer's morning digest in their own zone and the member's
end-of-day nudge about a running timer. Times are reasoned in New York (on daylight time
from 9 March 2025) and Berlin (still on standard time until 30 March), so the two mornings
are five hours apart in UTC that week, not the usual six."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from daybook.people.choices import Role
from daybook.review import tasks
from daybook.review.choices import NoticeKind, ReviewState
from daybook.review.models import DayReview, Notice
from daybook.review.scheduled import digests_send, nudges_send
from daybook.timekeeping.models import ReviewPolicy
from daybook.timekeeping.services import timer_park, timer_start
from tests.factories import MemberFactory, UserFactory
from tests.zones import BERLIN, NEW_YORK

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

SATURDAY = FRIDAY + timedelta(days=1)
SUNDAY = FRIDAY + timedelta(days=2)
MONDAY = FRIDAY - timedelta(days=4)


@pytest.fixture
def week(tech, ticket):
    """Tess's working week: Monday to Thursday logged in full, Friday with an hour's gap
    after noon (over the 45-minute threshold)."""
    for back in range(4):
        day = MONDAY + timedelta(days=back)
        log_entry(tech, at(day, 9), at(day, 17), ticket=ticket)
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket)
    return tech


def digests() -> list[Notice]:
    return list(Notice.objects.filter(kind=NoticeKind.DIGEST).select_related("recipient"))


def berlin_reviewer(team):
    """A manager in Berlin who reviews `team` from another team (so no days of their own
    teammates show up in their digest)."""
    member = MemberFactory(
        user=UserFactory(username="bert", first_name="Bert"),
        team=None,
        role=Role.MANAGER,
        time_zone="Europe/Berlin",
    )
    team.reviewers.add(member)
    return member


# --- the morning digest -----------------------------------------------------------------------


def test_reviewer_gets_one_digest_the_morning_after_with_counts_per_day(
    week, lead, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(now=at(SATURDAY, 8, 5)) == 1

    (notice,) = digests()
    assert notice.recipient == lead
    assert notice.subject == "5 days ready for review"
    assert notice.link == reverse("review:daily_on", kwargs={"day": FRIDAY})
    lines = notice.body.splitlines()
    assert lines[0] == "Good morning Lena,"
    assert lines[3:8] == [
        "- Mon 10 Mar: 1 day (1 looks clean)",
        "- Tue 11 Mar: 1 day (1 looks clean)",
        "- Wed 12 Mar: 1 day (1 looks clean)",
        "- Thu 13 Mar: 1 day (1 looks clean)",
        "- Fri 14 Mar: 1 day (1 has something to ask about)",
    ]
    (mail,) = mailoutbox
    assert mail.to == ["lena@example.test"]
    assert mail.subject == "5 days ready for review"


def test_digest_shows_counts_never_names_or_hours(
    week, lead, team, ticket, django_capture_on_commit_callbacks
):
    # A second member who worked much longer on Friday: nothing in the digest may rank them.
    busy = MemberFactory(user=UserFactory(username="bo", first_name="Bo"), team=team)
    log_entry(busy, at(FRIDAY, 7), at(FRIDAY, 20), ticket=ticket)

    assert digests_send(now=at(SATURDAY, 8, 5)) == 1

    (notice,) = digests()
    text = f"{notice.subject}\n{notice.body}"
    assert "Tess" not in text
    assert "Bo" not in text
    assert not re.search(r"\d+(\.\d+)?\s*(h|hrs?|hours?|min|minutes?)\b", text)
    assert not re.search(r"\d{1,2}:\d{2}", text)
    assert "- Fri 14 Mar: 2 days (1 looks clean, 1 has something to ask about)" in notice.body


def test_no_digest_before_the_digest_hour(week, lead):
    assert digests_send(now=at(SATURDAY, 7, 59)) == 0
    assert digests() == []


def test_digest_goes_out_once_a_day(week, lead):
    assert digests_send(now=at(SATURDAY, 8, 0)) == 1
    assert digests_send(now=at(SATURDAY, 8, 15)) == 0
    assert digests_send(now=at(SATURDAY, 10, 45)) == 0
    assert len(digests()) == 1

    # Days still pending are listed again the next morning, in a new digest.
    assert digests_send(now=at(SUNDAY, 8, 0)) == 1
    assert len(digests()) == 2


def test_a_morning_missed_entirely_waits_for_the_next_one(week, lead):
    # The worker was down from 08:00 to 11:00: no digest in the afternoon.
    assert digests_send(now=at(SATURDAY, 11, 0)) == 0
    assert digests() == []


def test_no_digest_when_every_day_is_decided(week, lead):
    for back in range(5):
        DayReview.objects.create(
            member=week, date=MONDAY + timedelta(days=back), state=ReviewState.CLEAN
        )

    assert digests_send(now=at(SATURDAY, 8, 5)) == 0
    assert digests() == []


def test_no_digest_for_people_who_review_nobody(week, lead, finance, admin, other_team_tech):
    # Finance and admin may open anyone's day, but review no team: no digest for them.
    assert digests_send(now=at(SATURDAY, 8, 5)) == 1
    assert [n.recipient for n in digests()] == [lead]


def test_reviewer_in_berlin_gets_the_digest_at_eight_berlin_time(week, lead, team):
    bert = berlin_reviewer(team)
    berlin_eight = at(SATURDAY, 8, 0, BERLIN)
    new_york_eight = at(SATURDAY, 8, 0, NEW_YORK)
    assert berlin_eight == datetime(2025, 3, 15, 7, 0, tzinfo=UTC)
    assert new_york_eight - berlin_eight == timedelta(hours=5)

    assert digests_send(now=berlin_eight - timedelta(minutes=1)) == 0
    assert digests_send(now=berlin_eight) == 1
    assert [n.recipient for n in digests()] == [bert]

    # Lena in New York is still asleep (03:00) and gets hers at 08:00 her time.
    assert digests_send(now=new_york_eight - timedelta(minutes=1)) == 0
    assert digests_send(now=new_york_eight) == 1
    assert {n.recipient for n in digests()} == {bert, lead}


# --- the end-of-day nudge ---------------------------------------------------------------------


@pytest.fixture
def running(tech, ticket):
    """Tess starts a timer at 16:00 on Friday; her schedule ends at 17:00."""
    return timer_start(member=tech, ticket=ticket, at=at(FRIDAY, 16))


def nudges() -> list[Notice]:
    return list(Notice.objects.filter(kind=NoticeKind.NUDGE).select_related("recipient"))


def test_timer_still_running_after_day_end_and_window_nudges_the_member_once(
    running, tech, lead, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_send(now=at(FRIDAY, 17, 15)) == 1

    (notice,) = nudges()
    assert notice.recipient == tech
    assert notice.link == reverse("timekeeping:timer_stop")
    assert f"#{ticket.pk} {ticket.summary}" in notice.body
    assert "running since Fri 16:00" in notice.body  # her local time, not UTC (20:00)
    assert not Notice.objects.filter(recipient=lead).exists()
    assert [m.to for m in mailoutbox] == [["tess@example.test"]]

    assert nudges_send(now=at(FRIDAY, 17, 30)) == 0
    assert nudges_send(now=at(SATURDAY, 9, 0)) == 0
    assert len(nudges()) == 1


@pytest.mark.parametrize(("hour", "minute"), [(16, 30), (17, 0), (17, 14)])
def test_no_nudge_before_day_end_plus_realtime_window(running, hour, minute):
    assert nudges_send(now=at(FRIDAY, hour, minute)) == 0
    assert nudges() == []


def test_nudge_waits_for_the_teams_own_realtime_window(running, team):
    ReviewPolicy.objects.create(team=team, realtime_window_minutes=45)

    assert nudges_send(now=at(FRIDAY, 17, 30)) == 0
    assert nudges_send(now=at(FRIDAY, 17, 45)) == 1


def test_a_timer_stopped_in_time_is_not_nudged(running, tech):
    timer_park(member=tech, at=at(FRIDAY, 17, 5))

    assert nudges_send(now=at(FRIDAY, 17, 15)) == 0
    assert nudges() == []


def test_timer_started_after_scheduled_hours_is_left_alone_that_evening(tech, ticket):
    # Deliberate late work: the working day had already ended when the timer started.
    timer_start(member=tech, ticket=ticket, at=at(FRIDAY, 19))

    assert nudges_send(now=at(FRIDAY, 19, 30)) == 0
    assert nudges_send(now=at(FRIDAY, 23, 30)) == 0
    assert nudges() == []
    # Still running ten hours later: probably forgotten, so the member hears once.
    assert nudges_send(now=at(SATURDAY, 4, 59)) == 0
    assert nudges_send(now=at(SATURDAY, 5, 0)) == 1
    assert nudges_send(now=at(SATURDAY, 9, 0)) == 0
    assert [n.recipient for n in nudges()] == [tech]


def test_timer_started_on_a_day_off_is_nudged_only_once_the_day_is_over(tech, ticket):
    # Saturday has no schedule, so the working day runs to local midnight: a timer started
    # at 20:00 is nobody's business until 00:15 on Sunday, when it is still running.
    timer_start(member=tech, ticket=ticket, at=at(SATURDAY, 20))

    assert nudges_send(now=at(SATURDAY, 20, 0)) == 0
    assert nudges_send(now=at(SATURDAY, 23, 59)) == 0
    assert nudges_send(now=at(SUNDAY, 0, 14)) == 0
    assert nudges_send(now=at(SUNDAY, 0, 15)) == 1
    assert [n.recipient for n in nudges()] == [tech]


# --- the worker's periodic tasks --------------------------------------------------------------


def test_digest_and_nudge_run_as_periodic_tasks():
    def due(hour: int, minute: int) -> set[str]:
        # Huey checks its crontabs against naive UTC timestamps.
        return {task.name for task in HUEY.read_periodic(datetime(2025, 3, 15, hour, minute))}  # noqa: DTZ001

    assert {"morning_digests", "end_of_day_nudges"} <= due(12, 0)
    assert "end_of_day_nudges" in due(12, 5)
    assert "morning_digests" not in due(12, 5)
    assert not {"morning_digests", "end_of_day_nudges"} & due(12, 7)


def test_periodic_digest_task_uses_the_current_time(week, lead):
    with time_machine.travel(at(SATURDAY, 8, 5), tick=False):
        assert tasks.morning_digests.call_local() == 1
        assert tasks.end_of_day_nudges.call_local() == 0
