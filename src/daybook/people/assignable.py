"""Who may be given work (a ticket to handle): the one rule the dispatcher's member picker, the
members API and the ticket services all ask.

A member may be assigned work while their login is switched on and they have not left: no end
date, or an end date that is today or later in their own time zone. Someone whose start date
is still ahead may be given work already, since a ticket can wait for them. Money and time are
not part of it: a dispatcher sees who can take the ticket, not what they cost or what they
logged.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from daybook.core.time import local_date

from .models import Member


def _not_left_q(now: datetime) -> Q:
    """Members with no end date, or an end date not yet past in their own zone. One condition
    per time zone in use, so the query grows with zones, not people."""
    condition = Q(end_date__isnull=True)
    zones = Member.objects.exclude(end_date__isnull=True).values_list("time_zone", flat=True)
    for zone in sorted(set(zones)):
        condition |= Q(time_zone=zone, end_date__gte=local_date(now, ZoneInfo(zone)))
    return condition


def members_assignable(*, now: datetime | None = None) -> QuerySet[Member]:
    """Members a ticket may be assigned to at `now` (default: now)."""
    now = now or timezone.now()
    return Member.objects.filter(Q(user__is_active=True) & _not_left_q(now))


def member_unassignable_reason(member: Member, *, now: datetime | None = None) -> str | None:
    """Why `member` cannot be given a ticket, in a sentence; None when they can."""
    now = now or timezone.now()
    if not member.user.is_active:
        return f"{member.name}'s login is switched off, so they cannot be given tickets."
    if member.end_date is not None and member.end_date < local_date(now, member.zone):
        return (
            f"{member.name} left on {member.end_date:%d %b %Y} and can no longer be given "
            "tickets; choose someone who works here now."
        )
    return None
