"""Every CSV Daybook writes neutralises cells a spreadsheet would run as a formula."""

import csv
import io
from decimal import Decimal

import pytest

from daybook.core.csv import SafeWriter, safe_cell


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://attacker.example","click")',
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_typed_into_notes_is_written_as_text(typed):
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(["Ticket #12", typed])
    written = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert written == ["Ticket #12", "'" + typed]


def test_ordinary_text_and_numbers_are_left_alone():
    assert safe_cell("Replaced the switch - all good") == "Replaced the switch - all good"
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell("") == ""
    assert safe_cell(None) is None
