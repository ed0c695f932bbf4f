"""Helpers and rules shared by the reports."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum

from daybook.catalogue.choices import BillableOption
from daybook.core.expressions import (
    HUNDRED,
    SECONDS_PER_HOUR,
    safe_ratio,
    sum_seconds,
    sum_seconds_times,
    to_decimal,
)
from daybook.core.periods import Period, days_in_month
from daybook.timekeeping.totals import add_months, month_of, settled_months

ZERO = Decimal(0)
BILLABLE = Q(billable=BillableOption.BILLABLE)


# The sums the money rules read, grouped however a report needs: .annotate(**money_sums()).
MONEY_SUMS = ("seconds", "billable_seconds", "billable_amount", "cost")


def money_sums() -> dict:
    return {
        "seconds": sum_seconds(),
        "billable_seconds": sum_seconds(filter=BILLABLE),
        "billable_amount": sum_seconds_times("bill_rate", filter=BILLABLE),
        "cost": sum_seconds_times("cost_rate"),
    }


def total_money_rows(totals, keys: tuple[str, ...], sums: tuple[str, ...] = MONEY_SUMS):
    """money_sums over timekeeping's MonthlyRollup rows instead of entries, grouped by
    ``keys``: the same sums under the same names (only ``sums`` of them)."""
    expressions = {
        "seconds": Sum("seconds"),
        "billable_seconds": Sum("seconds", filter=BILLABLE),
        "billable_amount": Sum("bill_amount", filter=BILLABLE),
        "cost": Sum("cost_amount"),
    }
    # Aliased apart from the columns (a sum may not be named after the column it sums).
    rows = totals.order_by().values(*keys).annotate(**{f"sum_{k}": expressions[k] for k in sums})
    return [{**{k: row[k] for k in keys}, **{k: row[f"sum_{k}"] for k in sums}} for row in rows]


def add_sums(total: dict[str, Decimal], row: dict, keys: tuple[str, ...] = MONEY_SUMS) -> None:
    """Fold one grouped row's sums into a running total (a missing sum adds nothing)."""
    for key in keys:
        total[key] += to_decimal(row[key])


def earnings(*, revenue: Decimal, cost: Decimal) -> dict[str, Decimal | None]:
    """Revenue, labour cost, margin and margin % (of revenue; None without revenue), as the
    fields of a report row."""
    margin = revenue - cost
    return {
        "revenue": revenue,
        "labour_cost": cost,
        "margin": margin,
        "margin_pct": safe_ratio(margin, revenue, HUNDRED),
    }


def to_money(seconds_times_rate) -> Decimal:
    if seconds_times_rate is None:
        return ZERO
    return Decimal(str(seconds_times_rate)) / SECONDS_PER_HOUR


def prorated_fee(
    *, monthly_fee: Decimal, active_from: date, active_to: date | None, period: Period
) -> Decimal:
    """A monthly fee earned over a period, month by month and day by day.

    For each calendar month the period touches: fee x (days in that month that are both in
    the period and inside the agreement's dates) / (days in that month).
    """
    if not monthly_fee:
        return ZERO
    start = max(active_from, period.start)
    end = period.end if active_to is None else min(active_to, period.end)
    if end < start:
        return ZERO
    if start.day == 1 and (end + DAY).day == 1:
        # Whole months, as most are: each earns the fee exactly, no need to count days.
        return monthly_fee * (end.year * 12 + end.month - start.year * 12 - start.month + 1)
    total = ZERO
    for part in Period(start, end).months():
        total += monthly_fee * Decimal(part.days) / Decimal(days_in_month(part.start))
    return total


CENT = Decimal("0.01")
SIXTY = Decimal(60)


@dataclass(frozen=True)
class WorkTypeHours:
    work_type: str
    hours: Decimal


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


DAY = timedelta(days=1)


@dataclass(frozen=True)
class PeriodSplit:
    """A stretch of member-local days cut into the whole months a report reads from the
    monthly totals and the days it reads from the entries.

    ``months``: (first month or None for the earliest, end month exclusive), or None when
    the totals answer nothing; ``scans``: the periods left to the entries — at most the
    partial months at either edge and the recent months not yet settled."""

    months: tuple[date | None, date] | None
    scans: tuple[Period, ...]


def split_period(period: Period, *, floor: datetime) -> PeriodSplit:
    """Cut a period for reading (``floor``: timekeeping.totals.visible_floor)."""
    first_whole = period.start if period.start.day == 1 else add_months(month_of(period.start), 1)
    after_end = add_months(month_of(period.end), 1)
    last_whole = (
        month_of(period.end)
        if period.end == after_end - DAY
        else add_months(month_of(period.end), -1)
    )
    if last_whole < first_whole:
        return PeriodSplit(None, (period,))
    end = settled_months(first_whole, last_whole, floor=floor)
    if end is None:
        return PeriodSplit(None, (period,))
    scans = []
    if period.start < first_whole:
        scans.append(Period(period.start, first_whole - DAY))
    if end <= period.end:
        scans.append(Period(end, period.end))
    return PeriodSplit((first_whole, end), tuple(scans))


def split_before(day: date, *, floor: datetime) -> PeriodSplit:
    """Cut all time before a member-local date: whole months from the earliest, then the
    days of ``day``'s month before it (and any months not yet settled)."""
    # From the earliest month there is always a run (perhaps empty), so never None.
    end = settled_months(None, add_months(month_of(day), -1), floor=floor) or date.min
    scans = (Period(end, day - DAY),) if end < day else ()
    return PeriodSplit((None, end), scans)
