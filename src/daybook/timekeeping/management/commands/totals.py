"""`daybook totals --rebuild [--from 2025-01 --to 2025-12] [--dry-run]`, `daybook totals --check`"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.timekeeping.totals import monthly_totals_differences, monthly_totals_rebuild


def _month(text: str | None, option: str) -> date | None:
    """A month as YYYY-MM (or any date in it, YYYY-MM-DD)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text if text.count("-") == 2 else f"{text}-01").replace(day=1)
    except ValueError:
        raise CommandError(
            f"{option}: give a month as YYYY-MM (or a date, YYYY-MM-DD), not {text!r}."
        ) from None


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "The monthly totals the period reports read. --rebuild works them out again from the "
        "time entries, for every member's local months from --from to --to (by default every "
        "month with time); --check says whether they match the entries, changing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="recompute the totals")
        action.add_argument("--check", action="store_true", help="compare them with the entries")
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM")
        parser.add_argument(
            "--dry-run", action="store_true", help="with --rebuild: count, change nothing"
        )

    def handle(self, *args, rebuild: bool, check: bool, first, last, dry_run: bool, **options):
        start, end = _month(first, "--from"), _month(last, "--to")
        if start is not None and end is not None and end < start:
            raise CommandError(f"--to: {end:%Y-%m} comes before --from {start:%Y-%m}.")
        if check:
            differences = monthly_totals_differences(first=start, last=end)
            if differences:
                verb = "differs" if differences == 1 else "differ"
                raise CommandError(
                    f"{_count(differences, 'monthly total row')} {verb} from the time entries. "
                    "Run `daybook totals --rebuild` to put them right."
                )
            self.stdout.write("The monthly totals match the time entries.")
            return
        result = monthly_totals_rebuild(first=start, last=end, dry_run=dry_run)
        verb = "Would write" if dry_run else "Wrote"
        self.stdout.write(
            f"{verb} {_count(result.rows, 'monthly total row')} for "
            f"{_count(result.members, 'member')} over {_count(result.months, 'month')}"
            f"{'; nothing was changed' if dry_run else ''}."
        )
