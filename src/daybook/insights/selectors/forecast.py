"""5. Financial forecast."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, partial

from django.db.models import Q

from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement
from daybook.core.expressions import HUNDRED, SECONDS_PER_HOUR, to_decimal, to_hours
from daybook.core.periods import Period, member_local_range_q
from daybook.people.selectors import member_zone_groups
from daybook.timekeeping.models import MonthlyTotal, TimeEntry
from daybook.timekeeping.totals import settled_totals, totals_in, visible_floor
from daybook.timekeeping.visibility import visible_or_opened

from .common import (
    MONEY_SUMS,
    ZERO,
    PeriodSplit,
    add_sums,
    earnings,
    month_period,
    prorated_fee,
    recent_money_rows,
    split_before,
    split_period,
    total_money_rows,
)
from .profitability import (
    AgreementTerms,
    agreement_hours_before,
    agreement_terms,
    earns_billable_amount,
    revenue_from_work,
)

TRAILING_MONTHS = 6
DEFAULT_HIRE_HOURS = Decimal(40) * 52 / 12  # 173.33 hours a month

# The condition on the time the viewer may see, worked out when first asked for.
Visible = Callable[[], Q]


@dataclass(frozen=True)
class ForecastMonth:
    month: date
    projected: bool
    fee_revenue: Decimal
    work_revenue: Decimal
    revenue: Decimal
    labour_cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None


@dataclass(frozen=True)
class FinancialForecast:
    months: tuple[ForecastMonth, ...]
    raise_pct: Decimal
    new_hires: int
    hire_cost_rate: Decimal
    hire_hours_per_month: Decimal
    trailing_work_revenue: Decimal
    trailing_labour_cost: Decimal
    # The first history month with time in it, when the data starts inside the history;
    # None when there is time before the history (every month counts) or none at all.
    data_from: date | None = None
    trailing_months: int = TRAILING_MONTHS  # how many months the averages are over


def _add_months(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _monthly_sums(span: Period, groups: dict[str, list[int]], visible: Visible, floor: datetime):
    """{(month, agreement id or None): money sums} over a span of whole months on members'
    calendars: settled months from the rollup, the months after them from the members'
    totals less the time the viewer may not see yet (recent_money_rows)."""
    cells: dict[tuple[date, int | None], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    split = split_period(span, floor=floor)
    assert not split.scans  # whole months have no partial edges to read from the entries
    if split.months is not None:
        totals = settled_totals(*split.months)
        for row in total_money_rows(totals, ("month", "agreement_id")):
            # The totals give each cell once: its sums as they are, not added to zeros.
            cells[(row["month"], row["agreement_id"])] = {
                key: to_decimal(row[key]) for key in MONEY_SUMS
            }
    for month in split.recent:
        rows = recent_money_rows(
            month, groups=groups, visible=visible(), floor=floor, keys=("agreement_id",)
        )
        for row in rows:
            add_sums(cells[(month, row["agreement_id"])], row)
    return cells


def financial_forecast(
    *,
    last_month: date,
    months_ahead: int,
    raise_pct: Decimal = ZERO,
    new_hires: int = 0,
    hire_cost_rate: Decimal = ZERO,
    hire_hours_per_month: Decimal = DEFAULT_HIRE_HOURS,
    visible: Q | None = None,
) -> FinancialForecast:
    """Revenue, labour cost and margin for the twelve months ending with ``last_month`` and a
    projection for the next ``months_ahead`` months (method in docs/reports.md). Settled
    months come from the monthly totals, as in agreement_profitability."""
    first = _add_months(last_month.replace(day=1), -11)
    history_months = [_add_months(first, i) for i in range(12)]
    span = Period(first, _add_months(history_months[-1], 1) - timedelta(days=1))
    # Only time the viewer may see (timekeeping.visibility): by default, opened days. Worked
    # out once, and only if some days come from the entries: settled months need no rule
    # (timekeeping.totals), and by default it costs a look at every member's schedule.
    visible_q = cache(partial(visible_or_opened, visible))
    groups = member_zone_groups()
    floor = visible_floor()
    cells = _monthly_sums(span, groups, visible_q, floor)
    agreements = _forecast_agreements(cells, span=span, months_ahead=months_ahead)
    before = split_before(first, floor=floor)
    work_by_month, cost_by_month = _work_and_cost_by_month(
        cells,
        agreements=agreements,
        first=first,
        groups=groups,
        # Without days before the history to read from the entries, no rule is asked for.
        visible=visible_q() if before.scans or before.recent else visible,
        floor=floor,
    )
    months = [
        _forecast_month(
            month,
            False,
            _fees_in(agreements, month_period(month)),
            work_by_month[month],
            cost_by_month[month],
        )
        for month in history_months
    ]

    data_from = _data_start(cells, before=before, groups=groups, visible=visible_q)
    # Months before the first entry are not months of zero work: they are left out.
    trailing = [m for m in months[-TRAILING_MONTHS:] if data_from is None or m.month >= data_from]
    if not cells:
        trailing = []
    work_avg = _average([m.work_revenue for m in trailing])
    cost_avg = _average([m.labour_cost for m in trailing])
    projected_cost = cost_avg * (1 + raise_pct / HUNDRED) + (
        Decimal(new_hires) * hire_cost_rate * hire_hours_per_month
    )
    for i in range(1, months_ahead + 1):
        month = _add_months(history_months[-1], i)
        fees = _fees_in(agreements, month_period(month))
        months.append(_forecast_month(month, True, fees, work_avg, projected_cost))
    return FinancialForecast(
        months=tuple(months),
        raise_pct=raise_pct,
        new_hires=new_hires,
        hire_cost_rate=hire_cost_rate,
        hire_hours_per_month=hire_hours_per_month,
        trailing_work_revenue=work_avg,
        trailing_labour_cost=cost_avg,
        data_from=data_from,
        trailing_months=len(trailing),
    )


def _average(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values) if values else ZERO


def _data_start(
    cells, *, before: PeriodSplit, groups: dict[str, list[int]], visible: Visible
) -> date | None:
    """The first history month with any time in it, unless time was logged before the
    history starts (``before``: the time before it, split_before) — then None: the whole
    history counts. None too when there is no time."""
    if not cells:
        return None
    if (
        before.months is not None
        and MonthlyTotal.objects.filter(totals_in(*before.months)).exists()
    ):
        return None
    for part in (*before.scans, *map(month_period, before.recent)):
        if TimeEntry.objects.filter(member_local_range_q(part, groups)).filter(visible()).exists():
            return None
    return min(month for month, _ in cells)


def _forecast_agreements(cells, *, span: Period, months_ahead: int) -> list[AgreementTerms]:
    """Agreements with time in the history, or active at some point from its start to the end
    of the projection: the terms the money rules read."""
    with_time = {agreement_id for _, agreement_id in cells if agreement_id is not None}
    return agreement_terms(
        Agreement.objects.all(),
        first=span.start,
        last=_add_months(span.end, months_ahead),
        with_time=with_time,
    )


def _fees_in(agreements: list[AgreementTerms], month_period: Period) -> Decimal:
    """Monthly fees earned in one month, prorated by day."""
    return sum(
        (
            prorated_fee(
                monthly_fee=a.monthly_fee,
                active_from=a.start_date,
                active_to=a.end_date,
                period=month_period,
            )
            for a in agreements
            if a.monthly_fee
        ),
        ZERO,
    )


def _work_and_cost_by_month(
    cells,
    *,
    agreements: list[AgreementTerms],
    first: date,
    groups: dict[str, list[int]],
    visible: Q | None,
    floor: datetime,
) -> tuple[dict[date, Decimal], dict[date, Decimal]]:
    """Revenue from the work itself, and labour cost, per history month."""
    before = agreement_hours_before(
        Agreement.objects.filter(type=AgreementType.PROJECT),
        day=first,
        groups=groups,
        visible=visible,
        floor=floor,
    )
    worked_before = {pk: hours for pk, (hours, _) in before.items()}
    by_agreement = {a.pk: a for a in agreements}
    # Sums of seconds x rate, added up per month and made money once. Most agreements earn
    # their billable amount as it is; blocks and fixed-fee projects go cell by cell, in
    # month order: a fixed-fee project's earlier months use up its estimate first.
    cost: dict[date, Decimal] = defaultdict(lambda: ZERO)
    billed: dict[date, Decimal] = defaultdict(lambda: ZERO)
    work_by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for (month, agreement_id), cell in sorted(cells.items(), key=lambda kv: kv[0][0]):
        cost[month] += cell["cost"]
        agreement = by_agreement.get(agreement_id)
        if agreement is None:
            continue
        if earns_billable_amount(agreement):
            billed[month] += cell["billable_amount"]
            continue
        hours = to_hours(cell["seconds"])
        work_by_month[month] += revenue_from_work(
            agreement,
            hours=hours,
            billable_hours=to_hours(cell["billable_seconds"]),
            billable_amount=cell["billable_amount"] / SECONDS_PER_HOUR,
            hours_before=worked_before.get(agreement_id, ZERO),
        )
        worked_before[agreement_id] = worked_before.get(agreement_id, ZERO) + hours
    for month, amount in billed.items():
        work_by_month[month] += amount / SECONDS_PER_HOUR
    cost_by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for month, amount in cost.items():
        cost_by_month[month] = amount / SECONDS_PER_HOUR
    return work_by_month, cost_by_month


def _forecast_month(month, projected, fees, work, cost) -> ForecastMonth:
    return ForecastMonth(
        month=month,
        projected=projected,
        fee_revenue=fees,
        work_revenue=work,
        **earnings(revenue=fees + work, cost=cost),
    )
