"""The end-of-day reminder: when a member's working day ends with time not logged (a gap at or
over the threshold), the member alone hears of it once, kindly, in the app and on their own
channels, linked to My Day. New York, on daylight time: Tess works 09:00-17:00 and the review
opens at 17:30 (30 minutes' grace)."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.people.models import ScheduleBlock
from daybook.review import tasks
from daybook.review.choices import NoticeKind
from daybook.review.models import Notice, NotificationSetting
from daybook.review.scheduled import reminders_send
from daybook.timekeeping.models import ReviewPolicy

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

SATURDAY = FRIDAY + timedelta(days=1)


@pytest.fixture
def gappy(tech, lead, ticket):
    """09-12 and 13:10-17 logged: 70 minutes not logged after noon. Lena, her reviewer,
    logged her own day in full (her own gaps would get her a reminder of her own)."""
    log_entry(lead, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    tech.user.email = "tess@example.com"
    tech.user.save()
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 13, 10), at(FRIDAY, 17), ticket=ticket)
    return tech


def reminders() -> list[Notice]:
    return list(Notice.objects.filter(kind=NoticeKind.REMINDER).select_related("recipient"))


def test_the_member_is_reminded_once_after_the_day_ends_plus_grace(
    gappy, lead, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=at(FRIDAY, 17, 30)) == 1

    [notice] = reminders()
    assert notice.recipient == gappy
    assert notice.subject == (
        "1 h 10 min of today is not logged yet \N{EM DASH} fill it while you remember"
    )
    assert "Hi Tess, 1 h 10 min of today is not logged yet (12:00\N{EN DASH}13:10)" in notice.body
    assert notice.link == reverse("timekeeping:my_day_on", kwargs={"day": FRIDAY})
    [email] = mailoutbox
    assert email.to == ["tess@example.com"]
    assert "/time/day/2025-03-14/" in email.body

    # Once per member and day, however often the worker runs.
    assert reminders_send(now=at(FRIDAY, 17, 35)) == 0
    assert reminders_send(now=at(FRIDAY, 21)) == 0
    assert len(reminders()) == 1


@pytest.mark.parametrize(("hour", "minute"), [(12, 0), (17, 0), (17, 29)])
def test_no_reminder_before_the_day_and_its_grace_are_over(gappy, hour, minute):
    assert reminders_send(now=at(FRIDAY, hour, minute)) == 0
    assert reminders() == []


def test_the_teams_own_grace_is_waited_for(gappy, team):
    ReviewPolicy.objects.create(team=team, grace_minutes=60)

    assert reminders_send(now=at(FRIDAY, 17, 45)) == 0
    assert reminders_send(now=at(FRIDAY, 18)) == 1


def test_no_reminder_when_no_gap_reaches_the_threshold(tech, ticket):
    # 09-12 and 12:40-17: 40 minutes, under the 45-minute threshold.
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 12, 40), at(FRIDAY, 17), ticket=ticket)

    assert reminders_send(now=at(FRIDAY, 17, 30)) == 0
    assert reminders() == []


def test_a_gap_logged_before_the_reminder_is_due_needs_no_reminder(gappy, ticket):
    log_entry(gappy, at(FRIDAY, 12), at(FRIDAY, 13, 10), ticket=ticket)

    assert reminders_send(now=at(FRIDAY, 17, 30)) == 0


def test_no_reminder_for_a_member_who_turned_it_off(gappy):
    NotificationSetting.objects.create(member=gappy, remind_unlogged=False)

    assert reminders_send(now=at(FRIDAY, 17, 30)) == 0
    assert reminders() == []


def test_never_to_the_reviewer(gappy, lead, ticket, finance):
    log_entry(finance, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)

    reminders_send(now=at(FRIDAY, 17, 30))

    assert [n.recipient for n in reminders()] == [gappy]
    assert not Notice.objects.filter(recipient__in=[lead, finance]).exists()


def test_a_reminder_the_worker_missed_for_hours_is_dropped(gappy):
    assert reminders_send(now=at(SATURDAY, 8)) == 0
    assert reminders() == []


def test_a_late_shift_is_reminded_after_midnight_naming_its_day(tech, lead, ticket):
    # Tess works 15:00-23:00 on Fridays, so her review opens at 23:30.
    ScheduleBlock.objects.filter(member=tech, weekday=FRIDAY.weekday()).update(
        start=time(15), end=time(23)
    )
    log_entry(lead, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket)
    log_entry(tech, at(FRIDAY, 15), at(FRIDAY, 18), ticket=ticket)
    log_entry(tech, at(FRIDAY, 19, 10), at(FRIDAY, 23), ticket=ticket)

    assert reminders_send(now=at(FRIDAY, 23, 25)) == 0
    assert reminders_send(now=at(SATURDAY, 0, 5)) == 1
    [notice] = reminders()
    assert notice.recipient == tech
    assert "1 h 10 min of Friday 14 March is not logged yet (18:00\N{EN DASH}19:10)" in notice.body
    assert notice.link == reverse("timekeeping:my_day_on", kwargs={"day": FRIDAY})


def test_the_nudge_task_sends_the_reminder_too(gappy):
    with time_machine.travel(at(FRIDAY, 17, 35), tick=False):
        assert tasks.end_of_day_nudges.call_local() == 1
    assert [n.recipient for n in reminders()] == [gappy]


# --- the member's notification settings --------------------------------------------------------


def test_the_member_turns_the_reminder_off_on_their_settings_page(tech):
    client = Client()
    client.force_login(tech.user)
    response = client.get(reverse("review:notifications"))
    box = re.search(r'<input[^>]*name="remind_unlogged"[^>]*>', response.content.decode())
    assert " checked" in box.group(0)  # on unless the member turns it off

    response = client.post(reverse("review:notifications"), {"by_email": "on"})

    assert response.status_code == 302
    assert NotificationSetting.objects.get(member=tech).remind_unlogged is False
