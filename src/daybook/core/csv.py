"""CSV that is safe to open in a spreadsheet.

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `=cmd|...`). Notes are typed by people and
may come from a client, so every CSV Daybook writes goes through `SafeWriter`, which puts a
single quote before such a cell, as OWASP's CSV injection guidance advises. Numbers stay numbers:
a negative amount written as a number is not text a person typed.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A negative amount the reports have already formatted ("-12.50"): a number, not a formula.
PLAIN_NEGATIVE = re.compile(r"-[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet will read it as text, never as a formula."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NEGATIVE.fullmatch(value)
    ):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every cell passed through `safe_cell` first."""

    def __init__(self, stream, **kwargs) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
