"""`daybook review --date 2025-03-14 [--team "Service Desk"] [--format table|json|csv]`"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.review.api.serializers import day_payload
from daybook.review.exports import csv_lines, table_lines
from daybook.review.forms import REVIEW_FORMATS, ReviewDay, ReviewDayForm
from daybook.review.selectors import OPERATOR, review_days, reviewable_members

# How this door spells its parameters in ReviewDayForm's sentences.
OPTION_NAMES = {"date": "--date", "format": "--format"}


class Command(BaseCommand):
    help = (
        "Print the end-of-day review for a date, as an organisation-wide reviewer sees it: "
        "days whose working day plus grace has not ended show as in progress, and only gaps "
        "at or over the threshold appear. Ordered by team, then name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="Local date, e.g. 2025-03-14.")
        parser.add_argument("--team", help="Team name (or id); all teams when left out.")
        parser.add_argument("--format", choices=REVIEW_FORMATS, default=REVIEW_FORMATS[0])

    def handle(self, *args, **options) -> None:
        chosen = self._chosen(options)
        views = review_days(
            day=chosen.day,
            members=reviewable_members(OPERATOR, team=chosen.team),
            viewer=OPERATOR,
        )
        if chosen.format == "json":
            self.stdout.write(json.dumps([day_payload(v) for v in views], indent=2))
        elif chosen.format == "csv":
            for text in csv_lines(views):
                self.stdout.write(text, ending="")
        elif not views:
            self.stdout.write(f"No members to review for {chosen.day:%Y-%m-%d}.")
        else:
            self.stdout.write(f"Day review for {chosen.day:%A %Y-%m-%d}")
            self.stdout.write("")
            for text in table_lines(views):
                self.stdout.write(text)

    def _chosen(self, options: dict) -> ReviewDay:
        # call_command(format=...) skips argparse's choices, so the form checks them again.
        form = ReviewDayForm(
            {key: options.get(key) for key in ("date", "team", "format")},
            viewer=OPERATOR,
            names=OPTION_NAMES,
        )
        try:
            return form.checked()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
