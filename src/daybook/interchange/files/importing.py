"""Imports in two phases, the way pretix imports orders: a preview that reads every row,
checks every rule and lists every problem with the counts of what would change, and a commit
that does the same inside one transaction and keeps it only when no row has a problem.

Every row goes through the service that the web pages use for the same action
(timekeeping.services.entry_edit, clients' company services, people's member_create,
service's ticket_create), so an import keeps the same rules as every other door: overlaps,
closed periods, locked entries, notes on client work. New entries go through the batch form
of entry_log (timekeeping.batch.EntryBatch), which applies entry_log's very checks to
BATCH_ROWS lines at a time and writes them in bulk. The preview runs those
services too, inside a transaction it rolls back: what it reports is what the commit would do.

The file is streamed: at most BATCH_ROWS lines are held at once, plus each line's import key
and span (a few numbers) to name a repeated or overlapping line of the same file.

Importing the same file again adds nothing: each imported entry keeps an import key (the
source system and its id for the entry, or a hash of what identifies the row) and a row whose
key is found is unchanged, or updated when its values differ.
"""

import hashlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement, Company
from daybook.people.choices import Role
from daybook.people.models import Member, Team
from daybook.service.choices import Priority
from daybook.service.models import Board, Phase, Ticket
from daybook.timekeeping.batch import EntryBatch, EntryRow
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_edit

from ..models import ImportLink, LinkKind
from .kinds import COMPANIES, ENTRIES, MEMBERS, SOURCES, TICKETS, Kind, Row, kind_named
from .reading import FileProblem, open_table
from .values import (
    CellProblem,
    hours_span,
    localize,
    read_date,
    read_datetime,
    read_hours,
    read_time,
    read_yes_no,
    shown,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The page and the command list this many problems; the count says how many there were.
PROBLEMS_KEPT = 1000
# Lines are settled this many at a time (timekeeping.batch.EntryBatch logs the new ones).
BATCH_ROWS = 2000


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (line and column; none for the file as a whole), the value
    found, and what is wrong with it."""

    line: int | None
    column: str | None
    value: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"Line {self.line}"
        if self.column:
            where += f", column “{self.column}”"
        if self.value:
            where += f" ({self.value!r})"
        return f"{where}: {self.message}"


@dataclass
class Outcome:
    kind: Kind
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)

    @property
    def problems_left_out(self) -> int:
        return self.problem_count - len(self.problems)


class RowRefused(Exception):
    """Stops work on one row; the problems are already recorded."""


class _RowProblems:
    """Problems of the row being read, with the file's column names."""

    def __init__(self, outcome: Outcome, row: Row) -> None:
        self.outcome = outcome
        self.row = row
        self.count = 0

    def cell(self, name: str, message: str, value: Any = None) -> None:
        self.count += 1
        raw = self.row.raw(name) if value is None else value
        self.outcome.add(Problem(self.row.line, self.row.column(name), shown(raw)[:80], message))

    def service(self, error: ValidationError | PermissionDenied, columns: dict[str, str]) -> None:
        """A service's refusal, each message under the column its field came from."""
        if isinstance(error, PermissionDenied):
            self._whole(str(error))
            return
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self._whole(message)
            return
        for name, messages in error.message_dict.items():
            for message in messages:
                target = columns.get(name)
                if target and name != NON_FIELD_ERRORS and self.row.has(target):
                    self.cell(target, message)
                else:
                    self._whole(message)

    def _whole(self, message: str) -> None:
        self.count += 1
        self.outcome.add(Problem(self.row.line, None, "", message))

    def check(self) -> None:
        if self.count:
            raise RowRefused


def _key_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


# --- entries -------------------------------------------------------------------------------


class _People:
    """Members by the ways files name them: username, email, or full name."""

    def __init__(self) -> None:
        self.by_name: dict[str, Member | None] = {}
        for member in Member.objects.select_related("user", "default_work_role"):
            user = member.user
            names = {user.username, user.email, f"{user.first_name} {user.last_name}"}
            names.add(f"{user.last_name}, {user.first_name}")
            for name in names:
                key = " ".join(name.split()).casefold()
                if not key or key == ",":
                    continue
                # The same name for two members: refuse to guess between them.
                self.by_name[key] = None if key in self.by_name else member
            # Usernames win over another member's full name.
            self.by_name[user.username.casefold()] = member

    def find(self, value: str) -> tuple[Member | None, str]:
        key = " ".join(value.split()).casefold()
        if key not in self.by_name:
            return None, (
                "No member has this username, email or name. Add the member first, or "
                "correct the name."
            )
        member = self.by_name[key]
        if member is None:
            return None, "More than one member goes by this name; use the username or email."
        return member, ""


class _Catalogue:
    def __init__(self) -> None:
        self.types = {t.name.casefold(): t for t in WorkType.objects.all()}
        self.roles = {r.name.casefold(): r for r in WorkRole.objects.all()}


class _Targets:
    """Tickets and phases by the number a file gives, cached for the whole file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tickets: dict[str, Ticket | None] = {}
        self.phases: dict[str, Phase | None] = {}

    def ticket(self, value: str) -> Ticket | None:
        if value not in self.tickets:
            ticket = None
            if self.source == "daybook":
                number = value.lstrip("#")
                if number.isdigit():
                    ticket = Ticket.objects.filter(pk=int(number)).first()
            else:
                link = ImportLink.objects.filter(
                    kind=LinkKind.TICKET, source=self.source, external_id=value
                ).first()
                if link is not None:
                    ticket = Ticket.objects.filter(pk=link.object_id).first()
            self.tickets[value] = ticket
        return self.tickets[value]

    def phase(self, value: str) -> Phase | None:
        if value not in self.phases:
            self.phases[value] = (
                Phase.objects.select_related("project").filter(pk=int(value)).first()
                if value.isdigit()
                else None
            )
        return self.phases[value]


# The entry services' fields, and the file fields they came from.
ENTRY_COLUMNS = {
    "start": "start",
    "end": "end",
    "ticket": "ticket",
    "phase": "phase",
    "work_type": "work_type",
    "work_role": "work_role",
    "billable": "billable",
    "notes": "notes",
    "internal_notes": "internal_notes",
}
COMPARED = ("start", "end", "ticket", "phase", "work_type", "work_role", "notes", "internal_notes")
RELATED = frozenset({"ticket", "phase", "work_type", "work_role"})


def _differs(entry: TimeEntry, name: str, value: object) -> bool:
    """Whether the saved entry's field differs from the line's value. Related rows are
    compared by id, so checking a saved entry reads nothing more from the database."""
    if name in RELATED:
        return getattr(entry, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(entry, name) != value


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class _Spans:
    """The spans this file gives each member, to name the line an entry overlaps. Kept as
    three arrays of numbers per member (start, end, line; about 24 bytes a line), so a large
    file costs little memory."""

    def __init__(self) -> None:
        self.by_member: dict[int, tuple[array, array, array]] = {}

    def clash(self, member_id: int, start: datetime, end: datetime) -> int | None:
        spans = self.by_member.get(member_id)
        if spans is None:
            return None
        starts, ends, lines = spans
        low, high = _micros(start), _micros(end)
        at = bisect_left(starts, low)
        for n in range(max(0, at - 1), min(at + 1, len(starts))):
            if starts[n] < high and ends[n] > low:
                return lines[n]
        return None

    def add(self, member_id: int, start: datetime, end: datetime, line: int) -> None:
        starts, ends, lines = self.by_member.setdefault(
            member_id, (array("q"), array("q"), array("q"))
        )
        low = _micros(start)
        at = bisect_right(starts, low)
        starts.insert(at, low)
        ends.insert(at, _micros(end))
        lines.insert(at, line)


class EntryImporter:
    # A line only reads and checks; the writes happen in `flush`, each in its own savepoint.
    row_savepoint = False

    def __init__(self, kind: Kind, outcome: Outcome, by: Member | None) -> None:
        self.kind = kind
        self.outcome = outcome
        self.by = by
        self.people = _People()
        self.catalogue = _Catalogue()
        self.targets = _Targets(kind.source)
        self.spans = _Spans()
        self.keys_seen: dict[tuple[int, str], int] = {}
        self.pending: list[tuple[Row, str, dict[str, Any], str | None]] = []
        self.batch = EntryBatch(by=by)

    def _moment(self, row: Row, name: str, member: Member, problems: _RowProblems):
        """A start or end as an aware time: a full date and time, or a time of day on the
        row's date."""
        raw = row.raw(name)
        try:
            try:
                moment = read_datetime(raw)
            except CellProblem:
                if not row.has("date") or not row.text("date"):
                    raise
                moment = datetime.combine(read_date(row.raw("date")), read_time(raw))
            if timezone.is_naive(moment):
                moment = localize(moment, member.zone)
            return moment
        except CellProblem as problem:
            problems.cell(name, str(problem))
            return None

    def _times(self, row: Row, member: Member, problems: _RowProblems):
        start = self._moment(row, "start", member, problems)
        end = None
        if row.has("end") and row.text("end"):
            end = self._moment(row, "end", member, problems)
            wall_clock_only = row.has("date") and isinstance(start, datetime)
            if start and end and end <= start and wall_clock_only and end.date() == start.date():
                # A time of day past midnight on the same row's date: the next day.
                end = localize(
                    datetime.combine(end.date() + timedelta(days=1), end.time()), member.zone
                )
        elif row.has("hours") and row.text("hours"):
            try:
                hours = read_hours(row.raw("hours"))
            except CellProblem as problem:
                problems.cell("hours", str(problem))
            else:
                end = hours_span(start, hours) if start else None
        else:
            problems.cell("end", "Give the end time (or the hours worked).", value="")
        return start, end

    def _key(self, row: Row, member: Member, start, end) -> str:
        if self.kind.source == "daybook":
            key = row.text("import_key")
            if key:
                return key
            entry_id = row.text("entry_id")
            if entry_id:
                return f"daybook:{entry_id}"
        elif row.text("external_id"):
            return f"{self.kind.source}:{row.text('external_id')}"
        # No id: the row's identity (Autotask matches time entries this way too).
        return f"{self.kind.source}:#" + _key_hash(
            row.text("ticket"),
            member.pk,
            start.astimezone(UTC).isoformat(),
            end.astimezone(UTC).isoformat(),
        )

    def row(self, row: Row) -> None:
        problems = _RowProblems(self.outcome, row)
        member, why = self.people.find(row.text("member"))
        if member is None:
            problems.cell("member", why)
            raise RowRefused
        start, end = self._times(row, member, problems)
        work_type = self.catalogue.types.get(row.text("work_type").casefold())
        if work_type is None:
            problems.cell("work_type", "No work type has this name in Daybook.")
        work_role = None
        if row.has("work_role") and row.text("work_role"):
            work_role = self.catalogue.roles.get(row.text("work_role").casefold())
            if work_role is None:
                problems.cell("work_role", "No work role has this name in Daybook.")
        ticket = phase = None
        if row.has("ticket") and row.text("ticket"):
            ticket = self.targets.ticket(row.text("ticket"))
            if ticket is None:
                where = (
                    "Daybook"
                    if self.kind.source == "daybook"
                    else (
                        f"Daybook's tickets imported from {self.kind.source} "
                        "(import the tickets first)"
                    )
                )
                problems.cell("ticket", f"No ticket with this number in {where}.")
        if row.has("phase") and row.text("phase"):
            phase = self.targets.phase(row.text("phase"))
            if phase is None:
                problems.cell("phase", "No project phase with this number in Daybook.")
        billable = None
        try:
            billable = self.kind.billable(row) if self.kind.billable else None
        except CellProblem as problem:
            name = "non_billable" if row.has("non_billable") else "billable"
            problems.cell(name, str(problem))
        problems.check()

        key = self._key(row, member, start, end)
        seen = self.keys_seen.get((member.pk, key))
        if seen is not None:
            problems.cell(
                "member", f"This row repeats line {seen} (the same entry twice in one file)."
            )
            problems.check()
        self.keys_seen[(member.pk, key)] = row.line
        clash = self.spans.clash(member.pk, start, end)
        if clash is not None:
            problems.cell("start", f"This overlaps line {clash} of this file for {member.name}.")
            problems.check()
        self.spans.add(member.pk, start, end, row.line)

        values = {
            "member": member,
            "start": start.astimezone(UTC),
            "end": end.astimezone(UTC),
            "ticket": ticket,
            "phase": phase,
            "work_type": work_type,
            "work_role": work_role or member.default_work_role,
            "notes": row.text("notes"),
            "internal_notes": row.text("internal_notes"),
        }
        # Lines are settled in batches: their saved entries looked up together, new ones
        # logged through the batch form of entry_log (timekeeping.batch).
        self.pending.append((row, key, values, billable))
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def _existing_many(self, waiting) -> dict[tuple[int, str], TimeEntry]:
        """The saved entries these lines name, by (member, key): one query per batch."""
        keys = {key for _, key, values, _ in waiting}
        members = {values["member"].pk for _, key, values, _ in waiting}
        # Member and key, with the condition of the (member, import key) unique index written
        # as the index writes it, so the database reads that index, not the whole table.
        saved = (
            TimeEntry.objects.filter(member_id__in=members, import_key__in=keys)
            .exclude(import_key="")
            .select_related("member", "member__user")
        )
        found = {(entry.member_id, entry.import_key): entry for entry in saved}
        # Daybook's own export read back into the same Daybook names the entries it came
        # from by id: those are read together too, and count only for the same member and start.
        own = {
            int(key[8:]): (values["member"].pk, key, values["start"])
            for _, key, values, _ in waiting
            if (values["member"].pk, key) not in found
            and key.startswith("daybook:")
            and key[8:].isdigit()
        }
        if own:
            for entry in TimeEntry.objects.filter(pk__in=own, import_key="").select_related(
                "member", "member__user"
            ):
                member_pk, key, start = own[entry.pk]
                if entry.member_id == member_pk and entry.start == start:
                    found[(member_pk, key)] = entry
        return found

    def flush(self) -> None:
        """Settle the lines read so far, in order: new entries in one batch, changed ones
        one by one after the new entries of the lines before them are saved, so every line
        meets the entries before it as it would one by one. A refused line is reported under
        its line and columns like any other problem."""
        if not self.pending:
            return
        waiting, self.pending = self.pending, []
        existing = self._existing_many(waiting)
        new: list[tuple[Row, EntryRow]] = []
        for row, key, values, billable in waiting:
            member = values["member"]
            entry = existing.get((member.pk, key))
            if entry is None:
                fields = {n: v for n, v in values.items() if n != "member"}
                new.append(
                    (
                        row,
                        EntryRow(
                            member=member,
                            billable=billable,
                            source=EntrySource.IMPORT,
                            import_key=key,
                            **fields,
                        ),
                    )
                )
                continue
            changes = {n: values[n] for n in COMPARED if _differs(entry, n, values[n])}
            if billable is not None and billable != entry.billable:
                changes["billable"] = billable
            if not changes:
                self.outcome.unchanged += 1
                continue
            self._log(new)
            new = []
            try:
                with transaction.atomic():
                    entry_edit(entry=entry, by=self.by, **changes)
            except (ValidationError, PermissionDenied) as error:
                _RowProblems(self.outcome, row).service(error, ENTRY_COLUMNS)
            else:
                self.outcome.updated += 1
        self._log(new)

    def _log(self, new: list[tuple[Row, EntryRow]]) -> None:
        if not new:
            return
        results = self.batch.log([entry for _, entry in new])
        for (row, _), result in zip(new, results, strict=True):
            if isinstance(result, TimeEntry):
                self.outcome.new += 1
            else:
                _RowProblems(self.outcome, row).service(result, ENTRY_COLUMNS)

    def finish(self) -> None:
        self.flush()
        self.batch.finish()
        # Batched lines report their problems late; list every problem in line order.
        self.outcome.problems.sort(key=lambda problem: problem.line or 0)


# --- companies, members, tickets -----------------------------------------------------------


def _link(kind: str, source: str, external_id: str) -> ImportLink | None:
    if not external_id:
        return None
    return ImportLink.objects.filter(kind=kind, source=source, external_id=external_id).first()


def _source(row: Row, problems: _RowProblems) -> str:
    source = row.text("source").casefold() if row.has("source") else ""
    if source and source not in SOURCES:
        problems.cell("source", f"Write one of: {', '.join(SOURCES)}.")
    if source and not row.text("external_id"):
        problems.cell("external_id", "Give the record's id in that system.", value="")
    return source


def _remember(kind: str, source: str, external_id: str, object_id: int) -> None:
    if source and external_id:
        ImportLink.objects.update_or_create(
            kind=kind, source=source, external_id=external_id, defaults={"object_id": object_id}
        )


class CompanyImporter:
    columns = {"name": "name", "identifier": "identifier", "time_zone": "time_zone"}

    def __init__(self, kind: Kind, outcome: Outcome, by: Member | None) -> None:
        self.outcome = outcome
        self.by = by

    def row(self, row: Row) -> None:
        from daybook.clients.services import company_create, company_update

        problems = _RowProblems(self.outcome, row)
        source = _source(row, problems)
        active = True
        if row.has("active") and row.text("active"):
            try:
                active = read_yes_no(row.raw("active"))
            except CellProblem as problem:
                problems.cell("active", str(problem))
        problems.check()
        name, identifier = row.text("name"), row.text("identifier")
        link = _link(LinkKind.COMPANY, source, row.text("external_id"))
        company = Company.objects.filter(pk=link.object_id).first() if link else None
        if company is None and identifier:
            company = Company.objects.filter(identifier=identifier).first()
        if company is None:
            company = Company.objects.filter(name__iexact=name).first()
        zone = row.text("time_zone") or (
            company.time_zone if company else timezone.get_default_timezone_name()
        )
        try:
            if company is None:
                company = company_create(
                    by=self.by, name=name, identifier=identifier, time_zone=zone, is_active=active
                )
                self.outcome.new += 1
            else:
                wanted = {
                    "name": name,
                    "identifier": identifier or company.identifier,
                    "time_zone": zone,
                    "is_active": active,
                }
                if all(getattr(company, k) == v for k, v in wanted.items()):
                    self.outcome.unchanged += 1
                else:
                    company_update(by=self.by, company=company, **wanted)
                    self.outcome.updated += 1
        except (ValidationError, PermissionDenied) as error:
            problems.service(error, self.columns)
            raise RowRefused from error
        _remember(LinkKind.COMPANY, source, row.text("external_id"), company.pk)


class MemberImporter:
    columns = {
        "username": "username",
        "email": "email",
        "first_name": "first_name",
        "last_name": "last_name",
        "time_zone": "time_zone",
        "expected_hours_per_day": "expected_hours",
        "start_date": "start_date",
    }

    def __init__(self, kind: Kind, outcome: Outcome, by: Member | None) -> None:
        self.outcome = outcome
        self.by = by
        self.roles = {role.value.casefold(): role for role in Role}
        self.teams = {team.name.casefold(): team for team in Team.objects.all()}
        self.work_roles = {r.name.casefold(): r for r in WorkRole.objects.all()}

    def row(self, row: Row) -> None:
        from daybook.people.services import member_create

        problems = _RowProblems(self.outcome, row)
        source = _source(row, problems)
        username = row.text("username")
        role = Role.TECHNICIAN
        if row.text("role"):
            role = self.roles.get(row.text("role").casefold())
            if role is None:
                problems.cell("role", f"Write one of: {', '.join(r.value for r in Role)}.")
        team = None
        if row.text("team"):
            team = self.teams.get(row.text("team").casefold())
            if team is None:
                problems.cell("team", "No team has this name in Daybook.")
        work_role = None
        if row.text("work_role"):
            work_role = self.work_roles.get(row.text("work_role").casefold())
            if work_role is None:
                problems.cell("work_role", "No work role has this name in Daybook.")
        hours = Decimal("8")
        if row.text("expected_hours"):
            try:
                hours = read_hours(row.raw("expected_hours"))
            except CellProblem as problem:
                problems.cell("expected_hours", str(problem))
        start_date = None
        if row.text("start_date"):
            try:
                start_date = read_date(row.raw("start_date"))
            except CellProblem as problem:
                problems.cell("start_date", str(problem))
        problems.check()
        existing = Member.objects.filter(user__username=username).first()
        if existing is not None:
            self.outcome.unchanged += 1
            _remember(LinkKind.MEMBER, source, row.text("external_id"), existing.pk)
            return
        if get_user_model().objects.filter(username=username).exists():
            problems.cell("username", "This username belongs to a login without a member.")
            problems.check()
        try:
            if self.by is not None and not self.by.user.has_perm("people.add_member"):
                raise PermissionDenied("Only administrators can add members.")
            member = member_create(
                username=username,
                role=role,
                email=row.text("email"),
                first_name=row.text("first_name"),
                last_name=row.text("last_name"),
                team=team,
                time_zone=row.text("time_zone") or None,
                expected_hours_per_day=hours,
                default_work_role=work_role,
                start_date=start_date,
            )
        except (ValidationError, PermissionDenied) as error:
            problems.service(error, self.columns)
            raise RowRefused from error
        self.outcome.new += 1
        _remember(LinkKind.MEMBER, source, row.text("external_id"), member.pk)


PRIORITY_WORDS = {
    **{str(p.value): p.value for p in Priority},
    **{p.label.casefold(): p.value for p in Priority},
    **{p.label.split(" ", 1)[1].casefold(): p.value for p in Priority},
    **{p.label.split(" ", 1)[0].casefold(): p.value for p in Priority},
}


class TicketImporter:
    columns = {
        "summary": "summary",
        "company": "company",
        "board": "board",
        "agreement": "agreement",
        "priority": "priority",
        "assignee": "assignee",
        "opened_at": "opened",
    }

    def __init__(self, kind: Kind, outcome: Outcome, by: Member | None) -> None:
        self.outcome = outcome
        self.by = by
        self.people = _People()
        self.boards = {b.name.casefold(): b for b in Board.objects.all()}

    def _company(self, value: str, source: str) -> Company | None:
        link = _link(LinkKind.COMPANY, source, value) if source else None
        if link is not None:
            return Company.objects.filter(pk=link.object_id).first()
        return (
            Company.objects.filter(identifier=value).first()
            or Company.objects.filter(name__iexact=value).first()
        )

    def row(self, row: Row) -> None:
        from daybook.service.services import ticket_create, ticket_update

        problems = _RowProblems(self.outcome, row)
        source = _source(row, problems)
        company = self._company(row.text("company"), source)
        if company is None:
            problems.cell("company", "No company has this identifier or name in Daybook.")
        board = self.boards.get(row.text("board").casefold())
        if board is None:
            problems.cell("board", "No board has this name in Daybook.")
        agreement = None
        if row.text("agreement") and company is not None:
            agreement = Agreement.objects.filter(
                company=company, name__iexact=row.text("agreement")
            ).first()
            if agreement is None:
                problems.cell("agreement", f"{company} has no agreement with this name.")
        priority = Priority.MEDIUM
        if row.text("priority"):
            priority = PRIORITY_WORDS.get(row.text("priority").casefold())
            if priority is None:
                problems.cell("priority", "Write P1 to P4, or Critical, High, Medium or Low.")
        assignee = None
        if row.text("assignee"):
            assignee, why = self.people.find(row.text("assignee"))
            if assignee is None:
                problems.cell("assignee", why)
        opened = None
        if row.text("opened"):
            try:
                opened = read_datetime(row.raw("opened"))
                if timezone.is_naive(opened):
                    zone = ZoneInfo(company.time_zone) if company else UTC
                    opened = localize(opened, zone)
            except CellProblem as problem:
                problems.cell("opened", str(problem))
        problems.check()
        values = {
            "summary": row.text("summary"),
            "company": company,
            "board": board,
            "agreement": agreement,
            "priority": priority,
            "assignee": assignee,
        }
        link = _link(LinkKind.TICKET, source, row.text("external_id"))
        ticket = Ticket.objects.filter(pk=link.object_id).first() if link else None
        try:
            if self.by is None:
                raise PermissionDenied("Say who imports tickets (the command's --as option).")
            if ticket is None:
                ticket = ticket_create(by=self.by, opened_at=opened, **values)
                self.outcome.new += 1
            else:
                changes = {k: v for k, v in values.items() if getattr(ticket, k) != v}
                if changes:
                    ticket_update(ticket=ticket, by=self.by, **changes)
                    self.outcome.updated += 1
                else:
                    self.outcome.unchanged += 1
        except (ValidationError, PermissionDenied) as error:
            problems.service(error, self.columns)
            raise RowRefused from error
        _remember(LinkKind.TICKET, source, row.text("external_id"), ticket.pk)


IMPORTERS: dict[str, Callable[..., Any]] = {
    ENTRIES: EntryImporter,
    COMPANIES: CompanyImporter,
    MEMBERS: MemberImporter,
    TICKETS: TicketImporter,
}


# --- the two phases ------------------------------------------------------------------------


def _may_import(kind: Kind, by: Member | None) -> None:
    if by is not None and not by.user.has_perm(kind.permission):
        raise PermissionDenied(f"You may not import a {kind.label}; ask an administrator.")


def ensure_may_import(*, kind: str, by: Member | None) -> None:
    """PermissionDenied when `by` may not import this kind of file (asked before a large
    file is queued, so the refusal comes at once)."""
    _may_import(kind_named(kind), by)


def _rows(kind: Kind, stream: IO[bytes], filename: str) -> Iterator[Row]:
    table = open_table(stream, filename)
    bound = kind.bind(table.columns)
    any_rows = False
    for line, cells in table.rows:
        any_rows = True
        yield Row(line, cells, bound)
    if not any_rows:
        raise FileProblem("The file has its header but no rows to import.")


def run_import(
    *, kind: str, stream: IO[bytes], filename: str = "", by: Member | None, commit: bool
) -> Outcome:
    """Read the whole file and check every row through the services. With `commit`, keep the
    result when no row has a problem; otherwise (and always for a preview) nothing is kept.

    `by` is who imports (None: the system, from the command line); PermissionDenied when they
    may not import this kind. A problem with the file as a whole is one problem without a line.
    """
    spec = kind_named(kind)
    _may_import(spec, by)
    outcome = Outcome(kind=spec)
    with transaction.atomic():
        try:
            importer = IMPORTERS[spec.target](spec, outcome, by)
            # Importers that write line by line undo a refused line's writes in a savepoint.
            row_savepoint = getattr(importer, "row_savepoint", True)
            for row in _rows(spec, stream, filename):
                outcome.rows += 1
                try:
                    if row_savepoint:
                        with transaction.atomic():
                            importer.row(row)
                    else:
                        importer.row(row)
                except RowRefused:
                    continue
            finish = getattr(importer, "finish", None)
            if finish is not None:
                finish()
        except FileProblem as problem:
            outcome.add(Problem(None, None, "", str(problem)))
        if commit and outcome.ok:
            outcome.committed = True
        else:
            transaction.set_rollback(True)
    return outcome
