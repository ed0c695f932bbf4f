"""Build the demo MSP: people, clients, agreements, tickets, projects and months of time.

`build_demo` is deterministic for a seed and a `today`: each part of the demo draws from its
own random stream (named after the part), so a change to one part leaves the others alone.
Rows are written in batches (bulk_create, or bulk.py for the millions of tickets and time
entries); the large size streams member by member, so memory stays bounded however many
years are asked for. Time entries are written as the entry service would save them: the
rates it resolves, the agreement it applies, and the audit-history record it leaves.
"""

import itertools
import random
import time as clock
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate, Company, Contact
from daybook.people.models import Holiday, Member, Team
from daybook.people.services import member_create, schedule_set
from daybook.service.choices import Priority, ProjectStatus, TicketStatus
from daybook.service.models import Board, Phase, Project, SlaTarget, Ticket, TicketStatusChange
from daybook.service.sla import CLOCK_FIELDS, SlaTargets, TargetTable
from daybook.timekeeping.choices import ApprovalState
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.totals import monthly_totals_rebuild, rollup_settled

from . import catalog
from .bulk import FastInsert, analyze
from .catalog import CompanySpec, PersonSpec, TeamSpec
from .gap_traces import seed_gap_traces
from .meetings import seed_meetings
from .reviews import seed_reviews
from .workday import (
    GAP,
    LATE,
    NO_AGREEMENT,
    NOT_COVERED,
    OVERLAP,
    PROFILES,
    TIMER,
    Client,
    ClientPicker,
    MemberDays,
    MemberInfo,
    MemberSimulation,
    Pricing,
    ProjectPlan,
    SimTicket,
    World,
)

SMALL, LARGE, XL = "small", "large", "xl"
SIZES = (SMALL, LARGE, XL)
# The small demo's time: the last twelve complete months and this month so far, so every
# report period up to "last 12 months" has the work behind the agreements' fees.
SMALL_MONTHS = 12
# Tickets a day for the whole staff, with the ones nobody logged time on; fewer days or
# people, proportionally fewer.
SMALL_TICKETS_PER_DAY = 22
LARGE_MEMBERS = 500
# Years of time by size: about 3.3 and 5 million entries for 500 members.
YEARS = {LARGE: 3, XL: 4.5}
BATCH_SIZE = 10_000
# The member who shows every finding on their last working days, and holds the running timer.
SHOWCASE_USERNAME = "tech"
BACKLOG_PRIORITIES = [Priority.MEDIUM] * 3 + [Priority.LOW] * 2 + [Priority.HIGH]
# Project hours a member is expected to put into one project on a working day (for estimates).
PLANNED_PROJECT_HOURS_PER_DAY = 1.2


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    counts: dict[str, int]
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class DemoConflict(Exception):
    """The database holds data the demo would collide with."""


def demo_loaded() -> bool:
    """A loaded demo is recognised by its companies' identifiers."""
    return Company.objects.filter(identifier__startswith=catalog.COMPANY_PREFIX).exists()


def demo_counts() -> dict[str, int]:
    return {
        "members": Member.objects.count(),
        "teams": Team.objects.count(),
        "companies": Company.objects.count(),
        "agreements": Agreement.objects.count(),
        "tickets": Ticket.objects.count(),
        "projects": Project.objects.count(),
        "time entries": TimeEntry.objects.count(),
        "running timers": Timer.objects.count(),
    }


@dataclass(frozen=True)
class _Size:
    name: str
    members: int
    days: int
    companies: int
    ticket_target: int | None


def _size(
    size: str, members: int | None, years: float | None, days: int | None, today: date
) -> _Size:
    if size not in SIZES:
        raise ValueError(f"Size must be one of {', '.join(SIZES)}, not {size!r}.")
    if size == SMALL:
        if years is not None:
            raise ValueError("--years applies to --size large and xl only.")
        staff = len(catalog.STAFF)
        if members is None:
            members = staff
        elif not 1 <= members <= staff:
            raise ValueError(
                f"--members for the small demo picks 1 to {staff} of its people, not {members}."
            )
        days = small_days(today) if days is None else days
        target = round(SMALL_TICKETS_PER_DAY * days * members / staff)
        return _Size(SMALL, members, _positive(days, "days"), 30, target)
    members = LARGE_MEMBERS if members is None else _positive(members, "members")
    if days is None:
        years = YEARS[size] if years is None else years
        if years <= 0:
            raise ValueError(f"--years must be more than 0, not {years}.")
        days = max(1, round(365 * years))
    return _Size(size, members, _positive(days, "days"), max(30, 2 * members), None)


def small_days(today: date) -> int:
    """Days of time for the small demo: from the first of the month SMALL_MONTHS before this
    one up to yesterday (365 on the first of a month)."""
    months = today.year * 12 + today.month - 1 - SMALL_MONTHS
    first = date(months // 12, months % 12 + 1, 1)
    return (today - first).days


def _positive(value: int, name: str) -> int:
    if value < 1:
        raise ValueError(f"--{name} must be at least 1, not {value}.")
    return value


def build_demo(
    *,
    seed: int = 42,
    size: str = SMALL,
    today: date | None = None,
    progress: bool = False,
    members: int | None = None,
    years: float | None = None,
    days: int | None = None,
    out: TextIO | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoSummary:
    """Load the demo, or do nothing if it is already there (created=False).

    Time runs for `days` (small: the last twelve complete months and this month) up to
    yesterday in each member's own zone, and today up to now: each member's day so far, some
    with a timer running. `today` pins "now" to noon UTC that day, which makes the result
    repeatable; otherwise now is now.
    """
    now = timezone.now() if today is None else datetime.combine(today, time(12), tzinfo=UTC)
    plan = _size(size, members, years, days, now.date())
    if demo_loaded():
        return DemoSummary(created=False, counts=demo_counts())
    started = clock.perf_counter()
    builder = _Builder(
        seed=seed, size=plan, now=now, progress=progress, out=out, batch_size=batch_size
    )
    builder.check_free()
    if plan.name == SMALL:
        with transaction.atomic():
            builder.build()
            # Weeks of decided days and follow-ups: too slow for the benchmark sizes.
            builder.rows["follow-ups"] = seed_reviews(now=now)
            builder.rows["notes in gaps"] = seed_gap_traces(now=now, seed=seed)
            builder.rows["meetings"] = seed_meetings(now=now, seed=seed)
            # Entries arrived past the services: sum the reports' monthly totals.
            builder.rows["monthly totals"] = monthly_totals_rebuild().rows
            rollup_settled(now)
    else:
        builder.build()
        # The entries arrived in bulk, past the services: sum the reports' monthly totals.
        builder.rows["monthly totals"] = monthly_totals_rebuild().rows
        rollup_settled(now)
        # Millions of rows arrived in bulk: without fresh statistics the planner would still
        # take the tables for empty ones.
        analyze()
    seconds = clock.perf_counter() - started
    rows = dict(builder.rows)
    return DemoSummary(created=True, counts=rows, rows=sum(rows.values()), seconds=seconds)


def _next_id(model: type[Model]) -> int:
    """The first id after the table's last: the loader hands out ids itself, so rows can
    point at each other (and history records at their rows) without reading anything back."""
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _region(zone: str) -> str:
    return "uk" if zone.startswith("Europe/") else "us"


@dataclass
class _Person:
    spec: PersonSpec
    member: Member
    info: MemberInfo
    days: list[date] = field(default_factory=list)
    today: date | None = None  # the member's own today, unless it is a holiday


class _Builder:
    def __init__(
        self,
        *,
        seed: int,
        size: _Size,
        now: datetime,
        progress: bool,
        out: TextIO | None,
        batch_size: int,
    ) -> None:
        self.seed = seed
        self.size = size
        self.now = now
        self.progress = progress
        self.out = out
        self.batch_size = batch_size
        self.rows: Counter[str] = Counter()
        self.pricing = Pricing()
        self.today = now.date()
        self.last_day = self.today - timedelta(days=1)
        self.first_day = self.last_day - timedelta(days=size.days - 1)
        self.specs, self.team_specs = self._people_specs()
        self.pending: list[tuple] = []
        self.ticket_rows = FastInsert(Ticket, TICKET_FIELDS)
        self.change_rows = FastInsert(TicketStatusChange, CHANGE_FIELDS)
        # Each entry also gets the "created" history record saving it would have left.
        self.entry_rows = FastInsert(TimeEntry, ENTRY_FIELDS, history_date="created_at")
        self.next_ticket_id = 0
        self.next_entry_id = 0

    def rng(self, part: str) -> random.Random:
        return random.Random(f"daybook-demo:{self.seed}:{part}")

    # --- plan -------------------------------------------------------------------------------

    def _people_specs(self) -> tuple[list[PersonSpec], list[TeamSpec]]:
        wanted = self.size.members
        specs = list(catalog.STAFF[:wanted])
        teams = [t for t in catalog.TEAMS if any(s.team == t.name for s in specs)]
        rng = self.rng("people")
        names = list(itertools.product(catalog.FIRST_NAMES, catalog.LAST_NAMES))
        rng.shuffle(names)
        taken: Counter[str] = Counter()
        for index in range(wanted - len(specs)):
            team_index, seat = divmod(index, len(catalog.LARGE_TEAM_SHAPE))
            if seat == 0:
                label = catalog.LARGE_TEAM_NAMES[team_index % len(catalog.LARGE_TEAM_NAMES)]
                number = team_index // len(catalog.LARGE_TEAM_NAMES) + 2
                zone = catalog.LARGE_TEAM_ZONES[team_index % len(catalog.LARGE_TEAM_ZONES)]
                teams.append(TeamSpec(f"{label} {number}", zone))
            team = teams[-1]
            role, work_role, profile = catalog.LARGE_TEAM_SHAPE[seat]
            first, last = names[index % len(names)]
            base = f"{first}.{last}".lower()
            taken[base] += 1
            username = base if taken[base] == 1 else f"{base}{taken[base]}"
            schedule = rng.choice(catalog.SCHEDULE_PATTERNS)
            specs.append(
                PersonSpec(
                    username=username,
                    first_name=first,
                    last_name=last,
                    role=role,
                    team=team.name,
                    time_zone=team.time_zone,
                    work_role=work_role,
                    profile=profile,
                    cost_rate=_COST_RATES[work_role] + rng.randint(-3, 4),
                    schedule=schedule,
                    reviews_team=seat == 0,
                )
            )
        return specs, teams

    def check_free(self) -> None:
        User = get_user_model()
        usernames = [s.username for s in self.specs]
        taken = sorted(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        teams = sorted(
            Team.objects.filter(name__in=[t.name for t in self.team_specs]).values_list(
                "name", flat=True
            )
        )
        if taken or teams:
            what = f"logins named {', '.join(taken[:5])}" if taken else ""
            what += " and " if taken and teams else ""
            what += f"teams named {', '.join(teams[:5])}" if teams else ""
            raise DemoConflict(
                f"This database already has {what}; load the demo into an empty database "
                "(another DAYBOOK_DATA_DIR or DATABASE_URL)."
            )

    # --- build ------------------------------------------------------------------------------

    def build(self) -> None:
        with transaction.atomic():
            self._catalog()
            people = self._people()
            world = self._clients()
            plans = self._projects(people, world)
        self.next_ticket_id = _next_id(Ticket)
        self.next_entry_id = _next_id(TimeEntry)
        self._time(people, world)
        with transaction.atomic():
            if self.size.ticket_target is not None:
                self._top_up_tickets(people, world)
            self.ticket_rows.reset_sequence()
            self.entry_rows.reset_sequence()
            self._estimates(plans, world)

    def _count(self, name: str, number: int = 1) -> None:
        self.rows[name] += number

    def _catalog(self) -> None:
        self.roles: dict[str, WorkRole] = {}
        for spec in catalog.WORK_ROLES:
            role, created = WorkRole.objects.get_or_create(
                name=spec.name, defaults={"rate": spec.rate}
            )
            self.roles[spec.name] = role
            self._count("work roles", created)
        self.types: dict[str, WorkType] = {}
        for spec in catalog.WORK_TYPES:
            work_type, created = WorkType.objects.get_or_create(
                name=spec.name,
                defaults={
                    "billable_default": spec.billable_default,
                    "rate_multiplier": spec.rate_multiplier,
                    "is_payroll_wrap": spec.is_payroll_wrap,
                    "is_time_off": spec.is_time_off,
                    "counts_toward_utilization": spec.counts_toward_utilization,
                },
            )
            self.types[spec.name] = work_type
            self._count("work types", created)
        self.boards: dict[str, Board] = {}
        for name, type_name in catalog.BOARDS.items():
            board, created = Board.objects.get_or_create(
                name=name, defaults={"default_work_type": self.types[type_name]}
            )
            self.boards[name] = board
            self._count("boards", created)
        self.sla: TargetTable = {}
        for priority, (respond, resolve) in catalog.SLA_DEFAULTS.items():
            target, created = SlaTarget.objects.get_or_create(
                priority=priority,
                agreement=None,
                defaults={"respond_minutes": respond, "resolve_minutes": resolve},
            )
            self.sla[(priority, None)] = SlaTargets(target.respond_minutes, target.resolve_minutes)
            self._count("SLA targets", created)

    def _people(self) -> list[_Person]:
        teams = {}
        for spec in self.team_specs:
            teams[spec.name] = Team.objects.create(name=spec.name)
        self._count("teams", len(teams))
        holidays = self._holidays(teams)
        people = []
        # One hash for the shared demo password: hashing is slow on purpose.
        password = make_password(catalog.DEMO_PASSWORD)
        for spec in self.specs:
            zone = ZoneInfo(spec.time_zone)
            last = self.now.astimezone(zone).date() - timedelta(days=1)
            days = [last - timedelta(days=n) for n in reversed(range(self.size.days))]
            member = member_create(
                username=spec.username,
                role=spec.role,
                email=f"{spec.username}@{catalog.EMAIL_DOMAIN}",
                first_name=spec.first_name,
                last_name=spec.last_name,
                team=teams[spec.team] if spec.team else None,
                time_zone=spec.time_zone,
                expected_hours_per_day=spec.expected_hours,
                cost_rate=spec.cost_rate,
                default_work_role=self.roles[spec.work_role],
                superuser=spec.superuser,
                # Everyone has worked here since the demo's time begins: every day is reviewed.
                start_date=days[0],
            )
            if spec.login:
                member.user.password = password
                member.user.save(update_fields=["password"])
            windows = [(_clock(start), _clock(end)) for start, end in spec.schedule]
            schedule_set(
                member=member,
                blocks=[(day, start, end) for day in spec.weekdays for start, end in windows],
            )
            if spec.reviews_team and spec.team:
                teams[spec.team].reviewers.add(member)
            info = MemberInfo(
                member_id=member.pk,
                username=spec.username,
                zone=zone,
                region=_region(spec.time_zone),
                schedule=dict.fromkeys(spec.weekdays, windows),
                expected_minutes=int(spec.expected_hours * 60),
                work_role=self.roles[spec.work_role],
                cost_rate=spec.cost_rate,
                profile=PROFILES[spec.profile],
                in_team=spec.team is not None,
            )
            # Nobody works their holidays in the demo.
            off = holidays.get(None, set()) | holidays.get(spec.team, set())
            today = last + timedelta(days=1)
            people.append(
                _Person(
                    spec,
                    member,
                    info,
                    [d for d in days if d not in off],
                    None if today in off else today,
                )
            )
        self._count("members", len(people))
        self._count(
            "schedule blocks", sum(len(p.spec.schedule) * len(p.spec.weekdays) for p in people)
        )
        return people

    def _holidays(self, teams: dict[str, Team]) -> dict[str | None, set[date]]:
        """An organisation holiday and one for the team abroad, in the history but well
        before the days the showcase puts its findings on. Dates by team name (None: all)."""
        wanted: dict[str | None, set[date]] = defaultdict(set)
        rows = []
        for back, weekday, name, team_name in catalog.HOLIDAYS:
            day = self.last_day - timedelta(days=back)
            day -= timedelta(days=(day.weekday() - weekday) % 7)
            team = teams.get(team_name) if team_name else None
            if day < self.first_day or (team_name and team is None):
                continue
            rows.append(Holiday(date=day, name=name, team=team))
            wanted[team_name].add(day)
        Holiday.objects.bulk_create(rows)
        self._count("holidays", len(rows))
        return wanted

    def _company_specs(self) -> list[CompanySpec]:
        specs = list(catalog.COMPANIES)
        extra = self.size.companies - len(specs)
        if extra <= 0:
            return specs
        rng = self.rng("companies")
        names = [" ".join(words) for words in itertools.product(*catalog.COMPANY_WORDS)]
        rng.shuffle(names)
        kinds = [AgreementType.MANAGED] * 9 + [AgreementType.BLOCK_HOURS] * 4
        kinds += [AgreementType.TIME_AND_MATERIALS] * 6 + [None]
        zones = [*catalog.US_ZONES, catalog.ZONE_UK]
        for index in range(extra):
            name = names[index % len(names)]
            if index >= len(names):
                name = f"{name} {index // len(names) + 1}"
            specs.append(CompanySpec(name, rng.choice(zones), rng.choice(kinds), rng.randint(1, 6)))
        return specs

    def _clients(self) -> World:
        rng = self.rng("clients")
        specs = self._company_specs()
        companies = self._companies(rng, specs)
        agreements = self._service_agreements(rng, specs, companies)
        self._coverage_and_rates(agreements)
        self._premium_sla(agreements)
        self.companies = companies
        self.service_agreements = agreements
        return self._world(specs, companies, agreements)

    def _companies(self, rng: random.Random, specs: list[CompanySpec]) -> list[Company]:
        """The client companies, each with an office contact."""
        companies = Company.objects.bulk_create(
            [
                Company(
                    name=spec.name,
                    identifier=catalog.COMPANY_PREFIX + slugify(spec.name)[:44],
                    time_zone=spec.time_zone,
                )
                for spec in specs
            ],
            batch_size=self.batch_size,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    company=company,
                    name=f"{rng.choice(catalog.FIRST_NAMES)} {rng.choice(catalog.LAST_NAMES)}",
                    email=f"office@{company.identifier.removeprefix(catalog.COMPANY_PREFIX)}.example",
                )
                for company in companies
            ],
            batch_size=self.batch_size,
        )
        self._count("companies", len(companies))
        self._count("contacts", len(companies))
        return companies

    def _service_agreements(
        self, rng: random.Random, specs: list[CompanySpec], companies: list[Company]
    ) -> list[tuple[CompanySpec, Agreement]]:
        """Each client's current agreement (prospects have none); some managed clients also
        have the time & materials agreement they were on before."""
        agreements: list[tuple[CompanySpec, Agreement]] = []
        earlier: list[Agreement] = []
        for spec, company in zip(specs, companies, strict=True):
            if spec.agreement is None:
                continue
            agreement, before = self._service_agreement(rng, spec, company)
            agreements.append((spec, agreement))
            if before is not None:
                earlier.append(before)
        Agreement.objects.bulk_create(
            [a for _, a in agreements] + earlier, batch_size=self.batch_size
        )
        self._count("agreements", len(agreements) + len(earlier))
        return agreements

    def _service_agreement(
        self, rng: random.Random, spec: CompanySpec, company: Company
    ) -> tuple[Agreement, Agreement | None]:
        start = self.first_day - timedelta(days=rng.randint(60, 1000))
        agreement = Agreement(company=company, type=spec.agreement, start_date=start)
        earlier = None
        if spec.agreement == AgreementType.MANAGED:
            agreement.name = (
                "Premium managed services"
                if spec.premium
                else ("Remote support plan" if spec.remote_only else "Managed services")
            )
            agreement.monthly_fee = rng.choice(catalog.MANAGED_FEES)
            if rng.random() < 0.2:  # they started on hourly billing before signing up
                earlier = Agreement(
                    company=company,
                    type=AgreementType.TIME_AND_MATERIALS,
                    name="Time & materials (before the managed plan)",
                    start_date=start - timedelta(days=rng.randint(200, 700)),
                    end_date=start - timedelta(days=1),
                )
        elif spec.agreement == AgreementType.BLOCK_HOURS:
            hours, amount = rng.choice(catalog.BLOCK_SIZES)
            agreement.name = f"{hours:.0f}-hour block"
            agreement.prepaid_hours = hours
            agreement.prepaid_amount = amount
            agreement.hourly_rate = (amount / hours).quantize(Decimal("0.01"))
        else:
            agreement.name = "Time & materials"
            agreement.hourly_rate = catalog.TM_RATE if rng.random() < 0.5 else None
        return agreement, earlier

    def _coverage_and_rates(self, agreements: list[tuple[CompanySpec, Agreement]]) -> None:
        """The work types managed and block-hours agreements cover, and the negotiated role
        rates of the first time & materials client."""
        covered = {
            AgreementType.MANAGED: [catalog.REMOTE, catalog.ONSITE],
            AgreementType.BLOCK_HOURS: [catalog.REMOTE, catalog.ONSITE, catalog.AFTER_HOURS],
        }
        Through = Agreement.covered_work_types.through
        links = []
        for spec, agreement in agreements:
            names = [catalog.REMOTE] if spec.remote_only else covered.get(agreement.type, [])
            links += [Through(agreement=agreement, worktype=self.types[n]) for n in names]
        negotiated = next(
            (a for _, a in agreements if a.type == AgreementType.TIME_AND_MATERIALS), None
        )
        rates = []
        if negotiated is not None:
            rates = [
                AgreementRate(agreement=negotiated, work_role=self.roles[role], rate=rate)
                for role, rate in catalog.NEGOTIATED_RATES.items()
            ]
        Through.objects.bulk_create(links, batch_size=self.batch_size)
        AgreementRate.objects.bulk_create(rates)
        self._count("agreement coverage", len(links))
        self._count("agreement rates", len(rates))

    def _premium_sla(self, agreements: list[tuple[CompanySpec, Agreement]]) -> None:
        """Premium clients' own, shorter SLA targets."""
        sla = []
        for spec, agreement in agreements:
            if spec.premium:
                for priority, (respond, resolve) in catalog.SLA_PREMIUM.items():
                    sla.append(
                        SlaTarget(
                            priority=priority,
                            agreement=agreement,
                            respond_minutes=respond,
                            resolve_minutes=resolve,
                        )
                    )
                    self.sla[(priority, agreement.pk)] = SlaTargets(respond, resolve)
        SlaTarget.objects.bulk_create(sla)
        self._count("SLA targets", len(sla))

    def _world(
        self,
        specs: list[CompanySpec],
        companies: list[Company],
        agreements: list[tuple[CompanySpec, Agreement]],
    ) -> World:
        """What the members' simulated days draw on: the clients by region and weight, and
        the two clients the showcase findings need."""
        by_company = {a.company_id: a for _, a in agreements}
        clients = [
            (Client(company.pk, by_company.get(company.pk)), _region(spec.time_zone), spec.size)
            for spec, company in zip(specs, companies, strict=True)
        ]
        remote_only = next(
            (
                client
                for (client, _, _), spec in zip(clients, specs, strict=True)
                if spec.remote_only
            ),
            None,
        )
        prospect = next((c for c, _, _ in clients if c.agreement is None), None)
        return World(
            now=self.now,
            work_types=self.types,
            boards=self.boards,
            board_work_types={name: self.types[t] for name, t in catalog.BOARDS.items()},
            clients=ClientPicker(clients),
            remote_only_client=remote_only,
            prospect_client=prospect,
            projects_by_member={},
            pricing=self.pricing,
            sla=self.sla,
        )

    # --- projects ---------------------------------------------------------------------------

    def _projects(self, people: list[_Person], world: World) -> list["_ProjectDraft"]:
        """Each project-minded member leads a run of overlapping projects, sometimes with a
        teammate; the plans say when work happens and which phase is current."""
        rng = self.rng("projects")
        by_team: dict[str | None, list[_Person]] = defaultdict(list)
        for person in people:
            by_team[person.spec.team].append(person)
        with_agreement = {a.company_id for _, a in self.service_agreements}
        companies = [c for c in self.companies if c.pk in with_agreement]
        drafts: list[_ProjectDraft] = []
        for team_people in by_team.values():
            leads = [p for p in team_people if p.info.profile.project_share >= 0.3]
            manager = next((p for p in team_people if p.spec.profile == "pm"), None)
            manager = manager or next((p for p in team_people if p.spec.reviews_team), None)
            for lead in leads:
                helpers = [p for p in leads if p is not lead]
                # Inside the demo's time, so a finished project has all its hours.
                cursor = self.first_day + timedelta(days=rng.randint(0, 20))
                while cursor <= self.last_day + timedelta(days=20):
                    span = rng.randint(30, 90)
                    crew = [lead]
                    if helpers and rng.random() < 0.4:
                        crew.append(rng.choice(helpers))
                    company = rng.choice(companies)
                    drafts.append(self._project_draft(rng, company, cursor, span, crew, manager))
                    cursor += timedelta(days=max(7, int(span * rng.uniform(0.6, 1.0))))
        Agreement.objects.bulk_create([d.agreement for d in drafts], batch_size=self.batch_size)
        for draft in drafts:
            draft.project.agreement = draft.agreement
        Project.objects.bulk_create([d.project for d in drafts], batch_size=self.batch_size)
        for draft in drafts:
            for phase in draft.phases:
                phase.project = draft.project
        Phase.objects.bulk_create(
            [phase for d in drafts for phase in d.phases], batch_size=self.batch_size
        )
        self._count("agreements", len(drafts))
        self._count("projects", len(drafts))
        self._count("phases", sum(len(d.phases) for d in drafts))
        for draft in drafts:
            plan = draft.plan()
            for member_id in plan.members:
                world.projects_by_member.setdefault(member_id, []).append(plan)
        return drafts

    def _project_draft(
        self,
        rng: random.Random,
        company: Company,
        start: date,
        span: int,
        crew: list[_Person],
        manager: _Person | None,
    ) -> "_ProjectDraft":
        template, phase_specs = rng.choice(catalog.PROJECT_TEMPLATES)
        due = start + timedelta(days=span)
        stop = min(due, self.today)
        if start > self.last_day:
            status = ProjectStatus.PLANNED
        elif due < self.last_day:
            status = ProjectStatus.DONE
        elif rng.random() < 0.12:
            status = ProjectStatus.ON_HOLD
            stop = min(stop, start + timedelta(days=int(span * rng.uniform(0.3, 0.6))))
        else:
            status = ProjectStatus.ACTIVE
        fixed_fee = rng.random() < 0.6
        agreement = Agreement(
            company=company,
            type=AgreementType.PROJECT,
            name=f"{template} ({'fixed fee' if fixed_fee else 'time & materials'})",
            start_date=start,
            hourly_rate=None if fixed_fee else catalog.PROJECT_RATE,
        )
        project = Project(
            company=company,
            name=f"{template} ({start:%b %Y})",
            project_type=template,
            status=status,
            manager=manager.member if manager else None,
            start_date=start,
            due_date=due,
        )
        phases = [
            Phase(name=name, position=position)
            for position, (name, _) in enumerate(phase_specs, start=1)
        ]
        return _ProjectDraft(
            project=project,
            agreement=agreement,
            phases=phases,
            shares=[share for _, share in phase_specs],
            crew=[p.member.pk for p in crew],
            stop=stop,
            fixed_fee=fixed_fee,
        )

    def _estimates(self, drafts: list["_ProjectDraft"], world: World) -> None:
        """Estimates a project manager could have written: close to what the work took, give
        or take, for phases already over; from the plan for the rest."""
        rng = self.rng("estimates")
        phases, agreements = [], []
        for draft in drafts:
            total = Decimal("0")
            for phase, (_, first, last) in zip(draft.phases, draft.plan().phases, strict=True):
                actual = world.phase_minutes.get(phase.pk, 0) / 60
                if last < draft.stop or draft.project.status == ProjectStatus.DONE:
                    hours = actual * rng.uniform(0.8, 1.25)
                else:
                    workdays = sum(
                        1 for n in range((last - first).days + 1)
                        if (first + timedelta(days=n)).weekday() < 5
                    )  # fmt: skip
                    hours = workdays * len(draft.crew) * PLANNED_PROJECT_HOURS_PER_DAY
                    hours *= rng.uniform(0.85, 1.2)
                phase.estimated_hours = max(Decimal("2"), Decimal(round(hours * 2)) / 2)
                total += phase.estimated_hours
                phases.append(phase)
            draft.agreement.estimated_hours = total
            if draft.fixed_fee:
                fee = total * catalog.PROJECT_RATE * Decimal(str(round(rng.uniform(0.95, 1.1), 2)))
                draft.agreement.prepaid_amount = fee.quantize(Decimal("100"))
            agreements.append(draft.agreement)
        Phase.objects.bulk_update(phases, ["estimated_hours"], batch_size=self.batch_size)
        Agreement.objects.bulk_update(
            agreements, ["estimated_hours", "prepaid_amount"], batch_size=self.batch_size
        )

    # --- time -------------------------------------------------------------------------------

    def _time(self, people: list[_Person], world: World) -> None:
        showcase = next((p for p in people if p.spec.username == SHOWCASE_USERNAME), None)
        bar = tqdm(
            people,
            desc="members",
            unit="member",
            file=self.out,
            disable=not self.progress,
            mininterval=1.0,
        )
        started = clock.perf_counter()
        for person in bar:
            rng = self.rng(f"member:{person.spec.username}")
            scenarios: dict[date, set[str]] = {}
            timer_now = False
            booked: set[date] = set()
            today = person.today
            if person is showcase:
                scenarios, timer_now, started = self._showcase(person)
                booked = self._booked_day_off(person, set(scenarios))
                if not started:
                    today = None  # the timer left on since their last day is still running
            simulation = MemberSimulation(
                world=world,
                member=person.info,
                rng=rng,
                days=person.days,
                time_off=self._time_off(rng, person, set(scenarios)) | booked,
                booked_off=booked,
                scenarios=scenarios,
                timer_now=timer_now,
                today=today,
            )
            output = simulation.run()
            with transaction.atomic():
                self._save_member(person, output)
            if self.progress:
                rate = sum(self.rows.values()) / (clock.perf_counter() - started)
                bar.set_postfix(rows=sum(self.rows.values()), rows_s=f"{rate:,.0f}")
        with transaction.atomic():
            self._flush()

    def _showcase(self, person: _Person) -> tuple[dict[date, set[str]], bool, bool]:
        """Put every finding the review should spot on the showcase member's last working
        days, and their running timer either now (once today's work has begun) or, if it
        has not, left on since their last working day. Returns the scenarios, whether
        the timer runs now, and whether today's work has begun."""
        info = person.info
        worked = [d for d in person.days if d.weekday() in info.schedule]
        local_now = self.now.astimezone(info.zone)
        windows = info.schedule.get(local_now.weekday(), []) if person.today else []
        starts = [
            datetime.combine(local_now.date(), start, tzinfo=info.zone) for start, _ in windows
        ]
        started = any(start <= local_now for start in starts)
        # Once today's work has begun the timer runs now, at lunch and after hours too: the
        # pages that show a running timer must have one whenever the demo is loaded.
        timer_now = started
        # Last working day first.
        flags = [
            {LATE} if started else {LATE, TIMER},
            {GAP, NOT_COVERED},
            {OVERLAP, NO_AGREEMENT},
        ]
        scenarios = dict(zip(reversed(worked), flags, strict=False))
        return scenarios, timer_now, started

    def _booked_day_off(self, person: _Person, keep: set[date]) -> set[date]:
        """A day the showcase technician booked off well ahead, in the last fortnight: their
        week shows it as time off, and the review leaves it out."""
        worked = [d for d in person.days if d.weekday() in person.info.schedule and d not in keep]
        back = catalog.BOOKED_DAY_OFF_BACK
        return {worked[-back]} if len(worked) >= back else set()

    def _time_off(self, rng: random.Random, person: _Person, keep: set[date]) -> set[date]:
        """A holiday of a few days now and then, and the odd single day (sick or personal)."""
        worked = [d for d in person.days if d.weekday() in person.info.schedule and d not in keep]
        off: set[date] = set()
        for chunk in range(0, len(worked), 65):
            if rng.random() < 0.45:
                first = rng.randrange(chunk, min(chunk + 65, len(worked)))
                off.update(worked[first : first + rng.randint(3, 5)])
        off.update(d for d in worked if rng.random() < 0.015)
        return off - keep

    def _save_member(self, person: _Person, output: MemberDays) -> None:
        self._save_tickets(output.tickets)
        info = person.info
        last = person.days[-1]
        previous_month = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        approved_before = datetime.combine(previous_month, time.min, tzinfo=info.zone)
        role = info.work_role
        for entry in output.entries:
            self.pending.append(
                (
                    self.next_entry_id,
                    info.member_id,
                    entry.start,
                    entry.end,
                    entry.ticket.pk if entry.ticket else None,
                    entry.phase_id,
                    entry.agreement.pk if entry.agreement else None,
                    role.pk,
                    entry.work_type.pk,
                    entry.billable,
                    self.pricing.bill_rate(
                        work_role=role,
                        work_type=entry.work_type,
                        billable=entry.billable,
                        agreement=entry.agreement,
                    ),
                    info.cost_rate,
                    entry.notes,
                    entry.internal_notes,
                    entry.source,
                    ApprovalState.APPROVED if entry.end < approved_before else ApprovalState.OPEN,
                    entry.created_at,
                    entry.created_at,
                    "",  # import_key: demo time was not imported
                )
            )
            self.next_entry_id += 1
        if len(self.pending) >= self.batch_size:
            self._flush()
        if output.timer is not None:
            started, ticket = output.timer
            Timer.objects.create(
                member_id=info.member_id,
                started_at=started,
                ticket_id=ticket.pk,
                notes="Remote session in progress.",
            )
            self._count("running timers")

    def _save_tickets(self, tickets: list[SimTicket]) -> None:
        """Tickets get their ids here, so their entries and status changes can point at them
        without reading anything back."""
        rows = []
        for ticket in tickets:
            ticket.pk = self.next_ticket_id
            self.next_ticket_id += 1
            rows.append(
                (
                    ticket.pk,
                    ticket.board.pk,
                    ticket.client.company_id,
                    ticket.agreement.pk if ticket.agreement else None,
                    ticket.summary,
                    "",
                    ticket.priority,
                    ticket.status,
                    None,
                    ticket.assignee_id,
                    ticket.opened_at,
                    ticket.closed_at,
                    # The clock the simulated moves kept, through the services' own function.
                    *(getattr(ticket.clock, name) for name in CLOCK_FIELDS),
                )
            )
        self._insert(self.ticket_rows, rows, "tickets")
        changes = [
            (ticket.pk, old, new, at, by)
            for ticket in tickets
            for old, new, at, by in ticket.changes
        ]
        self._insert(self.change_rows, changes, "ticket status changes")

    def _insert(self, target: FastInsert, rows: list[tuple], name: str) -> None:
        written = 0
        for start in range(0, len(rows), self.batch_size):
            written += target.insert(rows[start : start + self.batch_size])
        if written:
            self._count(name, written)
            if target.history is not None:
                self._count("history records", written)

    def _flush(self) -> None:
        self._insert(self.entry_rows, self.pending, "time entries")
        self.pending = []

    def _top_up_tickets(self, people: list[_Person], world: World) -> None:
        """Tickets nobody logged time on: a fresh, unassigned backlog and the duplicates and
        self-clearing alerts a dispatcher closes, until the small demo has its ~2,000."""
        missing = self.size.ticket_target - self.rows["tickets"]
        if missing <= 0:
            return
        rng = self.rng("backlog")
        dispatcher = next((p for p in people if p.spec.profile == "dispatcher"), None)
        by = dispatcher.member.pk if dispatcher else None
        window = (self.now - datetime.combine(self.first_day, time(12), tzinfo=UTC)).days
        tickets = []
        for index in range(missing):
            fresh = index < min(30, missing // 4 + 1)
            if fresh:
                opened = self.now - timedelta(minutes=rng.randint(20, 36 * 60))
                board = catalog.HELP_DESK
            else:
                opened = self.now - timedelta(days=rng.uniform(1, window))
                board = catalog.ALERTS if rng.random() < 0.6 else catalog.HELP_DESK
            priority = rng.choice(BACKLOG_PRIORITIES)
            summary = catalog.ticket_summary(rng, board)
            client = world.clients.pick(rng, "us" if rng.random() < 0.75 else "uk")
            ticket = SimTicket(
                board=self.boards[board],
                client=client,
                priority=priority,
                summary=summary,
                opened_at=opened,
                assignee_id=None,
                targets=world.sla_targets(priority, client.agreement),
            )
            if not fresh:
                ticket.move(
                    TicketStatus.CLOSED, at=opened + timedelta(minutes=rng.randint(4, 50)), by=by
                )
            tickets.append(ticket)
        self._save_tickets(tickets)


TICKET_FIELDS = [
    "id",
    "board",
    "company",
    "agreement",
    "summary",
    "description",
    "priority",
    "status",
    "work_type",
    "assignee",
    "opened_at",
    "closed_at",
    *CLOCK_FIELDS,
]
CHANGE_FIELDS = ["ticket", "from_status", "to_status", "at", "by"]
ENTRY_FIELDS = [
    "id",
    "member",
    "start",
    "end",
    "ticket",
    "phase",
    "agreement",
    "work_role",
    "work_type",
    "billable",
    "bill_rate",
    "cost_rate",
    "notes",
    "internal_notes",
    "source",
    "approval_state",
    "created_at",
    "updated_at",
    "import_key",
]


@dataclass(eq=False)
class _ProjectDraft:
    project: Project
    agreement: Agreement
    phases: list[Phase]
    shares: list[float]
    crew: list[int]
    stop: date
    fixed_fee: bool

    def plan(self) -> ProjectPlan:
        """When each phase runs, splitting the project's days by the phases' shares."""
        start, due = self.project.start_date, self.project.due_date
        total = (due - start).days + 1
        windows = []
        day = start
        for index, (phase, share) in enumerate(zip(self.phases, self.shares, strict=True)):
            last = (
                due
                if index == len(self.phases) - 1
                else day + timedelta(days=max(1, round(total * share)) - 1)
            )
            windows.append((phase.pk, day, min(last, due)))
            day = last + timedelta(days=1)
        return ProjectPlan(
            project_id=self.project.pk,
            agreement=self.agreement,
            start=start,
            stop=self.stop,
            members=self.crew,
            phases=windows,
        )


_COST_RATES = {
    "Help Desk": Decimal("34.00"),
    "Systems Engineer": Decimal("46.00"),
    "Network Engineer": Decimal("49.00"),
    "Project Manager": Decimal("45.00"),
    "Dispatcher": Decimal("31.00"),
    "Service Manager": Decimal("60.00"),
    "Operations": Decimal("50.00"),
}
