"""One member's working days, simulated in memory: time entries, the tickets they touch and
each ticket's status moves. Nothing here reads or writes the database except the pricing cache,
which asks once per combination of agreement, work type and role.

Everything is drawn from the random generator handed in, in a fixed order, so a seed always
gives the same days.
"""

import bisect
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.service.choices import TICKET_TRANSITIONS, Priority, TicketStatus
from daybook.service.models import Board
from daybook.service.sla import (
    SlaClock,
    SlaTargets,
    TargetTable,
    clock_move,
    clock_open,
    targets_in,
)
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.rates import default_billable, resolve_bill_rate

from . import catalog

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# Tickets resolved this long ago are closed by the system.
AUTO_CLOSE_AFTER = timedelta(days=3)
# A ticket touched less than this long ago is not picked up again yet.
REVISIT_AFTER = timedelta(hours=1)
# Today, at the moment the demo loads: the chance a member at work has a timer running, and
# how long ago (in minutes) they started it, or else saved their last entry.
TIMER_TODAY = 0.5
TIMER_AGE = (4, 50)
SAVED_AGO = (1, 10)
# The showcase member's timer, when they are at work: started this long ago.
SHOWCASE_TIMER_AGE = 25

# -------------------------------------------------------------------------------------------
# Reference data handed to the simulation.


class Pricing:
    """Billable defaults and bill rates through the project's own rules, cached.

    A large demo makes millions of entries from a few thousand combinations, so each
    combination asks the database once.
    """

    def __init__(self) -> None:
        self._checks: dict[tuple[int, int, bool], AgreementCheck] = {}
        self._rates: dict[tuple[int, int, str, int | None], Decimal] = {}

    def check(self, *, agreement: Agreement | None, work_type: WorkType, on: date) -> str:
        if agreement is None or work_type.is_payroll_wrap:
            return agreement_check(agreement=agreement, work_type=work_type, on=on)
        key = (agreement.pk, work_type.pk, agreement.is_active_on(on))
        if key not in self._checks:
            self._checks[key] = agreement_check(agreement=agreement, work_type=work_type, on=on)
        return self._checks[key]

    def billable(self, *, agreement: Agreement | None, work_type: WorkType, on: date) -> str:
        covered = self.check(agreement=agreement, work_type=work_type, on=on) == AgreementCheck.OK
        return default_billable(work_type=work_type, agreement=agreement, covered=covered)

    def bill_rate(
        self,
        *,
        work_role: WorkRole,
        work_type: WorkType,
        billable: str,
        agreement: Agreement | None,
    ) -> Decimal:
        key = (work_role.pk, work_type.pk, billable, agreement.pk if agreement else None)
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = resolve_bill_rate(
                work_role=work_role, work_type=work_type, billable=billable, agreement=agreement
            )
        return rate


@dataclass(frozen=True)
class Client:
    company_id: int
    agreement: Agreement | None


class ClientPicker:
    """Weighted choice of a client, preferring those in the member's own region."""

    def __init__(self, clients: list[tuple[Client, str, int]]) -> None:
        self.by_region: dict[str, tuple[list[Client], list[int]]] = {}
        for region in ("us", "uk"):
            chosen = [(c, w) for c, r, w in clients if r == region]
            if chosen:
                self.by_region[region] = (
                    [c for c, _ in chosen],
                    list(itertools.accumulate(w for _, w in chosen)),
                )

    def pick(self, rng: random.Random, region: str) -> Client:
        regions = list(self.by_region)
        if region not in self.by_region or (len(regions) > 1 and rng.random() < 0.2):
            region = rng.choice(regions)
        clients, cumulative = self.by_region[region]
        return clients[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


@dataclass(eq=False)
class ProjectPlan:
    """A project as the simulation sees it: when work happens and which phase is current."""

    project_id: int
    agreement: Agreement
    start: date
    stop: date  # last day work may be logged (due date, hold date or the end of the window)
    members: list[int]
    phases: list[tuple[int, date, date]]  # phase id, first day, last day

    def active_on(self, day: date) -> bool:
        return self.start <= day <= self.stop

    def phase_on(self, day: date) -> int:
        for phase_id, _, last in self.phases:
            if day <= last:
                return phase_id
        return self.phases[-1][0]


@dataclass
class World:
    """Everything a member's days draw on."""

    now: datetime
    work_types: dict[str, WorkType]
    boards: dict[str, Board]
    board_work_types: dict[str, WorkType]
    clients: ClientPicker
    remote_only_client: Client | None
    prospect_client: Client | None
    projects_by_member: dict[int, list[ProjectPlan]]
    pricing: Pricing
    sla: TargetTable
    phase_minutes: Counter = field(default_factory=Counter)

    def sla_targets(self, priority: int, agreement: Agreement | None) -> SlaTargets:
        agreement_id = agreement.pk if agreement is not None else None
        return targets_in(self.sla, priority=priority, agreement_id=agreement_id)


@dataclass(frozen=True)
class Profile:
    """How a kind of member spends a day."""

    ticket_minutes: tuple[int, int, int]  # low, high, most likely
    boards: dict[str, int]  # board name -> weight
    project_share: float = 0.0  # chance of a project block on a day a project is active
    admin_share: float = 0.05  # chance a free slot goes to internal admin instead of a ticket
    after_hours: float = 0.0  # chance of an evening call-out on a working day
    training: float = 0.04
    meetings: float = 0.05  # chance of an extra internal meeting (one-to-ones, planning)
    tickets: bool = True


PROFILES = {
    "helpdesk": Profile(
        (15, 120, 45),
        {catalog.HELP_DESK: 70, catalog.ALERTS: 20, catalog.FIELD: 10},
        project_share=0.03,
        after_hours=0.01,
    ),
    "engineer": Profile(
        (30, 180, 75),
        {catalog.ESCALATIONS: 40, catalog.ALERTS: 25, catalog.FIELD: 25, catalog.HELP_DESK: 10},
        project_share=0.4,
        after_hours=0.05,
    ),
    "pm": Profile(
        (15, 60, 30),
        {catalog.ESCALATIONS: 50, catalog.HELP_DESK: 50},
        project_share=0.85,
        admin_share=0.15,
        meetings=0.2,
    ),
    "dispatcher": Profile(
        (10, 60, 25), {catalog.HELP_DESK: 85, catalog.ALERTS: 15}, admin_share=0.35, training=0.03
    ),
    "manager": Profile(
        (30, 120, 60),
        {catalog.ESCALATIONS: 70, catalog.HELP_DESK: 30},
        admin_share=0.4,
        meetings=0.5,
    ),
    "office": Profile((30, 150, 75), {}, admin_share=1.0, meetings=0.3, tickets=False),
}


@dataclass(frozen=True)
class MemberInfo:
    member_id: int
    username: str
    zone: ZoneInfo
    region: str
    schedule: dict[int, list[tuple[time, time]]]  # weekday -> windows
    expected_minutes: int
    work_role: WorkRole
    cost_rate: Decimal
    profile: Profile
    in_team: bool


# -------------------------------------------------------------------------------------------
# What the simulation produces.


@dataclass(eq=False)
class SimTicket:
    board: Board
    client: Client
    priority: int
    summary: str
    opened_at: datetime
    assignee_id: int | None
    targets: SlaTargets
    status: str = TicketStatus.NEW
    closed_at: datetime | None = None
    last_touch: datetime | None = None
    changes: list[tuple[str, str, datetime, int | None]] = field(default_factory=list)
    pk: int | None = None  # set once saved
    clock: SlaClock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = clock_open(opened_at=self.opened_at, targets=self.targets)

    @property
    def agreement(self) -> Agreement | None:
        return self.client.agreement

    def move(self, to: str, *, at: datetime, by: int | None) -> None:
        """A status move, kept as ticket_set_status keeps it: the same workflow and the same
        SLA clock, without the database."""
        if to not in TICKET_TRANSITIONS[self.status]:
            raise ValueError(f"demo ticket cannot move from {self.status} to {to}")
        self.changes.append((self.status, to, at, by))
        self.clock = clock_move(self.clock, to_status=to, at=at, by_member=by is not None)
        self.status = to
        if to == TicketStatus.CLOSED:
            self.closed_at = at


@dataclass(slots=True)
class SimEntry:
    start: datetime
    end: datetime
    work_type: WorkType
    billable: str
    created_at: datetime
    source: str
    notes: str = ""
    internal_notes: str = ""
    ticket: SimTicket | None = None
    phase_id: int | None = None
    agreement: Agreement | None = None


@dataclass
class MemberDays:
    tickets: list[SimTicket]
    entries: list[SimEntry]
    timer: tuple[datetime, SimTicket] | None


# Scenario flags: a day may be asked to show a finding the demo should always contain.
GAP, OVERLAP, LATE, NOT_COVERED, NO_AGREEMENT, TIMER = (
    "gap",
    "overlap",
    "late",
    "not_covered",
    "no_agreement",
    "timer",
)

NEXT_STATUS = [
    (TicketStatus.RESOLVED, 42),
    (TicketStatus.IN_PROGRESS, 20),
    (TicketStatus.WAITING_CLIENT, 22),
    (TicketStatus.NEEDS_SCHEDULING, 12),
]
NEXT_STATUS_VALUES = [s for s, _ in NEXT_STATUS]
NEXT_STATUS_CUM = list(itertools.accumulate(w for _, w in NEXT_STATUS))
PRIORITIES = list(catalog.PRIORITY_WEIGHTS)
PRIORITY_CUM = list(itertools.accumulate(catalog.PRIORITY_WEIGHTS.values()))
# Minutes from a ticket being opened to its first touch: low, high, most likely.
RESPONSE_DELAY = {
    Priority.CRITICAL: (1, 20, 5),
    Priority.HIGH: (5, 90, 25),
    Priority.MEDIUM: (10, 360, 60),
    Priority.LOW: (30, 720, 120),
}


class MemberSimulation:
    """Walks one member's days in order and records what they worked on."""

    def __init__(
        self,
        *,
        world: World,
        member: MemberInfo,
        rng: random.Random,
        days: list[date],
        time_off: set[date],
        scenarios: dict[date, set[str]],
        timer_now: bool = False,
        booked_off: set[date] | None = None,
        today: date | None = None,
    ) -> None:
        self.world = world
        self.member = member
        self.profile = member.profile
        self.rng = rng
        self.days = days
        self.time_off = time_off
        # Days off certainly booked ahead (the others are booked or sick days by chance).
        self.booked_off = booked_off or set()
        self.scenarios = scenarios
        # The showcase member at work now: their timer started SHOWCASE_TIMER_AGE ago.
        self.timer_now = timer_now
        # The member's own today: worked up to the moment the demo loads.
        self.today = today
        self.tickets: list[SimTicket] = []
        self.open: list[SimTicket] = []
        self.entries: list[SimEntry] = []
        self.timer: tuple[datetime, SimTicket] | None = None
        self.wt = world.work_types
        self.board_names = list(self.profile.boards)
        self.board_cum = list(itertools.accumulate(self.profile.boards.values()))

    # --- running ------------------------------------------------------------------------

    def run(self) -> MemberDays:
        for day in self.days:
            self._day(day)
        if self.today is not None:
            self._day_so_far(self.today)
        now = self.world.now
        for ticket in self.tickets:
            resolved_at = ticket.clock.resolved_at
            if ticket.status == TicketStatus.RESOLVED and resolved_at + AUTO_CLOSE_AFTER <= now:
                ticket.move(TicketStatus.CLOSED, at=resolved_at + AUTO_CLOSE_AFTER, by=None)
        return MemberDays(self.tickets, self.entries, self.timer)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.member.zone).astimezone(UTC)

    def _day_so_far(self, day: date) -> None:
        """Today up to now: the work so far logged, and for some members a timer running on
        the ticket in hand since a few minutes after their last entry."""
        rng = self.rng
        now = self.world.now
        windows = self.member.schedule.get(day.weekday())
        if not windows:
            return
        timer = self.timer_now or (self.profile.tickets and rng.random() < TIMER_TODAY)
        if self.timer_now:
            cut = now - SHOWCASE_TIMER_AGE * MINUTE
        elif timer:
            cut = now - rng.randint(*TIMER_AGE) * MINUTE
        else:
            cut = now - rng.randint(*SAVED_AGO) * MINUTE
        self._day(day, until=cut)
        at_work = any(
            self._at(day, start) + 20 * MINUTE <= cut < self._at(day, end) for start, end in windows
        )
        if timer and (self.timer_now or at_work) and self.timer is None:
            self._timer_at(cut)

    def _day(self, day: date, until: datetime | None = None) -> None:
        """One day's work, or a day off. With `until` (today), only the work before that
        moment, and nothing of what the evening brings."""
        windows = self.member.schedule.get(day.weekday())
        if not windows:
            if until is None and self.rng.random() < self.profile.after_hours / 3:
                self._call_out(day, after=self._at(day, time(10)))
            return
        spans = [(self._at(day, start), self._at(day, end)) for start, end in windows]
        if day in self.time_off:
            self._time_off(day, spans)
            return
        flags = self.scenarios.get(day, set())
        rng = self.rng
        first_entry = len(self.entries)
        free = [list(span) for span in spans]
        # Start a little early now and then; stay a little late now and then.
        if rng.random() < 0.3:
            free[0][0] -= rng.randint(5, 15) * MINUTE
        if rng.random() < 0.3:
            free[-1][1] += rng.randint(5, 25) * MINUTE
        if TIMER in flags:
            # Work stops early; the timer started then is still running (see _timer_at).
            timer_from = spans[-1][1] - 30 * MINUTE
            free[-1][1] = timer_from
        if len(spans) == 1 and spans[0][1] - spans[0][0] >= timedelta(hours=7, minutes=30):
            lunch = self._at(day, time(12)) + rng.randint(-3, 6) * 5 * MINUTE
            _take(free, lunch, lunch + 30 * MINUTE)  # lunch: not logged, under the threshold
        if until is not None:
            free = [[low, min(high, until)] for low, high in free if until - low >= 10 * MINUTE]
        if self.member.in_team and day.weekday() == 0:
            meeting = self._at(day, time(10))
            if _take(free, meeting, meeting + 45 * MINUTE):
                self._wrap(day, meeting, meeting + 45 * MINUTE, catalog.MEETING)
        self._project_block(day, free)
        if rng.random() < self.profile.training:
            self._placed_wrap(day, free, rng.choice([60, 75, 90]), catalog.TRAINING)
        if rng.random() < self.profile.meetings:
            self._placed_wrap(day, free, rng.choice([30, 30, 45, 60]), catalog.MEETING)
        if NOT_COVERED in flags and self.world.remote_only_client:
            self._placed_ticket(day, free, 75, self.world.remote_only_client, catalog.FIELD)
        if NO_AGREEMENT in flags and self.world.prospect_client:
            self._placed_ticket(day, free, 40, self.world.prospect_client, catalog.HELP_DESK)
        if GAP in flags or (until is None and rng.random() < 0.07):
            _place(free, rng.randint(9, 22) * 5, rng)  # time away from the calendar: a real gap
        for start, end in sorted(free):
            self._fill(day, start, end)
        day_entries = self.entries[first_entry:]
        day_entries.sort(key=lambda e: e.start)
        self.entries[first_entry:] = day_entries
        if not day_entries or until is not None:
            return
        if LATE in flags:
            self._make_late(day_entries)
        if OVERLAP in flags or rng.random() < 0.01:
            self._import_overlap(day_entries)
        if TIMER in flags:
            self._timer_at(timer_from)
            return
        last_end = max(e.end for e in day_entries)
        logged = sum(((e.end - e.start) for e in day_entries), timedelta(0))
        shortfall = self.member.expected_minutes - logged.total_seconds() // 60
        if shortfall >= 10 and rng.random() < 0.5:
            wrap_end = last_end + min(shortfall, 45) * MINUTE
            self._wrap(day, last_end, wrap_end, catalog.ADMIN)
            last_end = wrap_end
        if rng.random() < self.profile.after_hours:
            self._call_out(day, after=max(last_end + HOUR, self._at(day, time(19, 30))))

    # --- pieces of a day ---------------------------------------------------------------------

    def _fill(self, day: date, start: datetime, end: datetime) -> None:
        """Fill a free stretch with client work (or admin) and the small gaps between."""
        rng = self.rng
        cursor = start + rng.choice((0, 0, 0, 2, 5, 8)) * MINUTE
        while end - cursor >= 10 * MINUTE:
            if not self.profile.tickets or rng.random() < self.profile.admin_share:
                low, high, mode = (15, 60, 30) if self.profile.tickets else (30, 150, 75)
                stop = min(cursor + round(rng.triangular(low, high, mode)) * MINUTE, end)
                self._wrap(day, cursor, stop, catalog.ADMIN)
            else:
                stop = self._ticket_entry(day, cursor, end)
            cursor = stop + self._small_gap()

    def _small_gap(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.42:
            return timedelta(seconds=self.rng.randint(0, 60))
        if roll < 0.57:
            return self.rng.randint(1, 4) * MINUTE
        if roll < 0.94:
            return self.rng.randint(5, 20) * MINUTE
        return self.rng.randint(21, 35) * MINUTE

    def _ticket_entry(
        self,
        day: date,
        start: datetime,
        limit: datetime,
        *,
        ticket: SimTicket | None = None,
        work_type: WorkType | None = None,
        minutes: int | None = None,
        vary: bool = True,
    ) -> datetime:
        rng = self.rng
        ticket = ticket or self._pick_ticket(start)
        work_type = work_type or self.world.board_work_types[ticket.board.name]
        if minutes is None:
            if work_type.name == catalog.ONSITE:
                minutes = round(rng.triangular(60, 210, 105))
            else:
                minutes = round(rng.triangular(*self.profile.ticket_minutes))
        timer = rng.random() < 0.65
        if timer:
            start += rng.randint(0, 59) * timedelta(seconds=1)
            end = start + timedelta(seconds=minutes * 60 + rng.randint(-29, 29))
        else:
            end = start + minutes * MINUTE
        end = min(end, limit)
        if end - start < MINUTE:
            return limit
        if ticket.status == TicketStatus.NEEDS_SCHEDULING:
            booked = ticket.last_touch + (start - ticket.last_touch) / 2
            ticket.move(TicketStatus.SCHEDULED, at=booked, by=self.member.member_id)
        if ticket.status != TicketStatus.IN_PROGRESS:
            ticket.move(TicketStatus.IN_PROGRESS, at=start, by=self.member.member_id)
        self._client_entry(
            day,
            start,
            end,
            work_type,
            ticket=ticket,
            agreement=ticket.agreement,
            source=EntrySource.TIMER if timer else EntrySource.MANUAL,
            vary=vary,
        )
        ticket.last_touch = end
        roll = rng.random() * NEXT_STATUS_CUM[-1]
        next_status = NEXT_STATUS_VALUES[bisect.bisect_right(NEXT_STATUS_CUM, roll)]
        if next_status != TicketStatus.IN_PROGRESS:
            ticket.move(next_status, at=end, by=self.member.member_id)
        if next_status == TicketStatus.RESOLVED:
            self.open.remove(ticket)
        return end

    def _client_entry(
        self,
        day: date,
        start: datetime,
        end: datetime,
        work_type: WorkType,
        *,
        ticket: SimTicket | None = None,
        phase_id: int | None = None,
        agreement: Agreement | None,
        source: str,
        vary: bool = True,
    ) -> SimEntry:
        """Client work with the billable option its work type and agreement give it; now and
        then (unless vary is off) marked Do Not Bill or No Charge by hand instead."""
        rng = self.rng
        billable = self.world.pricing.billable(agreement=agreement, work_type=work_type, on=day)
        internal = ""
        roll = rng.random() if vary else 1.0
        if roll < 0.03:
            billable = BillableOption.DO_NOT_BILL
            internal = "Not charged: follow-up on our own earlier fix."
        elif roll < 0.05:
            billable = BillableOption.NO_CHARGE
            internal = "Goodwill: shown to the client at no charge."
        elif roll < 0.13:
            internal = rng.choice(catalog.INTERNAL_NOTES)
        notes = "" if rng.random() < 0.02 else rng.choice(catalog.NOTES[work_type.name])
        if source == EntrySource.TIMER:
            created = end + timedelta(seconds=rng.randint(3, 90))
        else:
            created = self._manual_created(day, end)
        entry = SimEntry(
            start=start,
            end=end,
            work_type=work_type,
            billable=billable,
            created_at=min(created, self.world.now),
            source=source,
            notes=notes,
            internal_notes=internal,
            ticket=ticket,
            phase_id=phase_id,
            agreement=agreement,
        )
        self.entries.append(entry)
        return entry

    def _manual_created(self, day: date, end: datetime) -> datetime:
        """Most manual entries are saved minutes after the work; some hours later; a few the
        next morning."""
        roll = self.rng.random()
        if roll < 0.8:
            return end + timedelta(seconds=self.rng.randint(30, 720))
        if roll < 0.95:
            return end + self.rng.randint(20, 300) * MINUTE
        morning = self._at(day + timedelta(days=1), time(8)) + self.rng.randint(0, 90) * MINUTE
        return max(morning, end + HOUR)

    def _wrap(self, day: date, start: datetime, end: datetime, name: str) -> None:
        rng = self.rng
        if rng.random() < 0.75:
            created = end + timedelta(seconds=rng.randint(20, 600))
        else:  # filled in at the end of the day
            created = max(end, self._at(day, time(17))) + rng.randint(2, 20) * MINUTE
        self.entries.append(
            SimEntry(
                start=start,
                end=end,
                work_type=self.wt[name],
                billable=BillableOption.DO_NOT_BILL,
                created_at=min(created, self.world.now),
                source=EntrySource.WRAP,
                notes=rng.choice(catalog.NOTES[name]),
            )
        )

    def _placed_wrap(self, day: date, free: list[list[datetime]], minutes: int, name: str) -> None:
        slot = _place(free, minutes, self.rng)
        if slot:
            self._wrap(day, *slot, name)

    def _placed_ticket(
        self, day: date, free: list[list[datetime]], minutes: int, client: Client, board: str
    ) -> None:
        slot = _place(free, minutes, self.rng)
        if slot:
            ticket = self._new_ticket(slot[0], board=board, client=client)
            self._ticket_entry(day, slot[0], slot[1], ticket=ticket, minutes=minutes, vary=False)

    def _project_block(self, day: date, free: list[list[datetime]]) -> None:
        rng = self.rng
        plans = [
            p
            for p in self.world.projects_by_member.get(self.member.member_id, ())
            if p.active_on(day)
        ]
        if not plans or rng.random() >= self.profile.project_share:
            return
        plan = rng.choice(plans)
        phase_id = plan.phase_on(day)
        wanted = rng.randint(36, 72) if self.profile.project_share > 0.5 else rng.randint(24, 48)
        longest = max((high - low for low, high in free), default=timedelta(0)) // MINUTE
        total = min(wanted * 5, longest // 5 * 5 - 15)
        if total < 60:
            return
        slot = _place(free, total, rng)
        if slot is None:
            return
        cursor, block_end = slot
        work_type = self.wt[catalog.PROJECT_WORK]
        while block_end - cursor >= 20 * MINUTE:
            end = min(cursor + rng.randint(9, 30) * 5 * MINUTE, block_end)
            source = EntrySource.TIMER if rng.random() < 0.5 else EntrySource.MANUAL
            self._client_entry(
                day,
                cursor,
                end,
                work_type,
                phase_id=phase_id,
                agreement=plan.agreement,
                source=source,
            )
            self.world.phase_minutes[phase_id] += (end - cursor).total_seconds() / 60
            cursor = end + rng.choice((0, 0, 2, 5, 10)) * MINUTE

    def _call_out(self, day: date, *, after: datetime) -> None:
        """An evening (or weekend) emergency: a new urgent ticket worked at the overtime rate."""
        rng = self.rng
        start = after + rng.randint(0, 24) * 5 * MINUTE
        board = rng.choice((catalog.ALERTS, catalog.ESCALATIONS))
        priority = rng.choice((Priority.CRITICAL, Priority.HIGH))
        ticket = self._new_ticket(start, board=board, priority=priority)
        self._ticket_entry(
            day,
            start,
            start + 4 * HOUR,
            ticket=ticket,
            work_type=self.wt[catalog.AFTER_HOURS],
            minutes=rng.randint(6, 24) * 5,
        )

    def _time_off(self, day: date, spans: list[tuple[datetime, datetime]]) -> None:
        rng = self.rng
        # Drawn either way, so a booked day leaves the rest of the random stream as it was.
        chance = rng.random()
        planned = day in self.booked_off or chance < 0.7
        if planned:  # booked well ahead
            created = spans[0][0] - rng.randint(3, 30) * timedelta(days=1)
        else:  # a sick day, entered on return
            created = self._at(day + timedelta(days=1), time(8, 30))
        remaining = self.member.expected_minutes * MINUTE
        for start, end in spans:
            length = min(end - start, remaining)
            if length <= timedelta(0):
                break
            remaining -= length
            self.entries.append(
                SimEntry(
                    start=start,
                    end=start + length,
                    work_type=self.wt[catalog.PTO],
                    billable=BillableOption.DO_NOT_BILL,
                    created_at=min(created, self.world.now),
                    source=EntrySource.WRAP,
                    notes=catalog.NOTES[catalog.PTO][0 if planned else 1],
                )
            )

    def _import_overlap(self, day_entries: list[SimEntry]) -> None:
        """The remote-access tool's session log, imported overnight, repeats part of an entry."""
        rng = self.rng
        candidates = [e for e in day_entries if e.ticket and e.end - e.start >= 30 * MINUTE]
        if not candidates:
            return
        base = rng.choice(candidates)
        start = base.start + (base.end - base.start) * rng.uniform(0.3, 0.6)
        start = start.replace(second=0, microsecond=0)
        end = start + rng.randint(6, 12) * 5 * MINUTE
        day = base.start.astimezone(self.member.zone).date()
        imported = self._at(day, time(2))
        remote = self.wt[catalog.REMOTE]
        # The log says remote support, whatever the entry it repeats was: its billable option
        # comes from that work type and the agreement (a managed agreement covering remote
        # work makes it No Charge, never Billable); one marked by hand keeps the mark.
        billable = base.billable
        if billable == BillableOption.BILLABLE:
            billable = self.world.pricing.billable(
                agreement=base.agreement, work_type=remote, on=day
            )
        self.entries.append(
            SimEntry(
                start=start,
                end=end,
                work_type=remote,
                billable=billable,
                created_at=min(imported + timedelta(days=1), self.world.now),
                source=EntrySource.IMPORT,
                notes=catalog.IMPORT_NOTE,
                ticket=base.ticket,
                agreement=base.agreement,
            )
        )

    def _make_late(self, day_entries: list[SimEntry]) -> None:
        client_work = [e for e in day_entries if e.ticket is not None]
        if client_work:
            entry = client_work[len(client_work) // 2]
            entry.source = EntrySource.MANUAL
            entry.created_at = min(entry.end + 3 * HOUR, self.world.now)

    def _timer_at(self, started: datetime) -> None:
        ticket = self._pick_ticket(started, continuing_only=True)
        if ticket.status == TicketStatus.NEEDS_SCHEDULING:
            ticket.move(TicketStatus.SCHEDULED, at=started - 5 * MINUTE, by=self.member.member_id)
        if ticket.status != TicketStatus.IN_PROGRESS:
            ticket.move(TicketStatus.IN_PROGRESS, at=started, by=self.member.member_id)
        ticket.last_touch = started
        self.timer = (started, ticket)

    # --- tickets -----------------------------------------------------------------------------

    def _pick_ticket(self, start: datetime, *, continuing_only: bool = False) -> SimTicket:
        """Go back to one of my open tickets, or take a new one. The more I have open, the more
        likely I go back to one, which keeps each member's open list small and steady."""
        ready = [t for t in self.open if t.last_touch <= start - REVISIT_AFTER]
        if ready and (continuing_only or self.rng.random() < min(0.9, 0.35 * len(ready))):
            return ready[0] if self.rng.random() < 0.5 else self.rng.choice(ready)
        return self._new_ticket(start)

    def _new_ticket(
        self,
        first_touch: datetime,
        *,
        board: str | None = None,
        client: Client | None = None,
        priority: int | None = None,
    ) -> SimTicket:
        rng = self.rng
        if board is None:
            if self.board_names:
                roll = rng.random() * self.board_cum[-1]
                board = self.board_names[bisect.bisect_right(self.board_cum, roll)]
            else:
                board = catalog.HELP_DESK
        if client is None:
            client = self.world.clients.pick(rng, self.member.region)
            if client.agreement is not None and rng.random() < 0.005:
                client = Client(client.company_id, None)  # nobody set the agreement
        if priority is None:
            priority = PRIORITIES[
                bisect.bisect_right(PRIORITY_CUM, rng.random() * PRIORITY_CUM[-1])
            ]
        delay = round(rng.triangular(*RESPONSE_DELAY[priority]))
        summary = catalog.ticket_summary(rng, board)
        ticket = SimTicket(
            board=self.world.boards[board],
            client=client,
            priority=priority,
            summary=summary,
            opened_at=first_touch - delay * MINUTE,
            assignee_id=self.member.member_id,
            targets=self.world.sla_targets(priority, client.agreement),
            last_touch=first_touch - delay * MINUTE,
        )
        self.tickets.append(ticket)
        self.open.append(ticket)
        return ticket


# -------------------------------------------------------------------------------------------
# Free-time bookkeeping for one day: a list of [start, end) stretches not yet used.


def _take(free: list[list[datetime]], start: datetime, end: datetime) -> bool:
    """Remove [start, end) from the free stretches if it lies wholly inside one."""
    for index, (low, high) in enumerate(free):
        if low <= start and end <= high:
            rest = [[low, start]] if low < start else []
            if end < high:
                rest.append([end, high])
            free[index : index + 1] = rest
            return True
    return False


def _place(
    free: list[list[datetime]], minutes: int, rng: random.Random
) -> tuple[datetime, datetime] | None:
    """Reserve `minutes` at a random five-minute step inside a free stretch long enough."""
    length = minutes * MINUTE
    fitting = [(low, high) for low, high in free if high - low >= length]
    if not fitting:
        return None
    low, high = rng.choice(fitting)
    steps = int((high - low - length) / (5 * MINUTE))
    start = low + rng.randint(0, steps) * 5 * MINUTE
    _take(free, start, start + length)
    return start, start + length
