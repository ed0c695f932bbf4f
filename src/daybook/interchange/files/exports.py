"""Entries out, for payroll and for accounting, as CSV or XLSX, streamed.

One row per entry. The rows come from one query walked with iterator(), written as they come:
CSV through SafeWriter (cells typed by people never open as formulas), XLSX through
openpyxl's write-only mode. Money columns (rate, amount, cost) only for viewers who see money
(core.money); which entries at all, by the one visibility rule (timekeeping.selectors).

- `full` (the default) writes every column Daybook's entry import reads back, so an export
  imported again gives the same entries.
- `payroll`: who worked how long on which day, with the kind of time (wrap, time off) and,
  for viewers who see money, the labour cost.
- `accounting`: client, agreement, work role and type, billable option, hours, rate, amount.
"""

import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from daybook.catalogue.choices import BillableOption
from daybook.core.csv import SafeWriter, safe_cell
from daybook.core.time import local_day_bounds
from daybook.people.selectors import member_zone_groups
from daybook.timekeeping.labels import entry_label
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.selectors import entries_visible_to
from daybook.timekeeping.visibility import visible_entry_q

from .kinds import DAYBOOK_ENTRY_COLUMNS

PURPOSES = ("full", "payroll", "accounting")
FORMATS = ("csv", "xlsx")
CENT = Decimal("0.01")
HOURS = Decimal("0.01")
CHUNK = 2000


@dataclass(frozen=True)
class ExportRequest:
    start: date | None
    end: date | None
    purpose: str = "full"
    format: str = "csv"


def entries_for_export(
    *, viewer: AbstractBaseUser | None, start: date | None, end: date | None
) -> QuerySet[TimeEntry]:
    """Entries in [start, end] by each member's local calendar (an entry belongs to the day
    it starts on), of the ones `viewer` may see; None is the command line, which sees every
    member's days whose review has opened."""
    entries = (
        entries_visible_to(viewer)
        if viewer is not None
        else TimeEntry.objects.filter(visible_entry_q(None))
    )
    if start is not None or end is not None:
        in_range = Q()
        for zone_name, member_ids in member_zone_groups().items():
            zone = ZoneInfo(zone_name)
            condition = Q(member_id__in=member_ids)
            if start is not None:
                condition &= Q(start__gte=local_day_bounds(start, zone)[0])
            if end is not None:
                condition &= Q(start__lt=local_day_bounds(end, zone)[1])
            in_range |= condition
        entries = entries.filter(in_range)
    return entries.select_related(
        "member__user",
        "ticket__company",
        "phase__project__company",
        "agreement",
        "work_role",
        "work_type",
    ).order_by("start", "pk")


def _hours(entry: TimeEntry) -> Decimal:
    return entry.hours.quantize(HOURS)


def _amount(entry: TimeEntry) -> Decimal:
    if entry.billable != BillableOption.BILLABLE:
        return Decimal("0.00")
    return (entry.hours * entry.bill_rate).quantize(CENT)


def _client(entry: TimeEntry) -> str:
    if entry.ticket_id:
        return entry.ticket.company.name
    if entry.phase_id:
        return entry.phase.project.company.name
    return ""


def _local(moment: datetime, entry: TimeEntry) -> datetime:
    return moment.astimezone(entry.member.zone)


def header(purpose: str, money: bool) -> list[str]:
    if purpose == "payroll":
        columns = ["Member", "Member name", "Date", "Start", "End", "Hours", "Work type"]
        columns += ["Payroll wrap", "Time off", "Work role"]
        return columns + (["Cost rate", "Cost"] if money else [])
    if purpose == "accounting":
        columns = ["Entry", "Date", "Client", "Agreement", "Charged to", "Member", "Work role"]
        columns += ["Work type", "Billable", "Hours"]
        return columns + (["Rate", "Amount"] if money else []) + ["Notes"]
    columns = [column.name for column in DAYBOOK_ENTRY_COLUMNS]
    return columns + (["Rate", "Amount", "Cost rate", "Cost"] if money else [])


def row(entry: TimeEntry, purpose: str, money: bool) -> list[Any]:
    start, end = _local(entry.start, entry), _local(entry.end, entry)
    hours = _hours(entry)
    if purpose == "payroll":
        cells = [entry.member.user.username, entry.member.name, start.date().isoformat()]
        cells += [start.isoformat(), end.isoformat(), hours, entry.work_type.name]
        cells += [
            "yes" if entry.work_type.is_payroll_wrap else "no",
            "yes" if entry.work_type.is_time_off else "no",
            entry.work_role.name,
        ]
        if money:
            cells += [entry.cost_rate, (entry.hours * entry.cost_rate).quantize(CENT)]
        return cells
    if purpose == "accounting":
        cells = [entry.pk, start.date().isoformat(), _client(entry)]
        cells += [entry.agreement.name if entry.agreement_id else "", entry_label(entry)]
        cells += [entry.member.name, entry.work_role.name, entry.work_type.name]
        cells += [entry.get_billable_display(), hours]
        if money:
            cells += [entry.bill_rate, _amount(entry)]
        return [*cells, entry.notes]
    cells = [
        entry.pk,
        entry.member.user.username,
        entry.member.name,
        start.isoformat(),
        end.isoformat(),
        hours,
        _client(entry),
        entry.agreement.name if entry.agreement_id else "",
        entry.ticket_id or "",
        entry.phase_id or "",
        entry_label(entry),
        entry.work_role.name,
        entry.work_type.name,
        entry.get_billable_display(),
        entry.notes,
        entry.internal_notes,
        entry.get_source_display(),
        entry.import_key,
    ]
    if money:
        cost = (entry.hours * entry.cost_rate).quantize(CENT)
        cells += [entry.bill_rate, _amount(entry), entry.cost_rate, cost]
    return cells


def export_rows(entries: QuerySet[TimeEntry], purpose: str, money: bool) -> Iterator[list[Any]]:
    """The header, then one row per entry, read from the database in chunks."""
    yield header(purpose, money)
    for entry in entries.iterator(chunk_size=CHUNK):
        yield row(entry, purpose, money)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, one line at a time: nothing more than a row is held."""
    writer = SafeWriter(_Echo())
    for cells in rows:
        yield writer.writerow(["" if cell is None else cell for cell in cells])


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return safe_cell(value)


def xlsx_chunks(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """An XLSX workbook written row by row (openpyxl write-only mode, which keeps no rows in
    memory), then handed out in pieces. The workbook format is a zip that is only complete at
    its end, so it is built in a temporary file first."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Entries")
    for cells in rows:
        sheet.append([_xlsx_cell(cell) for cell in cells])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while piece := spool.read(64 * 1024):
            yield piece


def write_export(rows: Iterable[list[Any]], fmt: str, out: io.IOBase) -> None:
    """Write an export to a file (the command line)."""
    chunks = csv_chunks(rows) if fmt == "csv" else xlsx_chunks(rows)
    for chunk in chunks:
        out.write(chunk)
