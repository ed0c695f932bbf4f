"""Entry imports settle their lines in batches (timekeeping.batch): across batch edges, with
changed lines between new ones and refusals from the entry rules, the outcome is what logging
line by line gives."""

import pytest

from daybook.interchange.files import importing
from daybook.interchange.files.importing import run_import
from daybook.timekeeping.models import PeriodClose, TimeEntry

from .conftest import csv_file

HEADER = "Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type,Notes"


def _lines(count: int, first_day: int = 3) -> list[str]:
    lines = []
    for i in range(count):
        day, slot = first_day + i // 8, i % 8
        hour = 8 + slot
        lines.append(
            f"{i},tess,03/{day:02d}/2025,{hour:02d}:00,{hour:02d}:45,51234,Remote Support,"
            f"Worked the queue {i}."
        )
    return lines


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 3)


def test_lines_across_many_batches_are_all_imported_once(tech, tickets, small_batches):
    text = "\n".join([HEADER, *_lines(20)])

    first = run_import(kind="connectwise", stream=csv_file(text), by=None, commit=True)
    again = run_import(kind="connectwise", stream=csv_file(text), by=None, commit=True)

    assert (first.new, first.problem_count, first.committed) == (20, 0, True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 20)
    assert TimeEntry.objects.filter(member=tech).count() == 20
    assert all(e.history.count() == 1 for e in TimeEntry.objects.all())


def test_changed_lines_between_new_ones_keep_the_files_order(tech, tickets, small_batches):
    run_import(kind="connectwise", stream=csv_file("\n".join([HEADER, *_lines(6)])), by=None,
               commit=True)  # fmt: skip
    lines = _lines(12)
    lines[4] = lines[4].replace("Worked the queue 4.", "Called the user back.")

    outcome = run_import(kind="connectwise", stream=csv_file("\n".join([HEADER, *lines])),
                         by=None, commit=True)  # fmt: skip

    assert (outcome.new, outcome.updated, outcome.unchanged) == (6, 1, 5)
    assert TimeEntry.objects.filter(notes="Called the user back.").count() == 1


def test_a_refused_line_in_a_later_batch_imports_nothing_and_is_named(
    tech, tickets, finance, small_batches
):
    PeriodClose.objects.create(closed_through=_day(3), closed_by=finance)
    lines = _lines(16, first_day=4)
    lines[10] = lines[10].replace("03/05/2025", "03/03/2025")
    lines[12] = lines[12].replace(",Worked the queue 12.", ",")

    preview = run_import(kind="connectwise", stream=csv_file("\n".join([HEADER, *lines])),
                         by=None, commit=True)  # fmt: skip

    assert not preview.committed
    assert TimeEntry.objects.count() == 0
    assert [(p.line, p.column) for p in preview.problems] == [(12, "Start Time"), (14, "Notes")]
    assert "Time up to 2025-03-03 is closed" in preview.problems[0].message
    assert preview.problems[1].message.startswith("Write what you did")


def _day(n):
    from datetime import date

    return date(2025, 3, n)


def _many_lines(count: int) -> list[str]:
    """`count` lines for Tess, ten 45-minute slots a working day, back from March 13th."""
    from datetime import date, timedelta

    lines = []
    for i in range(count):
        day = date(2025, 3, 13) - timedelta(days=i // 10)
        hour = 7 + i % 10
        lines.append(
            f"{i},tess,{day:%m/%d/%Y},{hour:02d}:00,{hour:02d}:45,51234,Remote Support,"
            f"Worked the queue {i}."
        )
    return lines


def test_a_bad_line_deep_in_a_large_file_leaves_nothing_imported(tech, tickets):
    # 5,000 lines settle in three batches; line 4,001 (the file's 4,000th row) is in the
    # second, after the first is written and before the third is read.
    lines = _many_lines(5000)
    lines[3999] = lines[3999].replace(",tess,", ",nobody,")
    lines[4499] = lines[4499].replace(",Worked the queue 4499.", ",")
    text = "\n".join([HEADER, *lines])

    outcome = run_import(kind="connectwise", stream=csv_file(text), by=None, commit=True)

    assert (outcome.rows, outcome.committed) == (5000, False)
    assert TimeEntry.objects.count() == 0
    assert TimeEntry.history.count() == 0
    assert [(p.line, p.column, p.value) for p in outcome.problems] == [
        (4001, "Member", "nobody"),
        (4501, "Notes", ""),
    ]
    assert outcome.problems[0].message.startswith("No member has this username")
