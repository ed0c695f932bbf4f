"""Calendars are read again by the worker (`daybook worker`) every half hour."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="*/30"))
def refresh_calendars() -> int:
    from .services import subscriptions_refresh

    return len(subscriptions_refresh())


@db_task()
def refresh_calendar(subscription_id: int) -> int:
    """One calendar now, when its member asks ("Refresh now"); gone by then, nothing to do."""
    from .models import CalendarSubscription
    from .services import subscription_refresh

    subscription = (
        CalendarSubscription.objects.select_related("member__user")
        .filter(pk=subscription_id)
        .first()
    )
    return subscription_refresh(subscription=subscription) if subscription else 0
