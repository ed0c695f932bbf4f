"""Exports, the round trip, the page, the commands, and records (companies, members, tickets)."""

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from daybook.catalogue.choices import BillableOption
from daybook.clients.models import Company
from daybook.interchange.files.exports import entries_for_export, export_rows, xlsx_chunks
from daybook.interchange.files.importing import run_import
from daybook.interchange.models import ImportLink, ImportUpload, LinkKind
from daybook.people.models import Member
from daybook.service.models import Ticket
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.my_day import my_day
from daybook.timekeeping.services import entry_log
from tests.factories import BoardFactory, CompanyFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import csv_file

SAMPLES = Path(__file__).parent / "samples"
ENTRY_FIELDS = (
    "member_id",
    "start",
    "end",
    "ticket_id",
    "phase_id",
    "agreement_id",
    "work_role_id",
    "work_type_id",
    "billable",
    "bill_rate",
    "cost_rate",
    "notes",
    "internal_notes",
)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def logged(tech, other_team_tech, tickets, remote):
    """Three entries on days whose review has opened, and one today (still private)."""
    admin_type = WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    first, second = tickets
    return [
        entry_log(
            member=tech,
            start=ny(10, 9),
            end=ny(10, 10, 30),
            work_type=remote,
            ticket=first,
            notes='=HYPERLINK("x") fixed the printer',
            internal_notes="Called the vendor.",
            source=EntrySource.TIMER,
        ),
        entry_log(
            member=tech,
            start=ny(10, 11),
            end=ny(10, 11, 30),
            work_type=admin_type,
            billable=BillableOption.DO_NOT_BILL,
        ),
        entry_log(
            member=other_team_tech,
            start=ny(11, 13),
            end=ny(11, 14, 15),
            work_type=remote,
            ticket=second,
            notes="Installed drivers.",
            billable=BillableOption.NO_CHARGE,
        ),
        entry_log(
            member=tech,
            start=ny(14, 9),
            end=ny(14, 10),
            work_type=remote,
            ticket=first,
            notes="Today's work.",
        ),
    ]


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def test_export_then_import_gives_identical_entries(logged):
    before = {e.pk: e for e in TimeEntry.objects.all()}
    exported = "".join(call_command_output("export", "--from", "2025-03-01", "--to", "2025-03-31"))
    shown = list(TimeEntry.objects.filter(pk__in=[e.pk for e in logged[:3]]).values(*ENTRY_FIELDS))
    TimeEntry.objects.filter(pk__in=[e.pk for e in logged[:3]]).delete()

    outcome = run_import(kind="entries", stream=csv_file(exported), by=None, commit=True)

    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.new == 3
    back = list(TimeEntry.objects.exclude(pk=logged[3].pk).order_by("start").values(*ENTRY_FIELDS))
    assert back == sorted(shown, key=lambda e: e["start"])
    assert len(before) == 4


def test_a_daybook_export_read_back_into_the_same_daybook_changes_nothing(logged):
    exported = "".join(call_command_output("export"))
    outcome = run_import(kind="entries", stream=csv_file(exported), by=None, commit=True)
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 3)
    assert TimeEntry.objects.count() == 4


def test_reading_back_a_larger_own_export_takes_no_more_queries(logged, tech, remote, tickets):
    def queries_to_read_back() -> int:
        exported = "".join(call_command_output("export"))
        with CaptureQueriesContext(connection) as queries:
            outcome = run_import(kind="entries", stream=csv_file(exported), by=None, commit=True)
        assert outcome.ok
        assert outcome.new == outcome.updated == 0
        return len(queries)

    few = queries_to_read_back()
    for day in range(3, 8):  # five more days of two entries each, all opened for review
        for hour in (9, 13):
            entry_log(
                member=tech, start=ny(day, hour), end=ny(day, hour + 1), work_type=remote,
                ticket=tickets[0], notes="Patched the server.",
            )  # fmt: skip
    # The saved entries are found together, not with a query or two per line.
    assert queries_to_read_back() == few


def call_command_output(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return [out.getvalue()]


def test_export_leaves_out_days_whose_review_has_not_opened_and_defuses_formulas(logged):
    text = call_command_output("export")[0]
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4  # header and three entries; today's stays private
    assert rows[1][rows[0].index("Notes")].startswith("'=HYPERLINK")


def test_money_columns_only_for_viewers_who_see_money(logged, lead, finance):
    entries = entries_for_export(viewer=lead.user, start=None, end=None)
    header = next(export_rows(entries, "accounting", money=False))
    assert "Rate" not in header
    assert "Amount" not in header
    assert "Rate" in next(export_rows(entries, "accounting", money=True))


def test_payroll_and_accounting_exports(logged):
    text = call_command_output("export", "--for", "accounting")[0]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Billable"] for r in rows] == ["Billable", "Do Not Bill", "No Charge"]
    assert rows[0]["Hours"] == "1.50"
    assert rows[0]["Amount"] == "150.00"
    assert rows[2]["Amount"] == "0.00"
    payroll = list(
        csv.DictReader(io.StringIO(call_command_output("export", "--for", "payroll")[0]))
    )
    assert [r["Payroll wrap"] for r in payroll] == ["no", "yes", "no"]
    assert payroll[0]["Cost"] == "60.00"


def test_xlsx_export_is_a_workbook_with_one_row_per_entry(logged, tmp_path):
    target = tmp_path / "entries.xlsx"
    call_command("export", "--format", "xlsx", "--output", str(target), stdout=io.StringIO())
    sheet = load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][rows[0].index("Hours")] == 1.5


def test_xlsx_export_reads_back_as_an_import(logged):
    entries = entries_for_export(viewer=None, start=None, end=None)
    workbook = b"".join(xlsx_chunks(export_rows(entries, "full", money=True)))
    outcome = run_import(
        kind="entries", stream=io.BytesIO(workbook), filename="e.xlsx", by=None, commit=False
    )
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.unchanged == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "--format must be one of"),
        (["--for", "tax"], "--for must be one of"),
        (["--from", "14/03/2025"], "is not a date"),
        (["--from", "2025-03-10", "--to", "2025-03-01"], "--to is before --from"),
        (["--format", "xlsx"], "needs a file"),
    ],
)
def test_export_command_refuses_bad_options(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export", *args, stdout=io.StringIO())


# --- the import command --------------------------------------------------------------------


def test_import_command_previews_then_commits(tech, other_team_tech, tickets):
    path = str(SAMPLES / "connectwise_time.csv")
    out = io.StringIO()
    call_command("import", "connectwise", path, stdout=out)
    assert "Preview, nothing imported yet: 3 rows: 3 new" in out.getvalue()
    assert not TimeEntry.objects.exists()

    call_command("import", "connectwise", path, "--commit", stdout=out)
    assert TimeEntry.objects.count() == 3
    call_command("import", "connectwise", path, "--commit", stdout=out)
    assert "0 new, 0 updated, 3 unchanged" in out.getvalue()
    assert TimeEntry.objects.count() == 3


def test_import_command_lists_problems_and_imports_nothing(tech, tickets, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n"
        "tess,03/10/2025,9:00,10:00,51234,Remote Support,Fine.\n"
        "tess,03/10/2025,11:00,12:00,51234,Onsite,Unknown type.\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problems in 2 rows; nothing was imported"):
        call_command(
            "import", "connectwise", str(bad), "--commit", stdout=io.StringIO(), stderr=err
        )
    assert "Line 3, column “Work Type” ('Onsite')" in err.getvalue()
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quickbooks", "x.csv"], "There is no import of kind"),
        (["connectwise", "/nonexistent/file.csv"], "There is no file"),
        (["tickets", str(SAMPLES / "connectwise_time.csv")], "--as USERNAME"),
        (["connectwise", str(SAMPLES / "connectwise_time.csv"), "--as", "ghost"], "No member"),
    ],
)
def test_import_command_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_import_command_refuses_a_member_who_may_not_import(tech, tickets):
    with pytest.raises(CommandError, match="You may not import"):
        call_command(
            "import",
            "connectwise",
            str(SAMPLES / "connectwise_time.csv"),
            "--as",
            "tess",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


# --- records -------------------------------------------------------------------------------


def test_companies_tickets_then_psa_time(admin, tech, other_team_tech, remote, help_desk):
    BoardFactory(name="Help Desk")
    companies = csv_file(
        "Name,Identifier,Time zone,Source,External ID\n"
        "Acme Dental,acme,America/New_York,connectwise,19298\n"
        "Borealis Freight,,America/Chicago,connectwise,19300\n"
    )
    outcome = run_import(kind="companies", stream=companies, by=admin, commit=True)
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert Company.objects.get(identifier="borealis-freight").time_zone == "America/Chicago"
    tickets = csv_file(
        "Summary,Company,Board,Priority,Assignee,Opened,Source,External ID\n"
        "VPN drops,19298,Help Desk,P2,tess,2025-03-09 08:00,connectwise,51234\n"
        "New printer,19300,Help Desk,Low,,,connectwise,51235\n"
    )
    outcome = run_import(kind="tickets", stream=tickets, by=admin, commit=True)
    assert outcome.ok, [str(p) for p in outcome.problems]
    vpn = Ticket.objects.get(summary="VPN drops")
    assert vpn.company.identifier == "acme"
    assert vpn.assignee == tech
    assert ImportLink.objects.filter(kind=LinkKind.TICKET, source="connectwise").count() == 2

    time = run_import(
        kind="connectwise",
        stream=(SAMPLES / "connectwise_time.csv").open("rb"),
        by=admin,
        commit=True,
    )
    assert time.ok, [str(p) for p in time.problems]
    assert TimeEntry.objects.filter(ticket=vpn).count() == 2

    again = run_import(
        kind="tickets", stream=csv_file(tickets.getvalue().decode()), by=admin, commit=True
    )
    assert (again.new, again.unchanged) == (0, 2)


def test_members_are_added_with_their_role_and_existing_ones_left_alone(admin, tech, finance):
    members = csv_file(
        "Username,Email,First name,Last name,Role,Time zone,Expected hours\n"
        "tess,other@example.test,Tess,Changed,Technician,Europe/Paris,6\n"
        "mo,mo@example.test,Mo,Reyes,Dispatcher,America/Denver,7.5\n"
    )
    outcome = run_import(kind="members", stream=members, by=admin, commit=True)
    assert (outcome.new, outcome.unchanged) == (1, 1)
    mo = Member.objects.get(user__username="mo")
    assert mo.time_zone == "America/Denver"
    assert mo.user.groups.filter(name="Dispatcher").exists()
    tech.refresh_from_db()
    assert tech.time_zone == "America/New_York"
    with pytest.raises(PermissionError) if False else pytest.raises(Exception, match="may not"):
        run_import(kind="members", stream=csv_file("Username\nzed\n"), by=finance, commit=True)


def test_record_rows_with_problems_name_their_column(admin):
    BoardFactory(name="Help Desk")
    CompanyFactory(name="Acme Dental", identifier="acme")
    tickets = csv_file(
        "Summary,Company,Board,Priority,Source,External ID\n"
        "VPN drops,nowhere,Help Desk,P9,psa-x,1\n"
        ",acme,Front Desk,,,\n"
    )
    outcome = run_import(kind="tickets", stream=tickets, by=admin, commit=True)
    found = {(p.line, p.column) for p in outcome.problems}
    assert {(2, "Company"), (2, "Priority"), (2, "Source"), (3, "Board")} <= found
    assert not Ticket.objects.exists()


# --- real-time share -----------------------------------------------------------------------


def test_imported_time_counts_as_logged_but_not_in_the_real_time_share(tech, tickets, remote):
    first, _ = tickets
    entry_log(
        member=tech,
        start=ny(14, 14),
        end=ny(14, 14, 55),
        work_type=remote,
        ticket=first,
        notes="Logged as it ended.",
    )
    run_import(
        kind="connectwise",
        stream=csv_file(
            "Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n"
            "1,tess,03/14/2025,9:00,11:00,51234,Remote Support,From the old PSA.\n"
        ),
        by=None,
        commit=True,
    )
    day = my_day(member=tech, day=ny(14, 0).date())
    assert day.totals.logged_minutes == 175
    # 55 minutes logged in real time, of the 55 entered in Daybook: 100 %, not 31 %.
    assert day.totals.realtime_minutes == 55
    assert day.totals.realtime_percent == 100


# --- the page ------------------------------------------------------------------------------


def test_technicians_and_managers_are_refused_the_page(client, tech, lead, logged):
    for member in (tech, lead):
        client.force_login(member.user)
        assert client.get(reverse("interchange:import")).status_code == 403
        assert client.get(reverse("interchange:export")).status_code == 403
        upload = (SAMPLES / "connectwise_time.csv").open("rb")
        response = client.post(
            reverse("interchange:import"), {"kind": "connectwise", "file": upload}
        )
        assert response.status_code == 403
    assert TimeEntry.objects.count() == 4


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("interchange:import"))
    assert response.status_code == 302


def test_finance_previews_then_imports_from_the_page(
    client, finance, tech, other_team_tech, tickets
):
    client.force_login(finance.user)
    with (SAMPLES / "connectwise_time.csv").open("rb") as upload:
        page = client.post(reverse("interchange:import"), {"kind": "connectwise", "file": upload})
    assert page.status_code == 200
    assert "3 rows: 3 new, 0 updated, 0 unchanged. Nothing is kept yet." in page.content.decode()
    assert not TimeEntry.objects.exists()
    upload = ImportUpload.objects.get()

    done = client.post(reverse("interchange:import_commit", args=[upload.pk]))
    assert done.status_code == 200
    assert "Imported" in done.content.decode()
    assert TimeEntry.objects.count() == 3
    assert not ImportUpload.objects.exists()


def test_another_members_upload_is_not_found(
    client, finance, admin, tech, other_team_tech, tickets
):
    upload = ImportUpload.objects.create(
        kind="connectwise",
        filename="x.csv",
        uploaded_by=admin,
        content=(SAMPLES / "connectwise_time.csv").read_bytes(),
    )
    client.force_login(finance.user)
    response = client.post(reverse("interchange:import_commit", args=[upload.pk]))
    assert response.status_code == 404
    assert not TimeEntry.objects.exists()


def test_page_lists_each_problem_with_line_and_column(client, finance, tech, tickets):
    client.force_login(finance.user)
    bad = io.BytesIO(
        b"Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n"
        b"tess,03/10/2025,9:00,10:00,51234,Onsite,Unknown type.\n"
    )
    bad.name = "bad.csv"
    page = client.post(reverse("interchange:import"), {"kind": "connectwise", "file": bad})
    text = page.content.decode()
    assert "Nothing was imported" in text
    assert "<td>2</td><td>Work Type</td><td>Onsite</td>" in text
    assert not ImportUpload.objects.exists()


def test_page_refuses_a_missing_file_or_kind(client, finance):
    client.force_login(finance.user)
    response = client.post(reverse("interchange:import"), {"kind": "nonsense"})
    assert response.status_code == 400


def test_export_download_streams_csv_with_money_for_finance(client, finance, logged):
    client.force_login(finance.user)
    response = client.get(
        reverse("interchange:export"),
        {"purpose": "accounting", "format": "csv", "start": "2025-03-01"},
    )
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert "Amount" in text.splitlines()[0]
    assert len(text.strip().splitlines()) == 4


def test_export_download_refuses_bad_dates(client, finance):
    client.force_login(finance.user)
    response = client.get(
        reverse("interchange:export"),
        {"purpose": "full", "format": "csv", "start": "2025-03-10", "end": "2025-03-01"},
    )
    assert response.status_code == 400
