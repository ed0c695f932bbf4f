"""`daybook summaries --from 2025-01-01 --to 2025-12-31 [--member tess] [--dry-run]`"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.people.models import Member
from daybook.timekeeping.summaries import summaries_rebuild

from .gaps import _day, member_named


class Command(BaseCommand):
    help = (
        "Rebuild the stored day summaries (the figures the review, digests and weeks read) "
        "for a range of local days, for everyone or one member. Safe to run at any time: "
        "each day is worked out again from its entries, as the review would."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--member", help="a member's id, username or email address")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be rebuilt, change nothing"
        )

    def handle(self, *args, first: str, last: str, member: str | None, dry_run: bool, **options):
        start, end = _day(first, "--from"), _day(last, "--to")
        if end < start:
            raise CommandError(f"--to: {end} comes before --from {start}; nothing was rebuilt.")
        members = Member.objects.all()
        if member is not None:
            members = members.filter(pk=member_named(member).pk)
        days = (end - start).days + 1
        if dry_run:
            count = members.count() * days
            self.stdout.write(
                f"Dry run: would rebuild {count} member-day{'s' if count != 1 else ''} "
                f"from {start} to {end}; nothing was changed."
            )
            return
        stored = summaries_rebuild(first=start, last=end, members=members)
        self.stdout.write(
            f"Rebuilt {stored} member-days from {start} to {end} "
            "(days whose working day has not ended are left to be filled when it has)."
        )
