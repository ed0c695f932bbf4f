"""Writes to tickets, projects and phases. The web pages, the API, the admin and the timers all
come here, so every door keeps the same rules: the workflow, the agreement of the right client,
and the SLA clock (service/sla.py), kept as the ticket moves."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company, Contact
from daybook.clients.selectors import agreement_company_error
from daybook.core.time import local_date
from daybook.people.assignable import member_unassignable_reason
from daybook.people.models import Member

from .choices import TICKET_TRANSITIONS, Priority, ProjectStatus, TicketStatus
from .models import (
    AgreementFlag,
    Board,
    Phase,
    Project,
    Ticket,
    TicketNote,
    TicketStatusChange,
)
from .selectors import ticket_agreement_pick
from .sla import (
    CLOCK_FIELDS,
    SlaTargets,
    clock_keep_breaches,
    clock_move,
    clock_of,
    clock_onto,
    clock_open,
    clock_replay,
    clock_respond,
    clock_retarget,
    sla_target_table,
    sla_targets,
    targets_in,
)

CHANGE_AGREEMENT = "service.change_ticket_agreement"
BULK_SIZE = 500
DISPATCH = "service.dispatch_ticket"


class Pick(Enum):
    """Given for a ticket's agreement: let the company's agreements decide (agreement_pick)."""

    AUTO = "auto"


AUTO = Pick.AUTO
AgreementChoice = Agreement | None | Literal[Pick.AUTO]


def _check_agreement(*, agreement: Agreement | None, company: Company) -> None:
    error = agreement_company_error(agreement=agreement, company=company)
    if error:
        raise ValidationError({"agreement": [error]})


def _refuse_unknown(changes: dict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})


def _check_contact(*, contact: Contact | None, company: Company) -> None:
    if contact is not None and contact.company_id != company.pk:
        raise ValidationError(
            {
                "contact": [
                    f"{contact} is a contact of {contact.company}, not of {company}; "
                    f"choose one of {company}'s contacts."
                ]
            }
        )


def _check_assignee(assignee: Member | None, *, at: datetime | None = None) -> None:
    if assignee is None:
        return
    reason = member_unassignable_reason(assignee, now=at)
    if reason:
        raise ValidationError({"assignee": [reason]})


def _agreement_of(ticket: Ticket, agreement: AgreementChoice) -> Agreement | None:
    """The agreement itself, or the one picked by itself when AUTO was given."""
    if agreement is not AUTO:
        return agreement
    return ticket_agreement_pick(
        company=ticket.company,
        board=ticket.board,
        work_type=ticket.work_type,
        at=ticket.opened_at,
    ).agreement


def _targets_of(ticket: Ticket) -> SlaTargets:
    return sla_targets(priority=ticket.priority, agreement_id=ticket.agreement_id)


# --- tickets -------------------------------------------------------------------------------


_TICKET_KEYS = tuple(f for f in Ticket._meta.concrete_fields if f.is_relation)


class _Batch:
    """What tickets_create_many reads once for all its rows instead of once per row: the SLA
    target table, the automatic agreement picks (by company, work and local date), and the
    rows each foreign key points at. Its full_clean is Django's, with the foreign keys
    checked against those rows by ForeignKey.validate's own test and message."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.targets = sla_target_table()
        self._picks: dict[tuple, Agreement | None] = {}
        self._present: dict[str, set] = {}
        for field in _TICKET_KEYS:
            target = field.remote_field.field_name
            wanted = {
                getattr(value, target)
                for row in rows
                if (value := row.get(field.name)) is not None and value is not AUTO
            }
            rows_there = field.remote_field.model._base_manager.filter(
                **{f"{target}__in": wanted}
            ).complex_filter(field.get_limit_choices_to())
            self._present[field.name] = set(rows_there.values_list(target, flat=True))

    def agreement_pick(self, ticket: Ticket) -> Agreement | None:
        """_agreement_of's AUTO pick, read once per company, work and local day."""
        key = (
            ticket.company_id,
            ticket.board_id,
            ticket.work_type_id,
            local_date(ticket.opened_at, ZoneInfo(ticket.company.time_zone)),
        )
        if key not in self._picks:
            self._picks[key] = _agreement_of(ticket, AUTO)
        return self._picks[key]

    def full_clean(self, ticket: Ticket) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            ticket.full_clean(exclude=[field.name for field in _TICKET_KEYS])
        except ValidationError as error:
            errors.update(error.update_error_dict({}))
        for field in _TICKET_KEYS:
            raw = getattr(ticket, field.attname)
            if field.blank and raw in field.empty_values:
                continue
            try:
                self._key_check(field, ticket, raw)
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            order = [f.name for f in Ticket._meta.fields]
            raise ValidationError(
                dict(
                    sorted(
                        errors.items(),
                        key=lambda item: order.index(item[0]) if item[0] in order else len(order),
                    )
                )
            )

    def _there(self, field, value) -> bool:
        """Whether the key's row is there: read with the batch, or (a value none of the rows
        gave, such as an agreement picked by itself) once on its own."""
        present = self._present[field.name]
        if value not in present:
            target = field.remote_field.field_name
            rows_there = field.remote_field.model._base_manager.filter(
                **{target: value}
            ).complex_filter(field.get_limit_choices_to())
            if rows_there.exists():
                present.add(value)
        return value in present

    def _key_check(self, field, ticket: Ticket, raw) -> None:
        value = field.to_python(raw)
        models.Field.validate(field, value, ticket)  # null, blank, choices: as ForeignKey does
        if value is not None and not self._there(field, value):
            raise ValidationError(
                field.error_messages["invalid"],
                code="invalid",
                params={
                    "model": field.remote_field.model._meta.verbose_name,
                    "pk": value,
                    "field": field.remote_field.field_name,
                    "value": value,
                },
            )
        field.run_validators(value)


def _ticket_prepare(
    *,
    board: Board,
    company: Company,
    summary: str,
    agreement: AgreementChoice = AUTO,
    contact: Contact | None = None,
    description: str = "",
    priority: int = Priority.MEDIUM,
    work_type: WorkType | None = None,
    assignee: Member | None = None,
    opened_at: datetime | None = None,
    batch: _Batch | None = None,
) -> Ticket:
    """A new ticket checked and ready to insert: the one rule for every way tickets are
    opened (ticket_create one at a time, tickets_create_many for a batch). Raises
    ValidationError and writes nothing. `batch` holds what a batch reads once for all its
    rows: the SLA target table, the agreement picks, and the rows its foreign keys point at."""
    _check_contact(contact=contact, company=company)
    _check_assignee(assignee)
    ticket = Ticket(
        board=board,
        company=company,
        contact=contact,
        summary=summary,
        description=description,
        priority=priority,
        work_type=work_type,
        assignee=assignee,
        opened_at=opened_at or timezone.now(),
    )
    if agreement is AUTO and batch is not None:
        ticket.agreement = batch.agreement_pick(ticket)
    else:
        ticket.agreement = _agreement_of(ticket, agreement)
    _check_agreement(agreement=ticket.agreement, company=company)
    if batch is None:
        ticket.full_clean()
        targets = _targets_of(ticket)
    else:
        batch.full_clean(ticket)
        targets = targets_in(
            batch.targets, priority=ticket.priority, agreement_id=ticket.agreement_id
        )
    clock_onto(ticket, clock_open(opened_at=ticket.opened_at, targets=targets))
    return ticket


@transaction.atomic
def ticket_create(
    *,
    board: Board,
    company: Company,
    summary: str,
    by: Member,
    agreement: AgreementChoice = AUTO,
    contact: Contact | None = None,
    description: str = "",
    priority: int = Priority.MEDIUM,
    work_type: WorkType | None = None,
    assignee: Member | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a new ticket; it starts as New, its SLA clocks running from opened_at (default
    now) with the targets of its priority and agreement.

    Without an agreement given (AUTO), the ticket gets its company's one active agreement that
    fits its work (service/selectors.agreement_pick), or none when none or several fit;
    `agreement=None` opens it with none on purpose. The contact has to be the company's and
    the assignee someone who may be given work (people/assignable.py)."""
    ticket = _ticket_prepare(
        board=board,
        company=company,
        summary=summary,
        agreement=agreement,
        contact=contact,
        description=description,
        priority=priority,
        work_type=work_type,
        assignee=assignee,
        opened_at=opened_at,
    )
    ticket._history_user = by.user
    ticket.save()
    return ticket


@transaction.atomic
def tickets_create_many(
    *, rows: Sequence[Mapping[str, Any]], by: Member
) -> list[Ticket | ValidationError]:
    """Open many tickets at once (a first PSA sync, a large import): each row holds
    ticket_create's arguments but `by`, and is checked by the same rule (_ticket_prepare);
    the good rows are then written together, with their history records, in a few queries.

    Returns, row for row, the new ticket or the ValidationError that refused the row: a bad
    row never stops the others. Should the batch insert itself fail (a row the database
    refuses although it passed the checks), the good rows are written one by one instead
    and only the refused ones are answered with an error."""
    batch = _Batch(rows)
    results: list[Ticket | ValidationError] = []
    for row in rows:
        try:
            ticket = _ticket_prepare(**row, batch=batch)
        except ValidationError as error:
            results.append(error)
            continue
        ticket._history_user = by.user
        results.append(ticket)
    good = [ticket for ticket in results if isinstance(ticket, Ticket)]
    if not good:
        return results
    try:
        with transaction.atomic():
            bulk_create_with_history(good, Ticket, batch_size=BULK_SIZE, default_user=by.user)
        return results
    except (IntegrityError, DataError):
        pass
    for index, ticket in enumerate(results):
        if not isinstance(ticket, Ticket):
            continue
        ticket.pk = None
        ticket._state.adding = True
        try:
            with transaction.atomic():
                ticket.save()
        except (IntegrityError, DataError) as refused:
            ticket.pk = None
            results[index] = ValidationError(
                f"The database refused the ticket {ticket.summary!r}: {refused}"
            )
    return results


TICKET_EDITABLE = frozenset(
    {
        "board",
        "company",
        "contact",
        "agreement",
        "summary",
        "description",
        "priority",
        "work_type",
        "assignee",
    }
)


@transaction.atomic
def ticket_update(*, ticket: Ticket, by: Member, **changes) -> Ticket:
    """Change a ticket's details. The status moves only through ticket_set_status; a new
    priority or agreement gives the running SLA clocks new due times from now on.

    `agreement=AUTO` picks it as ticket_create does; a new company without an agreement given
    picks one the same way (the old one was the other company's), and its contact is let go
    unless a new one is given. A new assignee has to be someone who may be given work."""
    _refuse_unknown(changes, TICKET_EDITABLE)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if "company" in changes and changes["company"] != ticket.company:
        changes.setdefault("agreement", AUTO)
        if "contact" not in changes and ticket.contact_id is not None:
            changes["contact"] = None
    if "assignee" in changes and changes["assignee"] != ticket.assignee:
        _check_assignee(changes["assignee"])
    agreement = changes.pop("agreement", ticket.agreement)
    old_priority = ticket.priority
    for name, value in changes.items():
        setattr(ticket, name, value)
    agreement = _agreement_of(ticket, agreement)
    retarget = agreement != ticket.agreement or ticket.priority != old_priority
    if agreement != ticket.agreement:
        _ensure_may_change_agreement(by)
    ticket.agreement = agreement
    _check_agreement(agreement=ticket.agreement, company=ticket.company)
    _check_contact(contact=ticket.contact, company=ticket.company)
    ticket.full_clean()
    if retarget:
        _retarget(ticket)
    ticket._history_user = by.user
    ticket.save()
    return ticket


def ticket_move_error(*, ticket: Ticket, status: str) -> str | None:
    """Why the ticket may not move to `status` along its workflow, or None when it may (or is
    there already). Asked before anything else happens, so a refused move starts nothing."""
    if status == ticket.status or status in TICKET_TRANSITIONS[ticket.status]:
        return None
    refused = (
        f"A ticket cannot go from {ticket.get_status_display()} to {TicketStatus(status).label}."
    )
    if ticket.status == TicketStatus.CLOSED:
        refused += f" #{ticket.pk} is closed, and a closed ticket stays closed."
    return refused


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, status: str, by: Member | None, at: datetime | None = None
) -> Ticket:
    """Move a ticket along its workflow, keeping the move and its SLA clock.

    A member's first move counts as the first response; Resolved stops the resolve clock and
    reopening starts it again; Waiting Client pauses both clocks.
    """
    at = at or timezone.now()
    if status not in TicketStatus.values:
        raise ValidationError({"status": [f"{status!r} is not a ticket status."]})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if status == ticket.status:
        return ticket
    error = ticket_move_error(ticket=ticket, status=status)
    if error:
        raise ValidationError({"status": [error]})
    TicketStatusChange.objects.create(
        ticket=ticket, from_status=ticket.status, to_status=status, at=at, by=by
    )
    clock = clock_move(clock_of(ticket), to_status=status, at=at, by_member=by is not None)
    clock_onto(ticket, clock)
    ticket.status = status
    if status == TicketStatus.CLOSED:
        ticket.closed_at = at
    if by is not None:
        ticket._history_user = by.user
    ticket.save()
    return ticket


@transaction.atomic
def ticket_note_response(*, ticket: Ticket, at: datetime) -> Ticket:
    """Time logged on a ticket answers it (at the work's start) unless something already did.

    Work is often logged after the fact: when it started before moves already on the ticket,
    the clock is rebuilt from the history with the answer in its place, so a wait on the
    client that came after the answer is not taken off it. Breaches already stamped stay.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.first_response_at is not None:
        return ticket
    before = clock_of(ticket)
    moves = ticket.status_changes.order_by("at", "pk")
    if moves.filter(at__gt=at).exists():
        clock = clock_replay(
            opened_at=ticket.opened_at,
            targets=SlaTargets(before.respond_target_minutes, before.resolve_target_minutes),
            moves=[(m.to_status, m.at, m.by_id is not None) for m in moves],
            responses=[at],
        )
        clock = clock_keep_breaches(clock, before=before)
    else:
        clock = clock_respond(before, at=at)
    clock_onto(ticket, clock)
    ticket.save(update_fields=list(CLOCK_FIELDS))
    return ticket


@transaction.atomic
def ticket_set_agreement(*, ticket: Ticket, agreement: Agreement | None, by: Member) -> Ticket:
    """Point a ticket at the right agreement (agreement verification). Existing entries keep
    theirs (timekeeping's `ticket_agreement_fix` moves those that had no valid one); time
    logged from now on is applied to the new one, and the agreement's own SLA targets (if
    any) apply to the clocks still running. Open flags about the agreement are answered."""
    _ensure_may_change_agreement(by)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_agreement(agreement=agreement, company=ticket.company)
    ticket.agreement = agreement
    _retarget(ticket)
    ticket._history_user = by.user
    ticket.save(update_fields=["agreement", *CLOCK_FIELDS])
    _resolve_flags(
        ticket.agreement_flags.filter(resolved_at__isnull=True),
        by=by,
        resolution=f"Agreement set to {agreement}." if agreement else "Agreement removed.",
    )
    return ticket


def _ensure_may_dispatch(by: Member, doing: str) -> None:
    if not by.user.has_perm(DISPATCH):
        raise PermissionDenied(f"Only dispatch may {doing}; your role does not include it.")


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, assignee: Member | None, by: Member, at: datetime | None = None
) -> Ticket:
    """Give the ticket to `assignee` (None: back to the unassigned queue). Dispatch's right;
    only someone who may be given work (their login on, not left) can take it, and a closed
    ticket keeps whoever had it. The change is kept in the ticket's history, naming `by`."""
    _ensure_may_dispatch(by, "assign tickets")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            {"assignee": [f"#{ticket.pk} is closed; a closed ticket keeps its assignee."]}
        )
    if assignee == ticket.assignee:
        return ticket
    _check_assignee(assignee, at=at)
    ticket.assignee = assignee
    ticket._history_user = by.user
    ticket.save(update_fields=["assignee"])
    return ticket


# --- notes --------------------------------------------------------------------------------

MAX_NOTE_LENGTH = 10_000


@transaction.atomic
def ticket_note_add(
    *,
    ticket: Ticket,
    by: Member,
    text: str,
    client_visible: bool = False,
    at: datetime | None = None,
) -> TicketNote:
    """Add a note to the ticket's conversation. A client-visible note answers the client, so
    the first one stamps the ticket's first response (as logged time does) when nothing has
    answered it yet; an internal note is for the team and leaves the clock alone."""
    at = at or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the note first; an empty note says nothing."]})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"text": [f"Keep a note to {MAX_NOTE_LENGTH:,} characters; split a longer one."]}
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            {"text": [f"#{ticket.pk} is closed; reopen work with a new ticket instead."]}
        )
    note = TicketNote(
        ticket=ticket, author=by, text=text, client_visible=client_visible, created_at=at
    )
    note.full_clean()
    note.save()
    if client_visible:
        ticket_note_response(ticket=ticket, at=at)
    return note


# --- flags about a ticket's agreement ---------------------------------------------------------

MAX_FLAG_REASON = 1000


@transaction.atomic
def ticket_flag_agreement(
    *, ticket: Ticket, by: Member, reason: str, at: datetime | None = None
) -> AgreementFlag:
    """A member tells dispatch the ticket's agreement looks off, in a sentence. The flag waits
    in the dispatcher's agreement queue until the agreement is set or found right. A second
    flag from the same member while theirs is open is refused: one is enough to be seen."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": ["Say in a few words what looks off, e.g. which agreement it should be."]}
        )
    if len(reason) > MAX_FLAG_REASON:
        raise ValidationError({"reason": [f"Keep it to {MAX_FLAG_REASON} characters or fewer."]})
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            {"reason": [f"#{ticket.pk} is closed; its agreement can no longer change."]}
        )
    if ticket.agreement_flags.filter(raised_by=by, resolved_at__isnull=True).exists():
        raise ValidationError(
            {"reason": ["You flagged this ticket's agreement already; dispatch has it listed."]}
        )
    flag = AgreementFlag(
        ticket=ticket, raised_by=by, reason=reason, created_at=at or timezone.now()
    )
    flag.full_clean()
    flag.save()
    return flag


@transaction.atomic
def ticket_flag_resolve(
    *, flag: AgreementFlag, by: Member, resolution: str = "", at: datetime | None = None
) -> AgreementFlag:
    """The dispatcher looked and the agreement is right as it is (setting the agreement
    resolves a ticket's flags by itself)."""
    _ensure_may_change_agreement(by)
    resolution = resolution.strip() or "Checked: the agreement is right as it is."
    if len(resolution) > AgreementFlag._meta.get_field("resolution").max_length:
        raise ValidationError({"resolution": ["Keep the answer to one short sentence."]})
    flag = AgreementFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ValidationError("This flag was already answered.")
    _resolve_flags(AgreementFlag.objects.filter(pk=flag.pk), by=by, resolution=resolution, at=at)
    flag.refresh_from_db()
    return flag


def _resolve_flags(flags, *, by: Member, resolution: str, at: datetime | None = None) -> int:
    limit = AgreementFlag._meta.get_field("resolution").max_length
    return flags.update(
        resolved_at=at or timezone.now(), resolved_by=by, resolution=resolution[:limit]
    )


def _ensure_may_change_agreement(by: Member) -> None:
    if not by.user.has_perm(CHANGE_AGREEMENT):
        raise PermissionDenied("You may not change the agreement on a ticket.")


def _retarget(ticket: Ticket) -> None:
    clock = clock_retarget(clock_of(ticket), at=timezone.now(), targets=_targets_of(ticket))
    clock_onto(ticket, clock)


# --- projects and phases ----------------------------------------------------------------------


def _save_project(project: Project) -> Project:
    _check_agreement(agreement=project.agreement, company=project.company)
    project.full_clean()
    if project.start_date and project.due_date and project.due_date < project.start_date:
        raise ValidationError(
            {
                "due_date": [
                    f"The project cannot be due ({project.due_date}) before it starts "
                    f"({project.start_date})."
                ]
            }
        )
    project.save()
    return project


@transaction.atomic
def project_create(
    *,
    company: Company,
    name: str,
    agreement: Agreement | None = None,
    project_type: str = "",
    status: str = ProjectStatus.PLANNED,
    manager: Member | None = None,
    start_date: date | None = None,
    due_date: date | None = None,
) -> Project:
    """A new project for a company; its time is applied to the agreement, so that has to be
    the same client's."""
    return _save_project(
        Project(
            company=company,
            agreement=agreement,
            name=name,
            project_type=project_type,
            status=status,
            manager=manager,
            start_date=start_date,
            due_date=due_date,
        )
    )


PROJECT_EDITABLE = frozenset(
    {
        "company",
        "agreement",
        "name",
        "project_type",
        "status",
        "manager",
        "start_date",
        "due_date",
    }
)


@transaction.atomic
def project_update(*, project: Project, **changes) -> Project:
    """Change a project; the same rules as creating one."""
    _refuse_unknown(changes, PROJECT_EDITABLE)
    project = Project.objects.select_for_update().get(pk=project.pk)
    for name, value in changes.items():
        setattr(project, name, value)
    return _save_project(project)


@transaction.atomic
def phase_create(
    *,
    project: Project,
    name: str,
    position: int = 0,
    estimated_hours: Decimal = Decimal("0"),
) -> Phase:
    """A new phase of a project, with the hours it is estimated to take."""
    phase = Phase(project=project, name=name, position=position, estimated_hours=estimated_hours)
    phase.full_clean()
    phase.save()
    return phase


PHASE_EDITABLE = frozenset({"project", "name", "position", "estimated_hours"})


@transaction.atomic
def phase_update(*, phase: Phase, **changes) -> Phase:
    """Change a phase: its name, order, estimate or project."""
    _refuse_unknown(changes, PHASE_EDITABLE)
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    for name, value in changes.items():
        setattr(phase, name, value)
    phase.full_clean()
    phase.save()
    return phase


@transaction.atomic
def tickets_set_status_many(
    *, moves: Mapping[int, str], by: Member | None, at: datetime | None = None
) -> dict[int, Ticket | ValidationError]:
    """Move many tickets at once (a PSA page whose tickets changed status): ticket id → the
    status it moves to, each move checked and kept exactly as ticket_set_status does (the
    workflow, the status change row, the SLA clock, closed_at, the history record), written
    together in a few queries. Returns, ticket for ticket, the moved (or already there)
    ticket or the ValidationError that refused its move; a refused move never stops the
    others. A ticket id that does not exist is answered with an error."""
    at = at or timezone.now()
    tickets = Ticket.objects.select_for_update().in_bulk(list(moves))
    results: dict[int, Ticket | ValidationError] = {}
    changes: list[TicketStatusChange] = []
    moved: list[Ticket] = []
    kept = ("status", "closed_at", *CLOCK_FIELDS)
    # Only the columns some move changed are written: bulk_update's cost grows with rows
    # times columns.
    changed: set[str] = set()
    for pk, status in moves.items():
        ticket = tickets.get(pk)
        if ticket is None:
            results[pk] = ValidationError(f"There is no ticket #{pk}.")
            continue
        if status not in TicketStatus.values:
            results[pk] = ValidationError({"status": [f"{status!r} is not a ticket status."]})
            continue
        results[pk] = ticket
        if status == ticket.status:
            continue
        error = ticket_move_error(ticket=ticket, status=status)
        if error:
            results[pk] = ValidationError({"status": [error]})
            continue
        changes.append(
            TicketStatusChange(
                ticket=ticket, from_status=ticket.status, to_status=status, at=at, by=by
            )
        )
        before = [getattr(ticket, name) for name in kept]
        clock_onto(
            ticket, clock_move(clock_of(ticket), to_status=status, at=at, by_member=by is not None)
        )
        ticket.status = status
        if status == TicketStatus.CLOSED:
            ticket.closed_at = at
        changed.update(
            name for name, old in zip(kept, before, strict=True) if getattr(ticket, name) != old
        )
        if by is not None:
            ticket._history_user = by.user
        moved.append(ticket)
    if moved:
        from simple_history.utils import bulk_update_with_history

        TicketStatusChange.objects.bulk_create(changes, batch_size=BULK_SIZE)
        bulk_update_with_history(
            moved,
            Ticket,
            [name for name in kept if name in changed],
            batch_size=BULK_SIZE,
            default_user=by.user if by is not None else None,
        )
    return results
