"""Helpers and rules shared by the reports."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from daybook.catalogue.choices import BillableOption
from daybook.core.expressions import SECONDS_PER_HOUR
from daybook.core.periods import Period, days_in_month

ZERO = Decimal(0)
BILLABLE = Q(billable=BillableOption.BILLABLE)


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
