"""`daybook gaps --member tess --from 2025-01-01 --to 2025-12-31`"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.core.formatting import duration_text
from daybook.people.models import Member
from daybook.timekeeping.gaps_range import GapRange, member_gaps_range

OPTION_NAMES = {"from": "--from", "to": "--to"}


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option}: give a date as YYYY-MM-DD, not {text!r}.") from None


def member_named(text: str) -> Member:
    """A member by id, username or email address (a CommandError names what was not found)."""
    text = (text or "").strip()
    if text.isdigit():
        member = Member.objects.filter(pk=int(text)).select_related("user", "team").first()
        if member is None:
            raise CommandError(f"--member: there is no member with the id {text}.")
        return member
    users = get_user_model().objects.filter(member__isnull=False)
    if "@" in text:
        matches = list(users.filter(email__iexact=text)[:2])
        if len(matches) > 1:
            raise CommandError(
                f"--member: more than one member has the email address {text!r}; "
                "give the username or id instead."
            )
        what = "email address"
    else:
        matches = list(users.filter(username=text)[:1])
        what = "username"
    if not matches:
        raise CommandError(f"--member: there is no member with the {what} {text!r}.")
    return Member.objects.select_related("user", "team").get(user=matches[0])


def range_lines(result: GapRange) -> list[str]:
    """The range as printed: a heading, one line per gap under its day, and the totals."""
    member, zone = result.member, result.member.zone
    name = member.user.get_full_name() or member.user.get_username()
    lines = [
        f"Gaps for {name} from {result.first:%Y-%m-%d} to {result.last:%Y-%m-%d} "
        f"({member.time_zone}; gaps of {duration_text(result.gap_threshold_minutes)} or more)",
        "",
    ]
    for day in result.days:
        lines.append(f"{day.day:%a %Y-%m-%d}  {duration_text(day.minutes)}")
        for gap in day.gaps:
            start, end = gap.start.astimezone(zone), gap.end.astimezone(zone)
            lines.append(f"    {start:%H:%M}-{end:%H:%M}  {duration_text(gap.minutes)}")
    if not result.days:
        lines.append("No gaps.")
    lines.append("")
    lines.append(
        f"Total: {duration_text(result.total_minutes)} in {result.gap_count} gaps on "
        f"{len(result.days)} of {result.working_days} working days."
    )
    if result.days_not_open:
        lines.append(
            f"{result.days_not_open} scheduled days are left out: their review has not opened yet."
        )
    return lines


class Command(BaseCommand):
    help = (
        "Print a member's gaps over a range of their local days: each working day's gaps "
        "inside the schedule, in the member's time zone, and the total. Like every door "
        "other than the member's own, it shows only days whose review has opened."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--member", required=True, help="Username, email address or id.")
        parser.add_argument("--from", dest="from", required=True, help="First local date.")
        parser.add_argument("--to", dest="to", required=True, help="Last local date (included).")

    def handle(self, *args, **options) -> None:
        member = member_named(options["member"])
        first = _day(options["from"], "--from")
        last = _day(options["to"], "--to")
        try:
            result = member_gaps_range(member=member, first=first, last=last, own=False)
        except ValidationError as error:
            raise CommandError(
                " ".join(
                    f"{OPTION_NAMES.get(field, field)}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
            ) from None
        for line in range_lines(result):
            self.stdout.write(line)
