"""7. Client statements, their fingerprint check and the history of changed entries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement
from daybook.core.expressions import sum_seconds, to_hours
from daybook.core.periods import Period
from daybook.timekeeping.labels import entry_label
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import visible_or_opened

from ..fingerprints import statement_fingerprint
from .common import (
    BILLABLE,
    CENT,
    ZERO,
)
from .profitability import revenue_from_work

CHARGE_BILLABLE = "Billable"
CHARGE_NO_CHARGE = "No charge"
CHARGE_BLOCK = "Block hours"
CHARGE_FIXED_FEE = "Fixed fee"


@dataclass(frozen=True)
class StatementRow:
    entry_id: int
    day: date
    member: str
    hours: Decimal
    work_type: str
    reference: str
    agreement_id: int | None
    agreement: str
    charge: str
    rate: Decimal
    amount: Decimal
    notes: str
    updated_at: datetime

    def fingerprint_fields(self) -> list:
        """What the client sees of this row, as it goes into the fingerprint."""
        return [
            self.entry_id,
            self.day.isoformat(),
            self.member,
            str(self.hours.quantize(CENT)),
            self.work_type,
            self.reference,
            self.agreement,
            self.charge,
            str(self.amount.quantize(CENT)),
            self.notes,
        ]


@dataclass(frozen=True)
class StatementTotal:
    agreement_id: int | None
    agreement: str
    type_label: str
    hours: Decimal
    amount: Decimal
    block_drawn: Decimal | None
    block_remaining: Decimal | None
    # A fixed-fee project: its whole fee; `amount` is the part of it this statement charges.
    fixed_fee: Decimal | None = None


@dataclass(frozen=True)
class Statement:
    company_id: int
    company: str
    company_identifier: str
    period: Period
    time_zone: str
    rows: tuple[StatementRow, ...]
    totals: tuple[StatementTotal, ...]
    hours: Decimal
    amount: Decimal
    fingerprint: str


def statement_entries(
    *, company, period: Period, visible: Q | None = None
) -> list[QuerySet[TimeEntry]]:
    """The company's client-visible entries on its local days; Do Not Bill ones are left out.

    An entry belongs to the company of the agreement it was applied to; an entry without an
    agreement, to the company of its ticket or project. Two querysets, so that the first (the
    usual case) is read through the index on agreement and start.

    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened, so a statement (and an issued one) never
    carries a day still under way: that time joins once the member's day has opened.
    """
    low, high = period.bounds(ZoneInfo(company.time_zone))
    base = (
        TimeEntry.objects.filter(start__gte=low, start__lt=high)
        .exclude(billable=BillableOption.DO_NOT_BILL)
        .filter(visible_or_opened(visible))
    )
    agreement_ids = list(Agreement.objects.filter(company=company).values_list("pk", flat=True))
    return [
        base.filter(agreement_id__in=agreement_ids),
        base.filter(agreement__isnull=True).filter(
            Q(ticket__company=company) | Q(phase__project__company=company)
        ),
    ]


def _charge(entry: TimeEntry) -> tuple[str, Decimal, Decimal]:
    """(charge label, rate shown, amount) of one statement line."""
    if entry.billable == BillableOption.NO_CHARGE:
        return CHARGE_NO_CHARGE, ZERO, ZERO
    agreement = entry.agreement
    if agreement is not None and agreement.is_fixed_fee:
        # The fee is charged, not the hours: see the agreement's total.
        return CHARGE_FIXED_FEE, ZERO, ZERO
    if (
        agreement is not None
        and agreement.type == AgreementType.BLOCK_HOURS
        and agreement.block_rate is not None
    ):
        return CHARGE_BLOCK, ZERO, ZERO
    return CHARGE_BILLABLE, entry.bill_rate, entry.hours * entry.bill_rate


def client_statement(*, company, period: Period, visible: Q | None = None) -> Statement:
    """Every client-visible entry for a company and period, with totals per agreement
    (``visible``: see statement_entries)."""
    visible = visible_or_opened(visible)
    tz = ZoneInfo(company.time_zone)
    entries = sorted(
        (
            entry
            for part in statement_entries(company=company, period=period, visible=visible)
            for entry in part.select_related(
                "member__user", "work_type", "ticket", "phase__project", "agreement"
            )
        ),
        key=lambda e: (e.start, e.pk),
    )
    rows = []
    for entry in entries:
        charge, rate, amount = _charge(entry)
        # Internal time has nothing to refer the client to.
        reference = entry_label(entry) if entry.ticket_id or entry.phase_id else ""
        rows.append(
            StatementRow(
                entry_id=entry.pk,
                day=entry.start.astimezone(tz).date(),
                member=entry.member.name,
                hours=entry.hours,
                work_type=entry.work_type.name,
                reference=reference,
                agreement_id=entry.agreement_id,
                agreement=entry.agreement.name if entry.agreement else "No agreement",
                charge=charge,
                rate=rate,
                amount=amount,
                notes=entry.notes,
                updated_at=entry.updated_at,
            )
        )
    totals = _statement_totals(company=company, period=period, rows=rows, visible=visible)
    return Statement(
        company_id=company.pk,
        company=company.name,
        company_identifier=company.identifier,
        period=period,
        time_zone=company.time_zone,
        rows=tuple(rows),
        totals=totals,
        hours=sum((r.hours for r in rows), ZERO),
        # The rows' amounts plus the fixed fees charged (each agreement's total holds both).
        amount=sum((t.amount for t in totals), ZERO),
        fingerprint=statement_fingerprint(
            company_identifier=company.identifier, period=period, rows=rows
        ),
    )


def _statement_totals(*, company, period: Period, rows: list[StatementRow], visible: Q):
    hours: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    amount: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    drawn: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int | None, str] = {}
    for row in rows:
        hours[row.agreement_id] += row.hours
        amount[row.agreement_id] += row.amount
        names[row.agreement_id] = row.agreement
        if row.charge == CHARGE_BLOCK:
            drawn[row.agreement_id] += row.hours
    agreements = {
        a.pk: a
        for a in Agreement.objects.filter(
            Q(pk__in=[k for k in names if k is not None])
            | Q(company=company, type=AgreementType.BLOCK_HOURS, start_date__lte=period.end)
        )
    }
    # Block hours used up to the end of the period, on the company's calendar.
    high = period.bounds(ZoneInfo(company.time_zone))[1]
    block_ids = [
        a.pk
        for a in agreements.values()
        if a.type == AgreementType.BLOCK_HOURS and a.prepaid_hours is not None
    ]
    used = {
        r["agreement_id"]: to_hours(r["seconds"])
        for r in TimeEntry.objects.filter(agreement_id__in=block_ids, start__lt=high)
        .filter(BILLABLE)
        .filter(visible)
        .order_by()
        .values("agreement_id")
        .annotate(seconds=sum_seconds())
    }
    fees = _fixed_fees(
        [a for a in agreements.values() if a.is_fixed_fee],
        period=period,
        zone=ZoneInfo(company.time_zone),
        visible=visible,
    )
    totals = []
    keys = sorted(names, key=lambda k: (k is None, names[k].lower(), k or 0))
    keys += sorted(
        (k for k in block_ids if k not in names), key=lambda k: agreements[k].name.lower()
    )
    for key in keys:
        agreement = agreements.get(key)
        is_block = key in block_ids
        totals.append(
            StatementTotal(
                agreement_id=key,
                agreement=names.get(key) or agreement.name,
                type_label=agreement.get_type_display() if agreement else "",
                hours=hours[key],
                amount=fees[key] if key in fees else amount[key],
                block_drawn=drawn[key] if is_block else None,
                block_remaining=(agreement.prepaid_hours - used.get(key, ZERO))
                if is_block
                else None,
                fixed_fee=agreement.prepaid_amount if key in fees else None,
            )
        )
    return tuple(totals)


def _fixed_fees(
    agreements: list[Agreement], *, period: Period, zone: ZoneInfo, visible: Q
) -> dict[int, Decimal]:
    """The part of each fixed-fee project's fee this statement charges: the fee is charged as
    its estimate is worked (fee / estimated hours for each hour, of any billable option, on
    the company's calendar), never beyond the fee: hours before the period use up the
    estimate first. The same rule as profitability's revenue (`revenue_from_work`)."""
    if not agreements:
        return {}
    low, high = period.bounds(zone)
    rows = (
        TimeEntry.objects.filter(agreement__in=agreements, start__lt=high)
        .filter(visible)
        .order_by()
        .values("agreement_id")
        .annotate(
            before=sum_seconds(filter=Q(start__lt=low)),
            within=sum_seconds(filter=Q(start__gte=low)),
        )
    )
    worked = {r["agreement_id"]: (to_hours(r["before"]), to_hours(r["within"])) for r in rows}
    fees = {}
    for agreement in agreements:
        before, within = worked.get(agreement.pk, (ZERO, ZERO))
        fees[agreement.pk] = revenue_from_work(
            agreement,
            hours=within,
            billable_hours=ZERO,
            billable_amount=ZERO,
            hours_before=before,
        )
    return fees


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    by: str
    action: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class EntryChange:
    entry_id: int
    status: str  # "changed", "removed" or "added"
    history: tuple[HistoryLine, ...]


@dataclass(frozen=True)
class StatementCheck:
    """An issued statement next to what its period's entries say now."""

    issued_fingerprint: str
    current: Statement
    changes: tuple[EntryChange, ...]

    @property
    def matches(self) -> bool:
        return self.current.fingerprint == self.issued_fingerprint

    def change_for(self, entry_id: int) -> EntryChange | None:
        return next((c for c in self.changes if c.entry_id == entry_id), None)


HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def statement_check(*, issued, visible: Q | None = None) -> StatementCheck:
    """Recompute an issued statement and point out each entry changed since it was issued
    (``visible``: see statement_entries)."""
    current = client_statement(
        company=issued.company,
        period=Period(issued.period_start, issued.period_end),
        visible=visible,
    )
    at_issue = {int(entry_id): stamp for entry_id, stamp in issued.entries}
    now = {row.entry_id: row.updated_at.isoformat() for row in current.rows}
    status = {}
    for entry_id, stamp in at_issue.items():
        if entry_id not in now:
            status[entry_id] = "removed"
        elif now[entry_id] != stamp:
            status[entry_id] = "changed"
    for entry_id in now:
        if entry_id not in at_issue:
            status[entry_id] = "added"
    history = _history_since(list(status), since=issued.issued_at)
    changes = tuple(
        EntryChange(entry_id=k, status=status[k], history=tuple(history.get(k, ())))
        for k in sorted(status)
    )
    return StatementCheck(issued_fingerprint=issued.fingerprint, current=current, changes=changes)


def _history_since(entry_ids: list[int], *, since: datetime) -> dict[int, list[HistoryLine]]:
    if not entry_ids:
        return {}
    model = TimeEntry.history.model
    result: dict[int, list[HistoryLine]] = defaultdict(list)
    records = (
        model.objects.filter(id__in=entry_ids, history_date__gt=since)
        .select_related("history_user")
        .order_by("id", "history_date")
    )
    for record in records:
        changes: tuple[str, ...] = ()
        if record.history_type == "~":
            previous = record.prev_record
            if previous is not None:
                delta = record.diff_against(previous, excluded_fields=["updated_at"])
                changes = tuple(f"{c.field}: {c.old!s} -> {c.new!s}" for c in delta.changes)
        who = record.history_user
        result[record.id].append(
            HistoryLine(
                at=record.history_date,
                by=(who.get_full_name() or who.get_username()) if who else "system",
                action=HISTORY_ACTIONS.get(record.history_type, record.history_type),
                changes=changes,
            )
        )
    return result
