"""Entry imports: every vendor format, the two phases, all or nothing, idempotence."""

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from daybook.catalogue.choices import BillableOption
from daybook.interchange.files.importing import run_import
from daybook.interchange.files.reading import FileProblem
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_log
from tests.zones import NEW_YORK

from .conftest import csv_file

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> io.BytesIO:
    return io.BytesIO((SAMPLES / name).read_bytes())


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


def wall(day: int, hour: int, minute: int = 0) -> datetime:
    """A spreadsheet's date cell: a wall-clock time without a zone."""
    return ny(day, hour, minute).replace(tzinfo=None)


def imported(kind: str, stream, *, by=None, commit=True, name="file.csv"):
    return run_import(kind=kind, stream=stream, filename=name, by=by, commit=commit)


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("connectwise", "connectwise_time.csv"),
        ("autotask", "autotask_time.csv"),
        ("halo", "halo_time.csv"),
    ],
)
def test_each_psa_time_export_is_read_from_its_documented_columns(
    tech, other_team_tech, tickets, kind, name
):
    outcome = imported(kind, sample(name))

    assert outcome.ok, [str(p) for p in outcome.problems]
    assert (outcome.rows, outcome.new) == (3, 3)
    first, second = tickets
    entries = list(TimeEntry.objects.order_by("start"))
    assert [(e.member, e.ticket) for e in entries] == [
        (tech, first),
        (tech, first),
        (other_team_tech, second),
    ]
    assert (entries[0].start, entries[0].end) == (ny(10, 9), ny(10, 10, 30))
    assert entries[1].end == ny(10, 11)
    assert entries[2].start == ny(11, 13)
    assert entries[0].notes == "Reset the VPN token and tested remote access."
    assert entries[0].billable == BillableOption.BILLABLE
    assert all(e.source == EntrySource.IMPORT for e in entries)
    assert all(e.import_key.startswith(f"{kind}:") for e in entries)


def test_billable_options_follow_each_vendor(tech, other_team_tech, tickets):
    imported("connectwise", sample("connectwise_time.csv"))
    assert list(TimeEntry.objects.order_by("start").values_list("billable", flat=True)) == [
        BillableOption.BILLABLE,
        BillableOption.NO_CHARGE,
        BillableOption.DO_NOT_BILL,
    ]
    TimeEntry.objects.all().delete()
    imported("autotask", sample("autotask_time.csv"))
    # Non-billable but shown on the invoice is No Charge; not shown, Do Not Bill.
    assert list(TimeEntry.objects.order_by("start").values_list("billable", flat=True)) == [
        BillableOption.BILLABLE,
        BillableOption.NO_CHARGE,
        BillableOption.DO_NOT_BILL,
    ]


def test_the_same_file_twice_adds_nothing(tech, other_team_tech, tickets):
    assert imported("connectwise", sample("connectwise_time.csv")).new == 3

    again = imported("connectwise", sample("connectwise_time.csv"))

    assert again.ok
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert TimeEntry.objects.count() == 3


def test_autotask_rows_without_ids_are_still_found_again(tech, other_team_tech, tickets):
    imported("autotask", sample("autotask_time.csv"))
    again = imported("autotask", sample("autotask_time.csv"))
    assert (again.new, again.unchanged) == (0, 3)


def test_a_changed_row_updates_its_entry(tech, other_team_tech, tickets):
    imported("connectwise", sample("connectwise_time.csv"))
    text = (SAMPLES / "connectwise_time.csv").read_text()
    text = text.replace("Follow-up call to confirm the fix.", "Called back; the user is happy.")

    outcome = imported("connectwise", csv_file(text))

    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 1, 2)
    assert TimeEntry.objects.filter(notes="Called back; the user is happy.").count() == 1


def test_preview_counts_and_keeps_nothing(tech, other_team_tech, tickets):
    outcome = imported("connectwise", sample("connectwise_time.csv"), commit=False)

    assert outcome.ok
    assert not outcome.committed
    assert outcome.new == 3
    assert not TimeEntry.objects.exists()


def test_a_bad_row_in_a_large_file_imports_nothing_and_names_row_and_column(tech, tickets, remote):
    lines = ["Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type,Notes"]
    for i in range(600):
        day, slot = 1 + i // 25, i % 25
        hour, minute = divmod(slot * 15, 60)
        lines.append(
            f"{i},tess,02/{day:02d}/2025,{hour:02d}:{minute:02d},"
            f"{hour:02d}:{minute + 10:02d},51234,Remote Support,Worked the queue."
        )
    lines[451] = lines[451].replace("Remote Support", "Remote Suport")
    lines[452] = lines[452].replace("tess", "nobody")

    outcome = imported("connectwise", csv_file("\n".join(lines)))

    assert not outcome.committed
    assert TimeEntry.objects.count() == 0
    assert [(p.line, p.column, p.value) for p in outcome.problems] == [
        (452, "Work Type", "Remote Suport"),
        (453, "Member", "nobody"),
    ]
    assert "No work type has this name" in str(outcome.problems[0])
    assert str(outcome.problems[0]).startswith("Line 452, column “Work Type”")


def test_rules_of_the_entry_service_are_reported_by_column(tech, tickets, remote, finance):
    entry_log(
        member=tech,
        start=ny(10, 9),
        end=ny(10, 10),
        work_type=remote,
        ticket=tickets[0],
        notes="Logged in Daybook.",
    )
    PeriodClose.objects.create(closed_through=date(2025, 3, 3), closed_by=finance)
    text = (
        "Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n"
        "1,tess,03/10/2025,9:30,10:30,51234,Remote Support,Overlaps what is logged.\n"
        "2,tess,03/11/2025,9:00,10:00,51234,Remote Support,\n"
        "3,tess,03/03/2025,9:00,10:00,51234,Remote Support,In the closed period.\n"
        "4,tess,03/12/2025,9:00,10:00,99999,Remote Support,Unknown ticket.\n"
        "5,tess,03/12/2025,9:00,banana,51234,Remote Support,Bad time.\n"
        "6,tess,03/13/2025,9:00,10:00,51234,Remote Support,First.\n"
        "7,tess,03/13/2025,9:30,10:30,51234,Remote Support,Overlaps line 7.\n"
    )

    outcome = imported("connectwise", csv_file(text), by=finance)

    found = {(p.line, p.column): p.message for p in outcome.problems}
    assert "overlaps" in found[(2, "Start Time")]
    assert "client sees these notes" in found[(3, "Notes")]
    assert "closed" in found[(4, "Start Time")]
    assert "No ticket with this number" in found[(5, "Ticket #")]
    assert "Not a" in found[(6, "End Time")]
    assert found[(8, "Start Time")] == "This overlaps line 7 of this file for Tess Tester."
    assert TimeEntry.objects.count() == 1


def test_xlsx_is_read_like_csv(tech, other_team_tech, tickets):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Action ID", "Request ID", "Agent", "Start Date", "End Date", "Charge Rate", "Note"]
    )
    sheet.append(
        [
            7001,
            1042,
            "tess",
            wall(10, 9),
            wall(10, 10, 30),
            "Remote Support",
            "Reset the VPN token.",
        ]
    )
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)

    outcome = imported("halo", stream, name="actions.xlsx")

    assert outcome.ok, [str(p) for p in outcome.problems]
    entry = TimeEntry.objects.get()
    assert (entry.start, entry.end, entry.import_key) == (ny(10, 9), ny(10, 10, 30), "halo:7001")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty"),
        (b"\n\n", "blank.csv", "The file is empty"),
        (b"Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type\n", "h.csv", "no rows"),
        (b"Member,Start Time,Work Type\ntess,9:00,Remote Support\n", "x.csv", "no “Ticket #”"),
        (b"\xff\xfe\x00\x00garbage", "x.csv", "isn't text"),
        (b"caf\xe9,x\n", "x.csv", "isn't UTF-8"),
        (b"PK\x03\x04not really a zip", "x.xlsx", "can't be opened"),
        (b"\xd0\xcf\x11\xe0old excel", "x.xls", "Old Excel files"),
        (b"not a workbook", "x.xlsx", "named like a workbook"),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(tickets, content, name, message):
    outcome = imported("connectwise", io.BytesIO(content), name=name)

    assert not outcome.ok
    assert not outcome.committed
    assert message in str(outcome.problems[0])
    assert outcome.problems[0].line is None
    assert not TimeEntry.objects.exists()


def test_a_wrong_kind_says_which_columns_it_needs(tech, tickets):
    outcome = imported("autotask", sample("connectwise_time.csv"))
    assert "isn't a Autotask time export" in str(outcome.problems[0]) or "Autotask" in str(
        outcome.problems[0]
    )
    assert "“Autotask Ticket Number”" in str(outcome.problems[0])


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(FileProblem, match="There is no import of kind “quickbooks”"):
        imported("quickbooks", io.BytesIO(b"a,b\n1,2\n"))
