"""Helpers and rules shared by the reports."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

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
