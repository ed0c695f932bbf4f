"""1. Agreement profitability and its drill-down."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.db.models import Q

from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement
from daybook.core.expressions import HUNDRED, safe_ratio, sum_seconds, sum_seconds_times, to_hours
from daybook.core.periods import (
    Period,
    bucket_case,
    local_month_starts,
    member_before_q,
    member_local_range_q,
)
from daybook.people.selectors import member_zone_groups
from daybook.timekeeping.models import TimeEntry

from .common import BILLABLE, ZERO, WorkTypeHours, prorated_fee, to_money


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
    if agreement.type == AgreementType.BLOCK_HOURS and agreement.block_rate is not None:
        # Recognised as drawn: every billable hour draws one prepaid hour at the block rate.
        return billable_hours * agreement.block_rate
    if (
        agreement.type == AgreementType.PROJECT
        and agreement.prepaid_amount is not None
        and agreement.estimated_hours
    ):
        # Fixed fee recognised as the estimated hours are worked, never beyond the fee.
        per_hour = agreement.prepaid_amount / agreement.estimated_hours
        left = max(ZERO, agreement.estimated_hours - hours_before)
        return per_hour * min(hours, left)
    # Managed (billable work outside the coverage), T&M and T&M projects: hours x stored rate.
    return billable_amount


def agreement_profitability(
    *,
    period: Period,
    target_rate: Decimal,
    company_id: int | None = None,
    agreement_type: str | None = None,
) -> ProfitabilityReport:
    """Revenue, labour cost and margin of each agreement over a period of member-local days."""
    groups = member_zone_groups()
    entries = TimeEntry.objects.filter(agreement__isnull=False).filter(
        member_local_range_q(period, groups)
    )
    agreements = Agreement.objects.all()
    if company_id is not None:
        entries = entries.filter(agreement__company_id=company_id)
        agreements = agreements.filter(company_id=company_id)
    if agreement_type:
        entries = entries.filter(agreement__type=agreement_type)
        agreements = agreements.filter(type=agreement_type)

    # One pass over the period's entries, grouped by agreement and work type.
    totals: dict[int, dict[str, Decimal]] = {}
    by_type: dict[int, list[WorkTypeHours]] = defaultdict(list)
    work_type_ids: set[int] = set()
    grouped = (
        entries.order_by()
        .values("agreement_id", "work_type_id")
        .annotate(
            seconds=sum_seconds(),
            billable_seconds=sum_seconds(filter=BILLABLE),
            billable_amount=sum_seconds_times("bill_rate", filter=BILLABLE),
            cost=sum_seconds_times("cost_rate"),
        )
    )
    type_rows = []
    for row in grouped:
        total = totals.setdefault(
            row["agreement_id"],
            {"seconds": ZERO, "billable_seconds": ZERO, "billable_amount": ZERO, "cost": ZERO},
        )
        for key in total:
            if row[key] is not None:
                total[key] += Decimal(str(row[key]))
        type_rows.append(row)
        work_type_ids.add(row["work_type_id"])
    names = dict(WorkType.objects.filter(pk__in=work_type_ids).values_list("pk", "name"))
    for row in sorted(type_rows, key=lambda r: (r["agreement_id"], names[r["work_type_id"]])):
        by_type[row["agreement_id"]].append(
            WorkTypeHours(names[row["work_type_id"]], to_hours(row["seconds"]))
        )
    work_type_names = set(names.values())

    active = Q(start_date__lte=period.end) & (
        Q(end_date__isnull=True) | Q(end_date__gte=period.start)
    )
    # Plain rows, not model instances: an MSP has thousands of agreements.
    scope = [
        AgreementTerms(**row)
        for row in agreements.filter(active | Q(pk__in=list(totals))).values(*AgreementTerms.FIELDS)
    ]
    drawn_before = agreement_hours_before(
        [a.pk for a in scope if a.type in (AgreementType.BLOCK_HOURS, AgreementType.PROJECT)],
        day=period.start,
        groups=groups,
    )

    rows = []
    for agreement in scope:
        row = totals.get(agreement.pk, {})
        hours = to_hours(row.get("seconds"))
        billable_hours = to_hours(row.get("billable_seconds"))
        fee = prorated_fee(
            monthly_fee=agreement.monthly_fee,
            active_from=agreement.start_date,
            active_to=agreement.end_date,
            period=period,
        )
        if not hours and not fee:
            continue
        before_all, before_billable = drawn_before.get(agreement.pk, (ZERO, ZERO))
        work = revenue_from_work(
            agreement,
            hours=hours,
            billable_hours=billable_hours,
            billable_amount=to_money(row.get("billable_amount")),
            hours_before=before_all,
        )
        revenue = fee + work
        cost = to_money(row.get("cost"))
        margin = revenue - cost
        effective = safe_ratio(revenue, hours)
        block_hours = block_drawn = block_remaining = None
        if agreement.type == AgreementType.BLOCK_HOURS and agreement.prepaid_hours is not None:
            block_hours = agreement.prepaid_hours
            block_drawn = before_billable + billable_hours
            block_remaining = block_hours - block_drawn
        rows.append(
            AgreementProfit(
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
                revenue=revenue,
                labour_cost=cost,
                margin=margin,
                margin_pct=safe_ratio(margin, revenue, HUNDRED),
                effective_rate=effective,
                under_target=effective is not None and effective < target_rate,
                negative_margin=margin < 0,
                block_hours=block_hours,
                block_drawn=block_drawn,
                block_remaining=block_remaining,
                hours_by_work_type=tuple(by_type.get(agreement.pk, ())),
            )
        )
    rows.sort(key=lambda r: (r.company.lower(), r.agreement.lower(), r.agreement_id))
    hours = sum((r.hours for r in rows), ZERO)
    revenue = sum((r.revenue for r in rows), ZERO)
    cost = sum((r.labour_cost for r in rows), ZERO)
    return ProfitabilityReport(
        period=period,
        target_rate=target_rate,
        rows=tuple(rows),
        hours=hours,
        revenue=revenue,
        labour_cost=cost,
        margin=revenue - cost,
        margin_pct=safe_ratio(revenue - cost, revenue, HUNDRED),
        effective_rate=safe_ratio(revenue, hours),
        work_types=tuple(sorted(work_type_names)),
    )


def agreement_hours_before(
    agreement_ids: list[int], *, day: date, groups: dict[str, list[int]]
) -> dict[int, tuple[Decimal, Decimal]]:
    """All hours and billable hours on each agreement before a member-local date."""
    if not agreement_ids:
        return {}
    rows = (
        TimeEntry.objects.filter(agreement_id__in=agreement_ids)
        .filter(member_before_q(day, groups))
        .order_by()
        .values("agreement_id")
        .annotate(seconds=sum_seconds(), billable_seconds=sum_seconds(filter=BILLABLE))
    )
    return {
        r["agreement_id"]: (to_hours(r["seconds"]), to_hours(r["billable_seconds"])) for r in rows
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


def agreement_detail(*, agreement: Agreement, period: Period) -> AgreementDetail:
    """Drill-down: an agreement's tickets and phases, its entries, and a block's burn-down."""
    groups = member_zone_groups()
    entries = TimeEntry.objects.filter(agreement=agreement).filter(
        member_local_range_q(period, groups)
    )
    lines = []
    for kind, id_field, label_field in (
        ("ticket", "ticket_id", "ticket__summary"),
        ("phase", "phase_id", "phase__name"),
    ):
        grouped = (
            entries.filter(**{f"{id_field}__isnull": False})
            .order_by()
            .values(id_field, label_field)
            .annotate(
                seconds=sum_seconds(),
                billable_seconds=sum_seconds(filter=BILLABLE),
                billable_amount=sum_seconds_times("bill_rate", filter=BILLABLE),
                cost=sum_seconds_times("cost_rate"),
            )
            .order_by(id_field)
        )
        for row in grouped:
            prefix = "#" if kind == "ticket" else ""
            lines.append(
                WorkLine(
                    kind=kind,
                    object_id=row[id_field],
                    label=f"{prefix}{row[id_field]} {row[label_field]}"
                    if kind == "ticket"
                    else row[label_field],
                    hours=to_hours(row["seconds"]),
                    billable_hours=to_hours(row["billable_seconds"]),
                    billable_amount=to_money(row["billable_amount"]),
                    labour_cost=to_money(row["cost"]),
                )
            )
    total = entries.count()
    shown = []
    for entry in entries.select_related("member__user", "ticket", "phase", "work_type").order_by(
        "start", "pk"
    )[:ENTRY_LIMIT]:
        shown.append(
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
        )
    return AgreementDetail(
        agreement=agreement,
        period=period,
        lines=tuple(lines),
        entries=tuple(shown),
        entries_shown=len(shown),
        entries_total=total,
        burn_down=block_burn_down(agreement=agreement, through=period.end, groups=groups),
    )


def block_burn_down(
    *, agreement: Agreement, through: date, groups: dict[str, list[int]] | None = None
) -> tuple[BurnPoint, ...]:
    """Prepaid hours left at the end of each member-local month, from the agreement's start."""
    if agreement.type != AgreementType.BLOCK_HOURS or agreement.prepaid_hours is None:
        return ()
    groups = member_zone_groups() if groups is None else groups
    if through < agreement.start_date:
        return ()
    span = Period(agreement.start_date, through)
    drawn_by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    base = TimeEntry.objects.filter(agreement=agreement).filter(BILLABLE)
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
