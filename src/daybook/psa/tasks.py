"""Background work for PSA connections, run by `daybook worker`. Thin: the work is in
sync.py and push.py."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .choices import Trigger


@db_task(retries=3, retry_delay=60)
def push_member(member_id: int, days: list) -> None:
    from .push import push_member_days

    push_member_days(member_id=member_id, days=days)


@db_task()
def sync_connection(connection_id: int, trigger: str = Trigger.SCHEDULE) -> None:
    from .models import Connection
    from .sync import sync_run

    connection = Connection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is not None:
        sync_run(connection=connection, trigger=trigger)


@db_periodic_task(crontab(minute="*"))
def poll_connections() -> int:
    # Every minute, each connection whose last run is DAYBOOK_PSA_POLL_MINUTES old.
    from .sync import due_connections

    due = due_connections()
    for connection in due:
        sync_connection(connection.pk, Trigger.SCHEDULE)
    return len(due) if settings.DAYBOOK_PSA_POLL_MINUTES else 0
