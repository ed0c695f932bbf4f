"""6. SLA compliance.

The clocks are kept on each ticket by the ticket services as it moves (daybook.service.sla):
targets, due times, time taken, waiting, breach stamps. This report only counts them: the
database groups the tickets and counts states by the clock's own conditions in SQL; Python
adds up the grouped rows, never the tickets one by one. The breach list is sorted, counted
and paged by the database too; Python only dresses the rows of the page it shows.

A clock with a target is *met* once stopped without a breach stamp, *breached* once stamped
or while running past its due time, and *pending* while running on time. Averages are over
the clocks that stopped, targets or not.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, overload
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, IntegerField, Model, QuerySet, Sum, Value, When
from django.db.models.expressions import Expression

from daybook.clients.models import Agreement, Company
from daybook.core.database import grouped_by_hashing
from daybook.core.expressions import HUNDRED, safe_ratio
from daybook.core.periods import Period, bucket_case, local_range_q, local_week_starts
from daybook.service.choices import Priority
from daybook.service.models import Board, Ticket
from daybook.service.sla import (
    SlaClock,
    TargetTable,
    clock_breached_q,
    clock_elapsed,
    clock_met_q,
    clock_pending_q,
    sla_target_table,
    targets_in,
)

CLOCKS = ("respond", "resolve")
TALLY_COUNTS = (
    "tickets",
    *(f"{c}_{n}" for c in CLOCKS for n in ("met", "breached", "pending", "stopped")),
)
TALLY_TIMES = tuple(f"{c}_taken" for c in CLOCKS)
MICROSECONDS_PER_MINUTE = Decimal(60_000_000)
# The orders the breach list can be sorted in (?sort=, "-" in front for descending).
BREACH_ORDERS = {
    "ticket": ("id",),
    "opened": ("opened_at", "id"),
    "company": ("company_name", "opened_at", "id"),
    "priority": ("priority", "opened_at", "id"),
}
# What a breach row reads: the ticket's, and the clock's own (which clock, its time taken).
BREACH_COLUMNS = (
    "id", "summary", "company_name", "priority", "agreement_id", "opened_at", "sla_paused",
    "waiting_since", "elapsed", "clock_order",
)  # fmt: skip
PRIORITY_LABELS = dict(Priority.choices)


@dataclass(frozen=True)
class SlaGroup:
    key: str
    tickets: int
    respond_met: int
    respond_breached: int
    respond_pending: int
    resolve_met: int
    resolve_breached: int
    resolve_pending: int
    respond_pct: Decimal | None
    resolve_pct: Decimal | None
    avg_respond_minutes: Decimal | None
    avg_resolve_minutes: Decimal | None


@dataclass(frozen=True)
class SlaBreach:
    ticket_id: int
    summary: str
    company: str
    priority_label: str
    clock: str  # "respond" or "resolve"
    target_minutes: int | None  # None: the target has since been removed
    minutes: Decimal
    still_open: bool
    opened_at: datetime | None = None


@dataclass(frozen=True)
class SlaReport:
    period: Period
    now: datetime
    overall: SlaGroup
    by_priority: tuple[SlaGroup, ...]
    by_board: tuple[SlaGroup, ...]
    by_company: tuple[SlaGroup, ...]
    by_agreement: tuple[SlaGroup, ...]
    weeks: tuple[SlaGroup, ...]  # key: Monday of the week, ISO date
    breaches: Sequence[SlaBreach]  # read from the database as sliced (SlaBreaches)


def sla_compliance(
    *, period: Period, now: datetime, teams=None, breach_order: str = ""
) -> SlaReport:
    """Respond and resolve times of the tickets opened in a period (company-local days)
    against their targets. ``teams``: only tickets assigned to members of these teams.
    ``breach_order``: a key of BREACH_ORDERS ("-" in front: descending) for the breach list,
    sorted by the database; oldest ticket first when empty or unknown.

    Two GROUP BYs give the tallies: one per company and agreement (which also add up to the
    total), one per priority, board and week (a few hundred rows at most, added up here by
    each). Grouping by all of them at once would give a row for nearly every few tickets,
    each then added up in Python.
    """
    zones = sorted(set(Company.objects.order_by().values_list("time_zone", flat=True)))
    tickets = Ticket.objects.filter(
        local_range_q(period, zones, zone_field="company__time_zone", moment_field="opened_at")
    )
    if teams is not None:
        tickets = tickets.filter(assignee__team__in=teams)
    tallies = _tallies(now)
    first_monday = period.start - timedelta(days=period.start.weekday())
    week = _week_index(zones, first_monday, (period.end - first_monday).days // 7 + 1)
    with grouped_by_hashing():
        by_client = list(
            tickets.order_by().values("company_id", "agreement_id").annotate(**tallies)
        )
        by_kind = list(
            tickets.order_by().values("priority", "board_id", week=week).annotate(**tallies)
        )
    companies = _names(Company, {row["company_id"] for row in by_client})
    agreements = _names(Agreement, {row["agreement_id"] for row in by_client})
    boards = _names(Board, {row["board_id"] for row in by_kind})

    def agreement_label(key: tuple[int, int | None]) -> str:
        company, agreement = key
        return f"{companies[company]} — {agreements.get(agreement) or 'No agreement'}"

    total = _added(by_client)
    return SlaReport(
        period=period,
        now=now,
        overall=_group("All tickets", total),
        by_priority=_rolled_up(by_kind, ("priority",), PRIORITY_LABELS.__getitem__),
        by_board=_rolled_up(by_kind, ("board_id",), boards.__getitem__),
        by_company=_rolled_up(by_client, ("company_id",), companies.__getitem__),
        by_agreement=_rolled_up(by_client, ("company_id", "agreement_id"), agreement_label),
        # A week's key is the ISO date of its Monday, so their order is the weeks' order.
        weeks=_rolled_up(
            by_kind, ("week",), lambda index: (first_monday + timedelta(weeks=index)).isoformat()
        ),
        breaches=SlaBreaches(
            _breached_clocks(tickets, now=now).order_by(*_breach_order(breach_order)),
            now=now,
            # Each breached clock is a row of the list, under the very conditions counted.
            count=total["respond_breached"] + total["resolve_breached"],
        ),
    )


def _names(model: type[Model], ids: set) -> dict:
    """The names of the rows with these ids (the groups' labels), by id."""
    return dict(model.objects.filter(pk__in=ids - {None}).values_list("pk", "name"))


def _tallies(now: datetime) -> dict:
    """Per clock: how many met, breached and pending, and the time taken by those stopped."""
    tallies: dict = {"tickets": Count("pk")}
    for clock in CLOCKS:
        tallies[f"{clock}_met"] = Count("pk", filter=clock_met_q(clock))
        tallies[f"{clock}_breached"] = Count("pk", filter=clock_breached_q(clock, now=now))
        tallies[f"{clock}_pending"] = Count("pk", filter=clock_pending_q(clock, now=now))
        tallies[f"{clock}_taken"] = Sum(f"{clock}_elapsed")
        tallies[f"{clock}_stopped"] = Count(f"{clock}_elapsed")
    return tallies


def _added(rows: list[dict]) -> dict:
    """Several groups' tallies as one: counts and times add up."""
    total = dict.fromkeys(TALLY_COUNTS, 0) | dict.fromkeys(TALLY_TIMES, timedelta(0))
    for row in rows:
        for name in TALLY_COUNTS:
            total[name] += row[name]
        for name in TALLY_TIMES:
            total[name] += row[name] or timedelta(0)
    return total


def _rolled_up(
    rows: list[dict], fields: tuple[str, ...], label: Callable[[Any], str]
) -> tuple[SlaGroup, ...]:
    """The GROUP BY's rows added up per value of ``fields`` (one field: its value; more: a
    tuple), in order of their labels."""
    parts: dict = defaultdict(list)
    for row in rows:
        key = row[fields[0]] if len(fields) == 1 else tuple(row[f] for f in fields)
        parts[key].append(row)
    groups = [(label(key), _added(part)) for key, part in parts.items()]
    return tuple(_group(name, total) for name, total in sorted(groups, key=_label_order))


def _label_order(group: tuple[str, dict]) -> str:
    return group[0]


def _minutes(span: timedelta) -> Decimal:
    """A duration in minutes, exactly (to the microsecond)."""
    return Decimal(span // timedelta(microseconds=1)) / MICROSECONDS_PER_MINUTE


def _group(key: str, row: dict) -> SlaGroup:
    def pct(clock: str) -> Decimal | None:
        met, breached = row[f"{clock}_met"], row[f"{clock}_breached"]
        return safe_ratio(Decimal(met), Decimal(met + breached), HUNDRED)

    def average(clock: str) -> Decimal | None:
        stopped = row[f"{clock}_stopped"]
        return _minutes(row[f"{clock}_taken"]) / stopped if stopped else None

    return SlaGroup(
        key=key,
        tickets=row["tickets"],
        respond_met=row["respond_met"],
        respond_breached=row["respond_breached"],
        respond_pending=row["respond_pending"],
        resolve_met=row["resolve_met"],
        resolve_breached=row["resolve_breached"],
        resolve_pending=row["resolve_pending"],
        respond_pct=pct("respond"),
        resolve_pct=pct("resolve"),
        avg_respond_minutes=average("respond"),
        avg_resolve_minutes=average("resolve"),
    )


def _week_index(zones: list[str], first_monday: date, count: int) -> Expression:
    """Which week (0 = the one starting first_monday) a ticket opened in, by plain comparisons
    against each zone's week starts."""
    cases = {
        zone: bucket_case(local_week_starts(first_monday, count, ZoneInfo(zone)), "opened_at")
        for zone in zones
    }
    if len(cases) == 1:
        return next(iter(cases.values()))
    whens = [When(company__time_zone=zone, then=case) for zone, case in cases.items()]
    return Case(*whens, default=-1, output_field=IntegerField())


def _breach_order(key: str) -> tuple[str, ...]:
    """The breach list's columns to sort by, then the clock (respond before resolve of one
    ticket, whichever way the rest runs)."""
    descending = key.startswith("-")
    fields = BREACH_ORDERS.get(key.lstrip("-"), BREACH_ORDERS["opened"])
    return (*(f"-{f}" for f in fields), "clock_order") if descending else (*fields, "clock_order")


def _breached_clocks(tickets: QuerySet, *, now: datetime) -> QuerySet:
    """One row per breached clock: the tickets breached on respond, then those breached on
    resolve, as one UNION the database sorts, counts and pages."""
    parts = [
        tickets.filter(clock_breached_q(clock, now=now))
        .annotate(
            clock_order=Value(position),
            company_name=F("company__name"),
            elapsed=F(f"{clock}_elapsed"),
        )
        .order_by()
        .values(*BREACH_COLUMNS)
        for position, clock in enumerate(CLOCKS)
    ]
    return parts[0].union(parts[1], all=True)


class SlaBreaches(Sequence[SlaBreach]):
    """The report's breached clocks in the order asked for, read from the database a slice at
    a time: a page of the list costs one short query, whatever the period holds (its length
    comes from the report's tallies). Iterating reads them all (the CSV export and the API).
    """

    def __init__(self, rows: QuerySet, *, now: datetime, count: int | None = None) -> None:
        self._rows = rows
        self._now = now
        self._count = count  # None: counted by the database when first asked
        self._table: TargetTable | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._rows.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> SlaBreach: ...

    @overload
    def __getitem__(self, index: slice) -> list[SlaBreach]: ...

    def __getitem__(self, index: int | slice) -> SlaBreach | list[SlaBreach]:
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
                return list(self)[index]
            return [self._breach(row) for row in self._rows[index]]
        if index < 0:
            index += len(self)
        found = self[index : index + 1] if index >= 0 else []
        if not found:
            raise IndexError("breach index out of range")
        return found[0]

    def __iter__(self) -> Iterator[SlaBreach]:
        for row in self._rows.iterator(chunk_size=2000):
            yield self._breach(row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlaBreaches | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal by contents, which the database holds

    def __reduce__(self):
        # A report kept for later (the worker's stored runs) keeps the breaches themselves,
        # not a query to run again against whatever the database holds then.
        return (tuple, (tuple(self),))

    def _breach(self, row: dict) -> SlaBreach:
        if self._table is None:
            self._table = sla_target_table()
        clock = CLOCKS[row["clock_order"]]
        targets = targets_in(
            self._table, priority=row["priority"], agreement_id=row["agreement_id"]
        )
        taken = row["elapsed"]
        if taken is None:
            running = SlaClock(
                opened_at=row["opened_at"],
                sla_paused=row["sla_paused"],
                waiting_since=row["waiting_since"],
            )
            taken = clock_elapsed(running, at=self._now)
        return SlaBreach(
            ticket_id=row["id"],
            summary=row["summary"],
            company=row["company_name"],
            priority_label=PRIORITY_LABELS[row["priority"]],
            clock=clock,
            target_minutes=getattr(targets, f"{clock}_minutes"),
            minutes=_minutes(taken),
            still_open=row["elapsed"] is None,
            opened_at=row["opened_at"],
        )
