"""The SLA clock of a ticket: one set of rules, run as the ticket moves.

Respond runs from opening to the first response (a member's first status move or first time
entry); resolve runs from opening to Resolved. Time in Waiting Client stops both. Targets come
from the ticket's priority, an agreement's own row beating the default; they are set on the
ticket when it opens and again when its priority or agreement changes, so a later edit of the
target table does not rewrite the promise made to a ticket already open.

Each clock keeps a due time: opening + target + the Waiting Client time so far. Whenever the
ticket moves or is answered, a clock that ran past its due time gets a breach stamp (the
moment it ran out), and a stamp once made stays, whatever happens to the ticket later. A clock
that stops records how long it ran, waiting excluded.

The rules are plain functions over an `SlaClock` value, so the ticket services and the demo
(which simulates months of tickets in memory) run the same clock. Reports read the stamps as
columns; `clock_late_q` is the same "ran past its due time" test in SQL, for clocks that are
still running now.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.db.models import Case, DateTimeField, F, Q, When

from .choices import TicketStatus
from .models import SlaTarget, Ticket

ZERO = timedelta(0)


@dataclass(frozen=True)
class SlaTargets:
    """Minutes each clock may run; None: no promise for that clock."""

    respond_minutes: int | None = None
    resolve_minutes: int | None = None


NO_TARGETS = SlaTargets()


@dataclass(frozen=True)
class SlaClock:
    """A ticket's clock; every name is the Ticket field it is kept in."""

    opened_at: datetime
    respond_target_minutes: int | None = None
    resolve_target_minutes: int | None = None
    respond_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    respond_elapsed: timedelta | None = None
    resolve_elapsed: timedelta | None = None
    sla_paused: timedelta = ZERO
    waiting_since: datetime | None = None
    respond_breached_at: datetime | None = None
    resolve_breached_at: datetime | None = None

    def __post_init__(self) -> None:
        # Kept in UTC: Python adds and subtracts datetimes that share a zone on the wall
        # clock, which would make a DST night's hour vanish or count twice.
        for name in _MOMENTS:
            value = getattr(self, name)
            if value is not None and value.tzinfo is not UTC:
                object.__setattr__(self, name, value.astimezone(UTC))


_MOMENTS = tuple(f.name for f in fields(SlaClock) if f.type in (datetime, datetime | None))
# What the clock writes on a ticket (the opening time is the ticket's own).
CLOCK_FIELDS = tuple(f.name for f in fields(SlaClock) if f.name != "opened_at")


TargetTable = dict[tuple[int, int | None], SlaTargets]  # (priority, agreement id or None)


def _table(rows: Iterable[SlaTarget]) -> TargetTable:
    return {
        (row.priority, row.agreement_id): SlaTargets(row.respond_minutes, row.resolve_minutes)
        for row in rows
    }


def sla_target_table() -> TargetTable:
    """Every target row, for work that looks up many tickets' targets at once."""
    return _table(SlaTarget.objects.all())


def targets_in(table: TargetTable, *, priority: int, agreement_id: int | None) -> SlaTargets:
    """The agreement's own targets for this priority, else the default ones, else none."""
    return table.get((priority, agreement_id)) or table.get((priority, None)) or NO_TARGETS


def sla_targets(*, priority: int, agreement_id: int | None) -> SlaTargets:
    """One ticket's targets, reading only the rows that could apply."""
    rows = SlaTarget.objects.filter(
        Q(agreement__isnull=True) | Q(agreement_id=agreement_id), priority=priority
    )
    return targets_in(_table(rows), priority=priority, agreement_id=agreement_id)


def clock_of(ticket: Ticket) -> SlaClock:
    return SlaClock(
        opened_at=ticket.opened_at, **{name: getattr(ticket, name) for name in CLOCK_FIELDS}
    )


def clock_onto(ticket: Ticket, clock: SlaClock) -> None:
    """Copy the clock onto the ticket's fields (the caller saves)."""
    for name in CLOCK_FIELDS:
        setattr(ticket, name, getattr(clock, name))


def clock_elapsed(clock: SlaClock, *, at: datetime) -> timedelta:
    """Clock time from opening to `at`, less the time spent waiting on the client. While the
    ticket waits, the clock stands at the moment the wait began."""
    moment = at if clock.waiting_since is None else min(at, clock.waiting_since)
    return max(moment - clock.opened_at - clock.sla_paused, ZERO)


def clock_open(*, opened_at: datetime, targets: SlaTargets) -> SlaClock:
    """A new ticket's clock: both running, with the targets of its priority and agreement."""
    return _with_targets(SlaClock(opened_at=opened_at), targets)


def clock_retarget(clock: SlaClock, *, at: datetime, targets: SlaTargets) -> SlaClock:
    """New targets from `at` on (the priority or the agreement changed). A breach of the old
    due time stays; running clocks get due times from the new targets, and one already past
    its new due time is stamped. A stopped clock keeps the target it was judged by."""
    return _note_breaches(_with_targets(_note_breaches(clock, at), targets), at)


def clock_respond(clock: SlaClock, *, at: datetime) -> SlaClock:
    """A first response (a member's first time entry). Later responses change nothing."""
    if clock.first_response_at is not None:
        return clock
    at = max(at, clock.opened_at)
    return _stop_respond(_note_breaches(clock, at), at)


def clock_move(clock: SlaClock, *, to_status: str, at: datetime, by_member: bool) -> SlaClock:
    """The ticket moves to `to_status` at `at`. Entering Waiting Client pauses both clocks and
    leaving it resumes them; a member's move is a response; Resolved (or Closed straight
    away) stops the resolve clock, and reopening starts it again from where it stood."""
    clock = _note_breaches(clock, at)
    waiting = to_status == TicketStatus.WAITING_CLIENT
    if clock.waiting_since is not None and not waiting:
        paused = clock.sla_paused + max(at - clock.waiting_since, ZERO)
        # The pause that ends moves the running clocks' due times on by its length.
        clock = _redue(replace(clock, sla_paused=paused, waiting_since=None))
    elif clock.waiting_since is None and waiting:
        clock = replace(clock, waiting_since=at)
    if by_member:
        clock = _stop_respond(clock, max(at, clock.opened_at))
    if to_status == TicketStatus.RESOLVED or (
        to_status == TicketStatus.CLOSED and clock.resolved_at is None
    ):
        clock = replace(clock, resolved_at=at, resolve_elapsed=clock_elapsed(clock, at=at))
    elif to_status != TicketStatus.CLOSED:
        clock = replace(clock, resolved_at=None, resolve_elapsed=None)
    return clock


def clock_replay(
    *,
    opened_at: datetime,
    targets: SlaTargets,
    moves: Iterable[tuple[str, datetime, bool]],
    responses: Iterable[datetime],
) -> SlaClock:
    """The clock rebuilt from a ticket's history: its moves (status, at, by a member) and
    responses, in time order; at equal times a response comes first. For an answer that
    reaches back before moves already made, where stepping forward would take pauses that
    came after it off the answer's time."""
    events = [(at, 0, None, False) for at in responses]
    events += [(at, 1, status, by_member) for status, at, by_member in moves]
    clock = clock_open(opened_at=opened_at, targets=targets)
    for at, _, status, by_member in sorted(events, key=lambda event: event[:2]):
        if status is None:
            clock = clock_respond(clock, at=at)
        else:
            clock = clock_move(clock, to_status=status, at=at, by_member=by_member)
    return clock


def clock_keep_breaches(clock: SlaClock, *, before: SlaClock) -> SlaClock:
    """A breach once recorded stays: stamps from before win over a recomputed clock's."""
    return replace(
        clock,
        respond_breached_at=before.respond_breached_at or clock.respond_breached_at,
        resolve_breached_at=before.resolve_breached_at or clock.resolve_breached_at,
    )


# --- the same clock in SQL, for reports ---------------------------------------------------

Clock = Literal["respond", "resolve"]
_COLUMNS: dict[str, tuple[str, str, str]] = {
    # clock: (stopped at, due at, breached at)
    "respond": ("first_response_at", "respond_due_at", "respond_breached_at"),
    "resolve": ("resolved_at", "resolve_due_at", "resolve_breached_at"),
}


def clock_has_target_q(clock: Clock) -> Q:
    return Q(**{f"{_COLUMNS[clock][1]}__isnull": False})


def clock_late_q(clock: Clock, *, now: datetime) -> Q:
    """Still running and past its due time at `now` (a waiting ticket's clock stands at the
    start of the wait) — a breach not stamped yet because nothing has moved the ticket."""
    stopped, due, _ = _COLUMNS[clock]
    return Q(**{f"{stopped}__isnull": True}) & (
        Q(waiting_since__isnull=True, **{f"{due}__lt": now}) | Q(waiting_since__gt=F(due))
    )


def clock_on_time_q(clock: Clock, *, now: datetime) -> Q:
    """Still running and not yet past its due time at `now`."""
    stopped, due, _ = _COLUMNS[clock]
    return Q(**{f"{stopped}__isnull": True}) & (
        Q(waiting_since__isnull=True, **{f"{due}__gte": now}) | Q(waiting_since__lte=F(due))
    )


def clock_breached_q(clock: Clock, *, now: datetime) -> Q:
    """Has a target and a breach: stamped, or running late now."""
    stamped = Q(**{f"{_COLUMNS[clock][2]}__isnull": False})
    return clock_has_target_q(clock) & (stamped | clock_late_q(clock, now=now))


def clock_met_q(clock: Clock) -> Q:
    """Has a target, stopped, and no breach was ever stamped."""
    stopped, _, breached = _COLUMNS[clock]
    return clock_has_target_q(clock) & Q(
        **{f"{stopped}__isnull": False, f"{breached}__isnull": True}
    )


def clock_pending_q(clock: Clock, *, now: datetime) -> Q:
    """Has a target, still running, no breach so far."""
    breached = _COLUMNS[clock][2]
    return (
        clock_has_target_q(clock)
        & Q(**{f"{breached}__isnull": True})
        & clock_on_time_q(clock, now=now)
    )


# --- the clock as people read it: the ticket page, the board, the API ----------------------

# How near its due time a running clock counts as "due soon" on the dispatch board (a clock
# already past its due time counts too).
DUE_SOON = timedelta(hours=2)

ClockStateName = Literal["none", "met", "breached", "late", "due_soon", "running", "paused"]
STATE_LABELS: dict[str, str] = {
    "none": "no target",
    "met": "met",
    "breached": "breached",
    "late": "late",
    "due_soon": "due soon",
    "running": "running",
    "paused": "paused while waiting on the client",
}


@dataclass(frozen=True)
class ClockState:
    """One of a ticket's two clocks at a moment: what a reader needs to see it."""

    clock: Clock
    state: ClockStateName
    target_minutes: int | None
    due_at: datetime | None
    stopped_at: datetime | None
    breached_at: datetime | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def name(self) -> str:
        return "Respond" if self.clock == "respond" else "Resolve"


def clock_state(ticket: Ticket, clock: Clock, *, now: datetime) -> ClockState:
    """Where one clock of the ticket stands at `now`: the same tests as the SQL above."""
    stopped_field, due_field, breached_field = _COLUMNS[clock]
    stopped = getattr(ticket, stopped_field)
    due = getattr(ticket, due_field)
    breached = getattr(ticket, breached_field)
    target = getattr(ticket, f"{clock}_target_minutes")
    moment = now if ticket.waiting_since is None else min(now, ticket.waiting_since)
    if due is None and stopped is None:
        state: ClockStateName = "none"
    elif stopped is not None:
        state = "breached" if breached is not None else ("met" if due is not None else "none")
    elif breached is not None or moment > due:
        state = "late"
    elif ticket.waiting_since is not None:
        state = "paused"
    elif due - now <= DUE_SOON:
        state = "due_soon"
    else:
        state = "running"
    return ClockState(
        clock=clock,
        state=state,
        target_minutes=target,
        due_at=due,
        stopped_at=stopped,
        breached_at=breached or (due if state == "late" else None),
    )


def clock_states(ticket: Ticket, *, now: datetime) -> tuple[ClockState, ClockState]:
    """Both clocks of a ticket at `now`: respond, then resolve."""
    return clock_state(ticket, "respond", now=now), clock_state(ticket, "resolve", now=now)


def next_due_expression() -> Case:
    """The due time of the ticket's next running clock (respond while unanswered, then
    resolve), for sorting a queue in the database; empty when no clock with a target runs."""
    return Case(
        When(
            first_response_at__isnull=True, respond_due_at__isnull=False, then=F("respond_due_at")
        ),
        When(resolved_at__isnull=True, then=F("resolve_due_at")),
        default=None,
        output_field=DateTimeField(),
    )


def clock_due_soon_q(*, now: datetime, within: timedelta = DUE_SOON) -> Q:
    """Tickets with a running clock (not paused) due within `within` of `now`, or past due."""
    limit = now + within
    running = Q(waiting_since__isnull=True)
    respond = Q(first_response_at__isnull=True, respond_due_at__lte=limit)
    resolve = Q(resolved_at__isnull=True, resolve_due_at__lte=limit)
    return running & (respond | resolve)


# --- steps -------------------------------------------------------------------------------


def _with_targets(clock: SlaClock, targets: SlaTargets) -> SlaClock:
    """Targets for the clocks still running; a stopped clock keeps the one it was judged by."""
    return _redue(
        replace(
            clock,
            respond_target_minutes=(
                clock.respond_target_minutes
                if clock.first_response_at is not None
                else targets.respond_minutes
            ),
            resolve_target_minutes=(
                clock.resolve_target_minutes
                if clock.resolved_at is not None
                else targets.resolve_minutes
            ),
        )
    )


def _due(clock: SlaClock, minutes: int | None) -> datetime | None:
    if minutes is None:
        return None
    return clock.opened_at + timedelta(minutes=minutes) + clock.sla_paused


def _redue(clock: SlaClock) -> SlaClock:
    """Due times of the running clocks: opening + target + the waiting so far."""
    return replace(
        clock,
        respond_due_at=(
            clock.respond_due_at
            if clock.first_response_at is not None
            else _due(clock, clock.respond_target_minutes)
        ),
        resolve_due_at=(
            clock.resolve_due_at
            if clock.resolved_at is not None
            else _due(clock, clock.resolve_target_minutes)
        ),
    )


def _late(
    *, stopped: datetime | None, due: datetime | None, stamp: datetime | None, moment: datetime
) -> datetime | None:
    if stamp is not None or stopped is not None or due is None:
        return stamp
    return due if moment > due else None


def _note_breaches(clock: SlaClock, at: datetime) -> SlaClock:
    """Stamp each running clock that was past its due time at `at`."""
    moment = at if clock.waiting_since is None else min(at, clock.waiting_since)
    return replace(
        clock,
        respond_breached_at=_late(
            stopped=clock.first_response_at,
            due=clock.respond_due_at,
            stamp=clock.respond_breached_at,
            moment=moment,
        ),
        resolve_breached_at=_late(
            stopped=clock.resolved_at,
            due=clock.resolve_due_at,
            stamp=clock.resolve_breached_at,
            moment=moment,
        ),
    )


def _stop_respond(clock: SlaClock, at: datetime) -> SlaClock:
    if clock.first_response_at is not None:
        return clock
    return replace(clock, first_response_at=at, respond_elapsed=clock_elapsed(clock, at=at))
