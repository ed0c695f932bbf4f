"""Schemathesis against the API, shared by tests/api/test_schemathesis.py (a short run in
`make test`) and bench/schemathesis_bench.py (a longer one).

The schema is the one the app serves at /api/schema/, loaded through the WSGI app itself, and
every request goes through that app in this process and thread, so the test database and its
transaction are the app's too. Each role signs in with an API token of its own, made with the
same service the token page uses.

Every answer is checked three ways: no server error (5xx), a status code the schema lists for
the operation, and a body that matches the schema for that status.

Each operation is tried with generated data that fits the schema (positive) and that breaks it
(negative). Ids in paths are mostly made up, so an operation on one object (`/{id}/`) is also
tried with the id of a real one from the world below, to reach past the 404.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import hypothesis
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from daybook.accounts.models import ApiToken
from daybook.accounts.services import token_create
from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.core.periods import Period
from daybook.insights.services import statement_issue
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.review.models import FollowUp
from daybook.timekeeping.services import timer_start

from ..factories import (
    AgreementFactory,
    AgreementRateFactory,
    BoardFactory,
    CompanyFactory,
    MemberFactory,
    PhaseFactory,
    TeamFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)

SCHEMA_URL = "/api/schema/?format=json"
ROLES = [Role.TECHNICIAN, Role.DISPATCHER, Role.MANAGER, Role.FINANCE, Role.ADMIN]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


# --- the data every run starts from ------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A small MSP: one member per role in one team (the manager reviews it), a client with a
    managed and a T&M agreement, a ticket, a project phase, three earlier days of entries for
    everyone, a follow-up, an issued statement and a running timer.

    `objects` holds the id of one real row per collection of the API (its path segment after
    /api/ or /api/reports/); `own` the rows that belong to each role (its entries, a spare
    token). A key "<collection>:<METHOD>" names the row for that method only."""

    members: dict[str, Member]
    objects: dict[str, int]
    own: dict[str, dict[str, int]]
    review_day: date


def build_world() -> World:
    team = TeamFactory(name="Service Desk")
    help_desk = WorkRoleFactory(name="Help Desk", rate=Decimal("95.00"))
    WorkRoleFactory(name="Systems Engineer", rate=Decimal("140.00"))
    remote = WorkTypeFactory(name="Remote Support")
    WorkTypeFactory(name="Admin", billable_default=BillableOption.DO_NOT_BILL, is_payroll_wrap=True)
    members = {}
    for role in ROLES:
        user = UserFactory(username=f"fuzz-{role.value.lower()}", first_name=role.value)
        if role in (Role.FINANCE, Role.ADMIN):
            user.is_staff = True
            user.is_superuser = role == Role.ADMIN
            user.save()
        members[role] = MemberFactory(
            user=user, team=team, role=role, default_work_role=help_desk, cost_rate=Decimal(45)
        )
    team.reviewers.add(members[Role.MANAGER])
    company = CompanyFactory(name="Harbour Dental", identifier="harbour")
    managed = AgreementFactory(
        company=company, name="Managed", type=AgreementType.MANAGED, monthly_fee=Decimal(2100)
    )
    managed.covered_work_types.add(remote)
    hourly = AgreementFactory(
        company=company, name="Hourly", hourly_rate=Decimal(125), start_date=date(2024, 1, 1)
    )
    AgreementRateFactory(agreement=hourly, work_role=help_desk, rate=Decimal("130.00"))
    board = BoardFactory(name="Help Desk")
    ticket = TicketFactory(board=board, agreement=hourly, company=company)
    phase = PhaseFactory(project__company=company, project__agreement__company=company)

    today = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    yesterday = (today - timedelta(days=1)).date()
    own: dict[str, dict[str, int]] = {}
    for role, member in members.items():
        entries = [
            TimeEntryFactory(
                member=member,
                ticket=ticket,
                work_role=help_desk,
                work_type=remote,
                start=today - timedelta(days=days_ago),
                end=today - timedelta(days=days_ago, hours=-1),
            )
            for days_ago in (1, 2, 3)
        ]
        spare, _key = token_create(user=member.user, name="Spare, for DELETE /api/tokens/{id}/")
        own[role] = {
            "time-entries": entries[0].pk,
            "time-entries:DELETE": entries[2].pk,  # so the others still have theirs
            "tokens": spare.pk,
            "members": member.pk,
        }

    tech = members[Role.TECHNICIAN]
    follow_up = FollowUp.objects.create(  # about a gap, so it has no finding
        member=tech,
        date=yesterday,
        sent_by=members[Role.MANAGER],
        subject="About yesterday afternoon",
        body="Could you help me fill in what happened after lunch?",
        gap_start=today - timedelta(days=1, hours=-2),
        gap_end=today - timedelta(days=1, hours=-3),
    )
    issued = statement_issue(
        company=company,
        period=Period(yesterday - timedelta(days=7), yesterday),
        by=members[Role.FINANCE],
    )
    timer_start(member=members[Role.DISPATCHER], ticket=ticket)
    objects = {
        "agreements": hourly.pk,
        "boards": board.pk,
        "companies": company.pk,
        "follow-ups": follow_up.pk,
        "phases": phase.pk,
        "projects": phase.project_id,
        "profitability": hourly.pk,
        "statements": issued.pk,
        "teams": team.pk,
        "tickets": ticket.pk,
        "work-roles": help_desk.pk,
        "work-types": remote.pk,
    }
    return World(members=members, objects=objects, own=own, review_day=yesterday)


def real_path_parameters(operation, world: World, role: str) -> dict | None:
    """Ids of real rows for an operation's path, or None when it names no object we have."""
    names = {p.name for p in operation.path_parameters}
    if not names:
        return None
    if names == {"member", "date"}:  # a reviewed day: the technician's yesterday
        return {
            "member": world.members[Role.TECHNICIAN].pk,
            "date": world.review_day.isoformat(),
        }
    if names != {"id"}:
        return None
    # /api/<collection>/{id}/..., or /api/reports/<collection>/{id}/
    segments = [s for s in operation.path.split("/") if s and not s.startswith("{")][1:]
    collection = segments[1] if segments[0] == "reports" else segments[0]
    for found in (world.own[role], world.objects):
        for key in (f"{collection}:{operation.method.upper()}", collection):
            if key in found:
                return {"id": found[key]}
    return None


# --- signing in -------------------------------------------------------------------------


class Tokens:
    """One live API token per user. A run may well revoke the very token it signs in with
    (DELETE /api/tokens/{id}/ is under test too); the next request then gets a new one."""

    def __init__(self) -> None:
        self._keys: dict[int, tuple[int, str]] = {}

    def headers(self, member: Member) -> dict[str, str]:
        user = member.user
        known = self._keys.get(user.pk)
        live = ApiToken.objects.filter(pk=known[0], revoked_at__isnull=True) if known else None
        if live is None or not live.exists():
            token, key = token_create(user=user, name="Schemathesis")
            known = self._keys[user.pk] = (token.pk, key)
        return {"Authorization": f"Token {known[1]}"}


@contextmanager
def connection_kept() -> Iterator[None]:
    """Requests through the WSGI app keep the database connection, as they do through
    Django's test client: the run's data lives in a transaction on that connection, which
    Django would otherwise close at the end of each request (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema(tokens: Tokens, member: Member):
    """The schema as the app serves it, read by a signed-in member."""
    app = get_wsgi_application()
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app, headers=tokens.headers(member))


# --- running -----------------------------------------------------------------------------


@dataclass
class Tally:
    """What a run did: operations tried, requests sent (by status) and the failures, each
    kept once per operation, role and kind, with its first example."""

    operations: set[str] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def record(self, case, response, *, who: str) -> None:
        self.operations.add(case.operation.label)
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (case.operation.label, who, type(failure).__name__)
                self.failures.setdefault(key, f"{str(failure)[:3000]}\n{sent(case)}")

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{len(self.operations)} operations, {self.requests} requests ({statuses}), "
            f"{len(self.failures)} failures"
        )

    def report(self) -> str:
        lines = [self.summary()]
        for (operation, who, kind), detail in sorted(self.failures.items()):
            lines.append(f"--- {operation} as {who}: {kind}\n{detail}")
        return "\n".join(lines)


def sent(case) -> str:
    """What a case sent, to reproduce a failure (the token left out)."""
    parts = [f"Sent: {case.method.upper()} {case.formatted_path}"]
    if case.query:
        parts.append(f"query {case.query!r}")
    if case.media_type:
        parts.append(f"as {case.media_type}")
    if case.body is not NOT_SET:
        parts.append(f"body {case.body!r}"[:1000])
    return ", ".join(parts)


def hypothesis_settings(examples: int, **extra) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,  # the same cases on every run and machine
        database=None,
        deadline=None,
        # No shrinking: each failure is kept with its first example, which reproduces it, and
        # a run stays within its budget.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        **extra,
    )


def run_operation(
    operation,
    *,
    world: World,
    role: str,
    tokens: Tokens,
    tally: Tally,
    examples: int,
    modes: Iterable[GenerationMode] = MODES,
) -> None:
    """`examples` cases of one operation as `role`, in each mode: with made-up ids, then with
    the ids of real rows where the operation names one."""
    member = world.members[role]
    fixed = real_path_parameters(operation, world, role)
    for path_parameters in [None] if fixed is None else [None, fixed]:
        for mode in modes:
            if mode == GenerationMode.NEGATIVE and not negatable(operation, path_parameters):
                continue
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @hypothesis_settings(examples)
            @given(strategy)
            def one(case) -> None:
                response = case.call(headers=tokens.headers(member))
                tally.record(case, response, who=role)

            one()


def negatable(operation, path_parameters: dict | None) -> bool:
    """Whether anything the client sends can be made invalid: a query parameter, the body, or
    a path parameter not fixed to a real row's."""
    return any(
        [
            any(True for _ in operation.query),
            bool(operation.body),
            path_parameters is None and any(True for _ in operation.path_parameters),
        ]
    )


def run_stateless(
    schema, *, world: World, tokens: Tokens, tally: Tally, examples: int, roles=ROLES
) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        for role in roles:
            run_operation(
                operation, world=world, role=role, tokens=tokens, tally=tally, examples=examples
            )


def run_stateful(
    schema, *, world: World, role: str, tokens: Tokens, tally: Tally, scenarios: int, steps: int
) -> None:
    """Chains of calls that feed one answer into the next (a row created, then read, changed
    or deleted), along the links schemathesis infers from the schema."""
    member = world.members[role]

    class Machine(schema.as_state_machine()):
        def get_call_kwargs(self, case) -> dict:
            return {"headers": tokens.headers(member)}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            tally.record(case, response, who=f"{role} (stateful)")

    Machine.run(settings=hypothesis_settings(scenarios, stateful_step_count=steps))
