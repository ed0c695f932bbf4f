"""6. SLA compliance.

The clocks are kept on each ticket by the ticket services as it moves (daybook.service.sla):
targets, due times, time taken, waiting, breach stamps. This report only counts them: the
database groups the tickets and counts states by the clock's own conditions in SQL; Python
adds up the grouped rows, never the tickets one by one (except those in the breaches list).

A clock with a target is *met* once stopped without a breach stamp, *breached* once stamped
or while running past its due time, and *pending* while running on time. Averages are over
the clocks that stopped, targets or not.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, When
from django.db.models.expressions import Expression

from daybook.clients.models import Company
from daybook.core.expressions import HUNDRED, safe_ratio
from daybook.core.periods import Period, bucket_case, local_range_q, local_week_starts
from daybook.service.choices import Priority
from daybook.service.models import Ticket
from daybook.service.sla import (
    SlaClock,
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
    "ticket": ("pk",),
    "opened": ("opened_at", "pk"),
    "company": ("company__name", "opened_at", "pk"),
    "priority": ("priority", "opened_at", "pk"),
}


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
    breaches: tuple[SlaBreach, ...]


def sla_compliance(
    *, period: Period, now: datetime, teams=None, breach_order: str = ""
) -> SlaReport:
    """Respond and resolve times of the tickets opened in a period (company-local days)
    against their targets. ``teams``: only tickets assigned to members of these teams.
    ``breach_order``: a key of BREACH_ORDERS ("-" in front: descending) for the breach list,
    sorted by the database; oldest ticket first when empty or unknown.

    One GROUP BY over priority, board, company and agreement gives the tallies every one of
    those groupings (and the total) adds up from; the weeks take a second one.
    """
    zones = sorted(set(Company.objects.order_by().values_list("time_zone", flat=True)))
    tickets = Ticket.objects.filter(
        local_range_q(period, zones, zone_field="company__time_zone", moment_field="opened_at")
    )
    if teams is not None:
        tickets = tickets.filter(assignee__team__in=teams)
    tallies = _tallies(now)
    rows = list(
        tickets.order_by()
        .values("priority", "board__name", "company__name", "agreement__name")
        .annotate(**tallies)
    )
    labels = dict(Priority.choices)
    return SlaReport(
        period=period,
        now=now,
        overall=_group("All tickets", _added(rows)),
        by_priority=_rolled_up(rows, lambda row: row["priority"], label=labels.__getitem__),
        by_board=_rolled_up(rows, lambda row: row["board__name"]),
        by_company=_rolled_up(rows, lambda row: row["company__name"]),
        by_agreement=_rolled_up(rows, _agreement_label),
        weeks=_weeks(tickets, period=period, zones=zones, tallies=tallies),
        breaches=_breaches(tickets, now=now, order=_breach_order(breach_order)),
    )


def _agreement_label(row: dict) -> str:
    return f"{row['company__name']} — {row['agreement__name'] or 'No agreement'}"


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
    rows: list[dict], key_of: Callable[[dict], Any], label: Callable[[Any], str] = str
) -> tuple[SlaGroup, ...]:
    """The GROUP BY's rows added up per key, in key order."""
    parts: dict = defaultdict(list)
    for row in rows:
        parts[key_of(row)].append(row)
    return tuple(_group(label(key), _added(parts[key])) for key in sorted(parts))


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


def _weeks(
    tickets: QuerySet, *, period: Period, zones: list[str], tallies: dict
) -> tuple[SlaGroup, ...]:
    """Grouped by the Monday of the week each ticket opened in, on its company's calendar."""
    first_monday = period.start - timedelta(days=period.start.weekday())
    count = (period.end - first_monday).days // 7 + 1
    rows = (
        tickets.order_by()
        .values(week=_week_index(zones, first_monday, count))
        .annotate(**tallies)
        .order_by("week")
    )
    return tuple(
        _group((first_monday + timedelta(weeks=row["week"])).isoformat(), row) for row in rows
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
    descending = key.startswith("-")
    fields = BREACH_ORDERS.get(key.lstrip("-"), BREACH_ORDERS["opened"])
    return tuple(f"-{f}" for f in fields) if descending else fields


def _breaches(tickets: QuerySet, *, now: datetime, order: tuple[str, ...]) -> tuple[SlaBreach, ...]:
    """Each breached clock, in the order given (the respond clock before the resolve clock
    of one ticket): the time it took, or for one still running, the time so far."""
    breached = {clock: clock_breached_q(clock, now=now) for clock in CLOCKS}
    rows = (
        tickets.filter(breached["respond"] | breached["resolve"])
        .annotate(respond_breach=breached["respond"], resolve_breach=breached["resolve"])
        .order_by(*order)
        .values(
            "pk", "summary", "company__name", "priority", "agreement_id", "opened_at",
            "sla_paused", "waiting_since", "respond_elapsed", "resolve_elapsed",
            "respond_breach", "resolve_breach",
        )
    )  # fmt: skip
    table = sla_target_table()
    labels = dict(Priority.choices)
    breaches = []
    for row in rows:
        targets = targets_in(table, priority=row["priority"], agreement_id=row["agreement_id"])
        for clock, target in (
            ("respond", targets.respond_minutes),
            ("resolve", targets.resolve_minutes),
        ):
            if not row[f"{clock}_breach"]:
                continue
            taken = row[f"{clock}_elapsed"]
            if taken is None:
                running = SlaClock(
                    opened_at=row["opened_at"],
                    sla_paused=row["sla_paused"],
                    waiting_since=row["waiting_since"],
                )
                taken = clock_elapsed(running, at=now)
            breaches.append(
                SlaBreach(
                    ticket_id=row["pk"],
                    summary=row["summary"],
                    company=row["company__name"],
                    priority_label=labels[row["priority"]],
                    clock=clock,
                    target_minutes=target,
                    minutes=_minutes(taken),
                    still_open=row[f"{clock}_elapsed"] is None,
                    opened_at=row["opened_at"],
                )
            )
    return tuple(breaches)
