"""Background work for reviews, run by `daybook worker` (Huey, on DAYBOOK_WORKER_THREADS
threads, so tasks run side by side: a delivery is claimed before it is sent, and digests and
nudges go out once per notice key). Thin: the work itself lives in notify.py and
scheduled.py."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from daybook.timekeeping.summaries import summaries_fill_open

from .notify import deliveries_requeue, delivery_attempt
from .scheduled import digests_send, nudges_send, reminders_send


@db_task(
    retries=settings.DAYBOOK_DELIVERY_RETRIES,
    retry_delay=settings.DAYBOOK_DELIVERY_RETRY_SECONDS,
    context=True,
)
def deliver(delivery_id: int, task=None) -> bool:
    # `task.retries` counts the tries left after this one.
    return delivery_attempt(delivery_id, final=task is None or task.retries == 0)


def delivery_queue(delivery_id: int) -> None:
    """Queue one delivery with the retry settings in force now. The decorator above reads
    them once, at import; passing them per task lets a changed setting (or a test's
    override) apply without reimporting this module."""
    deliver(
        delivery_id,
        retries=settings.DAYBOOK_DELIVERY_RETRIES,
        retry_delay=settings.DAYBOOK_DELIVERY_RETRY_SECONDS,
    )


@db_periodic_task(crontab(minute="*/15"))
def morning_digests() -> int:
    # Every quarter hour, so each reviewer gets theirs soon after the hour in their own zone.
    return digests_send()


@db_periodic_task(crontab(minute="*/5"))
def end_of_day_nudges() -> int:
    # For the member alone: a timer left running, and time not logged once the day is over.
    return nudges_send() + reminders_send()


@db_periodic_task(crontab(minute="*/10"))
def requeue_lost_deliveries() -> int:
    # Never queued (the queue was down), or claimed by a worker that died mid-send.
    return deliveries_requeue()


@db_periodic_task(crontab(minute="7-59/15"))
def day_summaries_fill() -> int:
    # Each member's day is stored soon after its review opens, so the review, the digests and
    # the week read it ready-made (off the quarter hours the digests run on).
    return summaries_fill_open()
