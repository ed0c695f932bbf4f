"""Monthly totals: after every kind of write they equal a scan of the entries, worked out here
independently (in Python, from each entry's own times and rates, in its member's zone)."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.core.time import local_date
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.people.services import member_update
from daybook.timekeeping.batch import EntryRow, entries_log_many
from daybook.timekeeping.models import (
    LONGEST_ENTRY,
    MonthlyRollup,
    MonthlyTotal,
    RolledUpMonth,
    TimeEntry,
)
from daybook.timekeeping.services import (
    entries_rerate,
    entry_delete,
    entry_edit,
    entry_log,
    ticket_agreement_fix,
    timer_start,
    timer_stop,
)
from daybook.timekeeping.totals import (
    monthly_totals_differences,
    monthly_totals_rebuild,
    monthly_totals_refresh,
    rollup_ensure,
    settled_months,
    visible_floor,
)
from daybook.timekeeping.visibility import open_cutoffs
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkTypeFactory,
)
from tests.zones import BERLIN, NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York
MARCH, FEBRUARY, JANUARY = date(2025, 3, 1), date(2025, 2, 1), date(2025, 1, 1)
THOUSANDTH = Decimal("0.001")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def scan() -> dict[tuple, tuple]:
    """The totals, from the entries one by one: {(member, local month, agreement, work type,
    billable): (entries, seconds, seconds x bill rate, seconds x cost rate)}."""
    cells: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0)])
    for entry in TimeEntry.objects.select_related("member"):
        month = local_date(entry.start, entry.member.zone).replace(day=1)
        key = (entry.member_id, month, entry.agreement_id, entry.work_type_id, entry.billable)
        seconds = Decimal(int((entry.end - entry.start).total_seconds()))
        cell = cells[key]
        cell[0] += 1
        cell[1] += seconds
        cell[2] += seconds * entry.bill_rate
        cell[3] += seconds * entry.cost_rate
    return {key: _rounded(*cell) for key, cell in cells.items()}


def stored() -> dict[tuple, tuple]:
    return {
        (t.member_id, t.month, t.agreement_id, t.work_type_id, t.billable): _rounded(
            t.entries, t.seconds, t.bill_amount, t.cost_amount
        )
        for t in MonthlyTotal.objects.all()
    }


def _rounded(entries, seconds, bill, cost) -> tuple:
    def exact(value) -> Decimal:
        return Decimal(str(value)).quantize(THOUSANDTH)

    return (entries, exact(seconds), exact(bill), exact(cost))


def rolled_up(cells: dict[tuple, tuple], months: set[date]) -> dict[tuple, tuple]:
    """The cells of these months added up over members: {(month, agreement, work type,
    billable): ...}."""
    sums: dict[tuple, list] = {}
    for (_, month, *key), figures in cells.items():
        if month in months:
            cell = sums.setdefault((month, *key), [0, Decimal(0), Decimal(0), Decimal(0)])
            for place, figure in enumerate(figures):
                cell[place] += figure
    return {key: tuple(cell) for key, cell in sums.items()}


def stored_rollup() -> dict[tuple, tuple]:
    return {
        (r.month, r.agreement_id, r.work_type_id, r.billable): _rounded(
            r.entries, r.seconds, r.bill_amount, r.cost_amount
        )
        for r in MonthlyRollup.objects.all()
    }


def rolled_up_months() -> set[date]:
    return set(RolledUpMonth.objects.values_list("month", flat=True))


def assert_totals_match():
    """The totals equal the scan, and the rollup of the months rolled up equals the scan
    added up over members."""
    expected = scan()
    assert stored() == expected
    assert stored_rollup() == rolled_up(expected, rolled_up_months())
    return expected


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def onsite(db):
    return WorkTypeFactory(name="Onsite")


@pytest.fixture
def hourly(db):
    return AgreementFactory(type=AgreementType.TIME_AND_MATERIALS, start_date=date(2024, 1, 1))


@pytest.fixture
def ticket(hourly):
    return TicketFactory(agreement=hourly, company=hourly.company)


def log(member, ticket, work_type, start, end, **kwargs):
    return entry_log(
        member=member,
        ticket=ticket,
        work_type=work_type,
        start=start,
        end=end,
        notes="Checked the backups.",
        by=member,
        **kwargs,
    )


def test_logging_adds_to_the_members_local_month(tech, ticket, remote):
    # 28 February 20:00-23:00 in New York is 1 March in UTC: February's time.
    log(tech, ticket, remote, ny(2, 28, 20), ny(2, 28, 23))
    log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10, 30))
    log(tech, ticket, remote, ny(3, 4, 9), ny(3, 4, 9, 45))
    expected = assert_totals_match()
    by_month = {key[1]: cell for key, cell in expected.items()}
    assert by_month[FEBRUARY][:2] == (1, Decimal("10800.000"))
    assert by_month[MARCH][:2] == (2, Decimal("8100.000"))  # 1.5 h + 0.75 h


def test_an_entry_over_midnight_at_the_month_end_counts_in_the_month_it_starts(
    tech, ticket, remote
):
    log(tech, ticket, remote, ny(2, 28, 23), ny(3, 1, 1))
    assert [(t.month, t.seconds) for t in MonthlyTotal.objects.all()] == [(FEBRUARY, 7200.0)]
    assert_totals_match()


def test_editing_moves_time_between_months_and_cells(tech, ticket, remote, onsite):
    entry = log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    entry_edit(entry=entry, by=tech, start=ny(2, 27, 9), end=ny(2, 27, 11), work_type=onsite)
    expected = assert_totals_match()
    assert [(key[1], key[3]) for key in expected] == [(FEBRUARY, onsite.pk)]
    entry_edit(entry=entry, by=tech, billable=BillableOption.DO_NOT_BILL)
    assert_totals_match()


def test_deleting_the_last_entry_of_a_cell_removes_its_row(tech, ticket, remote):
    kept = log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    gone = log(tech, ticket, remote, ny(2, 3, 9), ny(2, 3, 10))
    entry_delete(entry=gone, by=tech)
    assert list(MonthlyTotal.objects.values_list("month", "entries")) == [(MARCH, 1)]
    entry_delete(entry=kept, by=tech)
    assert not MonthlyTotal.objects.exists()


def test_stopping_a_timer_adds_its_time(tech, ticket, remote):
    timer_start(member=tech, ticket=ticket, at=ny(3, 14, 9))
    timer_stop(member=tech, work_type=remote, notes="Rebuilt the print server.", at=ny(3, 14, 11))
    expected = assert_totals_match()
    assert [cell[1] for cell in expected.values()] == [Decimal("7200.000")]


def test_imported_rows_are_summed_once_per_member_at_the_end(tech, lead, ticket, remote):
    rows = [
        EntryRow(member=member, start=start, end=end, work_type=remote, ticket=ticket, notes="n")
        for member, start, end in [
            (tech, ny(1, 6, 9), ny(1, 6, 10)),
            (tech, ny(3, 6, 9), ny(3, 6, 12)),
            (lead, ny(3, 6, 9), ny(3, 6, 10)),
        ]
    ]
    results = entries_log_many(rows, by=None)
    assert all(isinstance(r, TimeEntry) for r in results)
    expected = assert_totals_match()
    assert len(expected) == 3


def test_rerating_updates_the_amounts(tech, finance, ticket, remote):
    entry = log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    # Rates saved under an old price, and totals that agree with them.
    TimeEntry.objects.filter(pk=entry.pk).update(bill_rate=Decimal("80.00"), cost_rate=1)
    monthly_totals_refresh(member=tech, days={date(2025, 3, 3)})
    assert MonthlyTotal.objects.get().bill_amount == 80 * 3600
    result = entries_rerate(by=finance, start=MARCH, end=date(2025, 3, 31), reason="New prices")
    assert len(result.changed) == 1
    assert_totals_match()
    assert MonthlyTotal.objects.get().bill_amount == 100 * 3600


def test_applying_an_agreement_moves_the_time_to_it(tech, dispatcher, remote):
    acme = CompanyFactory(name="Acme")
    bare = TicketFactory(company=acme, agreement=None)
    log(tech, bare, remote, ny(3, 13, 9), ny(3, 13, 10))
    assert MonthlyTotal.objects.get().agreement is None
    project = AgreementFactory(
        company=acme, type=AgreementType.TIME_AND_MATERIALS, start_date=date(2025, 3, 1)
    )
    ticket_agreement_fix(ticket=bare, agreement=project, by=dispatcher)
    assert_totals_match()
    assert MonthlyTotal.objects.get().agreement == project


def test_a_refused_write_changes_no_totals(tech, ticket, remote):
    log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    before = stored()
    with pytest.raises(ValidationError):
        log(tech, ticket, remote, ny(3, 3, 9, 30), ny(3, 3, 11))  # overlaps the first
    assert stored() == before


def test_a_failing_later_step_takes_the_totals_back_with_the_entry(settings, tech, ticket, remote):
    settings.DAYBOOK_AFTER_ENTRY_CHANGE = [
        "daybook.timekeeping.totals.monthly_totals_refresh",
        f"{__name__}.refusing_step",
    ]
    with pytest.raises(RuntimeError):
        log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    assert not TimeEntry.objects.exists()
    assert not MonthlyTotal.objects.exists()


def refusing_step(*, member, days):
    raise RuntimeError("a later step failed")


def test_time_without_an_agreement_has_one_row_per_cell_on_every_database(tech):
    wrap = WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    log(tech, None, wrap, ny(3, 3, 9), ny(3, 3, 10))
    log(tech, None, wrap, ny(3, 4, 9), ny(3, 4, 10))
    row = MonthlyTotal.objects.get()
    assert (row.agreement_id, row.entries, row.seconds) == (None, 2, 7200.0)
    assert_totals_match()
    duplicate = MonthlyTotal(
        member=tech,
        month=MARCH,
        agreement=None,
        work_type=wrap,
        billable=BillableOption.DO_NOT_BILL,
        entries=1,
        seconds=1,
        bill_amount=0,
        cost_amount=0,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_members_in_other_zones_get_their_own_local_months(tech, lead, ticket, remote):
    lead.time_zone = "Europe/Berlin"
    lead.save()
    # 1 March 00:30 in Berlin is 28 February in UTC (and in New York).
    log(lead, ticket, remote, datetime(2025, 3, 1, 0, 30, tzinfo=BERLIN), ny(2, 28, 19, 30))
    log(tech, ticket, remote, ny(2, 28, 18), ny(2, 28, 19))
    expected = assert_totals_match()
    assert {(key[0], key[1]) for key in expected} == {(lead.pk, MARCH), (tech.pk, FEBRUARY)}


# --- the rollup ----------------------------------------------------------------------------


def test_writes_to_the_month_being_logged_leave_the_rollup_alone(tech, ticket, remote):
    """March is not settled on 14 March: its writes never touch the rollup, nor ask about it."""
    with CaptureQueriesContext(connection) as queries:
        log(tech, ticket, remote, ny(3, 13, 9), ny(3, 13, 10))
    assert [q for q in queries if "monthlytotal" in q["sql"]]
    assert not [q for q in queries if "rollup" in q["sql"] or "rolledupmonth" in q["sql"]]


def test_a_report_rolls_settled_months_up_and_writes_keep_them_in_step(
    tech, lead, ticket, remote, onsite
):
    log(tech, ticket, remote, ny(1, 6, 9), ny(1, 6, 10))
    moved = log(lead, ticket, remote, ny(2, 3, 9), ny(2, 3, 11))
    log(tech, ticket, remote, ny(2, 3, 9), ny(2, 3, 10))  # the same cell as Lena's
    rollup_ensure(JANUARY, MARCH)
    assert rolled_up_months() == {JANUARY, FEBRUARY}
    assert {key[0] for key in stored_rollup()} == {JANUARY, FEBRUARY}
    assert_totals_match()
    # Edits of the rolled-up months: a new cell, time moved between months and cells, a
    # cell emptied. Each keeps the rollup equal to the totals.
    log(tech, ticket, onsite, ny(2, 4, 9), ny(2, 4, 10))
    assert_totals_match()
    entry_edit(entry=moved, by=lead, start=ny(1, 20, 9), end=ny(1, 20, 10), work_type=onsite)
    assert_totals_match()
    entry_delete(entry=moved, by=lead)
    assert_totals_match()
    # December is settled too, but no report has read it: its writes add no rollup.
    december = datetime(2024, 12, 2, 9, tzinfo=NEW_YORK)
    log(tech, ticket, remote, december, december + timedelta(hours=1))
    assert rolled_up_months() == {JANUARY, FEBRUARY}
    assert_totals_match()
    # A second read has nothing to add up.
    with CaptureQueriesContext(connection) as queries:
        rollup_ensure(JANUARY, MARCH)
    assert len(queries) == 1


def test_a_rebuild_leaves_its_months_to_be_rolled_up_again(tech, ticket, remote):
    log(tech, ticket, remote, ny(1, 6, 9), ny(1, 6, 10))
    rollup_ensure(JANUARY, MARCH)
    MonthlyRollup.objects.update(seconds=1)
    assert monthly_totals_differences() == 1  # January's rolled-up cell
    monthly_totals_rebuild()
    assert rolled_up_months() == set()
    assert not MonthlyRollup.objects.exists()
    rollup_ensure(JANUARY, MARCH)
    assert monthly_totals_differences() == 0
    assert_totals_match()


def test_rebuild_repairs_totals_that_drifted(tech, ticket, remote):
    log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    log(tech, ticket, remote, ny(1, 3, 9), ny(1, 3, 10))
    # Rows written past the services (as a bulk load does) and a damaged row.
    TimeEntryFactory(member=tech, start=ny(2, 3, 9), end=ny(2, 3, 10))
    MonthlyTotal.objects.filter(month=FEBRUARY).delete()
    MonthlyTotal.objects.filter(month=MARCH).update(seconds=1)
    assert monthly_totals_differences() == 2  # February missing; March's row differs
    result = monthly_totals_rebuild()
    assert (result.members, result.rows) == (1, 3)
    assert monthly_totals_differences() == 0
    assert_totals_match()


def _months(member) -> set[date]:
    return set(MonthlyTotal.objects.filter(member=member).values_list("month", flat=True))


@pytest.mark.parametrize("door", ["people service", "plain save (as the admin saves)"])
def test_a_new_time_zone_moves_the_members_totals_to_its_local_months(
    tech, ticket, remote, admin, door
):
    # 21:00 on 31 January in New York is 03:00 on 1 February in Berlin.
    log(tech, ticket, remote, ny(1, 31, 21), ny(1, 31, 22))
    log(tech, ticket, remote, ny(1, 15, 9), ny(1, 15, 10))
    assert _months(tech) == {date(2025, 1, 1)}

    if door == "people service":
        member_update(
            by=admin,
            member=tech,
            email=tech.user.email,
            first_name=tech.user.first_name or "Tess",
            last_name=tech.user.last_name,
            role=Role.TECHNICIAN,
            team=tech.team,
            reviewed_teams=[],
            time_zone="Europe/Berlin",
            start_date=tech.start_date,
            end_date=tech.end_date,
            expected_hours_per_day=tech.expected_hours_per_day,
            default_work_role=tech.default_work_role,
        )
    else:
        tech.time_zone = "Europe/Berlin"
        tech.save()

    assert _months(tech) == {date(2025, 1, 1), date(2025, 2, 1)}
    assert monthly_totals_differences() == 0
    assert_totals_match()


def test_saving_a_member_without_a_new_zone_leaves_the_totals_alone(tech, ticket, remote):
    log(tech, ticket, remote, ny(1, 31, 21), ny(1, 31, 22))
    MonthlyTotal.objects.filter(member=tech).update(seconds=1)  # a mark a recompute would undo
    tech.expected_hours_per_day = Decimal("7.5")
    tech.save()
    assert list(MonthlyTotal.objects.filter(member=tech).values_list("seconds", flat=True)) == [1]


def test_rebuild_of_a_range_leaves_other_months_alone(tech, ticket, remote):
    log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    log(tech, ticket, remote, ny(1, 3, 9), ny(1, 3, 10))
    MonthlyTotal.objects.update(seconds=1)
    monthly_totals_rebuild(first=MARCH, last=MARCH)
    assert dict(MonthlyTotal.objects.values_list("month", "seconds")) == {
        date(2025, 1, 1): 1.0,
        MARCH: 3600.0,
    }


def test_the_command_rebuilds_checks_and_explains_bad_input(tech, ticket, remote):
    log(tech, ticket, remote, ny(3, 3, 9), ny(3, 3, 10))
    MonthlyTotal.objects.update(seconds=1)
    with pytest.raises(CommandError, match="1 monthly total row differs"):
        call_command("totals", "--check")
    out = StringIO()
    call_command("totals", "--rebuild", "--dry-run", stdout=out)
    assert "nothing was changed" in out.getvalue()
    assert MonthlyTotal.objects.get().seconds == 1
    out = StringIO()
    call_command("totals", "--rebuild", "--from", "2025-03", "--to", "2025-03", stdout=out)
    assert out.getvalue().startswith("Wrote 1 monthly total row for ")
    assert out.getvalue().strip().endswith(" over 1 month.")
    out = StringIO()
    call_command("totals", "--check", stdout=out)
    assert "match" in out.getvalue()
    with pytest.raises(CommandError, match="give a month as YYYY-MM"):
        call_command("totals", "--rebuild", "--from", "March")
    with pytest.raises(CommandError, match="comes before --from"):
        call_command("totals", "--rebuild", "--from", "2025-03", "--to", "2025-01")
    assert MonthlyTotal.objects.get().seconds == 3600


def test_a_month_is_settled_once_every_entry_it_could_hold_has_ended_by_the_floor():
    """The last entry March can hold starts at 23:59 on 31 March in the latest zone (UTC-12:
    11:59 UTC on 1 April) and lasts the longest an entry may: it ends at 11:59 UTC on 2 April.
    March comes from the totals from 3 April on, whatever its entries."""
    march, april = date(2025, 3, 1), date(2025, 4, 1)
    latest = datetime(2025, 3, 31, 23, 59, tzinfo=ZoneInfo("Etc/GMT+12")) + LONGEST_ENTRY
    assert settled_months(march, march, floor=latest) is None
    assert settled_months(march, march, floor=datetime(2025, 4, 2, 23, 59, tzinfo=UTC)) is None
    settled = datetime(2025, 4, 3, tzinfo=UTC)
    assert settled_months(march, march, floor=settled) == april
    # A run of months stops at the first that is not settled, whether it starts or not.
    assert settled_months(date(2025, 1, 1), date(2025, 6, 1), floor=settled) == april
    assert settled_months(None, date(2025, 6, 1), floor=settled) == april
    assert settled_months(None, FEBRUARY, floor=settled) == MARCH
    assert settled_months(april, date(2025, 6, 1), floor=settled) is None


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 3, 14, 21, 0, tzinfo=UTC),
        datetime(2025, 3, 9, 7, 30, tzinfo=UTC),  # the night clocks went forward in New York
        datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_the_visibility_floor_is_before_every_members_cutoff(tech, lead, other_team_tech, now):
    """Totals are read for months whose time ended by the floor: it must never be later than
    any member's cutoff, in the furthest zones either side of UTC."""
    lead.time_zone = "Pacific/Kiritimati"  # UTC+14
    lead.save()
    other_team_tech.time_zone = "Pacific/Pago_Pago"  # UTC-11
    other_team_tech.save()
    with time_machine.travel(now, tick=False):
        cutoffs = open_cutoffs(Member.objects.all(), now=now)
        assert len(cutoffs) == 3
        assert visible_floor() <= min(cutoffs.values())
