"""Calendars are read again by the worker (`daybook worker`) every half hour."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/30"))
def refresh_calendars() -> int:
    from .services import subscriptions_refresh

    return len(subscriptions_refresh())
