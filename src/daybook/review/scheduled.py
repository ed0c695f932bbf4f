"""The scheduled notices: each reviewer's morning digest, and for the member, the end-of-day
nudge about a running timer and the reminder about time not logged yet.

All are safe to run as often as the worker likes: a notice key makes each one go out once.
The nudge and the reminder go to the member only; reviewers never hear of either.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from daybook.core.formatting import duration_text
from daybook.core.time import local_date
from daybook.people.models import Member
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.day import MemberDay
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.labels import entry_label
from daybook.timekeeping.models import Timer
from daybook.timekeeping.summaries import day_summaries

from .choices import NoticeKind, ReviewState
from .models import Notice
from .notify import notice_send
from .selectors import DayView, review_days

DIGEST_DAYS = 7
LONG_TIMER = timedelta(hours=10)
# The digest goes out in this many hours from DAYBOOK_DIGEST_HOUR; after that, the next morning.
DIGEST_WINDOW_HOURS = 3


def _digest_key(reviewer: Member, on: date) -> str:
    return f"digest:{reviewer.pk}:{on.isoformat()}"


def _ready(views: list[DayView]) -> list[DayView]:
    """Days a reviewer can act on now: opened, still pending, with something to look at."""
    return [
        v
        for v in views
        if not v.in_progress
        and v.state == ReviewState.PENDING
        and v.figures is not None
        and (v.figures.expected_minutes or v.figures.logged_minutes or v.findings)
    ]


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _digest_body(reviewer: Member, ready: dict[date, list[DayView]]) -> str:
    lines = [f"Good morning {reviewer.first_name},", "", "These days are ready for review:"]
    for day in sorted(ready):
        views = ready[day]
        look = sum(1 for v in views if v.needs_attention)
        clean = len(views) - look
        parts = []
        if clean:
            parts.append(f"{clean} {'looks' if clean == 1 else 'look'} clean")
        if look:
            parts.append(f"{look} {'has' if look == 1 else 'have'} something to ask about")
        lines.append(f"- {day:%a} {day.day} {day:%b}: {_days(len(views))} ({', '.join(parts)})")
    lines += ["", "Clean days can all be marked in one go from the review page."]
    return "\n".join(lines)


def digests_send(now: datetime | None = None) -> int:
    """Send each reviewer whose morning it is the days ready for their review, once a day.
    Returns how many digests went out."""
    now = now or timezone.now()
    reviewers = (
        Member.objects.filter(reviewed_teams__isnull=False).distinct().select_related("user")
    )
    sent = 0
    for reviewer in reviewers:
        local_now = now.astimezone(reviewer.zone)
        start = settings.DAYBOOK_DIGEST_HOUR
        if not start <= local_now.hour < start + DIGEST_WINDOW_HOURS:
            continue
        today = local_now.date()
        key = _digest_key(reviewer, today)
        if Notice.objects.filter(key=key).exists():
            continue
        # The teams they review, even when their role lets them see everyone.
        members = Member.objects.filter(team__reviewers=reviewer).exclude(pk=reviewer.pk)
        ready: dict[date, list[DayView]] = {}
        for back in range(1, DIGEST_DAYS + 1):
            day = today - timedelta(days=back)
            views = _ready(review_days(day=day, members=members, viewer=reviewer.user, now=now))
            if views:
                ready[day] = views
        if not ready:
            continue
        total = sum(len(v) for v in ready.values())
        with transaction.atomic():
            notice = notice_send(
                recipient=reviewer,
                kind=NoticeKind.DIGEST,
                subject=f"{_days(total)} ready for review",
                body=_digest_body(reviewer, ready),
                link=reverse("review:daily_on", kwargs={"day": max(ready)}),
                key=key,
            )
        sent += notice is not None
    return sent


def nudges_send(now: datetime | None = None) -> int:
    """Tell each member whose timer is still running after their working day ended (plus the
    real-time window), or has run for LONG_TIMER whenever it started, once per timer.
    Returns how many nudges went out."""
    now = now or timezone.now()
    timers = list(Timer.objects.select_related("member__user", "ticket"))
    nudged = set(
        Notice.objects.filter(key__in=[_nudge_key(t) for t in timers]).values_list("key", flat=True)
    )
    by_day: dict[date, list[Timer]] = defaultdict(list)
    for timer in (t for t in timers if _nudge_key(t) not in nudged):
        by_day[local_date(timer.started_at, timer.member.zone)].append(timer)
    sent = 0
    for day, day_timers in by_day.items():
        # The member's own view of the day: the nudge goes to them alone.
        days = day_figures(day=day, members=[t.member for t in day_timers], now=now)
        for timer in day_timers:
            figures = days[timer.member_id]
            after_day = now >= figures.working_day_end + figures.policy.realtime_window and any(
                f.kind == FindingKind.TIMER_RUNNING for f in figures.findings
            )
            # Late work started after hours is the member's business, until it runs so long
            # it was probably forgotten (an entry can be at most a day long).
            forgotten = now - timer.started_at >= LONG_TIMER
            if after_day or forgotten:
                sent += _nudge(timer) is not None
    return sent


def _nudge_key(timer: Timer) -> str:
    return f"nudge:{timer.member_id}:{timer.started_at.isoformat()}"


def _nudge(timer: Timer) -> Notice | None:
    member = timer.member
    started = timer.started_at.astimezone(member.zone)
    on = f" on {entry_label(timer)}" if timer.ticket_id else ""
    body = (
        f"Hi {member.first_name}, your timer{on} has been running since "
        f"{started:%a %H:%M} and your working day is over. If you have finished, stop it so "
        "the time lands on the right day; if you are still at it, carry on and ignore this."
    )
    with transaction.atomic():
        return notice_send(
            recipient=member,
            kind=NoticeKind.NUDGE,
            subject="Your timer is still running",
            body=body,
            link=reverse("timekeeping:timer_stop"),
            key=_nudge_key(timer),
        )


# --- the member's end-of-day reminder ---------------------------------------------------------

# Today's and yesterday's days are looked at, so a working day that ends late in the evening
# still gets its reminder when the worker next runs after midnight.
REMINDER_LOOK_BACK_DAYS = 1
# A reminder is worth sending while the day is fresh; one the worker could not send within
# this long after the day's review opened is dropped (nobody wants last week's reminder).
REMINDER_WINDOW = timedelta(hours=6)


def _reminder_key(member_id: int, day: date) -> str:
    return f"reminder:{member_id}:{day.isoformat()}"


def reminders_send(now: datetime | None = None) -> int:
    """Remind each member whose working day has ended (plus the review grace) with a gap at
    or over the threshold that it is not logged yet, once per member and day, and only the
    member: a kind word while they still remember, never a report to their reviewers. It
    goes out within REMINDER_WINDOW of the day's review opening, or not at all. Members who
    turned the reminder off in their notification settings get none. Returns how many
    reminders went out."""
    now = now or timezone.now()
    members = list(
        Member.objects.filter(user__is_active=True)
        .exclude(notification_setting__remind_unlogged=False)
        .select_related("user", "team")
    )
    by_day: dict[date, list[Member]] = defaultdict(list)
    for member in members:
        today = local_date(now, member.zone)
        for back in range(REMINDER_LOOK_BACK_DAYS + 1):
            by_day[today - timedelta(days=back)].append(member)
    keys = [_reminder_key(m.pk, day) for day, day_members in by_day.items() for m in day_members]
    reminded = set(Notice.objects.filter(key__in=keys).values_list("key", flat=True))
    sent = 0
    for day, day_members in sorted(by_day.items()):
        waiting = [m for m in day_members if _reminder_key(m.pk, day) not in reminded]
        # The member's own view of the day, like the nudge: it goes to them alone. Read from
        # the stored summaries, which this run fills as each day's review opens.
        days = day_summaries(day=day, members=waiting, now=now)
        for member in waiting:
            figures = days[member.pk]
            opens = figures.review_opens_at
            if figures.gaps and opens <= now < opens + REMINDER_WINDOW:
                sent += _remind(member, figures, today=local_date(now, member.zone)) is not None
    return sent


def _remind(member: Member, figures: MemberDay, *, today: date) -> Notice | None:
    day = figures.day
    zone = member.zone
    missing = duration_text(sum(gap.minutes for gap in figures.gaps), compact=True)
    when = "today" if day == today else f"{day:%A} {day.day} {day:%B}"
    spans = ", ".join(
        f"{gap.start.astimezone(zone):%H:%M}\N{EN DASH}{gap.end.astimezone(zone):%H:%M}"
        for gap in figures.gaps
    )
    body = (
        f"Hi {member.first_name}, {missing} of {when} is not logged yet ({spans}). "
        "Fill it in while you still remember what it was; My Day shows where it goes. "
        "This reminder is for you alone."
    )
    with transaction.atomic():
        return notice_send(
            recipient=member,
            kind=NoticeKind.REMINDER,
            subject=f"{missing} of {when} is not logged yet \N{EM DASH} fill it while you remember",
            body=body,
            link=reverse("timekeeping:my_day_on", kwargs={"day": day}),
            key=_reminder_key(member.pk, day),
        )
