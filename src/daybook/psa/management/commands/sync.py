"""`daybook sync CONNECTION [--dry-run] [--since DATE]`: one sync run, in the foreground."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from daybook.psa.choices import Trigger
from daybook.psa.models import Connection
from daybook.psa.sync import sync_run


def _since(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a date such as 2025-03-01, not {value!r}.") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = "Sync a PSA connection now: pull changes, push waiting entries."

    def add_arguments(self, parser):
        parser.add_argument("connection", help="The connection's name or id.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read the PSA, keep nothing, send nothing."
        )
        parser.add_argument(
            "--since", help="Pull records changed from this date (YYYY-MM-DD), not the cursor."
        )

    def handle(self, *args, connection, dry_run, since, **options):
        found = Connection.objects.filter(name=connection).first()
        if found is None and connection.isdigit():
            found = Connection.objects.filter(pk=int(connection)).first()
        if found is None:
            names = ", ".join(Connection.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No PSA connection called {connection!r}. Connections: {names}.")
        if not found.is_active:
            raise CommandError(f"{found.name} is paused; turn it on in its settings first.")
        start = _since(since) if since else None
        run = sync_run(connection=found, trigger=Trigger.COMMAND, dry_run=dry_run, since=start)
        self.stdout.write(f"{found.name}: {run.outcome}")
        if run.outcome.startswith(("Stopped", "Not run")):
            raise CommandError("The sync did not finish; see above.")
