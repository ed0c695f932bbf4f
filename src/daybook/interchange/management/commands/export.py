"""`daybook export [--from D] [--to D] [--format csv|xlsx] [--for payroll|accounting]`.

Entries for payroll or accounting, one row per entry, written to --output or standard output.
The command line sees every member's days whose review has opened (never a day still in
progress) and money, as Finance does.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from daybook.core.time import in_date_window
from daybook.interchange.files.exports import (
    FORMATS,
    PURPOSES,
    entries_for_export,
    export_rows,
    write_export,
)


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; write it like 2025-03-14.") from None
    if not in_date_window(day):
        raise CommandError("Dates must fall between 1970 and 2100.")
    return day


class Command(BaseCommand):
    help = "Export entries as CSV or XLSX, for payroll or accounting."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", help="First local day, e.g. 2025-03-01.")
        parser.add_argument("--to", dest="end", help="Last local day, e.g. 2025-03-31.")
        parser.add_argument("--format", default="csv", help=f"One of {', '.join(FORMATS)}.")
        parser.add_argument(
            "--for",
            dest="purpose",
            default="full",
            help=f"One of {', '.join(PURPOSES)} (full: every column, importable again).",
        )
        parser.add_argument("--output", "-o", help="Write to this file (XLSX needs one).")

    def handle(self, *args, start, end, format, purpose, output, **options):
        if format not in FORMATS:
            raise CommandError(f"--format must be one of {', '.join(FORMATS)}, not {format!r}.")
        if purpose not in PURPOSES:
            raise CommandError(f"--for must be one of {', '.join(PURPOSES)}, not {purpose!r}.")
        first = _date(start) if start else None
        last = _date(end) if end else None
        if first and last and last < first:
            raise CommandError("--to is before --from.")
        if format == "xlsx" and not output:
            raise CommandError("An XLSX export needs a file: add --output FILE.xlsx.")
        entries = entries_for_export(viewer=None, start=first, end=last)
        rows = export_rows(entries, purpose, money=True)
        if output:
            mode, kwargs = (
                ("wb", {}) if format == "xlsx" else ("w", {"newline": "", "encoding": "utf-8"})
            )
            with open(output, mode, **kwargs) as out:
                write_export(rows, format, out)
            self.stdout.write(f"Wrote {output}.")
        else:
            write_export(rows, "csv", self.stdout)
