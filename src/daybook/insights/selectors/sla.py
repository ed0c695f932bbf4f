"""6. SLA compliance."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from daybook.clients.models import Company
from daybook.core.expressions import HUNDRED, Epoch, safe_ratio
from daybook.core.periods import Period, local_range_q
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket, TicketStatusChange

from .common import SIXTY, ZERO

SLA_MET = "met"
SLA_BREACHED = "breached"
SLA_PENDING = "pending"
SLA_NO_TARGET = "no target"


@dataclass(frozen=True)
class SlaTicket:
    ticket_id: int
    summary: str
    company: str
    board: str
    agreement: str
    priority: int
    priority_label: str
    opened_at: datetime
    week: date
    respond_target: int | None
    resolve_target: int | None
    respond_minutes: Decimal | None
    resolve_minutes: Decimal | None
    respond_state: str
    resolve_state: str


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
    target_minutes: int
    minutes: Decimal
    still_open: bool


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


def _paused_seconds(pauses: list[tuple[float, float]], start: float, end: float) -> float:
    total = 0.0
    for low, high in pauses:
        overlap = min(high, end) - max(low, start)
        if overlap > 0:
            total += overlap
    return total


def _clock_minutes(opened: float, moment: float, pauses) -> Decimal:
    """Business-clock minutes from opening to a moment (epoch seconds), less the time spent
    waiting on the client."""
    seconds = moment - opened - _paused_seconds(pauses, opened, moment)
    return Decimal(str(round(max(seconds, 0.0), 3))) / SIXTY


def _sla_state(
    *,
    target: int | None,
    done_at: float | None,
    breached: bool,
    opened: float,
    now: float,
    pauses,
) -> tuple[str, Decimal | None]:
    """(state, minutes taken or None while the clock runs) for one clock of a ticket."""
    elapsed = _clock_minutes(opened, now if done_at is None else done_at, pauses)
    taken = None if done_at is None else elapsed
    if target is None:
        return SLA_NO_TARGET, taken
    if breached or elapsed > target:
        return SLA_BREACHED, taken
    if done_at is None:
        return SLA_PENDING, None
    return SLA_MET, taken


def _sla_group(key: str, tickets: list[SlaTicket]) -> SlaGroup:
    counts = defaultdict(int)
    respond_sum = resolve_sum = ZERO
    respond_n = resolve_n = 0
    for t in tickets:
        counts[("respond", t.respond_state)] += 1
        counts[("resolve", t.resolve_state)] += 1
        if t.respond_minutes is not None:
            respond_sum += t.respond_minutes
            respond_n += 1
        if t.resolve_minutes is not None:
            resolve_sum += t.resolve_minutes
            resolve_n += 1

    def pct(clock):
        met, breached = counts[(clock, SLA_MET)], counts[(clock, SLA_BREACHED)]
        return safe_ratio(Decimal(met), Decimal(met + breached), HUNDRED)

    return SlaGroup(
        key=key,
        tickets=len(tickets),
        respond_met=counts[("respond", SLA_MET)],
        respond_breached=counts[("respond", SLA_BREACHED)],
        respond_pending=counts[("respond", SLA_PENDING)],
        resolve_met=counts[("resolve", SLA_MET)],
        resolve_breached=counts[("resolve", SLA_BREACHED)],
        resolve_pending=counts[("resolve", SLA_PENDING)],
        respond_pct=pct("respond"),
        resolve_pct=pct("resolve"),
        avg_respond_minutes=respond_sum / respond_n if respond_n else None,
        avg_resolve_minutes=resolve_sum / resolve_n if resolve_n else None,
    )


def sla_compliance(*, period: Period, now: datetime, teams=None) -> SlaReport:
    """Respond and resolve times of the tickets opened in a period (company-local days)
    against their targets. ``teams``: only tickets assigned to members of these teams.

    Moments are fetched as epoch seconds: a period can hold tens of thousands of tickets.
    """
    zones = sorted(set(Company.objects.order_by().values_list("time_zone", flat=True)))
    tickets = Ticket.objects.filter(
        local_range_q(period, zones, zone_field="company__time_zone", moment_field="opened_at")
    )
    if teams is not None:
        tickets = tickets.filter(assignee__team__in=teams)
    targets = {
        (t.priority, t.agreement_id): (t.respond_minutes, t.resolve_minutes)
        for t in SlaTarget.objects.all()
    }
    now_epoch = now.timestamp()
    waiting = TicketStatus.WAITING_CLIENT
    pauses: dict[int, list[tuple[float, float]]] = defaultdict(list)
    entered: dict[int, float] = {}
    for ticket_id, from_status, to_status, at in (
        TicketStatusChange.objects.filter(ticket__in=tickets.values("pk"))
        .filter(Q(to_status=waiting) | Q(from_status=waiting))
        .annotate(at_epoch=Epoch("at"))
        .order_by("ticket_id", "at", "pk")
        .values_list("ticket_id", "from_status", "to_status", "at_epoch")
    ):
        if from_status == waiting and ticket_id in entered:
            pauses[ticket_id].append((entered.pop(ticket_id), at))
        if to_status == waiting:
            entered[ticket_id] = at
    for ticket_id, since in entered.items():
        pauses[ticket_id].append((since, now_epoch))

    labels = dict(Priority.choices)
    zone_of: dict[str, ZoneInfo] = {}
    rows = []
    for t in (
        tickets.annotate(
            opened=Epoch("opened_at"),
            responded=Epoch("first_response_at"),
            resolved=Epoch("resolved_at"),
            respond_breached=Q(respond_breached_at__isnull=False),
            resolve_breached=Q(resolve_breached_at__isnull=False),
        )
        .order_by("opened_at", "pk")
        .values(
            "id", "summary", "company__name", "company__time_zone", "board__name",
            "agreement_id", "agreement__name", "priority", "opened", "responded", "resolved",
            "respond_breached", "resolve_breached",
        )
    ):  # fmt: skip
        respond_target, resolve_target = targets.get(
            (t["priority"], t["agreement_id"]), targets.get((t["priority"], None), (None, None))
        )
        common = {"opened": t["opened"], "now": now_epoch, "pauses": pauses.get(t["id"], ())}
        respond_state, respond_minutes = _sla_state(
            target=respond_target,
            done_at=t["responded"],
            breached=bool(t["respond_breached"]),
            **common,
        )
        resolve_state, resolve_minutes = _sla_state(
            target=resolve_target,
            done_at=t["resolved"],
            breached=bool(t["resolve_breached"]),
            **common,
        )
        zone_name = t["company__time_zone"]
        zone = zone_of.get(zone_name) or zone_of.setdefault(zone_name, ZoneInfo(zone_name))
        opened_at = datetime.fromtimestamp(t["opened"], UTC)
        local_day = opened_at.astimezone(zone).date()
        rows.append(
            SlaTicket(
                ticket_id=t["id"],
                summary=t["summary"],
                company=t["company__name"],
                board=t["board__name"],
                agreement=t["agreement__name"] or "No agreement",
                priority=t["priority"],
                priority_label=labels[t["priority"]],
                opened_at=opened_at,
                week=local_day - timedelta(days=local_day.weekday()),
                respond_target=respond_target,
                resolve_target=resolve_target,
                respond_minutes=respond_minutes,
                resolve_minutes=resolve_minutes,
                respond_state=respond_state,
                resolve_state=resolve_state,
            )
        )

    def grouped(key_of) -> tuple[SlaGroup, ...]:
        groups: dict = defaultdict(list)
        for row in rows:
            groups[key_of(row)].append(row)
        return tuple(_sla_group(str(key), groups[key]) for key in sorted(groups))

    breaches = []
    for row in rows:
        for clock, state, target, minutes in (
            ("respond", row.respond_state, row.respond_target, row.respond_minutes),
            ("resolve", row.resolve_state, row.resolve_target, row.resolve_minutes),
        ):
            if state != SLA_BREACHED:
                continue
            still_open = minutes is None
            if still_open:
                minutes = _clock_minutes(
                    row.opened_at.timestamp(), now_epoch, pauses.get(row.ticket_id, ())
                )
            breaches.append(
                SlaBreach(
                    ticket_id=row.ticket_id,
                    summary=row.summary,
                    company=row.company,
                    priority_label=row.priority_label,
                    clock=clock,
                    target_minutes=target,
                    minutes=minutes,
                    still_open=still_open,
                )
            )
    by_priority: dict[int, list[SlaTicket]] = {}
    for row in rows:
        by_priority.setdefault(row.priority, []).append(row)
    return SlaReport(
        period=period,
        now=now,
        overall=_sla_group("All tickets", rows),
        by_priority=tuple(_sla_group(labels[p], by_priority[p]) for p in sorted(by_priority)),
        by_board=grouped(lambda r: r.board),
        by_company=grouped(lambda r: r.company),
        by_agreement=grouped(lambda r: f"{r.company} — {r.agreement}"),
        weeks=grouped(lambda r: r.week.isoformat()),
        breaches=tuple(breaches),
    )
