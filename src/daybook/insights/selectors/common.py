"""Helpers and rules shared by the reports."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum, Value

from daybook.catalogue.choices import BillableOption
from daybook.core.expressions import (
    HUNDRED,
    SECONDS_PER_HOUR,
    safe_ratio,
    sum_seconds,
    sum_seconds_times,
    to_decimal,
)
from daybook.core.periods import Period, days_in_month, member_local_range_q
from daybook.timekeeping.models import LONGEST_ENTRY, MonthlyTotal, TimeEntry
from daybook.timekeeping.totals import add_months, month_of, months_between, settled_months

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


def _total_sums(sums: tuple[str, ...]) -> dict:
    """money_sums over timekeeping's MonthlyTotal or MonthlyRollup rows, aliased apart from
    the columns (a sum may not be named after the column it sums)."""
    expressions = {
        "seconds": Sum("seconds"),
        "billable_seconds": Sum("seconds", filter=BILLABLE),
        "billable_amount": Sum("bill_amount", filter=BILLABLE),
        "cost": Sum("cost_amount"),
    }
    return {f"sum_{key}": expressions[key] for key in sums}


def total_money_rows(totals, keys: tuple[str, ...], sums: tuple[str, ...] = MONEY_SUMS):
    """money_sums over timekeeping's MonthlyRollup rows instead of entries, grouped by
    ``keys``: the same sums under the same names (only ``sums`` of them)."""
    rows = totals.order_by().values(*keys).annotate(**_total_sums(sums))
    return [{**{k: row[k] for k in keys}, **{k: row[f"sum_{k}"] for k in sums}} for row in rows]


def recent_money_rows(
    month: date,
    *,
    groups: dict[str, list[int]],
    visible: Q,
    floor: datetime,
    keys: tuple[str, ...],
    narrow: Q | None = None,
    sums: tuple[str, ...] = MONEY_SUMS,
) -> list[dict]:
    """money_sums over a whole month not yet settled (PeriodSplit.recent), grouped by
    ``keys`` (columns of both entries and totals): the members' monthly totals of the month,
    less its entries that the report may not count (those failing ``visible``). Every entry
    that ended by ``floor`` (timekeeping.totals.visible_floor) is open to all, so those left
    out ended after it and started at most LONGEST_ENTRY before it: a few days of entries
    are read instead of the month's. ``narrow``: a condition both tables answer (an
    agreement's company, say).

    One statement for both parts, so a write committed in between cannot be counted in one
    and not the other. A row may come twice for one key (stored, then the part left out as
    negative sums): callers fold them with add_sums."""
    narrow = narrow or Q()
    aliases = {f"sum_{key}": key for key in sums}
    stored = (
        MonthlyTotal.objects.filter(month=month)
        .filter(narrow)
        .order_by()
        .values(*keys)
        .annotate(**_total_sums(sums), left_out=Value(False))
    )
    entry_sums = money_sums()
    entry_sums = {alias: entry_sums[key] for alias, key in aliases.items()}
    left_out = (
        TimeEntry.objects.filter(
            member_local_range_q(month_period(month), groups, since=floor - LONGEST_ENTRY)
        )
        .filter(end__gt=floor)
        .filter(narrow)
        .exclude(visible)
        .order_by()
        .values(*keys)
        .annotate(**entry_sums, left_out=Value(True))
    )
    rows = []
    for row in stored.union(left_out, all=True):
        sign = -1 if row["left_out"] else 1
        rows.append(
            {
                **{key: row[key] for key in keys},
                **{key: sign * to_decimal(row[alias]) for alias, key in aliases.items()},
            }
        )
    return rows


def month_period(month: date) -> Period:
    return Period(month, add_months(month, 1) - DAY)


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
    partial months at either edge; ``recent``: the whole months after them, not yet settled,
    read with recent_money_rows (usually the month time is being logged into)."""

    months: tuple[date | None, date] | None
    scans: tuple[Period, ...]
    recent: tuple[date, ...] = ()


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
    scans = []
    if period.start < first_whole:
        scans.append(Period(period.start, first_whole - DAY))
    after_whole = add_months(last_whole, 1)
    if after_whole <= period.end:
        scans.append(Period(after_whole, period.end))
    recent = _months_from(end or first_whole, after_whole)
    return PeriodSplit(None if end is None else (first_whole, end), tuple(scans), recent)


def split_before(day: date, *, floor: datetime) -> PeriodSplit:
    """Cut all time before a member-local date: whole settled months from the earliest,
    the whole months after them not yet settled, then the days of ``day``'s month before
    it."""
    end = settled_months(None, add_months(month_of(day), -1), floor=floor)
    assert end is not None  # from the earliest month there is always a run, perhaps empty
    scans = (Period(month_of(day), day - DAY),) if month_of(day) < day else ()
    return PeriodSplit((None, end), scans, _months_from(end, month_of(day)))


def _months_from(first: date, end: date) -> tuple[date, ...]:
    """The months from ``first`` to ``end`` (exclusive)."""
    return tuple(months_between(first, add_months(end, -1))) if first < end else ()
