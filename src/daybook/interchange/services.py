"""Writes for calendar feeds: create a private address, revoke it."""

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from daybook.people.models import Member
from daybook.people.services import members_lock

from .models import CalendarFeed


@transaction.atomic
def feed_create(*, member: Member, at: datetime | None = None) -> CalendarFeed:
    """A new private feed address. An address already in use is revoked, so only the newest
    one works: creating a new one is also how a leaked address is replaced."""
    at = at or timezone.now()
    # Lock the member's row so two clicks cannot leave two live feeds (the one member lock
    # every app takes, so locks are always taken in the same order and way).
    members_lock([member.pk])
    CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).update(revoked_at=at)
    return CalendarFeed.objects.create(member=member, token=secrets.token_urlsafe(32))


@transaction.atomic
def feed_revoke(*, feed: CalendarFeed, at: datetime | None = None) -> CalendarFeed:
    """Stop a feed address from working; calendars subscribed to it get nothing more."""
    if feed.revoked_at is None:
        feed.revoked_at = at or timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed
