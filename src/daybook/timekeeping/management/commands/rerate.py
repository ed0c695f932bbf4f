"""`daybook rerate --start 2025-03-10 --end 2025-03-14 --reason "Raise from 10 March"`"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from daybook.catalogue.models import WorkRole
from daybook.clients.models import Agreement
from daybook.people.models import Member
from daybook.timekeeping.services import RerateResult, entries_rerate

OPTION_NAMES = {"start": "--start", "end": "--end", "reason": "--reason"}


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option}: give a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Resolve the rates of unlocked time entries again for their work dates, after a rate "
        "was set late (a raise entered a week after it took effect, say). Approved, billed "
        "and closed-period entries are left alone. Each changed entry's history keeps the "
        "reason. --dry-run shows what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="First work date, e.g. 2025-03-10.")
        parser.add_argument("--end", required=True, help="Last work date (included).")
        parser.add_argument("--reason", required=True, help="Why; kept in each entry's history.")
        parser.add_argument("--member", help="Only this member's entries (username).")
        parser.add_argument("--agreement", type=int, help="Only this agreement's entries (id).")
        parser.add_argument("--work-role", help="Only entries in this work role (name).")
        parser.add_argument("--by", help="Username of the Finance member re-rating (recorded).")
        parser.add_argument("--dry-run", action="store_true", help="Show, change nothing.")

    def handle(self, *args, **options) -> None:
        try:
            result = entries_rerate(
                by=self._member(options.get("by"), "--by"),
                start=_day(options["start"], "--start"),
                end=_day(options["end"], "--end"),
                reason=options["reason"] or "",
                member=self._member(options.get("member"), "--member"),
                agreement=self._agreement(options.get("agreement")),
                work_role=self._work_role(options.get("work_role")),
                dry_run=options["dry_run"],
            )
        except ValidationError as error:
            raise CommandError(
                " ".join(
                    f"{OPTION_NAMES.get(field, field)}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
            ) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self._report(result)

    def _member(self, username: str | None, option: str) -> Member | None:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        member = getattr(user, "member", None) if user else None
        if member is None:
            raise CommandError(f"{option}: there is no member with the username {username!r}.")
        return member

    def _agreement(self, pk: int | None) -> Agreement | None:
        if pk is None:
            return None
        agreement = Agreement.objects.filter(pk=pk).first()
        if agreement is None:
            raise CommandError(f"--agreement: there is no agreement {pk}.")
        return agreement

    def _work_role(self, name: str | None) -> WorkRole | None:
        if not name:
            return None
        role = WorkRole.objects.filter(name__iexact=name).first()
        if role is None:
            raise CommandError(f"--work-role: there is no work role called {name!r}.")
        return role

    def _report(self, result: RerateResult) -> None:
        for change in result.changed:
            self.stdout.write(
                f"entry {change.entry_id} {change.work_date} {change.member}: "
                f"bill {change.bill_rate_before} -> {change.bill_rate_after}, "
                f"cost {change.cost_rate_before} -> {change.cost_rate_after}"
                + (
                    f", {change.billable_before} -> {change.billable_after}"
                    if change.billable_before != change.billable_after
                    else ""
                )
            )
        verb = "would change" if result.dry_run else "changed"
        self.stdout.write(
            f"{len(result.changed)} {verb}, {result.unchanged} already right, "
            f"{result.locked} locked (approved, billed or in a closed period) left alone."
        )
