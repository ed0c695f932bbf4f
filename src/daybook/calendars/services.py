"""Adding, removing and refreshing a member's calendars. A refresh is an outbound request
like a chat webhook: the administrator's allow-list and the address checks of core.outbound
apply, with a size and a time limit, and a broken or slow calendar is recorded on the
subscription, never raised into the worker."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from daybook.core import outbound
from daybook.people.models import Member

from .models import CalendarSubscription, Meeting
from .reading import CalendarUnreadable, occurrences

MAX_CALENDAR_BYTES = 5 * 1024 * 1024
FETCH_SECONDS = 20
# What a refresh keeps: the month behind (gaps are filled after the fact) and the day ahead.
DAYS_BACK = 31
DAYS_AHEAD = 1
# How soon a member may ask for the same calendar to be read again.
ASK_AGAIN_AFTER = timedelta(minutes=1)


def _address(url: str) -> str:
    """Outlook hands out webcal:// addresses; they are https underneath."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def _default_label(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("outlook."):
        return "Outlook calendar"
    if host == "calendar.google.com":
        return "Google calendar"
    return host[:100] or "Calendar"


def subscription_add(*, member: Member, label: str, url: str) -> CalendarSubscription:
    """Connect a calendar by its private address, checked like every outbound address (an
    https or webcal address on a host the administrator allowed, never a private one). Not
    read here: the caller queues a refresh. Without a label, the calendar is named for its
    service."""
    address = _address(url)
    if address and member.calendar_subscriptions.filter(url=address).exists():
        raise ValidationError({"url": "You have connected this calendar already."})
    subscription = CalendarSubscription(
        member=member, label=label.strip() or _default_label(address), url=address
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_refresh_ask(
    *, subscription: CalendarSubscription, now: datetime | None = None
) -> None:
    """Record the member's ask to read the calendar now; the caller then queues the read.
    An ask within a minute of the last one is refused and records nothing: each read is a
    request to someone else's server, so a held-down button must not become a stream."""
    now = now or timezone.now()
    recorded = (
        CalendarSubscription.objects.filter(pk=subscription.pk)
        .filter(Q(refresh_asked_at__isnull=True) | Q(refresh_asked_at__lte=now - ASK_AGAIN_AFTER))
        .update(refresh_asked_at=now)
    )
    if not recorded:
        raise ValidationError(
            f"You asked for {subscription.label} to be read a moment ago. Daybook reads a "
            "calendar at most once a minute when asked (and by itself every half hour)."
        )
    subscription.refresh_asked_at = now


def subscription_remove(*, subscription: CalendarSubscription) -> None:
    """Forget the calendar and every meeting read from it."""
    subscription.delete()


def subscription_refresh(*, subscription: CalendarSubscription, now: datetime | None = None) -> int:
    """Read the calendar again and keep its meetings of the window around `now`; returns how
    many. On failure the meetings already kept stay and `problem` says what went wrong."""
    now = now or timezone.now()
    member = subscription.member
    start, end = now - timedelta(days=DAYS_BACK), now + timedelta(days=DAYS_AHEAD)
    try:
        answer = outbound.request(
            "GET",
            subscription.url,
            headers={"Accept": "text/calendar"},
            timeout=FETCH_SECONDS,
            max_bytes=MAX_CALENDAR_BYTES,
        )
        if answer.truncated:
            raise CalendarUnreadable(f"it is larger than {MAX_CALENDAR_BYTES // (1024 * 1024)} MB")
        found = occurrences(
            answer.body,
            start=start,
            end=end,
            zone=ZoneInfo(member.time_zone),
            emails={member.user.email} if member.user_id and member.user.email else set(),
        )
    except outbound.OutboundError as error:
        return _failed(subscription, f"The calendar could not be read: {error.sentence}")
    except CalendarUnreadable as error:
        return _failed(subscription, f"The calendar could not be read: {error}")
    with transaction.atomic():
        subscription.meetings.filter(start__gte=start, start__lt=end).delete()
        seen: set[tuple[str, datetime]] = set()
        rows = []
        for o in found:
            if (o.uid, o.start) in seen:
                continue
            seen.add((o.uid, o.start))
            rows.append(
                Meeting(
                    subscription=subscription,
                    member=member,
                    uid=o.uid,
                    start=o.start,
                    end=o.end,
                    title=o.title,
                    private=o.private,
                    attendees=o.attendees,
                )
            )
        Meeting.objects.bulk_create(rows)
        subscription.refreshed_at = now
        subscription.problem = ""
        subscription.save(update_fields=["refreshed_at", "problem"])
    return len(rows)


def _failed(subscription: CalendarSubscription, problem: str) -> int:
    subscription.problem = problem[:300]
    subscription.save(update_fields=["problem"])
    return 0


def subscriptions_refresh(*, now: datetime | None = None) -> dict[int, int]:
    """Every subscription, one after another; one broken calendar never stops the rest."""
    return {
        subscription.pk: subscription_refresh(subscription=subscription, now=now)
        for subscription in CalendarSubscription.objects.select_related("member__user")
    }
