"""`daybook demo`: load the demo MSP (seeded, repeatable, loaded once), or a large one to
benchmark with."""

import contextlib
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from daybook.core.env import env_int
from daybook.demo.catalog import DEMO_PASSWORD, STAFF
from daybook.demo.generator import SIZES, DemoConflict, build_demo
from daybook.demo.process import process_seed


class Command(BaseCommand):
    help = (
        "Load the demo MSP: 15 people in 3 teams, 30 clients, the last twelve months of time "
        "and today's up to now. --size large builds a benchmark data set (500 people, 3 years, "
        "about 3.3 million time entries) instead; --size xl one of about 5 million (4.5 years). "
        "Loading twice does nothing the second time."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="same seed, same data (42)")
        parser.add_argument("--size", choices=SIZES, default="small")
        parser.add_argument(
            "--members", type=int, help="how many people (small: up to its 15; large, xl: 500)"
        )
        parser.add_argument("--years", type=float, help="large, xl: years of time (3, 4.5)")
        parser.add_argument("--days", type=int, help="days of time; overrides --years")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="pretend today is this date (YYYY-MM-DD) for a repeatable load",
        )
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument(
            "--dry-run", action="store_true", help="build everything, then roll it back"
        )

    def handle(self, *args, **options) -> None:
        try:
            port = env_int("PORT", 8000)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        large = options["size"] != "small"
        try:
            # A dry run builds inside one transaction and rolls it back; a real large load
            # commits batch by batch instead.
            with transaction.atomic() if options["dry_run"] else contextlib.nullcontext():
                summary = build_demo(
                    seed=options["seed"],
                    size=options["size"],
                    today=options["today"],
                    progress=large and options["verbosity"] > 0,
                    members=options["members"],
                    years=options["years"],
                    days=options["days"],
                    out=self.stderr,
                    batch_size=options["batch_size"],
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except (DemoConflict, ValueError) as error:
            raise CommandError(str(error)) from None

        if not summary.created:
            self.stdout.write("Demo data already loaded; nothing was added.")
        else:
            verb = "Would create" if options["dry_run"] else "Created"
            counts = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items() if n)
            self.stdout.write(f"{verb}: {counts}.")
            self.stdout.write(
                f"{summary.rows:,} rows in {summary.seconds:.1f} s "
                f"({summary.rows_per_second:,.0f} rows/s)."
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
            return
        if process_seed() is not None:
            self.stdout.write("Wrote the first version of the process; members see it first.")
        self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ and sign in as one of:")
        for spec in STAFF:
            if spec.login:
                self.stdout.write(
                    f"  {spec.username:<11} {DEMO_PASSWORD}   {spec.role.label}"
                    f"{' (superuser)' if spec.superuser else ''}"
                )
