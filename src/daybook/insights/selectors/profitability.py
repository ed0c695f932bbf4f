"""1. Agreement profitability and its drill-down."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement
from daybook.core.expressions import safe_ratio, sum_seconds, to_decimal, to_hours
from daybook.core.periods import (
    Period,
    bucket_case,
    local_month_starts,
    member_local_range_q,
)
from daybook.people.selectors import member_zone_groups
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.totals import settled_totals, visible_floor
from daybook.timekeeping.visibility import visible_or_opened

from .common import (
    BILLABLE,
    MONEY_SUMS,
    ZERO,
    WorkTypeHours,
    add_sums,
    earnings,
    money_sums,
    prorated_fee,
    recent_money_rows,
    split_before,
    split_period,
    to_money,
    total_money_rows,
)


@dataclass(frozen=True)
class AgreementProfit:
    agreement_id: int
    agreement: str
    company_id: int
    company: str
    type: str
    type_label: str
    hours: Decimal
    billable_hours: Decimal
    fee_revenue: Decimal
    work_revenue: Decimal
    revenue: Decimal
    labour_cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    effective_rate: Decimal | None
    under_target: bool
    negative_margin: bool
    block_hours: Decimal | None
    block_drawn: Decimal | None
    block_remaining: Decimal | None
    hours_by_work_type: tuple[WorkTypeHours, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        found = []
        if self.negative_margin:
            found.append("negative margin")
        if self.under_target:
            found.append("under target rate")
        return tuple(found)


@dataclass(frozen=True)
class ProfitabilityReport:
    period: Period
    target_rate: Decimal
    rows: tuple[AgreementProfit, ...]
    hours: Decimal
    revenue: Decimal
    labour_cost: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    effective_rate: Decimal | None
    work_types: tuple[str, ...]


TYPE_LABELS = dict(AgreementType.choices)


@dataclass(frozen=True)
class AgreementTerms:
    """The few fields of an agreement the money rules read."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "pk", "name", "type", "company_id", "company__name", "start_date", "end_date",
        "monthly_fee", "prepaid_hours", "prepaid_amount", "estimated_hours",
    )  # fmt: skip

    pk: int
    name: str
    type: str
    company_id: int
    company__name: str
    start_date: date
    end_date: date | None
    monthly_fee: Decimal
    prepaid_hours: Decimal | None
    prepaid_amount: Decimal | None
    estimated_hours: Decimal | None

    @property
    def block_rate(self) -> Decimal | None:
        """Same rule as Agreement.block_rate."""
        if self.prepaid_hours and self.prepaid_amount is not None:
            return self.prepaid_amount / self.prepaid_hours
        return None


def revenue_from_work(
    agreement: Agreement | AgreementTerms,
    *,
    hours: Decimal,
    billable_hours: Decimal,
    billable_amount: Decimal,
    hours_before: Decimal,
) -> Decimal:
    """Revenue from the work itself, by agreement type (see docs/reports.md)."""
    if earns_billable_amount(agreement):
        return billable_amount
    if agreement.type == AgreementType.BLOCK_HOURS:
        # Recognised as drawn: every billable hour draws one prepaid hour at the block rate.
        return billable_hours * agreement.block_rate
    # Fixed fee recognised as the estimated hours are worked, never beyond the fee.
    per_hour = agreement.prepaid_amount / agreement.estimated_hours
    left = max(ZERO, agreement.estimated_hours - hours_before)
    return per_hour * min(hours, left)


def earns_billable_amount(agreement: Agreement | AgreementTerms) -> bool:
    """Whether the work on an agreement earns its billable amount, hours x stored rate:
    managed (the billable work outside the coverage), T&M and T&M projects. Not a block with
    a rate (drawn at the block rate) nor a fixed-fee project (the fee as the estimate is
    worked)."""
    if agreement.type == AgreementType.BLOCK_HOURS:
        return agreement.block_rate is None
    if agreement.type == AgreementType.PROJECT:
        return agreement.prepaid_amount is None or not agreement.estimated_hours
    return True


def agreement_profitability(
    *,
    period: Period,
    target_rate: Decimal,
    company_id: int | None = None,
    agreement_type: str | None = None,
    visible: Q | None = None,
) -> ProfitabilityReport:
    """Revenue, labour cost and margin of each agreement over a period of member-local days.

    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened. Whole months whose time has all ended by
    timekeeping.totals.visible_floor come from the monthly totals, which every viewer may see
    in full under that rule; the rest of the period is read from the entries through
    ``visible``.
    """
    visible = visible_or_opened(visible)
    groups = member_zone_groups()
    floor = visible_floor()
    grouped, agreements = _grouped_work(
        period=period,
        groups=groups,
        visible=visible,
        floor=floor,
        company_id=company_id,
        agreement_type=agreement_type,
    )
    sums, by_type, work_types = _sums_by_agreement(grouped)
    scope = agreement_terms(agreements, first=period.start, last=period.end, with_time=set(sums))
    drawn_before = agreement_hours_before(
        agreements.filter(type__in=(AgreementType.BLOCK_HOURS, AgreementType.PROJECT)),
        day=period.start,
        groups=groups,
        visible=visible,
        floor=floor,
    )
    rows = []
    for agreement in scope:
        row = _agreement_profit(
            agreement,
            sums=sums.get(agreement.pk, {}),
            by_type=by_type.get(agreement.pk, ()),
            before=drawn_before.get(agreement.pk, (ZERO, ZERO)),
            period=period,
            target_rate=target_rate,
        )
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: (r.company.lower(), r.agreement.lower(), r.agreement_id))
    return _profitability_totals(
        period=period, target_rate=target_rate, rows=tuple(rows), work_types=work_types
    )


def _grouped_work(
    *,
    period: Period,
    groups: dict[str, list[int]],
    visible: Q,
    floor: datetime,
    company_id: int | None,
    agreement_type: str | None,
) -> tuple[list[dict], QuerySet[Agreement]]:
    """The period's money sums on agreements, grouped by agreement and work type (whole
    settled months from the monthly totals, the rest from the entries), and the agreements,
    both narrowed by the filters."""
    agreements = Agreement.objects.all()
    narrow = Q(agreement__isnull=False)
    if company_id is not None:
        agreements = agreements.filter(company_id=company_id)
        narrow &= Q(agreement__company_id=company_id)
    if agreement_type:
        agreements = agreements.filter(type=agreement_type)
        narrow &= Q(agreement__type=agreement_type)
    split = split_period(period, floor=floor)
    keys = ("agreement_id", "work_type_id")
    grouped: list[dict] = []
    if split.months is not None:
        grouped += total_money_rows(settled_totals(*split.months).filter(narrow), keys)
    for part in split.scans:
        entries = (
            TimeEntry.objects.filter(member_local_range_q(part, groups))
            .filter(narrow)
            .filter(visible)
        )
        grouped += entries.order_by().values(*keys).annotate(**money_sums())
    for month in split.recent:
        grouped += recent_money_rows(
            month, groups=groups, visible=visible, floor=floor, keys=keys, narrow=narrow
        )
    return grouped, agreements


def _sums_by_agreement(
    grouped: list[dict],
) -> tuple[dict[int, dict[str, Decimal]], dict[int, tuple[WorkTypeHours, ...]], tuple[str, ...]]:
    """Rows of money sums by agreement and work type (a pair may come in more than one row).
    Returns each agreement's money sums, its hours per work type (by name), and the names of
    all work types seen."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MONEY_SUMS, ZERO))
    seconds: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in grouped:
        add_sums(sums[row["agreement_id"]], row)
        seconds[(row["agreement_id"], row["work_type_id"])] += to_decimal(row["seconds"])
    names = dict(
        WorkType.objects.filter(pk__in={work_type for _, work_type in seconds}).values_list(
            "pk", "name"
        )
    )
    by_type: dict[int, list[WorkTypeHours]] = defaultdict(list)
    for (agreement_id, work_type_id), total in sorted(
        seconds.items(), key=lambda kv: (kv[0][0], names[kv[0][1]])
    ):
        by_type[agreement_id].append(WorkTypeHours(names[work_type_id], to_hours(total)))
    by_type_tuples = {pk: tuple(lines) for pk, lines in by_type.items()}
    return dict(sums), by_type_tuples, tuple(sorted(set(names.values())))


def agreement_terms(
    agreements: QuerySet[Agreement], *, first: date, last: date, with_time: set[int]
) -> list[AgreementTerms]:
    """The agreements active at some point from ``first`` to ``last``, and any others in
    ``with_time`` (those time was logged on), in id order."""
    # Plain rows, not model instances: an MSP has thousands of agreements. All are read and
    # sorted out here: a condition listing thousands of ids with time costs more to build
    # and send than the few agreements left out cost to read.
    rows = agreements.order_by("pk").values_list(*AgreementTerms.FIELDS)
    terms = (AgreementTerms(*row) for row in rows)
    return [
        t
        for t in terms
        if t.pk in with_time
        or (t.start_date <= last and (t.end_date is None or t.end_date >= first))
    ]


def _agreement_profit(
    agreement: AgreementTerms,
    *,
    sums: dict[str, Decimal],
    by_type: tuple[WorkTypeHours, ...],
    before: tuple[Decimal, Decimal],
    period: Period,
    target_rate: Decimal,
) -> AgreementProfit | None:
    """One agreement's line; None when it had neither time nor a fee in the period.

    ``before``: all and billable hours on the agreement before the period (a fixed-fee
    project's estimate and a block's prepaid hours are used up in order)."""
    hours = to_hours(sums.get("seconds"))
    billable_hours = to_hours(sums.get("billable_seconds"))
    fee = prorated_fee(
        monthly_fee=agreement.monthly_fee,
        active_from=agreement.start_date,
        active_to=agreement.end_date,
        period=period,
    )
    if not hours and not fee:
        return None
    before_all, before_billable = before
    work = revenue_from_work(
        agreement,
        hours=hours,
        billable_hours=billable_hours,
        billable_amount=to_money(sums.get("billable_amount")),
        hours_before=before_all,
    )
    revenue = fee + work
    cost = to_money(sums.get("cost"))
    effective = safe_ratio(revenue, hours)
    block_hours, block_drawn, block_remaining = _block_position(
        agreement, drawn=before_billable + billable_hours
    )
    return AgreementProfit(
        agreement_id=agreement.pk,
        agreement=agreement.name,
        company_id=agreement.company_id,
        company=agreement.company__name,
        type=agreement.type,
        type_label=TYPE_LABELS.get(agreement.type, agreement.type),
        hours=hours,
        billable_hours=billable_hours,
        fee_revenue=fee,
        work_revenue=work,
        **earnings(revenue=revenue, cost=cost),
        effective_rate=effective,
        under_target=effective is not None and effective < target_rate,
        negative_margin=revenue < cost,
        block_hours=block_hours,
        block_drawn=block_drawn,
        block_remaining=block_remaining,
        hours_by_work_type=by_type,
    )


def _block_position(
    agreement: AgreementTerms, *, drawn: Decimal
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Prepaid, drawn (to the end of the period) and remaining hours of a block agreement;
    three Nones for any other."""
    if agreement.type != AgreementType.BLOCK_HOURS or agreement.prepaid_hours is None:
        return None, None, None
    return agreement.prepaid_hours, drawn, agreement.prepaid_hours - drawn


def _profitability_totals(
    *,
    period: Period,
    target_rate: Decimal,
    rows: tuple[AgreementProfit, ...],
    work_types: tuple[str, ...],
) -> ProfitabilityReport:
    hours = sum((r.hours for r in rows), ZERO)
    revenue = sum((r.revenue for r in rows), ZERO)
    cost = sum((r.labour_cost for r in rows), ZERO)
    return ProfitabilityReport(
        period=period,
        target_rate=target_rate,
        rows=rows,
        hours=hours,
        **earnings(revenue=revenue, cost=cost),
        effective_rate=safe_ratio(revenue, hours),
        work_types=work_types,
    )


def agreement_hours_before(
    agreements: QuerySet[Agreement],
    *,
    day: date,
    groups: dict[str, list[int]],
    visible: Q | None = None,
    floor: datetime | None = None,
) -> dict[int, tuple[Decimal, Decimal]]:
    """All hours and billable hours on each of the agreements before a member-local date (of
    the time ``visible``; by default, days whose review has opened): whole settled months
    from the monthly totals, the days after them from the entries (recent_money_rows for
    whole months not yet settled). ``floor``:
    timekeeping.totals.visible_floor, when the caller has it already.

    ``agreements`` is a query, which the database reads as a subquery: a list of thousands
    of ids costs more to send than the sums cost to add up."""
    agreement_ids = agreements.values("pk")
    floor = visible_floor() if floor is None else floor
    split = split_before(day, floor=floor)
    found: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {"seconds": ZERO, "billable_seconds": ZERO}
    )
    sums = ("seconds", "billable_seconds")
    rows: list[dict] = []
    if split.months is not None:
        totals = settled_totals(*split.months).filter(agreement_id__in=agreement_ids)
        rows += total_money_rows(totals, ("agreement_id",), sums)
    if split.scans or split.recent:
        visible = visible_or_opened(visible)
    for part in split.scans:
        rows += (
            TimeEntry.objects.filter(agreement_id__in=agreement_ids)
            .filter(member_local_range_q(part, groups))
            .filter(visible)
            .order_by()
            .values("agreement_id")
            .annotate(seconds=sum_seconds(), billable_seconds=sum_seconds(filter=BILLABLE))
        )
    for month in split.recent:
        rows += recent_money_rows(
            month,
            groups=groups,
            visible=visible,
            floor=floor,
            keys=("agreement_id",),
            narrow=Q(agreement_id__in=agreement_ids),
            sums=sums,
        )
    for row in rows:
        add_sums(found[row["agreement_id"]], row, sums)
    return {
        pk: (to_hours(r["seconds"]), to_hours(r["billable_seconds"])) for pk, r in found.items()
    }


@dataclass(frozen=True)
class WorkLine:
    """Hours and money on one ticket or project phase of an agreement."""

    kind: str  # "ticket" or "phase"
    object_id: int
    label: str
    hours: Decimal
    billable_hours: Decimal
    billable_amount: Decimal
    labour_cost: Decimal


@dataclass(frozen=True)
class EntryLine:
    entry_id: int
    start: datetime
    member: str
    time_zone: str
    target: str
    work_type: str
    billable: str
    hours: Decimal
    bill_rate: Decimal
    cost_rate: Decimal


@dataclass(frozen=True)
class BurnPoint:
    month: date
    drawn: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class AgreementDetail:
    agreement: Agreement
    period: Period
    lines: tuple[WorkLine, ...]
    entries: tuple[EntryLine, ...]
    entries_shown: int
    entries_total: int
    burn_down: tuple[BurnPoint, ...]


ENTRY_LIMIT = 500


def agreement_detail(
    *, agreement: Agreement, period: Period, visible: Q | None = None
) -> AgreementDetail:
    """Drill-down: an agreement's tickets and phases, its entries, and a block's burn-down.

    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened.
    """
    visible = visible_or_opened(visible)
    groups = member_zone_groups()
    entries = (
        TimeEntry.objects.filter(agreement=agreement)
        .filter(member_local_range_q(period, groups))
        .filter(visible)
    )
    shown = _entry_lines(entries)
    return AgreementDetail(
        agreement=agreement,
        period=period,
        lines=_work_lines(entries),
        entries=shown,
        entries_shown=len(shown),
        entries_total=entries.count(),
        burn_down=block_burn_down(
            agreement=agreement, through=period.end, groups=groups, visible=visible
        ),
    )


# (kind, id field, label field) of the things an agreement's time is logged on.
WORK_TARGETS = (("ticket", "ticket_id", "ticket__summary"), ("phase", "phase_id", "phase__name"))


def _work_lines(entries: QuerySet[TimeEntry]) -> tuple[WorkLine, ...]:
    """Hours and money per ticket, then per project phase."""
    lines = []
    for kind, id_field, label_field in WORK_TARGETS:
        grouped = (
            entries.filter(**{f"{id_field}__isnull": False})
            .order_by()
            .values(id_field, label_field)
            .annotate(**money_sums())
            .order_by(id_field)
        )
        for row in grouped:
            label = row[label_field]
            lines.append(
                WorkLine(
                    kind=kind,
                    object_id=row[id_field],
                    label=f"#{row[id_field]} {label}" if kind == "ticket" else label,
                    hours=to_hours(row["seconds"]),
                    billable_hours=to_hours(row["billable_seconds"]),
                    billable_amount=to_money(row["billable_amount"]),
                    labour_cost=to_money(row["cost"]),
                )
            )
    return tuple(lines)


def _entry_lines(entries: QuerySet[TimeEntry]) -> tuple[EntryLine, ...]:
    """The first ENTRY_LIMIT entries, in time order."""
    related = entries.select_related("member__user", "ticket", "phase", "work_type")
    return tuple(
        EntryLine(
            entry_id=entry.pk,
            start=entry.start,
            member=entry.member.name,
            time_zone=entry.member.time_zone,
            target=str(entry.ticket or entry.phase or ""),
            work_type=entry.work_type.name,
            billable=entry.get_billable_display(),
            hours=entry.hours,
            bill_rate=entry.bill_rate,
            cost_rate=entry.cost_rate,
        )
        for entry in related.order_by("start", "pk")[:ENTRY_LIMIT]
    )


def block_burn_down(
    *,
    agreement: Agreement,
    through: date,
    groups: dict[str, list[int]] | None = None,
    visible: Q | None = None,
) -> tuple[BurnPoint, ...]:
    """Prepaid hours left at the end of each member-local month, from the agreement's start
    (of the time ``visible``; by default, days whose review has opened)."""
    if agreement.type != AgreementType.BLOCK_HOURS or agreement.prepaid_hours is None:
        return ()
    groups = member_zone_groups() if groups is None else groups
    if through < agreement.start_date:
        return ()
    span = Period(agreement.start_date, through)
    drawn_by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    base = TimeEntry.objects.filter(agreement=agreement).filter(BILLABLE)
    base = base.filter(visible_or_opened(visible))
    months = [m.start.replace(day=1) for m in span.months()]
    for name, member_ids in groups.items():
        bounds = local_month_starts(months[0], len(months), ZoneInfo(name))
        low, high = span.bounds(ZoneInfo(name))
        rows = (
            base.filter(member_id__in=member_ids, start__gte=low, start__lt=high)
            .annotate(bucket=bucket_case(bounds))
            .order_by()
            .values("bucket")
            .annotate(seconds=sum_seconds())
        )
        for row in rows:
            drawn_by_month[months[row["bucket"]]] += to_hours(row["seconds"])
    points = []
    remaining = agreement.prepaid_hours
    for month in span.months():
        key = month.start.replace(day=1)
        drawn = drawn_by_month.get(key, ZERO)
        remaining -= drawn
        points.append(BurnPoint(month=key, drawn=drawn, remaining=remaining))
    return tuple(points)
