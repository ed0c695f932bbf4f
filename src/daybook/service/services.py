"""Writes to tickets, projects and phases. The web pages, the API, the admin and the timers all
come here, so every door keeps the same rules: the workflow, the agreement of the right client,
and the SLA clock (service/sla.py), kept as the ticket moves."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company
from daybook.clients.selectors import agreement_company_error
from daybook.people.models import Member

from .choices import TICKET_TRANSITIONS, Priority, ProjectStatus, TicketStatus
from .models import AgreementFlag, Board, Phase, Project, Ticket, TicketStatusChange
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
    sla_targets,
)

CHANGE_AGREEMENT = "service.change_ticket_agreement"


def _check_agreement(*, agreement: Agreement | None, company: Company) -> None:
    error = agreement_company_error(agreement=agreement, company=company)
    if error:
        raise ValidationError({"agreement": [error]})


def _refuse_unknown(changes: dict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})


def _targets_of(ticket: Ticket) -> SlaTargets:
    return sla_targets(priority=ticket.priority, agreement_id=ticket.agreement_id)


# --- tickets -------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    board: Board,
    company: Company,
    summary: str,
    by: Member,
    agreement: Agreement | None = None,
    description: str = "",
    priority: int = Priority.MEDIUM,
    work_type: WorkType | None = None,
    assignee: Member | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a new ticket; it starts as New, its SLA clocks running from opened_at (default
    now) with the targets of its priority and agreement."""
    _check_agreement(agreement=agreement, company=company)
    ticket = Ticket(
        board=board,
        company=company,
        agreement=agreement,
        summary=summary,
        description=description,
        priority=priority,
        work_type=work_type,
        assignee=assignee,
        opened_at=opened_at or timezone.now(),
    )
    ticket.full_clean()
    clock_onto(ticket, clock_open(opened_at=ticket.opened_at, targets=_targets_of(ticket)))
    ticket._history_user = by.user
    ticket.save()
    return ticket


TICKET_EDITABLE = frozenset(
    {"board", "company", "agreement", "summary", "description", "priority", "work_type", "assignee"}
)


@transaction.atomic
def ticket_update(*, ticket: Ticket, by: Member, **changes) -> Ticket:
    """Change a ticket's details. The status moves only through ticket_set_status; a new
    priority or agreement gives the running SLA clocks new due times from now on."""
    _refuse_unknown(changes, TICKET_EDITABLE)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if "agreement" in changes and changes["agreement"] != ticket.agreement:
        _ensure_may_change_agreement(by)
    retarget = any(
        name in changes and changes[name] != getattr(ticket, name)
        for name in ("priority", "agreement")
    )
    for name, value in changes.items():
        setattr(ticket, name, value)
    _check_agreement(agreement=ticket.agreement, company=ticket.company)
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
