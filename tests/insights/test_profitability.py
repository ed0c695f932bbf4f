"""Agreement profitability, every number worked out by hand from tests/insights/msp.py."""

from datetime import date
from decimal import Decimal

import pytest

from daybook.core.periods import Period, month_period, quarter_period
from daybook.insights.selectors import agreement_detail, agreement_profitability, prorated_fee

D = Decimal
CENT = D("0.01")
MARCH = month_period(2025, 3)


def cents(value):
    return None if value is None else value.quantize(CENT)


def rows_by_name(report):
    return {row.agreement: row for row in report.rows}


@pytest.fixture
def march(msp):
    return rows_by_name(agreement_profitability(period=MARCH, target_rate=D("100")))


@pytest.mark.parametrize(
    ("start", "end", "active_from", "active_to", "expected"),
    [
        # 3,100 x 21/31 (11-31 March) = 2,100
        (date(2025, 3, 1), date(2025, 3, 31), date(2025, 3, 11), None, D("2100.00")),
        # 3,100 x 16/31 (16-31 March) + 3,100 x 15/30 (1-15 April) = 1,600 + 1,550
        (date(2025, 3, 16), date(2025, 4, 15), date(2025, 1, 1), None, D("3150.00")),
        # Ends 10 February: 3,100 x 10/28 = 1,107.142857... -> 1,107.14
        (date(2025, 2, 1), date(2025, 2, 28), date(2024, 1, 1), date(2025, 2, 10), D("1107.14")),
        # Leap February 2024, whole month: 3,100 x 29/29
        (date(2024, 2, 1), date(2024, 2, 29), date(2024, 1, 1), None, D("3100.00")),
        # A year of whole months, the agreement starting in February: 11 x 3,100
        (date(2025, 1, 1), date(2025, 12, 31), date(2025, 2, 1), None, D("34100.00")),
        # Whole months, then ending on 14 May: 3 x 3,100 + 3,100 x 14/31 = 9,300 + 1,400
        (date(2025, 2, 1), date(2025, 7, 31), date(2024, 1, 1), date(2025, 5, 14), D("10700.00")),
        # Agreement ended before the period
        (date(2025, 3, 1), date(2025, 3, 31), date(2024, 1, 1), date(2025, 2, 28), D("0.00")),
    ],
)
def test_monthly_fee_is_prorated_by_day_month_by_month(
    start, end, active_from, active_to, expected
):
    fee = prorated_fee(
        monthly_fee=D("3100.00"),
        active_from=active_from,
        active_to=active_to,
        period=Period(start, end),
    )
    assert cents(fee) == expected


def test_managed_agreement_fee_prorated_and_billable_work_outside_coverage(march):
    a1 = march["Managed"]
    # e1 2h (No Charge) + e2 1.5h + e3 0.5h (Do Not Bill)
    assert a1.hours == D("4")
    assert a1.billable_hours == D("1.5")
    assert cents(a1.fee_revenue) == D("2100.00")  # 3,100 x 21/31
    assert cents(a1.work_revenue) == D("225.00")  # e2: 1.5h x 150.00 (100 x 1.5 after hours)
    assert cents(a1.revenue) == D("2325.00")
    # e1 2h x 40 + e2 1.5h x 50 (after the raise) + e3 0.5h x 60 = 80 + 75 + 30
    assert cents(a1.labour_cost) == D("185.00")
    assert cents(a1.margin) == D("2140.00")
    assert cents(a1.margin_pct) == D("92.04")  # 2,140 / 2,325 = 92.043%
    assert cents(a1.effective_rate) == D("581.25")  # 2,325 / 4h
    assert a1.flags == ()
    assert {w.work_type: w.hours for w in a1.hours_by_work_type} == {
        "After Hours": D("1.5"),
        "Remote Support": D("2.5"),  # e1 2h + e3 0.5h
    }
    assert a1.block_remaining is None


def test_block_hours_recognised_as_drawn_with_member_local_days(march):
    a2 = march["Block"]
    # March, member-local: e5 3h, e6 2h (Otto, Berlin), e7 0.75h No Charge, e8 1h (31 March
    # 21:00 in New York although 1 April in UTC). e9 is 1 April in Berlin: April.
    assert a2.hours == D("6.75")
    assert a2.billable_hours == D("6")  # No Charge does not draw the block
    assert cents(a2.revenue) == D("600.00")  # 6h x 2,000/20
    # 3h x 40 + 2h x 45 + 0.75h x 50 + 1h x 50 = 120 + 90 + 37.50 + 50
    assert cents(a2.labour_cost) == D("297.50")
    assert cents(a2.margin) == D("302.50")
    assert cents(a2.margin_pct) == D("50.42")  # 302.50 / 600 = 50.4166%
    assert cents(a2.effective_rate) == D("88.89")  # 600 / 6.75h = 88.888...
    assert a2.flags == ("under target rate",)  # 88.89 < 100
    # 20 prepaid - 5h drawn in February (e4) - 6h in March
    assert a2.block_drawn == D("11")
    assert a2.block_remaining == D("9")


def test_time_and_materials_at_stored_rates(march):
    a3 = march["Hourly"]
    assert a3.hours == D("3.5")  # e10 2h + e11 0.5h + e12 1h (Do Not Bill)
    assert cents(a3.revenue) == D("350.00")  # 2h x 150 + 0.5h x 100
    assert cents(a3.labour_cost) == D("185.00")  # 2h x 60 + 0.5h x 50 + 1h x 40
    assert cents(a3.margin) == D("165.00")
    assert cents(a3.margin_pct) == D("47.14")  # 165 / 350
    assert a3.effective_rate == D("100")  # 350 / 3.5h: exactly on target, not under it
    assert a3.flags == ()


def test_fixed_fee_project_recognised_by_hours_against_estimate(march):
    a4 = march["Office move"]
    assert a4.hours == D("12")  # e13 4h + e14 8h
    assert cents(a4.revenue) == D("1800.00")  # 12h x (6,000 / 40h)
    assert cents(a4.labour_cost) == D("640.00")  # 4h x 60 + 8h x 50
    assert cents(a4.margin) == D("1160.00")
    assert cents(a4.margin_pct) == D("64.44")  # 1,160 / 1,800
    assert cents(a4.effective_rate) == D("150.00")


def test_no_charge_only_agreement_is_flagged_as_a_loss(march):
    a5 = march["Break-fix"]
    assert a5.hours == D("3")
    assert a5.revenue == 0
    assert cents(a5.labour_cost) == D("150.00")  # 3h x 50
    assert cents(a5.margin) == D("-150.00")
    assert a5.margin_pct is None  # no revenue to divide by
    assert a5.effective_rate == 0
    assert a5.flags == ("negative margin", "under target rate")


def test_report_totals_and_internal_time_left_out(msp):
    report = agreement_profitability(period=MARCH, target_rate=D("100"))
    assert [r.agreement for r in report.rows] == [
        "Block",
        "Managed",
        "Break-fix",
        "Hourly",
        "Office move",
    ]  # by company, then agreement
    assert report.hours == D("29.25")  # 4 + 6.75 + 3.5 + 12 + 3; Admin and PTO excluded
    assert cents(report.revenue) == D("5075.00")  # 2,325 + 600 + 350 + 1,800 + 0
    assert cents(report.labour_cost) == D("1457.50")  # 185 + 297.50 + 185 + 640 + 150
    assert cents(report.margin) == D("3617.50")
    assert cents(report.effective_rate) == D("173.50")  # 5,075 / 29.25 = 173.504...


def test_target_rate_is_configurable(msp):
    rows = rows_by_name(agreement_profitability(period=MARCH, target_rate=D("80")))
    assert rows["Block"].flags == ()  # 88.89 is over 80
    rows = rows_by_name(agreement_profitability(period=MARCH, target_rate=D("100.01")))
    assert rows["Hourly"].flags == ("under target rate",)


def test_quarter_includes_february_block_draw(msp):
    rows = rows_by_name(agreement_profitability(period=quarter_period(2025, 1), target_rate=D(0)))
    assert rows["Block"].billable_hours == D("11")  # 5 in February + 6 in March
    assert cents(rows["Block"].revenue) == D("1100.00")
    assert cents(rows["Managed"].fee_revenue) == D("2100.00")  # starts 11 March


def test_april_block_draw_uses_berlin_day_and_remaining_hours(msp):
    rows = rows_by_name(agreement_profitability(period=month_period(2025, 4), target_rate=D("100")))
    assert rows["Block"].hours == D("1")  # e9 only
    assert rows["Block"].block_remaining == D("8")  # 20 - 5 - 6 - 1
    # Managed fee, whole April: 3,100 x 30/30
    assert cents(rows["Managed"].revenue) == D("3100.00")
    assert rows["Managed"].hours == 0
    assert rows["Managed"].effective_rate is None


def test_fixed_fee_stops_at_the_estimate(msp):
    msp.a4.estimated_hours = D("10")  # 600/h; 4h of the 10 were worked before 24 March
    msp.a4.save()
    rows = rows_by_name(
        agreement_profitability(
            period=Period(date(2025, 3, 24), date(2025, 3, 31)), target_rate=D("100")
        )
    )
    # 8h worked, 6h left under the estimate: 6h x 6,000/10 = 3,600
    assert cents(rows["Office move"].revenue) == D("3600.00")


def test_company_and_type_filters(msp):
    report = agreement_profitability(period=MARCH, target_rate=D("100"), company_id=msp.acme.pk)
    assert {r.agreement for r in report.rows} == {"Managed", "Block"}
    report = agreement_profitability(period=MARCH, target_rate=D("100"), agreement_type="tm")
    assert {r.agreement for r in report.rows} == {"Hourly", "Break-fix"}


def test_drill_down_lines_entries_and_burn_down(msp):
    detail = agreement_detail(agreement=msp.a2, period=MARCH)
    (line,) = detail.lines
    assert line.hours == D("6.75")
    assert cents(line.billable_amount) == D("600.00")  # 6h x 100.00 stored
    assert [e.entry_id for e in detail.entries] == [msp.e[k].pk for k in ("e5", "e6", "e7", "e8")]
    # January 0, February 5 (e4), March 6 (e5, e6, e8) drawn of 20
    assert [(p.month.month, p.drawn, p.remaining) for p in detail.burn_down] == [
        (1, D("0"), D("20")),
        (2, D("5"), D("15")),
        (3, D("6"), D("9")),
    ]
    detail = agreement_detail(agreement=msp.a4, period=MARCH)
    assert [(line.label, line.hours) for line in detail.lines] == [
        ("Discovery", D("4")),
        ("Build", D("8")),
    ]
    assert detail.burn_down == ()
