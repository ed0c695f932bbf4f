"""Money rules worked by hand: covered work on managed agreements earns nothing beyond the fee,
and a fixed-fee project's statement charges its fee, not hours.

April 2025 in New York (no DST change). Tess bills Help Desk at 100.00/h and costs 40.00/h.
Work types: Remote Support (x1.00) and Onsite (x1.25).
Initech has two managed agreements from 1 April:
- "Care Plus", 3,000.00 a month, covers Remote Support only;
- "Care Basic", 600.00 a month, lists nothing, so it covers all client work.
"""

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.core.periods import Period
from daybook.insights.selectors import agreement_profitability, client_statement
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_log
from daybook.timekeeping.totals import monthly_totals_rebuild
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

D = Decimal
APRIL = Period(date(2025, 4, 1), date(2025, 4, 30))
MIGRATION = "daybook.timekeeping.migrations.0005_covered_managed_work_is_no_charge"


@pytest.fixture(autouse=True)
def in_may():
    with time_machine.travel(datetime(2025, 5, 2, 12, tzinfo=UTC), tick=False):
        yield


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"))


@pytest.fixture
def initech(tech):
    remote = WorkTypeFactory(name="Remote Support")
    onsite = WorkTypeFactory(name="Onsite", rate_multiplier=D("1.25"))
    company = CompanyFactory(name="Initech", identifier="initech", time_zone="America/New_York")
    plus = AgreementFactory(
        company=company,
        name="Care Plus",
        type=AgreementType.MANAGED,
        start_date=date(2025, 4, 1),
        monthly_fee=D("3000.00"),
    )
    plus.covered_work_types.set([remote])
    basic = AgreementFactory(
        company=company,
        name="Care Basic",
        type=AgreementType.MANAGED,
        start_date=date(2025, 4, 1),
        monthly_fee=D("600.00"),
    )
    return {
        "company": company,
        "remote": remote,
        "onsite": onsite,
        "plus": TicketFactory(agreement=plus, company=company),
        "basic": TicketFactory(agreement=basic, company=company),
    }


def log(tech, ticket, work_type, start, end, billable=None):
    return entry_log(
        member=tech,
        ticket=ticket,
        work_type=work_type,
        start=start,
        end=end,
        billable=billable,
        notes="Worked on the request.",
    )


def legacy(tech, ticket, work_type, start, end, rate):
    """A row saved as Billable before covered work was refused."""
    return TimeEntryFactory(
        member=tech,
        ticket=ticket,
        work_role=tech.default_work_role,
        work_type=work_type,
        start=start,
        end=end,
        billable=BillableOption.BILLABLE,
        bill_rate=D(rate),
        cost_rate=D("40.00"),
    )


def test_a_month_on_two_managed_agreements(tech, initech):
    plus, basic = initech["plus"], initech["basic"]
    remote, onsite = initech["remote"], initech["onsite"]
    log(tech, plus, remote, ny(4, 7, 9), ny(4, 7, 12))  # covered: No Charge, 3 h
    with pytest.raises(ValidationError) as refused:
        log(tech, plus, remote, ny(4, 8, 9), ny(4, 8, 11), billable="billable")
    assert "covered by Care Plus" in refused.value.message_dict["billable"][0]
    log(tech, plus, onsite, ny(4, 9, 13), ny(4, 9, 15), billable="billable")  # 2 h x 125
    log(tech, basic, onsite, ny(4, 10, 9), ny(4, 10, 13))  # covered: No Charge, 4 h
    with pytest.raises(ValidationError):
        log(tech, basic, remote, ny(4, 11, 9), ny(4, 11, 10), billable="billable")
    # Stored as Billable before the rule: 10 h x 100 and 1.6 h x 125, 1,000 and 200 too much.
    legacy(tech, plus, remote, ny(4, 14, 9), ny(4, 14, 19), "100.00")
    legacy(tech, basic, onsite, ny(4, 15, 9), ny(4, 15, 10, 36), "125.00")
    importlib.import_module(MIGRATION).covered_billable_to_no_charge(apps, None)
    # On an upgrade the monthly totals come later (migration 0009 sums the entries as 0005
    # left them); run here on today's schema, they are summed again the same way.
    monthly_totals_rebuild()

    rows = {r.agreement: r for r in agreement_profitability(period=APRIL, target_rate=D(100)).rows}
    care_plus, care_basic = rows["Care Plus"], rows["Care Basic"]
    # Care Plus: fee 3,000 + 2 h Onsite at 125 = 3,250; 3 + 2 + 10 = 15 h at 40 = 600.
    assert cents(care_plus.fee_revenue) == D("3000.00")
    assert cents(care_plus.work_revenue) == D("250.00")
    assert cents(care_plus.revenue) == D("3250.00")
    assert care_plus.hours == D("15")
    assert cents(care_plus.labour_cost) == D("600.00")
    assert cents(care_plus.margin) == D("2650.00")
    # Care Basic: fee 600, nothing more; 4 + 1.6 = 5.6 h at 40 = 224.
    assert cents(care_basic.work_revenue) == D("0.00")
    assert cents(care_basic.revenue) == D("600.00")
    assert care_basic.hours == D("5.6")
    assert cents(care_basic.labour_cost) == D("224.00")
    assert cents(care_basic.margin) == D("376.00")

    statement = client_statement(company=initech["company"], period=APRIL)
    charged = [(r.day.day, r.charge, cents(r.amount)) for r in statement.rows]
    assert charged == [
        (7, "No charge", D("0.00")),
        (9, "Billable", D("250.00")),
        (10, "No charge", D("0.00")),
        (14, "No charge", D("0.00")),
        (15, "No charge", D("0.00")),
    ]
    assert cents(statement.amount) == D("250.00")


def test_the_migration_keeps_a_history_record_and_can_run_twice(tech, initech):
    old = legacy(tech, initech["plus"], initech["remote"], ny(4, 14, 9), ny(4, 14, 10), "100")
    outside = legacy(tech, initech["plus"], initech["onsite"], ny(4, 14, 11), ny(4, 14, 12), "125")
    before_start = legacy(
        tech, initech["plus"], initech["remote"], ny(3, 31, 9), ny(3, 31, 10), "100"
    )
    migration = importlib.import_module(MIGRATION)
    migration.covered_billable_to_no_charge(apps, None)
    migration.covered_billable_to_no_charge(apps, None)
    states = dict(TimeEntry.objects.values_list("pk", "billable"))
    assert states == {
        old.pk: BillableOption.NO_CHARGE,
        outside.pk: BillableOption.BILLABLE,  # Onsite is not covered by Care Plus
        before_start.pk: BillableOption.BILLABLE,  # before the agreement began
    }
    records = TimeEntry.history.filter(id=old.pk, history_change_reason__startswith="Covered")
    assert records.count() == 1
    assert records.get().bill_rate == D("0")


# --- fixed-fee projects ----------------------------------------------------------------


@pytest.fixture
def office_move(tech):
    """Globex's fixed-fee project: 6,000.00 for 40 estimated hours (150.00 an hour of it)."""
    company = CompanyFactory(name="Globex", identifier="globex", time_zone="America/New_York")
    agreement = AgreementFactory(
        company=company,
        name="Office move",
        type=AgreementType.PROJECT,
        start_date=date(2025, 3, 1),
        prepaid_amount=D("6000.00"),
        estimated_hours=D("40"),
    )
    phase = PhaseFactory(project=ProjectFactory(agreement=agreement, company=company))

    def work(start, end, billable=BillableOption.BILLABLE):
        return TimeEntryFactory(
            member=tech, ticket=None, phase=phase, agreement=agreement, start=start, end=end,
            billable=billable, bill_rate=D("100.00"), cost_rate=D("40.00"),
        )  # fmt: skip

    # March: 20 h (two 10-hour days). April: 10 h Billable and 15 h No Charge.
    work(ny(3, 10, 8), ny(3, 10, 18))
    work(ny(3, 11, 8), ny(3, 11, 18))
    work(ny(4, 7, 8), ny(4, 7, 18))
    work(ny(4, 8, 8), ny(4, 8, 18), BillableOption.NO_CHARGE)
    work(ny(4, 9, 8), ny(4, 9, 13), BillableOption.NO_CHARGE)
    return company


def test_a_fixed_fee_statement_charges_the_fee_not_the_hours(office_move):
    statement = client_statement(company=office_move, period=APRIL)
    assert [(r.charge, cents(r.amount)) for r in statement.rows] == [
        ("Fixed fee", D("0.00")),
        ("No charge", D("0.00")),
        ("No charge", D("0.00")),
    ]
    (total,) = statement.totals
    # 20 h were worked before April, so 20 h of the estimate are left: 20 x 150 = 3,000 of
    # the 25 h worked in April; the rest of the hours are beyond the fee.
    assert total.fixed_fee == D("6000.00")
    assert cents(total.amount) == D("3000.00")
    assert cents(statement.amount) == D("3000.00")
    march = client_statement(
        company=office_move, period=Period(date(2025, 3, 1), date(2025, 3, 31))
    )
    assert cents(march.amount) == D("3000.00")  # 20 h x 150: the whole fee over two months


def test_profitability_recognises_the_same_fee(office_move):
    (row,) = agreement_profitability(period=APRIL, target_rate=D(100)).rows
    assert cents(row.revenue) == D("3000.00")
