"""Reads of a member's calendars, for the member's own page."""

from django.db.models import Count, QuerySet

from daybook.people.models import Member

from .models import CalendarSubscription


def subscriptions_of(*, member: Member) -> QuerySet[CalendarSubscription]:
    """The member's calendars with `meeting_count`, the meetings kept from each."""
    return (
        CalendarSubscription.objects.filter(member=member)
        .annotate(meeting_count=Count("meetings"))
        .order_by("label", "pk")
    )
