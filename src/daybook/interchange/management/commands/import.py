"""`daybook import KIND FILE [--commit]`: preview a CSV or XLSX import, or import it.

Without --commit nothing is kept: every row is checked and every problem printed with its
line and column, with the counts of what would change. With --commit the file is imported
when no row has a problem, all in one transaction; otherwise nothing is.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from daybook.interchange.files.importing import run_import
from daybook.interchange.files.kinds import KINDS
from daybook.people.models import Member


class Command(BaseCommand):
    help = "Preview (or with --commit, import) a CSV or XLSX file of entries or records."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help=f"What the file holds: {', '.join(KINDS)}.")
        parser.add_argument("file", help="The CSV or XLSX file.")
        parser.add_argument(
            "--commit", action="store_true", help="Import it (when no row has a problem)."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Import as this member (needed for tickets; entries and companies default "
            "to the system).",
        )

    def handle(self, *args, kind: str, file: str, commit: bool, username: str | None, **opts):
        if kind not in KINDS:
            raise CommandError(
                f"There is no import of kind “{kind}”. Choose one of: {', '.join(KINDS)}."
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file at {file}.")
        by = None
        if username:
            by = Member.objects.select_related("user").filter(user__username=username).first()
            if by is None:
                raise CommandError(f"No member has the username {username!r}.")
        elif KINDS[kind].target in {"companies", "tickets"}:
            raise CommandError(
                f"Say who imports the {kind}: --as USERNAME (a member who may add them)."
            )
        try:
            with path.open("rb") as stream:
                outcome = run_import(
                    kind=kind, stream=stream, filename=path.name, by=by, commit=commit
                )
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        for problem in outcome.problems:
            self.stderr.write(str(problem))
        if outcome.problems_left_out:
            self.stderr.write(f"... and {outcome.problems_left_out} more problems.")
        counts = (
            f"{outcome.rows} rows: {outcome.new} new, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged"
        )
        if not outcome.ok:
            raise CommandError(
                f"{outcome.problem_count} problems in {outcome.rows} rows; nothing was imported."
            )
        if outcome.committed:
            self.stdout.write(f"Imported {counts}.")
        else:
            self.stdout.write(f"Preview, nothing imported yet: {counts}. Run again with --commit.")
