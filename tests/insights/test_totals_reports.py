"""Reports over periods with partial months at the edges and whole months in the middle: the
whole months come from the monthly totals, the edges from the entries, and every figure is
worked out by hand below."""

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.core.periods import Period
from daybook.core.time import local_date
from daybook.insights.selectors import agreement_profitability, financial_forecast
from daybook.timekeeping.models import MonthlyRollup, MonthlyTotal, TimeEntry
from daybook.timekeeping.visibility import visible_entry_q
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MemberFactory,
    TicketFactory,
    TimeEntryFactory,
)
from tests.zones import BERLIN, NEW_YORK

D = Decimal
CENT = D("0.01")
# 15 January to 20 April: half of January and of April, all of February and March.
PERIOD = Period(date(2025, 1, 15), date(2025, 4, 20))
HISTORY = [
    date(2024, 11, 1),
    date(2024, 12, 1),
    date(2025, 1, 1),
    date(2025, 2, 1),
    date(2025, 3, 1),
]


def cents(value):
    return value.quantize(CENT)


def ny(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def berlin(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def books(tech, lead):
    """Tess (New York, cost 40) and Lena (Berlin, cost 60) on three agreements of one company."""
    lead.time_zone = "Europe/Berlin"
    lead.save()
    company = CompanyFactory(name="Initech")
    hourly = AgreementFactory(company=company, name="Hourly", start_date=date(2024, 1, 1))
    block = AgreementFactory(
        company=company,
        name="Block",
        type=AgreementType.BLOCK_HOURS,
        start_date=date(2024, 11, 1),
        prepaid_hours=D("20"),
        prepaid_amount=D("2000.00"),  # 100 an hour
    )
    project = AgreementFactory(
        company=company,
        name="Project",
        type=AgreementType.PROJECT,
        start_date=date(2024, 11, 1),
        prepaid_amount=D("6000.00"),
        estimated_hours=D("40"),  # 150 an hour, for the first 40 hours
    )
    tickets = {a: TicketFactory(company=company, agreement=a) for a in (hourly, block, project)}

    def entry(member, agreement, start, end, *, rate="100.00", cost="40.00", billable=None):
        return TimeEntryFactory(
            member=member,
            ticket=tickets[agreement],
            agreement=agreement,
            start=start,
            end=end,
            billable=billable or BillableOption.BILLABLE,
            bill_rate=D(rate),
            cost_rate=D(cost),
        )

    # Hourly: Tess at 100, Lena at 120.
    entry(tech, hourly, ny(2025, 1, 10, 9), ny(2025, 1, 10, 11))  # before the period
    entry(tech, hourly, ny(2025, 1, 20, 9), ny(2025, 1, 20, 12))  # 3 h
    entry(tech, hourly, ny(2025, 1, 31, 22), ny(2025, 1, 31, 23, 30))  # 1.5 h, 1 Feb in UTC
    entry(tech, hourly, ny(2025, 2, 10, 9), ny(2025, 2, 10, 13))  # 4 h
    entry(  # 1 h, not billed
        tech,
        hourly,
        ny(2025, 3, 15, 9),
        ny(2025, 3, 15, 10),
        rate="0",
        billable=BillableOption.DO_NOT_BILL,
    )
    entry(tech, hourly, ny(2025, 4, 20, 9), ny(2025, 4, 20, 11))  # 2 h
    entry(tech, hourly, ny(2025, 4, 21, 9), ny(2025, 4, 21, 10))  # after the period
    lena = {"rate": "120.00", "cost": "60.00"}
    # 15 January just after midnight in Berlin (14 January in UTC): 1 h, in the period.
    entry(lead, hourly, berlin(2025, 1, 15, 0, 30), berlin(2025, 1, 15, 1, 30), **lena)
    # 1 February in Berlin (31 January in UTC and New York): 1 h, in Lena's February.
    entry(lead, hourly, berlin(2025, 2, 1, 0, 30), berlin(2025, 2, 1, 1, 30), **lena)
    # 20 April 23:00-23:45 in Berlin: 0.75 h, in the period on Lena's calendar.
    entry(lead, hourly, berlin(2025, 4, 20, 23), berlin(2025, 4, 20, 23, 45), **lena)
    # 21 April 00:30 in Berlin is still 20 April in New York, but not on Lena's calendar.
    entry(lead, hourly, berlin(2025, 4, 21, 0, 30), berlin(2025, 4, 21, 1), **lena)

    # Block: 12 h drawn before the period (8 in December, 4 on 10 January), 3 h in March.
    entry(tech, block, ny(2024, 12, 5, 9), ny(2024, 12, 5, 17))
    entry(tech, block, ny(2025, 1, 10, 12), ny(2025, 1, 10, 16))
    entry(tech, block, ny(2025, 3, 5, 9), ny(2025, 3, 5, 12))

    # Project: 38 h before the period (20 in November, 15 in December, 3 on 12 January),
    # then 4 h on 16 January and 5 h in March.
    entry(tech, project, ny(2024, 11, 4, 8), ny(2024, 11, 4, 18))
    entry(tech, project, ny(2024, 11, 5, 8), ny(2024, 11, 5, 18))
    entry(tech, project, ny(2024, 12, 9, 8), ny(2024, 12, 9, 23))
    entry(tech, project, ny(2025, 1, 12, 9), ny(2025, 1, 12, 12))
    entry(tech, project, ny(2025, 1, 16, 9), ny(2025, 1, 16, 13))
    entry(tech, project, ny(2025, 3, 10, 9), ny(2025, 3, 10, 14))
    return {"hourly": hourly, "block": block, "project": project}


def profitability():
    report = agreement_profitability(period=PERIOD, target_rate=D("100"))
    return report, {row.agreement: row for row in report.rows}


@time_machine.travel(datetime(2025, 6, 10, 12, tzinfo=UTC), tick=False)
def test_a_period_with_partial_edge_months_adds_up_by_hand(books):
    report, rows = profitability()
    hourly, block, project = rows["Hourly"], rows["Block"], rows["Project"]
    # Hourly: Tess 3 + 1.5 + 4 + 1 (not billed) + 2 = 11.5 h; Lena 1 + 1 + 0.75 = 2.75 h.
    assert hourly.hours == D("14.25")
    assert hourly.billable_hours == D("13.25")
    # Tess 10.5 h x 100 + Lena 2.75 h x 120 = 1,050 + 330
    assert cents(hourly.revenue) == D("1380.00")
    # Tess 11.5 h x 40 + Lena 2.75 h x 60 = 460 + 165
    assert cents(hourly.labour_cost) == D("625.00")
    assert cents(hourly.margin) == D("755.00")
    # Block: 3 h drawn at 100; 12 h before the period, so 15 drawn and 5 left.
    assert (block.hours, cents(block.revenue), cents(block.labour_cost)) == (
        D("3"),
        D("300.00"),
        D("120.00"),
    )
    assert (block.block_drawn, block.block_remaining) == (D("15"), D("5"))
    # Project: 38 of the 40 estimated hours went before, so only 2 of the 9 h earn 150.
    assert (project.hours, cents(project.revenue), cents(project.labour_cost)) == (
        D("9"),
        D("300.00"),
        D("360.00"),
    )
    assert report.hours == D("26.25")
    assert cents(report.revenue) == D("1980.00")
    assert cents(report.labour_cost) == D("1105.00")


@time_machine.travel(datetime(2025, 6, 10, 12, tzinfo=UTC), tick=False)
def test_whole_months_are_read_from_the_totals_and_edges_from_the_entries(books, tech):
    _, before = profitability()
    hourly = books["hourly"]
    # An hour more in the stored February (rolled up by the first report): the report follows
    # the stored figures there...
    MonthlyRollup.objects.filter(month=date(2025, 2, 1), agreement=hourly).update(
        seconds=F("seconds") + 3600
    )
    _, after = profitability()
    assert after["Hourly"].hours == before["Hourly"].hours + 1
    # ...and not in January, an edge month, which it reads from the entries.
    MonthlyTotal.objects.filter(member=tech, month=date(2025, 1, 1)).update(seconds=0)
    _, again = profitability()
    assert again["Hourly"].hours == after["Hourly"].hours
    assert again["Block"].block_drawn == D("15")  # 10 January: before the period, an edge


@time_machine.travel(datetime(2025, 6, 10, 12, tzinfo=UTC), tick=False)
def test_the_hours_before_a_period_come_from_the_totals_of_whole_months(books, tech):
    block = books["block"]
    profitability()  # rolls the months up
    MonthlyRollup.objects.filter(month=date(2024, 12, 1), agreement=block).update(
        seconds=F("seconds") + 3600
    )
    _, rows = profitability()
    assert (rows["Block"].block_drawn, rows["Block"].block_remaining) == (D("16"), D("4"))


@time_machine.travel(datetime(2025, 4, 16, 12, tzinfo=UTC), tick=False)
def test_a_month_not_yet_settled_is_read_under_the_trust_rule(tech, books):
    """All of April is in the period, but its days are not all open: today's time (16 April,
    still under way in New York) stays out of the report, as before there were totals."""
    hourly = books["hourly"]
    TimeEntryFactory(
        member=tech,
        ticket=TicketFactory(agreement=hourly, company=hourly.company),
        agreement=hourly,
        start=ny(2025, 4, 16, 6),
        end=ny(2025, 4, 16, 7),
        bill_rate=D("100.00"),
        cost_rate=D("40.00"),
    )
    april = agreement_profitability(
        period=Period(date(2025, 4, 1), date(2025, 4, 30)), target_rate=D("100")
    )
    # Today's hour is the member's alone, and the rest of April's time is still to come.
    assert [row.agreement for row in april.rows if row.hours] == []
    # The totals hold all four hours (16, 20 and 21 April); the report takes none of them.
    stored = MonthlyTotal.objects.filter(member=tech, month=date(2025, 4, 1))
    assert sum(stored.values_list("seconds", flat=True)) == 4 * 3600


@time_machine.travel(datetime(2025, 6, 10, 12, tzinfo=UTC), tick=False)
def test_the_forecast_history_adds_up_by_hand_from_the_totals(books):
    forecast = financial_forecast(last_month=date(2025, 3, 1), months_ahead=1)
    months = {m.month: m for m in forecast.months if not m.projected}
    figures = {
        month: (cents(months[month].work_revenue), cents(months[month].labour_cost))
        for month in HISTORY
    }
    assert figures == {
        # Project 20 h x 150; 20 h x 40
        date(2024, 11, 1): (D("3000.00"), D("800.00")),
        # Block 8 h x 100 + project 15 h x 150; 23 h x 40
        date(2024, 12, 1): (D("3050.00"), D("920.00")),
        # Hourly: Tess 6.5 h x 100 + Lena 1 h x 120 (15 Jan in Berlin) = 770; block 4 h x 100;
        # project 5 of its 7 h left in the estimate x 150 = 750. Cost: 6.5 x 40 + 1 x 60
        # + 4 x 40 + 7 x 40 = 260 + 60 + 160 + 280.
        date(2025, 1, 1): (D("1920.00"), D("760.00")),
        # Hourly: Tess 4 h x 100 + Lena 1 h x 120 (1 Feb in Berlin); 4 x 40 + 1 x 60
        date(2025, 2, 1): (D("520.00"), D("220.00")),
        # Block 3 h x 100; the project's estimate is used up. Cost 1 + 3 + 5 h x 40
        date(2025, 3, 1): (D("300.00"), D("360.00")),
    }


def test_the_forecast_reads_its_last_month_the_same_before_and_after_it_settles(books, tech, lead):
    """March on the members' own calendars: 1 March 00:30 in Berlin (still February in UTC)
    and 31 March 22:00 in New York (1 April in UTC) count in March. On 3 April March is not
    settled (the members' totals, less the time not open yet); on 10 June it is (rolled up).
    Both give March: block 3 h x 100 + Lena 1 h x 120 + Tess 1 h x 100 = 520; cost 360 (as
    before) + 60 + 40 = 460."""
    hourly = books["hourly"]
    ticket = TicketFactory(agreement=hourly, company=hourly.company)
    for member, start, end, rate, cost in (
        (lead, berlin(2025, 3, 1, 0, 30), berlin(2025, 3, 1, 1, 30), "120.00", "60.00"),
        (tech, ny(2025, 3, 31, 22), ny(2025, 3, 31, 23), "100.00", "40.00"),
    ):
        TimeEntryFactory(member=member, ticket=ticket, agreement=hourly, start=start, end=end,
                         bill_rate=D(rate), cost_rate=D(cost))  # fmt: skip
    for clock in (datetime(2025, 4, 3, 12, tzinfo=UTC), datetime(2025, 6, 10, 12, tzinfo=UTC)):
        with time_machine.travel(clock, tick=False):
            forecast = financial_forecast(last_month=date(2025, 3, 1), months_ahead=1)
        (march,) = [m for m in forecast.months if m.month == date(2025, 3, 1)]
        (february,) = [m for m in forecast.months if m.month == date(2025, 2, 1)]
        assert (cents(march.work_revenue), cents(march.labour_cost)) == (D("520.00"), D("460.00"))
        assert (cents(february.work_revenue), cents(february.labour_cost)) == (
            D("520.00"),
            D("220.00"),
        )
    assert MonthlyRollup.objects.filter(month=date(2025, 3, 1)).exists()  # settled by June


@time_machine.travel(datetime(2025, 4, 16, 12, tzinfo=UTC), tick=False)
def test_the_month_under_way_is_its_totals_less_the_time_not_yet_open(tech, lead, books):
    """On 16 April (08:00 in New York, 14:00 in Berlin) April is not settled. It comes from the
    members' April totals, less what the viewer may not see yet: today and the days to come,
    except the viewer's own time."""
    hourly = books["hourly"]
    ticket = TicketFactory(agreement=hourly, company=hourly.company)
    for member, start, end in (
        (tech, ny(2025, 4, 14, 9), ny(2025, 4, 14, 10)),  # open: 1 h
        (tech, ny(2025, 4, 15, 9), ny(2025, 4, 15, 11)),  # open (ended 10 h before the clock)
        (tech, ny(2025, 4, 16, 6), ny(2025, 4, 16, 7)),  # today in New York: not open
        (lead, berlin(2025, 4, 15, 23), berlin(2025, 4, 16, 0, 30)),  # runs into Berlin's today
        (lead, berlin(2025, 4, 16, 9), berlin(2025, 4, 16, 10)),  # today in Berlin: not open
    ):
        TimeEntryFactory(member=member, ticket=ticket, agreement=hourly, start=start, end=end,
                         bill_rate=D("100.00"), cost_rate=D("40.00"))  # fmt: skip
    april = Period(date(2025, 4, 1), date(2025, 4, 30))

    def hourly_hours(**kwargs):
        report = agreement_profitability(period=april, target_rate=D("100"), **kwargs)
        return {row.agreement: row.hours for row in report.rows}.get("Hourly", D(0))

    # Tess's 14 and 15 April: 3 h. Lena's late hour on the 15th ends in her today: left out.
    assert hourly_hours() == 3
    # Tess sees all her own time: 3 h, today's hour, and the 20th's 2 h and the 21st's 1 h
    # booked ahead in the fixture; still none of Lena's time not yet open.
    assert hourly_hours(visible=visible_entry_q(tech.user)) == 7
    # The month's figure is the stored totals'; only the time left out is read from entries.
    MonthlyTotal.objects.filter(member=tech, month=date(2025, 4, 1), agreement=hourly).update(
        seconds=F("seconds") + 3600
    )
    assert hourly_hours() == 4


@pytest.mark.parametrize("seed", range(3))
def test_a_month_under_way_matches_a_count_of_its_visible_entries(seed, tech, lead, team):
    """Random entries around the end of April in three zones, the clock at random in the
    first days of May: the months not yet settled, read from the totals less the time not
    open, give what adding up the visible entries one by one gives."""
    rng = random.Random(seed)
    tokyo = MemberFactory(time_zone="Asia/Tokyo", team=team)
    lead.time_zone = "Europe/Berlin"
    lead.save()
    members = [tech, lead, tokyo]
    agreement = AgreementFactory(start_date=date(2024, 1, 1))
    ticket = TicketFactory(agreement=agreement, company=agreement.company)
    first = datetime(2025, 4, 24, tzinfo=UTC)
    for _ in range(40):
        start = first + timedelta(minutes=15 * rng.randrange(4 * 24 * 12))
        billable = rng.choice([BillableOption.BILLABLE, BillableOption.DO_NOT_BILL])
        TimeEntryFactory(
            member=rng.choice(members),
            ticket=ticket,
            agreement=agreement,
            start=start,
            end=start + timedelta(minutes=15 * rng.randint(1, 40)),
            billable=billable,
            bill_rate=D(rng.choice(["90.00", "125.50"])),
            cost_rate=D(rng.choice(["40.00", "61.25"])),
        )
    clock = datetime(2025, 5, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(5 * 24))
    left_out = 0
    with time_machine.travel(clock, tick=False):
        for month, viewer in itertools.product(
            (
                Period(date(2025, 4, 1), date(2025, 4, 30)),
                Period(date(2025, 5, 1), date(2025, 5, 31)),
            ),
            (None, tech.user),
        ):
            visible = visible_entry_q(viewer)
            report = agreement_profitability(period=month, target_rate=D("100"), visible=visible)
            row = {r.agreement_id: r for r in report.rows}.get(agreement.pk)
            shown = set(TimeEntry.objects.filter(visible).values_list("pk", flat=True))
            in_month = [
                e
                for e in TimeEntry.objects.select_related("member")
                if month.start <= local_date(e.start, e.member.zone) <= month.end
            ]
            counted = [e for e in in_month if e.pk in shown]
            left_out += len(in_month) - len(counted)
            billed = [e for e in counted if e.billable == BillableOption.BILLABLE]
            assert (row.hours if row else 0) == sum(e.hours for e in counted)
            assert cents(row.revenue if row else D(0)) == cents(
                sum((e.hours * e.bill_rate for e in billed), D(0))
            )
            assert cents(row.labour_cost if row else D(0)) == cents(
                sum((e.hours * e.cost_rate for e in counted), D(0))
            )
    assert left_out  # the clock hides some of the time: the subtraction is exercised
