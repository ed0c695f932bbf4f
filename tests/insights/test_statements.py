"""Client statements for Acme, March 2025, worked out by hand from tests/insights/msp.py."""

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from daybook.core.periods import month_period
from daybook.insights.exports import statement_pdf, statement_rows
from daybook.insights.selectors import client_statement, statement_check
from daybook.insights.services import statement_issue
from daybook.timekeeping.services import entry_delete, entry_edit

D = Decimal
MARCH = month_period(2025, 3)
ISSUED_AT = datetime(2025, 4, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def built_on_first_of_april():
    # The entries are written on 1 April, before any statement is issued: in the evening, once
    # Otto's 1 April in Berlin (e9) has opened, as a statement carries only opened days.
    with time_machine.travel(datetime(2025, 4, 1, 20, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def acme_march(msp):
    return client_statement(company=msp.acme, period=MARCH)


def test_statement_rows_on_the_company_calendar(msp, acme_march):
    e = msp.e
    # Order by start. e3 is Do Not Bill: hidden. e9 is 1 April in Berlin but 31 March 18:30 in
    # New York, the company's zone, so it is on the March statement. e4 is February.
    assert [r.entry_id for r in acme_march.rows] == [
        e[k].pk for k in ("e5", "e1", "e2", "e6", "e7", "e9", "e8")
    ]
    assert [(r.day, r.hours, r.charge, r.amount) for r in acme_march.rows] == [
        (date(2025, 3, 5), D(3), "Block hours", D(0)),
        (date(2025, 3, 12), D(2), "No charge", D(0)),  # covered by the managed fee
        (date(2025, 3, 18), D("1.5"), "Billable", D("225.00")),  # 1.5h x 150.00
        (date(2025, 3, 25), D(2), "Block hours", D(0)),  # Otto 14:00 Berlin = 09:00 NY
        (date(2025, 3, 26), D("0.75"), "No charge", D(0)),
        (date(2025, 3, 31), D(1), "Block hours", D(0)),
        (date(2025, 3, 31), D(1), "Block hours", D(0)),  # 21:00 NY, 1 April in UTC
    ]
    first = acme_march.rows[0]
    assert (first.member, first.work_type, first.reference, first.agreement, first.notes) == (
        "Tess Tester",
        "Remote Support",
        f"#{msp.tickets['t2'].pk} Firewall rules",
        "Block",
        "Rewrote the outbound rules.",
    )


def test_statement_totals_per_agreement_and_block_hours_remaining(acme_march):
    totals = {t.agreement: t for t in acme_march.totals}
    # Block: 3 + 2 + 0.75 + 1 + 1 = 7.75h on the statement, 7 of them drawn (0.75 No Charge)
    assert totals["Block"].hours == D("7.75")
    assert totals["Block"].amount == 0
    assert totals["Block"].block_drawn == D(7)
    # 20 prepaid - 5 (February) - 7 (March, New York days) = 8
    assert totals["Block"].block_remaining == D(8)
    assert totals["Managed"].hours == D("3.5")  # e1 2h + e2 1.5h; e3 hidden
    assert totals["Managed"].amount == D("225.00")
    assert totals["Managed"].block_remaining is None
    assert acme_march.hours == D("11.25")
    assert acme_march.amount == D("225.00")


def test_fingerprint_is_sha256_of_the_documented_rows(msp, acme_march):
    e = msp.e
    t1 = f"#{msp.tickets['t1'].pk} Laptop setup"
    t2 = f"#{msp.tickets['t2'].pk} Firewall rules"
    rows = [
        ["daybook-statement", "acme", "2025-03-01", "2025-03-31"],
        [e["e5"].pk, "2025-03-05", "Tess Tester", "3.00", "Remote Support", t2, "Block",
         "Block hours", "0.00", "Rewrote the outbound rules."],
        [e["e1"].pk, "2025-03-12", "Tess Tester", "2.00", "Remote Support", t1, "Managed",
         "No charge", "0.00", "Set up the new laptop."],
        [e["e2"].pk, "2025-03-18", "Tess Tester", "1.50", "After Hours", t1, "Managed",
         "Billable", "225.00", "Restored the VPN after hours."],
        [e["e6"].pk, "2025-03-25", "Otto Tester", "2.00", "Remote Support", t2, "Block",
         "Block hours", "0.00", "Tested the VPN from Berlin."],
        [e["e7"].pk, "2025-03-26", "Tess Tester", "0.75", "Remote Support", t2, "Block",
         "No charge", "0.00", "Quick check of the logs."],
        [e["e9"].pk, "2025-03-31", "Otto Tester", "1.00", "Remote Support", t2, "Block",
         "Block hours", "0.00", "Night maintenance."],
        [e["e8"].pk, "2025-03-31", "Tess Tester", "1.00", "Remote Support", t2, "Block",
         "Block hours", "0.00", "Late change window."],
    ]  # fmt: skip
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
    assert acme_march.fingerprint == hashlib.sha256(payload).hexdigest()


def test_csv_lists_rows_totals_and_fingerprint(acme_march):
    lines = list(csv.reader(io.StringIO("".join(_csv_text(statement_rows(acme_march))))))
    assert lines[0][:4] == ["entry", "date", "member", "hours"]
    assert lines[3][1:4] == ["2025-03-18", "Tess Tester", "1.50"]
    assert lines[3][9] == "225.00"
    assert ["Block", "Block hours", "7.75", "0.00", "7.00", "8.00"] in lines
    assert ["Total", "", "11.25", "225.00", "", ""] in lines
    assert ["fingerprint (SHA-256 of the rows)", acme_march.fingerprint] in lines


def _csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def test_pdf_text_has_rows_totals_and_fingerprint(acme_march):
    text = _pdf_text(statement_pdf(acme_march))
    assert "Statement for Acme" in text
    assert "America/New_York" in text
    assert "Restored the VPN after hours." in text
    assert "225.00" in text
    assert "Second look" not in text  # Do Not Bill stays hidden
    assert "11.25" in text
    assert acme_march.fingerprint in text.replace("\n", "")
    assert "Draft" in text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_issue_keeps_fingerprint_and_entry_stamps(msp, finance, acme_march):
    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    assert issued.fingerprint == acme_march.fingerprint
    assert [row[0] for row in issued.entries] == [r.entry_id for r in acme_march.rows]
    assert issued.total_hours == D("11.25")
    assert issued.total_amount == D("225.00")
    assert issued.time_zone == "America/New_York"
    check = statement_check(issued=issued)
    assert check.matches
    assert check.changes == ()


def test_entries_changed_after_issue_are_marked_with_history(msp, finance):
    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    with time_machine.travel(datetime(2025, 4, 3, 14, 0, tzinfo=UTC), tick=False):
        entry_edit(entry=msp.e["e2"], by=finance, notes="Restored the VPN; replaced a cable.")
        entry_edit(entry=msp.e["e3"], by=finance, billable="no_charge")  # now visible
    check = statement_check(issued=issued)
    assert not check.matches
    changes = {c.entry_id: c for c in check.changes}
    assert set(changes) == {msp.e["e2"].pk, msp.e["e3"].pk}
    assert changes[msp.e["e2"].pk].status == "changed"
    assert changes[msp.e["e3"].pk].status == "added"
    (line,) = changes[msp.e["e2"].pk].history
    assert line.action == "changed"
    assert line.by == "Fiona Tester"
    assert line.changes == (
        "notes: Restored the VPN after hours. -> Restored the VPN; replaced a cable.",
    )
    text = _pdf_text(statement_pdf(check.current, check, issued=issued))
    assert issued.fingerprint in text.replace("\n", "")
    assert "changed after the statement was issued" in text
    assert f"Entry {msp.e['e2'].pk} (changed)" in text


def test_deleted_entry_shows_as_removed(msp, finance):
    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    with time_machine.travel(datetime(2025, 4, 3, 14, 0, tzinfo=UTC), tick=False):
        entry_delete(entry=msp.e["e7"], by=finance)
    (change,) = statement_check(issued=issued).changes
    assert (change.entry_id, change.status) == (msp.e["e7"].pk, "removed")
    assert [h.action for h in change.history] == ["deleted"]


# --- Billing: issuing marks the entries billed; later changes need Finance ------------------


def test_issuing_marks_the_statements_entries_billed_on_it(msp, finance):
    from daybook.timekeeping.choices import ApprovalState
    from daybook.timekeeping.models import TimeEntry

    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    ids = [row[0] for row in issued.entries]
    billed = TimeEntry.objects.filter(pk__in=ids)
    assert {e.approval_state for e in billed} == {ApprovalState.BILLED}
    assert {e.billed_on_statement for e in billed} == {issued.pk}
    # Billing changes nothing the client sees: the statement still matches as issued.
    assert statement_check(issued=issued).matches
    # Time left off the statement (Do Not Bill) is not billed.
    assert TimeEntry.objects.get(pk=msp.e["e3"].pk).approval_state == ApprovalState.OPEN


def test_a_billed_entry_is_changed_only_by_finance(msp, finance, tech):
    from django.core.exceptions import ValidationError

    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    entry = next(
        e
        for e in msp.e.values()
        if e.pk in {r[0] for r in issued.entries} and e.member_id == tech.pk
    )
    with pytest.raises(ValidationError) as refusal:
        entry_edit(entry=entry, by=tech, notes="Changed after billing.")
    assert f"billed on statement {issued.pk}" in refusal.value.messages[0]
    assert "except by Finance" in refusal.value.messages[0]
    with pytest.raises(ValidationError):
        entry_delete(entry=entry, by=tech)
    assert statement_check(issued=issued).matches

    with time_machine.travel(datetime(2025, 4, 3, 14, 0, tzinfo=UTC), tick=False):
        entry_edit(entry=entry, by=finance, notes="Corrected by Finance after billing.")
    check = statement_check(issued=issued)
    assert [c.entry_id for c in check.changes] == [entry.pk]


def test_the_verification_page_lists_a_change_to_billed_time(client, msp, finance):
    with time_machine.travel(ISSUED_AT, tick=False):
        issued = statement_issue(company=msp.acme, period=MARCH, by=finance)
    with time_machine.travel(datetime(2025, 4, 3, 14, 0, tzinfo=UTC), tick=False):
        entry_edit(entry=msp.e["e2"], by=finance, notes="Restored the VPN; replaced a cable.")
    client.force_login(finance.user)
    page = client.get("/insights/statements/verify/", {"fingerprint": issued.fingerprint})
    text = page.content.decode()
    assert f"Entry {msp.e['e2'].pk} (changed): changed by Fiona Tester" in text
    assert "Restored the VPN; replaced a cable." in text
