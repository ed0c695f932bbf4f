"""`daybook review --date 2025-03-14 [--team "Service Desk"] [--format table|json|csv]`"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.people.models import Team
from daybook.review.api.serializers import day_payload
from daybook.review.exports import csv_lines, table_lines
from daybook.review.selectors import OPERATOR, review_days, reviewable_members

FORMATS = ("table", "json", "csv")


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--date must be a date like 2025-03-14, not {raw!r}.") from None


def _team(raw: str | None) -> Team | None:
    if raw is None:
        return None
    team = Team.objects.filter(name__iexact=raw.strip()).first()
    if team is None and raw.strip().isdigit():
        team = Team.objects.filter(pk=int(raw)).first()
    if team is None:
        known = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"There is no team called {raw!r}. Teams: {known}.")
    return team


class Command(BaseCommand):
    help = (
        "Print the end-of-day review for a date, as an organisation-wide reviewer sees it: "
        "days whose working day plus grace has not ended show as in progress, and only gaps "
        "at or over the threshold appear. Ordered by team, then name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="Local date, e.g. 2025-03-14.")
        parser.add_argument("--team", help="Team name (or id); all teams when left out.")
        parser.add_argument("--format", choices=FORMATS, default="table")

    def handle(self, *args, **options) -> None:
        day = _date(options["date"])
        team = _team(options["team"])
        views = review_days(
            day=day, members=reviewable_members(OPERATOR, team=team), viewer=OPERATOR
        )
        output = options["format"]
        if output == "json":
            self.stdout.write(json.dumps([day_payload(v) for v in views], indent=2))
        elif output == "csv":
            for text in csv_lines(views):
                self.stdout.write(text, ending="")
        else:
            if not views:
                self.stdout.write(f"No members to review for {day:%Y-%m-%d}.")
                return
            self.stdout.write(f"Day review for {day:%A %Y-%m-%d}")
            self.stdout.write("")
            for text in table_lines(views):
                self.stdout.write(text)
