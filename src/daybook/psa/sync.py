"""Pull: PSA → Daybook, for any connector.

A run refreshes the mappings, then pulls companies, members, agreements and tickets in that
order (later ones refer to earlier ones), each from its stored cursor (the newest last-updated
time seen), one page at a time. Every record is applied through the same services the pages
use (clients.services, service.services, timekeeping.services) — one at a time in its own
savepoint, or a page at a time through their batch forms, which answer each row on its own —
so one failing record never stops the rest: it becomes a SyncProblem with the PSA's message,
and the cursor still moves on. A problem remembers its record's last-updated time, and the
next run pulls again from there, so a record that waited (for a mapping, say) is taken once
it can be.
Records are linked by the PSA's id (RecordLink) and fingerprinted, so pulling twice changes
nothing twice and the PSA going down half-way leaves a run that the next one resumes.

A ticket set to the status mapped to In Progress in the PSA starts its assignee's timer,
through timekeeping's work_start, like the ticket page's button.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, Company
from daybook.clients.services import (
    agreement_create,
    agreement_update,
    agreements_create_many,
    companies_create_many,
    company_create,
    company_update,
)
from daybook.people.models import Member
from daybook.service.choices import TicketStatus
from daybook.service.models import Board, Ticket
from daybook.service.services import (
    ticket_create,
    ticket_set_status,
    ticket_update,
    tickets_create_many,
    tickets_set_status_many,
)
from daybook.timekeeping.models import Timer
from daybook.timekeeping.services import timer_current, work_start

from . import crypto
from .choices import PULL_ORDER, LinkKind, MapKind, Trigger
from .mapping import Lookup, choices_refresh, member_emails, member_match
from .models import Connection, Cursor, RecordLink, SyncProblem, SyncRun
from .records import (
    ConnectorError,
    NotFound,
    Rejected,
    RemoteAgreement,
    RemoteCompany,
    RemoteTicket,
    WebhookEvents,
)

log = logging.getLogger(__name__)

BATCH = 500
LINK_KIND = {
    "companies": LinkKind.COMPANY,
    "agreements": LinkKind.AGREEMENT,
    "tickets": LinkKind.TICKET,
}
RECORD_WORD = {
    "companies": "company",
    "members": "member",
    "agreements": "agreement",
    "tickets": "ticket",
}


class Waiting(Exception):
    """A record that cannot be taken yet: a mapping or a record it refers to is missing."""

    def __init__(self, message: str, *, mapping: str = "") -> None:
        super().__init__(message)
        self.mapping = mapping


class Skip(Exception):
    """Nothing to do for this record."""


@dataclasses.dataclass(frozen=True)
class TicketRefs:
    """What a PSA ticket points at in Daybook, and the status it is mapped to."""

    board: Board
    company: Company
    agreement: Agreement | None
    assignee: Member | None
    status: str


def _ticket_differs(ticket: Ticket, changes: dict) -> bool:
    """Whether ticket_update has anything to change (compared by id: no row read per field)."""
    for name, value in changes.items():
        if name == "summary":
            if ticket.summary != value:
                return True
        elif getattr(ticket, f"{name}_id") != (value.pk if value is not None else None):
            return True
    return False


def fingerprint(record) -> str:
    plain = (
        dataclasses.replace(record, updated_at=None) if hasattr(record, "updated_at") else record
    )
    return hashlib.sha256(repr(plain).encode()).hexdigest()


def _sentence(text: str) -> str:
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}" + ("" if text.endswith(".") else ".")


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


class Runner:
    """One run over one connection: counts, problems and links, shared by pull and push."""

    def __init__(
        self, connection: Connection, connector, run: SyncRun, *, dry_run: bool = False
    ) -> None:
        self.connection = connection
        self.connector = connector
        self.run = run
        self.dry_run = dry_run
        self.by: Member = connection.run_as
        self.lookup = Lookup(connection)
        self.open_problems: set[tuple] = set(
            connection.problems.filter(resolved_at__isnull=True).values_list(
                "direction", "record_kind", "remote_id", "local_id"
            )
        )
        self.timers_started = 0
        self._objects: dict[tuple[type, int], object] = {}
        self._local_ids: dict[str, dict[str, int]] = {}
        self._wrap_ids: set[int] | None = None

    def get(self, model, pk: int):
        """A board, company, agreement or member by id, read once per run."""
        key = (model, pk)
        if key not in self._objects:
            self._objects[key] = self._query(model).filter(pk=pk).first()
        return self._objects[key]

    @staticmethod
    def _query(model):
        return model.objects.select_related("user") if model is Member else model.objects.all()

    # --- the log ----------------------------------------------------------------------------

    def problem(
        self,
        *,
        direction: str,
        record_kind: str,
        record: str,
        summary: str,
        remote_id: str = "",
        local_id: int | None = None,
        psa_message: str = "",
        retryable: bool = True,
        waiting: str = "",
        remote_updated_at: dt.datetime | None = None,
    ) -> None:
        self.run.failed += 1
        log.info("psa %s: %s %s: %s", self.connection.pk, direction, record, summary)
        now = timezone.now()
        key = {
            "connection": self.connection,
            "direction": direction,
            "record_kind": record_kind,
            "remote_id": remote_id,
            "local_id": local_id,
            "resolved_at__isnull": True,
        }
        values = {
            "run": self.run if self.run.pk else None,
            "record": record[:300],
            "summary": summary[:500],
            "psa_message": psa_message,
            "retryable": retryable,
            "waiting_for_mapping": waiting,
            "remote_updated_at": remote_updated_at,
            "last_seen_at": now,
        }
        if not SyncProblem.objects.filter(**key).update(**values):
            key.pop("resolved_at__isnull")
            SyncProblem.objects.create(**key, **values, created_at=now)
        self.open_problems.add((direction, record_kind, remote_id, local_id))

    def resolved(
        self, *, direction: str, record_kind: str, remote_id: str = "", local_id: int | None = None
    ) -> None:
        key = (direction, record_kind, remote_id, local_id)
        if key in self.open_problems:
            SyncProblem.objects.filter(
                connection=self.connection,
                direction=direction,
                record_kind=record_kind,
                remote_id=remote_id,
                local_id=local_id,
                resolved_at__isnull=True,
            ).update(resolved_at=timezone.now())
            self.open_problems.discard(key)

    # --- pulling ----------------------------------------------------------------------------

    def start_of(self, kind: str, since: dt.datetime | None) -> dt.datetime | None:
        if since is not None:
            return since
        cursor = Cursor.objects.filter(connection=self.connection, record_kind=kind).first()
        if cursor is None:
            return None
        waiting = self.connection.problems.filter(
            direction="pull", record_kind=RECORD_WORD[kind], resolved_at__isnull=True
        ).aggregate(first=Min("remote_updated_at"))["first"]
        return min(cursor.updated_at, waiting) if waiting else cursor.updated_at

    def cursor_save(self, kind: str, newest: dt.datetime | None) -> None:
        if newest is None or self.dry_run:
            return
        Cursor.objects.update_or_create(
            connection=self.connection, record_kind=kind, defaults={"updated_at": newest}
        )

    def pull(self, kind: str, since: dt.datetime | None) -> None:
        """Pull one record kind from its cursor. ConnectorError (the PSA down, refusing)
        propagates: the cursor keeps what was done so far."""
        records: Iterator = getattr(self.connector, kind)(self.start_of(kind, since))
        newest: dt.datetime | None = None
        emails = member_emails() if kind == "members" else {}
        while True:
            batch = list(itertools.islice(records, BATCH))
            if not batch:
                break
            links = self._links(kind, [r.id for r in batch])
            if kind == "tickets":
                self.take_tickets(batch, links)
            elif kind == "companies":
                self.take_companies(batch, links)
            elif kind == "agreements":
                self.take_agreements(batch, links)
            else:
                for record in batch:
                    self.take(kind, record, links, emails)
            for record in batch:
                if record.updated_at and (newest is None or record.updated_at > newest):
                    newest = record.updated_at
            self.cursor_save(kind, newest)

    def _links(self, kind: str, remote_ids: list[str]) -> dict[str, RecordLink]:
        link_kind = LINK_KIND.get(kind)
        if link_kind is None:
            return {}
        return {
            link.remote_id: link
            for link in RecordLink.objects.filter(
                connection=self.connection, kind=link_kind, remote_id__in=remote_ids
            )
        }

    def take(self, kind: str, record, links: dict[str, RecordLink], emails: dict) -> None:
        try:
            with transaction.atomic():
                if kind == "members":
                    mapped, changed = member_match(self.connection, record, emails)
                    if not changed:
                        raise Skip
                    if not mapped:
                        raise Waiting(
                            f"no Daybook member has the email {record.email or '(none)'}",
                            mapping=MapKind.MEMBER,
                        )
                else:
                    getattr(self, f"take_{RECORD_WORD[kind]}")(record, links.get(record.id))
        except (Skip, Waiting, ValidationError, PermissionDenied) as outcome:
            self.not_taken(kind, record, outcome)
            return
        self.taken(kind, record)

    def taken(self, kind: str, record) -> None:
        self.run.pulled += 1
        self.resolved(direction="pull", record_kind=RECORD_WORD[kind], remote_id=record.id)

    def not_taken(self, kind: str, record, outcome: Exception) -> None:
        """Count a record skipped, waiting or refused, and list the last two on the sync
        page (the one door for both the one-by-one and the batch path)."""
        word = RECORD_WORD[kind]
        title = next(
            (getattr(record, a) for a in ("name", "summary", "email") if getattr(record, a, "")),
            "",
        )
        label = f"{word} {record.id} ({title})"
        if isinstance(outcome, Skip):
            self.run.skipped += 1
            return
        if isinstance(outcome, Waiting):
            self.run.skipped += 1
            if kind == "members":
                return  # listed on the mappings page; nothing waits on a member by itself
            self.problem(
                direction="pull",
                record_kind=word,
                remote_id=record.id,
                record=label,
                summary=_sentence(f"waiting: {outcome}"),
                retryable=True,
                waiting=outcome.mapping,
                remote_updated_at=record.updated_at,
            )
            return
        text = _validation_text(outcome) if isinstance(outcome, ValidationError) else str(outcome)
        self.problem(
            direction="pull",
            record_kind=word,
            remote_id=record.id,
            record=label,
            summary=_sentence(f"Daybook refused it: {text}"),
            retryable=False,
            remote_updated_at=record.updated_at,
        )

    def _link_save(
        self, kind: str, link: RecordLink | None, local_id: int, record, **extra
    ) -> RecordLink:
        if link is None:
            link = RecordLink(connection=self.connection, kind=kind, remote_id=record.id)
        self._remember(kind, record.id, local_id)
        link.local_id = local_id
        link.fingerprint = fingerprint(record)
        for name, value in extra.items():
            setattr(link, name, value)
        link.save()
        return link

    def _local(self, kind: str, remote_id: str) -> int | None:
        """The local id linked to a company or agreement (all of them read once per run: far
        fewer than tickets)."""
        if not remote_id:
            return None
        if kind not in self._local_ids:
            self._local_ids[kind] = dict(
                RecordLink.objects.filter(connection=self.connection, kind=kind).values_list(
                    "remote_id", "local_id"
                )
            )
        return self._local_ids[kind].get(remote_id)

    def _remember(self, kind: str, remote_id: str, local_id: int) -> None:
        if kind in self._local_ids:
            self._local_ids[kind][remote_id] = local_id

    # companies ---------------------------------------------------------------------------

    def take_company(self, record: RemoteCompany, link: RecordLink | None) -> None:
        if link is not None and link.fingerprint == fingerprint(record):
            raise Skip
        company = Company.objects.filter(pk=link.local_id).first() if link else None
        if company is None:
            company = Company.objects.filter(name__iexact=record.name.strip()).first()
            taken = (
                RecordLink.objects.filter(
                    connection=self.connection, kind=LinkKind.COMPANY, local_id=company.pk
                )
                .exclude(remote_id=record.id)
                .values_list("remote_id", flat=True)
                .first()
                if company is not None
                else None
            )
            if taken is not None:
                # Two PSA companies with one name: the second is not merged into the first.
                raise ValidationError(
                    f"Daybook's company {company.name} is already linked to the PSA's company "
                    f"{taken}, which has the same name; rename one of them in the PSA"
                )
        if company is None:
            identifier = record.identifier
            if identifier and Company.objects.filter(identifier=identifier).exists():
                identifier = ""
            company = company_create(
                by=self.by,
                name=record.name,
                identifier=identifier,
                time_zone=settings.TIME_ZONE,
                is_active=not record.inactive,
            )
        elif company.name != record.name or company.is_active == record.inactive:
            company = company_update(
                by=self.by,
                company=company,
                name=record.name,
                identifier=company.identifier,
                time_zone=company.time_zone,
                is_active=not record.inactive,
            )
        self._link_save(LinkKind.COMPANY, link, company.pk, record)

    def take_companies(self, records: list[RemoteCompany], links: dict[str, RecordLink]) -> None:
        """A page of companies. Those new to Daybook (most of a first sync) are checked one
        by one by company_create's own rule and inserted together
        (clients.companies_create_many), then linked in one insert. Companies already linked,
        a name Daybook already has (take_company links it to that company), and a record that
        meets an earlier one of the page (the same id, name or identifier) go one by one."""
        names = {r.name.strip().lower() for r in records if r.id not in links}
        known = {
            name.lower()
            for name in Company.objects.annotate(lowered=Lower("name"))
            .filter(lowered__in=names)
            .values_list("name", flat=True)
        }
        wanted = {r.identifier for r in records if r.identifier and r.id not in links}
        taken = set(
            Company.objects.filter(identifier__in=wanted).values_list("identifier", flat=True)
        )
        fresh: list[tuple[RemoteCompany, dict]] = []
        again: list[RemoteCompany] = []
        seen: set[str] = set()
        page_names: set[str] = set()
        page_identifiers: set[str] = set()
        for record in records:
            if record.id in seen:
                again.append(record)
                continue
            seen.add(record.id)
            if record.id in links:
                self.take("companies", record, links, {})
                continue
            name = record.name.strip()
            identifier = "" if record.identifier in taken else record.identifier
            if (
                not name.isascii()
                or name.lower() in known
                or name.lower() in page_names
                or (identifier and identifier in page_identifiers)
            ):
                again.append(record)  # after the page's new companies, as take_company
                continue
            page_names.add(name.lower())
            page_identifiers.add(identifier or slugify(name)[:50])
            row = {
                "name": record.name,
                "identifier": identifier,
                "time_zone": settings.TIME_ZONE,
                "is_active": not record.inactive,
            }
            fresh.append((record, row))
        if fresh:
            self._create_many("companies", fresh, companies_create_many)
        if again:
            links = self._links("companies", [record.id for record in again])
            for record in again:
                self.take("companies", record, links, {})

    def _create_many(self, kind: str, fresh: list[tuple], create_many) -> None:
        """Write a page's new companies or agreements through their batch service, link them
        in one insert, and count each: a refused one is listed like any other."""
        link_kind = LINK_KIND[kind]
        made: list[tuple[object, int]] = []
        try:
            with transaction.atomic():
                results = create_many(rows=[row for _, row in fresh], by=self.by)
                for (record, _row), result in zip(fresh, results, strict=True):
                    if not isinstance(result, ValidationError):
                        made.append((record, result.pk))
                self._links_insert(link_kind, made)
        except PermissionDenied as refused:
            for record, _row in fresh:
                self.not_taken(kind, record, refused)
            return
        for (record, _row), result in zip(fresh, results, strict=True):
            if isinstance(result, ValidationError):
                self.not_taken(kind, record, result)
            else:
                self._remember(link_kind, record.id, result.pk)
                self.taken(kind, record)

    def _links_insert(self, link_kind: str, made: list[tuple[object, int]]) -> None:
        new_links = [
            RecordLink(
                connection=self.connection,
                kind=link_kind,
                remote_id=record.id,
                local_id=local_id,
                fingerprint=fingerprint(record),
            )
            for record, local_id in made
        ]
        _links_save(new_links)

    # agreements --------------------------------------------------------------------------

    @staticmethod
    def agreement_type(record: RemoteAgreement) -> str:
        name = record.type_name.lower()
        if "block" in name or record.prepaid_hours:
            return AgreementType.BLOCK_HOURS
        if "project" in name:
            return AgreementType.PROJECT
        if "managed" in name or record.monthly_fee:
            return AgreementType.MANAGED
        return AgreementType.TIME_AND_MATERIALS

    def _agreement_row(self, record: RemoteAgreement, covered) -> dict:
        """agreement_create's arguments (but `by` and the company) for a PSA agreement."""
        kind = self.agreement_type(record)
        return {
            "name": record.name[:200],
            "type": kind,
            "start_date": record.start_date or timezone.localdate(),
            "end_date": record.end_date,
            "monthly_fee": record.monthly_fee or Decimal("0"),
            "prepaid_hours": record.prepaid_hours if kind == AgreementType.BLOCK_HOURS else None,
            "prepaid_amount": None,
            "hourly_rate": record.hourly_rate,
            "estimated_hours": None,
            "covered_work_types": covered,
        }

    def _covered_ids(self, record: RemoteAgreement) -> list[int]:
        """The Daybook work types the PSA says the agreement covers, less payroll-wrap ones
        (internal time belongs to no client, whatever the PSA's agreement lists)."""
        if self._wrap_ids is None:
            self._wrap_ids = set(
                WorkType.objects.filter(is_payroll_wrap=True).values_list("pk", flat=True)
            )
        return [
            wt
            for wt in (
                self.lookup.local(MapKind.WORK_TYPE, r) for r in record.covered_work_type_ids
            )
            if wt and wt not in self._wrap_ids
        ]

    def take_agreement(self, record: RemoteAgreement, link: RecordLink | None) -> None:
        if link is not None and link.fingerprint == fingerprint(record):
            raise Skip
        company_id = self._local(LinkKind.COMPANY, record.company_id)
        if company_id is None:
            raise Waiting(f"its company {record.company_id} is not in Daybook yet")
        fields = self._agreement_row(
            record, WorkType.objects.filter(pk__in=self._covered_ids(record))
        )
        agreement = Agreement.objects.filter(pk=link.local_id).first() if link else None
        if agreement is None:
            company = Company.objects.get(pk=company_id)
            agreement = agreement_create(by=self.by, company=company, **fields)
        else:
            if not record.covered_work_type_ids:
                fields["covered_work_types"] = agreement.covered_work_types.all()
            fields["prepaid_amount"] = agreement.prepaid_amount
            fields["estimated_hours"] = agreement.estimated_hours
            agreement = agreement_update(by=self.by, agreement=agreement, **fields)
        self._link_save(LinkKind.AGREEMENT, link, agreement.pk, record)

    def take_agreements(self, records: list[RemoteAgreement], links: dict[str, RecordLink]) -> None:
        """A page of agreements. Those new to Daybook are checked one by one by
        agreement_create's own rule and inserted together (clients.agreements_create_many),
        with the work they cover, then linked in one insert; one waiting for its company is
        listed as waiting. Agreements already linked, and one met twice, go one by one."""
        companies = Company.objects.in_bulk(
            {self._local(LinkKind.COMPANY, r.company_id) for r in records} - {None}
        )
        work_types = WorkType.objects.in_bulk(
            {pk for r in records if r.id not in links for pk in self._covered_ids(r)}
        )
        fresh: list[tuple[RemoteAgreement, dict]] = []
        again: list[RemoteAgreement] = []
        seen: set[str] = set()
        for record in records:
            if record.id in seen:
                again.append(record)
                continue
            seen.add(record.id)
            company_id = self._local(LinkKind.COMPANY, record.company_id)
            if record.id in links or company_id is None or company_id not in companies:
                self.take("agreements", record, links, {})  # linked, waiting or gone
                continue
            covered = sorted(
                (work_types[pk] for pk in set(self._covered_ids(record)) if pk in work_types),
                key=lambda wt: wt.pk,
            )
            row = {"company": companies[company_id], **self._agreement_row(record, covered)}
            fresh.append((record, row))
        if fresh:
            self._create_many("agreements", fresh, agreements_create_many)
        if again:
            links = self._links("agreements", [record.id for record in again])
            for record in again:
                self.take("agreements", record, links, {})

    # tickets -----------------------------------------------------------------------------

    def _ticket_refs(self, record: RemoteTicket) -> TicketRefs:
        """What a PSA ticket points at in Daybook; Waiting when something is not there yet."""
        board_id = self.lookup.local(MapKind.BOARD, record.board_id)
        if board_id is None:
            raise Waiting(f"the PSA board {record.board_id} is not mapped", mapping=MapKind.BOARD)
        status = self.lookup.local(MapKind.STATUS, record.status_id)
        if not status:
            raise Waiting(
                f"the PSA status {record.status_name or record.status_id} is not mapped",
                mapping=MapKind.STATUS,
            )
        company_id = self._local(LinkKind.COMPANY, record.company_id)
        if company_id is None:
            raise Waiting(f"its company {record.company_id} is not in Daybook yet")
        agreement_id = self._local(LinkKind.AGREEMENT, record.agreement_id)
        assignee_id = (
            self.lookup.local(MapKind.MEMBER, record.assignee_id) if record.assignee_id else None
        )
        assignee = self.get(Member, assignee_id) if assignee_id else None
        board = self.get(Board, board_id)
        company = self.get(Company, company_id)
        agreement = self.get(Agreement, agreement_id) if agreement_id else None
        if board is None or company is None:
            raise Waiting("its board or company was removed from Daybook")
        return TicketRefs(board, company, agreement, assignee, status)

    def _ticket_row(self, record: RemoteTicket, refs: TicketRefs) -> dict:
        """ticket_create's arguments (but `by`) for a PSA ticket new to Daybook."""
        return {
            "board": refs.board,
            "company": refs.company,
            "summary": record.summary[:250] or f"PSA ticket {record.id}",
            "agreement": refs.agreement,
            "assignee": refs.assignee,
            "opened_at": record.updated_at,
        }

    def take_ticket(self, record: RemoteTicket, link: RecordLink | None) -> None:
        if link is not None and link.fingerprint == fingerprint(record):
            raise Skip
        refs = self._ticket_refs(record)
        assignee, status = refs.assignee, refs.status
        ticket = Ticket.objects.filter(pk=link.local_id).first() if link else None
        existed = ticket is not None
        if ticket is None:
            ticket = ticket_create(by=self.by, **self._ticket_row(record, refs))
        else:
            changes = {
                "summary": record.summary[:250] or ticket.summary,
                "board": refs.board,
                "company": refs.company,
                "agreement": refs.agreement,
                "assignee": assignee,
            }
            if any(getattr(ticket, k) != v for k, v in changes.items()):
                ticket = ticket_update(ticket=ticket, by=self.by, **changes)
        if ticket.status != status:
            if status == TicketStatus.IN_PROGRESS and existed and assignee is not None:
                self._start_timer(ticket, assignee, record)
                ticket.refresh_from_db()
            if ticket.status != status:
                ticket = ticket_set_status(ticket=ticket, status=status, by=None)
        self._link_save(
            LinkKind.TICKET, link, ticket.pk, record, state=ticket.status, remote_kind=record.kind
        )

    def take_tickets(self, records: list[RemoteTicket], links: dict[str, RecordLink]) -> None:
        """A page of tickets, in a number of queries that does not grow with the page (but for
        each ticket whose details changed, and each timer that starts).

        Tickets already linked and unchanged are counted and left alone. Those new to Daybook
        (most of a first sync) are checked one by one by ticket_create's own rule and written
        together (service.tickets_create_many). Those linked and changed are read at once,
        their details changed through ticket_update where they differ, the In Progress rule
        applied with the assignees' running timers read at once, and their status moves
        written together (service.tickets_set_status_many). Links are written in bulk; a
        refused ticket is listed like any other and the rest of its page lands. A ticket met
        twice in the page, and one whose Daybook ticket was removed, go one by one (take)."""
        self._preload(records)
        fresh: list[tuple[RemoteTicket, TicketRefs]] = []
        known: list[tuple[RemoteTicket, RecordLink, TicketRefs]] = []
        again: list[RemoteTicket] = []
        seen: set[str] = set()
        for record in records:
            if record.id in seen:
                again.append(record)
                continue
            seen.add(record.id)
            link = links.get(record.id)
            if link is not None and link.fingerprint == fingerprint(record):
                self.not_taken("tickets", record, Skip())
                continue
            try:
                refs = self._ticket_refs(record)
            except Waiting as waiting:
                self.not_taken("tickets", record, waiting)
                continue
            if link is None:
                fresh.append((record, refs))
            else:
                known.append((record, link, refs))
        if fresh:
            self._tickets_create(fresh)
        if known:
            self._tickets_change(known)
        if again:
            links = self._links("tickets", [record.id for record in again])
            for record in again:
                self.take("tickets", record, links, {})

    def _tickets_create(self, fresh: list[tuple[RemoteTicket, TicketRefs]]) -> None:
        made: list[tuple[RemoteTicket, Ticket, Exception | None]] = []
        with transaction.atomic():
            results = tickets_create_many(
                rows=[self._ticket_row(record, refs) for record, refs in fresh], by=self.by
            )
            created: list[tuple[RemoteTicket, TicketRefs, Ticket]] = []
            for (record, refs), result in zip(fresh, results, strict=True):
                if isinstance(result, ValidationError):
                    self.not_taken("tickets", record, result)
                else:
                    created.append((record, refs, result))
            # A new ticket starts as New; one already on its way in the PSA moves there with
            # the others of its page. A refused move leaves it linked all the same, and the
            # next run tries the move again.
            moved = tickets_set_status_many(
                moves={t.pk: refs.status for _, refs, t in created if t.status != refs.status},
                by=None,
            )
            for record, _refs, ticket in created:
                outcome = moved.get(ticket.pk, ticket)
                if isinstance(outcome, ValidationError):
                    made.append((record, ticket, outcome))
                else:
                    made.append((record, outcome, None))
            self._ticket_links_insert(made)
        for record, _ticket, refused in made:
            if refused is None:
                self.taken("tickets", record)
            else:
                self.not_taken("tickets", record, refused)

    def _ticket_links_insert(self, made: list[tuple[RemoteTicket, Ticket, Exception | None]]):
        new_links = [
            RecordLink(
                connection=self.connection,
                kind=LinkKind.TICKET,
                remote_id=record.id,
                local_id=ticket.pk,
                fingerprint="" if refused else fingerprint(record),
                state=ticket.status,
                remote_kind=record.kind,
            )
            for record, ticket, refused in made
        ]
        _links_save(new_links)

    def _tickets_change(self, known: list[tuple[RemoteTicket, RecordLink, TicketRefs]]) -> None:
        """Linked tickets the PSA changed: details, the timer rule, status moves, links.

        A ticket whose status move is refused (a closed ticket reopened in the PSA) keeps the
        details it was given and is listed; its link keeps the old fingerprint, so the next
        run tries the move again."""
        tickets = Ticket.objects.in_bulk([link.local_id for _, link, _ in known])
        refused: dict[str, Exception] = {}
        current: dict[str, Ticket] = {}
        rows: list[tuple[RemoteTicket, RecordLink, TicketRefs]] = []
        for record, link, refs in known:
            ticket = tickets.get(link.local_id)
            if ticket is None:  # removed from Daybook: made again, one by one
                self.take("tickets", record, {record.id: link}, {})
                continue
            rows.append((record, link, refs))
            changes = {
                "summary": record.summary[:250] or ticket.summary,
                "board": refs.board,
                "company": refs.company,
                "agreement": refs.agreement,
                "assignee": refs.assignee,
            }
            if _ticket_differs(ticket, changes):
                try:
                    with transaction.atomic():
                        ticket = ticket_update(ticket=ticket, by=self.by, **changes)
                except (ValidationError, PermissionDenied) as error:
                    refused[record.id] = error
                    continue
            current[record.id] = ticket
        started = self._timers_start(
            [
                (record, refs.assignee, current[record.id])
                for record, _link, refs in rows
                if record.id in current
                and refs.status == TicketStatus.IN_PROGRESS
                and refs.assignee is not None
                and current[record.id].status != TicketStatus.IN_PROGRESS
            ],
            refused,
        )
        current.update(started)
        moved = tickets_set_status_many(
            moves={
                current[record.id].pk: refs.status
                for record, _link, refs in rows
                if record.id in current
                and record.id not in refused
                and current[record.id].status != refs.status
            },
            by=None,
        )
        changed_links = []
        kind_changed = False
        for record, link, _refs in rows:
            if record.id in refused or record.id not in current:
                continue
            outcome = moved.get(current[record.id].pk, current[record.id])
            if isinstance(outcome, ValidationError):
                refused[record.id] = outcome
                continue
            kind_changed = kind_changed or link.remote_kind != record.kind
            link.fingerprint = fingerprint(record)
            link.state = outcome.status
            link.remote_kind = record.kind
            changed_links.append(link)
        # local_id stays (a link whose ticket was removed went through take); remote_kind is
        # written only when it changed, as bulk_update's cost grows with rows times columns.
        fields = ["fingerprint", "state", *(["remote_kind"] if kind_changed else [])]
        RecordLink.objects.bulk_update(changed_links, fields, batch_size=BATCH)
        for record, _link, _refs in rows:
            if record.id in refused:
                self.not_taken("tickets", record, refused[record.id])
            else:
                self.taken("tickets", record)

    def _timers_start(
        self, starting: list[tuple[RemoteTicket, Member, Ticket]], refused: dict[str, Exception]
    ) -> dict[str, Ticket]:
        """The In Progress rule for a page: the assignees' running timers read at once, then
        work_start (the ticket page's button) for each ticket whose assignee is free. Returns
        the tickets it moved, by remote id; a refused start refuses its ticket."""
        if not starting:
            return {}
        running = {
            timer.member_id: timer
            for timer in Timer.objects.filter(member__in={m.pk for _, m, _ in starting})
        }
        moved: dict[str, Ticket] = {}
        for record, member, ticket in starting:
            timer = running.get(member.pk)
            if timer is not None:
                if timer.ticket_id != ticket.pk:
                    self._timer_busy(record, member)
                continue
            try:
                with transaction.atomic():
                    timer = work_start(member=member, ticket=ticket)
            except (ValidationError, PermissionDenied) as error:
                refused[record.id] = error
                continue
            running[member.pk] = timer
            self.timers_started += 1
            ticket.status = TicketStatus.IN_PROGRESS  # as work_start left it in the database
            moved[record.id] = ticket
        return moved

    def _timer_busy(self, record: RemoteTicket, member: Member) -> None:
        self.problem(
            direction="pull",
            record_kind="timer",
            remote_id=record.id,
            record=f"ticket {record.id} ({record.summary})",
            summary=f"The ticket went In Progress in the PSA, but {member}'s timer is "
            "already running on other work, so it was not started.",
            retryable=False,
        )

    def _preload(self, records: list[RemoteTicket]) -> None:
        """The boards, companies, agreements and members a page of tickets points at, read
        with one query each (members with their logins, which the assignee check reads)."""
        wanted: dict[type, set] = {Board: set(), Company: set(), Agreement: set(), Member: set()}
        for record in records:
            wanted[Board].add(self.lookup.local(MapKind.BOARD, record.board_id))
            wanted[Company].add(self._local(LinkKind.COMPANY, record.company_id))
            wanted[Agreement].add(self._local(LinkKind.AGREEMENT, record.agreement_id))
            if record.assignee_id:
                wanted[Member].add(self.lookup.local(MapKind.MEMBER, record.assignee_id))
        for model, ids in wanted.items():
            missing = {pk for pk in ids if pk is not None and (model, pk) not in self._objects}
            if not missing:
                continue
            found = self._query(model).in_bulk(missing)
            for pk in missing:
                self._objects[(model, pk)] = found.get(pk)

    def _start_timer(self, ticket: Ticket, member: Member, record: RemoteTicket) -> None:
        running = timer_current(member=member)
        if running is not None and running.ticket_id == ticket.pk:
            return
        if running is not None:
            self._timer_busy(record, member)
            return
        with transaction.atomic():
            work_start(member=member, ticket=ticket)
        self.timers_started += 1

    # --- callbacks --------------------------------------------------------------------------

    def take_events(self, events: WebhookEvents) -> None:
        """Every ticket a callback names is read first (a ticket the PSA does not know raises
        NotFound before anything is written), then the tickets are taken like a polled page:
        the same rules, the same timer start."""
        tickets = [
            change.ticket or self.connector.ticket(change.ticket_id) for change in events.changes
        ]
        if tickets:
            self.take_tickets(tickets, self._links("tickets", [t.id for t in tickets]))
        self.run.skipped += len(events.deleted_ticket_ids)


# --- runs ----------------------------------------------------------------------------------


def _links_save(links: list[RecordLink]) -> None:
    """Save new links in one go; if one clashes with a link saved meanwhile, save them one at
    a time instead, so the error is raised by the link that clashes."""
    try:
        with transaction.atomic():
            RecordLink.objects.bulk_create(links, batch_size=BATCH)
    except IntegrityError:
        for link in links:
            link.pk = None
            link._state.adding = True
            link.save()


def _finish(run: SyncRun, outcome: str) -> SyncRun:
    run.finished_at = timezone.now()
    run.outcome = outcome[:500]
    if run.pk:
        run.save()
    return run


def _summary(error: Exception) -> str:
    if isinstance(error, ConnectorError):
        text = error.summary
        if error.psa_message:
            text += f" (the PSA said: {error.psa_message})"
        return text
    return str(error)


def run_start(connection: Connection, trigger: str, *, dry_run: bool = False) -> SyncRun:
    run = SyncRun(
        connection=connection, trigger=trigger, dry_run=dry_run, started_at=timezone.now()
    )
    if not dry_run:
        run.save()
    return run


def sync_run(
    *,
    connection: Connection,
    trigger: str = Trigger.MANUAL,
    dry_run: bool = False,
    since: dt.datetime | None = None,
    connector=None,
    kinds: Iterable[str] = PULL_ORDER,
    push: bool = True,
) -> SyncRun:
    """Pull everything changed since the cursors (or `since`), then push what waits. With
    `dry_run`, nothing is kept in Daybook and nothing is sent to the PSA: the run's counts
    say what would have happened."""
    from .push import pending_push
    from .services import connector_for

    run = run_start(connection, trigger, dry_run=dry_run)
    try:
        connector = connector or connector_for(connection)
    except (crypto.KeyMissing, ConnectorError) as error:
        return _finish(run, f"Not run: {_summary(error)}")
    runner = Runner(connection, connector, run, dry_run=dry_run)
    stopped = ""
    with transaction.atomic():
        try:
            if not dry_run:
                choices_refresh(connection, connector)
                runner.lookup = Lookup(connection)
            for kind in kinds:
                runner.pull(kind, since)
                if kind == "members":
                    runner.lookup = Lookup(connection)
        except ConnectorError as error:
            stopped = (
                f"Stopped: {_summary(error)}. The next run goes on from where this one got to."
            )
        if dry_run:
            transaction.set_rollback(True)
    if push and not dry_run and not stopped and connection.push_entries:
        try:
            pending_push(runner)
        except ConnectorError as error:
            stopped = f"Stopped while pushing: {_summary(error)}."
    outcome = stopped or (
        f"Pulled {run.pulled}, pushed {run.pushed}, skipped {run.skipped}, problems {run.failed}."
        + (f" Started {runner.timers_started} timer(s)." if runner.timers_started else "")
        + (" Dry run: nothing was kept or sent." if dry_run else "")
    )
    return _finish(run, outcome)


def webhook_apply(*, connection: Connection, events: WebhookEvents, connector=None) -> SyncRun:
    """Apply what a callback said, right away (a timer starts when a ticket went In
    Progress). A PSA that cannot be read now leaves it to the next poll."""
    from .services import connector_for

    run = run_start(connection, Trigger.WEBHOOK)
    connector = connector or connector_for(connection)
    runner = Runner(connection, connector, run)
    try:
        with transaction.atomic():
            runner.take_events(events)
    except (NotFound, Rejected) as refused:
        # The callback named a ticket the PSA does not have (or an id it refuses): nothing
        # was taken, and the caller is told so.
        _finish(run, f"Callback refused: {_summary(refused)}.")
        raise
    except ConnectorError as error:
        return _finish(run, f"Stopped: {_summary(error)}. The next poll picks the change up.")
    return _finish(
        run, f"Callback: pulled {run.pulled}, skipped {run.skipped}, problems {run.failed}."
    )


def due_connections(now: dt.datetime | None = None) -> list[Connection]:
    """Active connections whose last scheduled or manual run started at least
    DAYBOOK_PSA_POLL_MINUTES ago."""
    now = now or timezone.now()
    due = []
    for connection in Connection.objects.filter(is_active=True):
        last = connection.runs.exclude(trigger__in=[Trigger.PUSH, Trigger.WEBHOOK]).first()
        if last is None or last.started_at <= now - dt.timedelta(
            minutes=settings.DAYBOOK_PSA_POLL_MINUTES
        ):
            due.append(connection)
    return due


Factory = Callable[[Connection], object]
