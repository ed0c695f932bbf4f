"""Writes to time entries. Web pages, the API, the admin, imports and the demo all come here."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.selectors import agreement_check
from daybook.core.time import local_date
from daybook.people.models import Member
from daybook.service.choices import TicketStatus
from daybook.service.models import Phase, Ticket
from daybook.service.services import ticket_set_status

from .choices import EntrySource
from .models import DraftEntry, TimeEntry, Timer
from .rates import default_billable, resolve_bill_rate
from .selectors import closed_through, entry_lock_reason, overlapping_entries, span_lock_reason
from .signals import entries_changed

MAX_ENTRY = timedelta(hours=24)
# A little slack for clocks that disagree between a browser and the server.
FUTURE_SLACK = timedelta(minutes=5)
MAX_NOTES = 10_000


def _ensure_may_write(*, by: Member | None, member: Member) -> None:
    """Members write their own time; Finance and Admin may write anyone's. None is the system."""
    if by is None or by.pk == member.pk:
        return
    if not by.user.has_perm("timekeeping.manage_all_entries"):
        raise PermissionDenied("You can only change your own time entries.")


def _local(moment: datetime, member: Member) -> str:
    return f"{moment.astimezone(member.zone):%Y-%m-%d %H:%M}"


def _describe(entry: TimeEntry) -> str:
    target = entry.ticket or entry.phase or entry.work_type
    return (
        f"entry {entry.pk} ({target}, {_local(entry.start, entry.member)}"
        f"-{entry.end.astimezone(entry.member.zone):%H:%M})"
    )


def _validate(
    *,
    member: Member,
    start: datetime,
    end: datetime,
    work_type: WorkType,
    ticket: Ticket | None,
    phase: Phase | None,
    work_role: WorkRole | None,
    billable: str | None,
    notes: str,
    internal_notes: str,
    exclude_pk: int | None = None,
) -> None:
    """Collect every problem with a proposed entry and raise them together, by field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for name, moment in (("start", start), ("end", end)):
        if timezone.is_naive(moment):
            add(name, "Give a time with its zone or offset, e.g. 2025-03-10T09:00:00-05:00.")
    if errors:
        raise ValidationError(errors)
    # Python subtracts two times in one zone by wall clock; in UTC the DST hour counts right.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        add("end", "The end must be after the start.")
    elif end - start > MAX_ENTRY:
        add("end", "An entry can be at most 24 hours long; split longer work into days.")
    if end > timezone.now() + FUTURE_SLACK:
        add("end", "The end is in the future; log time once it has been worked.")
    if ticket is not None and phase is not None:
        add("ticket", "Charge an entry to a ticket or a project phase, not both.")
    if work_type.is_payroll_wrap:
        if ticket is not None or phase is not None:
            add("work_type", f"{work_type} is internal time; it cannot go on a ticket or project.")
        if billable not in (None, BillableOption.DO_NOT_BILL):
            add("billable", "Internal time is never charged; use Do Not Bill.")
    elif ticket is None and phase is None:
        add(
            "ticket",
            "Client work needs a ticket or a project phase; for internal time pick a "
            "payroll-wrap work type.",
        )
    if not work_type.is_active:
        add("work_type", f"The work type {work_type} is no longer in use.")
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        add("ticket", f"Ticket #{ticket.pk} is closed; reopen it before logging time to it.")
    if work_role is None and member.default_work_role_id is None:
        add("work_role", "Pick a work role; this member has no default one.")
    if billable is not None and billable not in BillableOption.values:
        add("billable", f"{billable!r} is not a billable option.")
    if len(notes) > MAX_NOTES:
        add("notes", f"Notes can be at most {MAX_NOTES} characters.")
    if len(internal_notes) > MAX_NOTES:
        add("internal_notes", f"Internal notes can be at most {MAX_NOTES} characters.")
    if errors:
        raise ValidationError(errors)

    reason = span_lock_reason(member=member, start=start, end=end, closed=closed_through())
    if reason:
        raise ValidationError({"start": [reason]})
    clash = overlapping_entries(member=member, start=start, end=end, exclude_pk=exclude_pk).first()
    if clash is not None:
        raise ValidationError(
            {"start": [f"This overlaps {_describe(clash)}. Adjust one of them first."]}
        )


def _agreement_for(*, ticket: Ticket | None, phase: Phase | None):
    if ticket is not None:
        return ticket.agreement
    if phase is not None:
        return phase.project.agreement
    return None


def _apply_rates(entry: TimeEntry, *, billable: str | None) -> None:
    agreement = entry.agreement
    covered = (
        agreement_check(
            agreement=agreement,
            work_type=entry.work_type,
            on=local_date(entry.start, entry.member.zone),
        )
        == AgreementCheck.OK
    )
    entry.billable = billable or default_billable(
        work_type=entry.work_type, agreement=agreement, covered=covered
    )
    entry.bill_rate = resolve_bill_rate(
        work_role=entry.work_role,
        work_type=entry.work_type,
        billable=entry.billable,
        agreement=agreement,
    )


def _lock_member(member: Member) -> None:
    # Serialises writes per member so two requests cannot both pass the overlap check.
    Member.objects.select_for_update().filter(pk=member.pk).first()


def _note_first_response(ticket: Ticket | None, at: datetime) -> None:
    if ticket is not None and ticket.first_response_at is None:
        ticket.first_response_at = max(at, ticket.opened_at)
        ticket.save(update_fields=["first_response_at"])


def _changed(member: Member, spans: list[tuple[datetime, datetime]]) -> None:
    days = set()
    for start, end in spans:
        days |= {local_date(start, member.zone), local_date(end, member.zone)}
    entries_changed.send(sender=TimeEntry, member=member, days=days)


@transaction.atomic
def log_time(
    *,
    member: Member,
    start: datetime,
    end: datetime,
    work_type: WorkType,
    ticket: Ticket | None = None,
    phase: Phase | None = None,
    work_role: WorkRole | None = None,
    billable: str | None = None,
    notes: str = "",
    internal_notes: str = "",
    source: str = EntrySource.MANUAL,
    by: Member | None = None,
) -> TimeEntry:
    """Save a new time entry after checking every rule; nothing is saved if any fails.

    The entry is applied to its ticket's (or project's) agreement and stores the bill rate and
    the member's cost rate as they are now.
    """
    _ensure_may_write(by=by, member=member)
    _lock_member(member)
    _validate(
        member=member,
        start=start,
        end=end,
        work_type=work_type,
        ticket=ticket,
        phase=phase,
        work_role=work_role,
        billable=billable,
        notes=notes,
        internal_notes=internal_notes,
    )
    entry = TimeEntry(
        member=member,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        ticket=ticket,
        phase=phase,
        agreement=_agreement_for(ticket=ticket, phase=phase),
        work_role=work_role or member.default_work_role,
        work_type=work_type,
        notes=notes,
        internal_notes=internal_notes,
        source=source,
        cost_rate=member.cost_rate,
    )
    _apply_rates(entry, billable=billable)
    if by is not None:
        entry._history_user = by.user
    entry.save()
    _note_first_response(ticket, start)
    _changed(member, [(entry.start, entry.end)])
    return entry


EDITABLE_FIELDS = frozenset(
    {
        "start",
        "end",
        "ticket",
        "phase",
        "work_type",
        "work_role",
        "billable",
        "notes",
        "internal_notes",
    }
)
RATE_FIELDS = frozenset({"ticket", "phase", "work_type", "work_role", "billable"})


@transaction.atomic
def update_entry(*, entry: TimeEntry, by: Member | None, **changes) -> TimeEntry:
    """Change an unlocked entry. The rate is resolved again only when what it depends on
    changes, so editing notes never rewrites the price of past work."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    _ensure_may_write(by=by, member=entry.member)
    _lock_member(entry.member)
    entry = TimeEntry.objects.select_related("member", "member__user").get(pk=entry.pk)
    reason = entry_lock_reason(entry)
    if reason:
        raise ValidationError({"__all__": [reason]})
    proposed = {name: getattr(entry, name) for name in EDITABLE_FIELDS}
    proposed.update(changes)
    if "ticket" in changes and changes["ticket"] is not None and "phase" not in changes:
        proposed["phase"] = None
    if "phase" in changes and changes["phase"] is not None and "ticket" not in changes:
        proposed["ticket"] = None
    _validate(
        member=entry.member,
        start=proposed["start"],
        end=proposed["end"],
        work_type=proposed["work_type"],
        ticket=proposed["ticket"],
        phase=proposed["phase"],
        work_role=proposed["work_role"],
        billable=proposed["billable"],
        notes=proposed["notes"],
        internal_notes=proposed["internal_notes"],
        exclude_pk=entry.pk,
    )
    proposed["start"] = proposed["start"].astimezone(UTC)
    proposed["end"] = proposed["end"].astimezone(UTC)
    before = (entry.start, entry.end)
    for name, value in proposed.items():
        setattr(entry, name, value)
    if RATE_FIELDS & changes.keys():
        entry.agreement = _agreement_for(ticket=entry.ticket, phase=entry.phase)
        # A new work type brings its own billable default; otherwise the member's choice stays.
        kept = None if "work_type" in changes else entry.billable
        _apply_rates(entry, billable=changes.get("billable") or kept)
    if by is not None:
        entry._history_user = by.user
    entry.save()
    _changed(entry.member, [before, (entry.start, entry.end)])
    return entry


@transaction.atomic
def delete_entry(*, entry: TimeEntry, by: Member | None) -> None:
    """Delete an unlocked entry; its history keeps what it was and who removed it."""
    _ensure_may_write(by=by, member=entry.member)
    _lock_member(entry.member)
    entry = TimeEntry.objects.select_related("member").get(pk=entry.pk)
    reason = entry_lock_reason(entry)
    if reason:
        raise ValidationError({"__all__": [reason]})
    if by is not None:
        entry._history_user = by.user
    span = (entry.start, entry.end)
    entry.delete()
    _changed(entry.member, [span])


def _timer_target(timer: Timer) -> str:
    target = timer.ticket or timer.phase or "internal time"
    return f"{target} since {timer.started_at.astimezone(timer.member.zone):%H:%M}"


@transaction.atomic
def timer_start(
    *,
    member: Member,
    ticket: Ticket | None = None,
    phase: Phase | None = None,
    at: datetime | None = None,
) -> Timer:
    """Start the member's one timer. A second one is refused with what is already running;
    the database's unique member column settles two requests that race."""
    at = at or timezone.now()
    if ticket is not None and phase is not None:
        raise ValidationError({"ticket": ["Time a ticket or a project phase, not both."]})
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        raise ValidationError({"ticket": [f"Ticket #{ticket.pk} is closed."]})
    running = Timer.objects.filter(member=member).select_related("ticket", "phase").first()
    if running is not None:
        raise ValidationError(
            {
                "timer": [
                    f"A timer is already running on {_timer_target(running)}. "
                    "Finish or park that entry first."
                ]
            }
        )
    try:
        with transaction.atomic():
            return Timer.objects.create(member=member, ticket=ticket, phase=phase, started_at=at)
    except IntegrityError:
        raise ValidationError(
            {
                "timer": [
                    "Another timer was started for you at the same moment; finish that one first."
                ]
            }
        ) from None


def timer_current(*, member: Member) -> Timer | None:
    return Timer.objects.filter(member=member).select_related("ticket", "phase").first()


@transaction.atomic
def timer_stop(
    *,
    member: Member,
    work_type: WorkType,
    notes: str,
    work_role: WorkRole | None = None,
    billable: str | None = None,
    internal_notes: str = "",
    next_status: str | None = None,
    at: datetime | None = None,
) -> TimeEntry:
    """Turn the running timer into an entry that ends now, the moment it is saved, so writing
    the notes is part of the logged time. If anything is refused, nothing changes and the
    timer keeps running."""
    at = at or timezone.now()
    timer = Timer.objects.select_for_update().filter(member=member).first()
    if timer is None:
        raise ValidationError({"timer": ["No timer is running."]})
    if not notes.strip():
        raise ValidationError({"notes": ["Write what you did; the client sees these notes."]})
    entry = log_time(
        member=member,
        start=timer.started_at,
        end=at,
        ticket=timer.ticket,
        phase=timer.phase,
        work_type=work_type,
        work_role=work_role,
        billable=billable,
        notes=notes,
        internal_notes=internal_notes,
        source=EntrySource.TIMER,
        by=member,
    )
    timer.delete()
    if next_status and timer.ticket is not None:
        ticket_set_status(ticket=timer.ticket, status=next_status, by=member, at=at)
    return entry


@transaction.atomic
def work_start(*, member: Member, ticket: Ticket, at: datetime | None = None) -> Timer:
    """Status In Progress starts the timer: one click to begin work on a ticket."""
    at = at or timezone.now()
    timer = timer_start(member=member, ticket=ticket, at=at)
    if ticket.status != TicketStatus.IN_PROGRESS:
        ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=member, at=at)
    return timer


NOTES_REQUIRED = "Write what you did; the client sees these notes."


def _require_notes(*, work_type: WorkType, notes: str) -> None:
    """Client work needs notes (writing them is part of the work); internal time may go
    without."""
    if not work_type.is_payroll_wrap and not notes.strip():
        raise ValidationError({"notes": [NOTES_REQUIRED]})


@transaction.atomic
def entry_log(*, next_status: str | None = None, **fields) -> TimeEntry:
    """Log an entry the way the entry form does: notes on client work, then the ticket's next
    status, both or neither. Takes log_time's arguments."""
    _require_notes(work_type=fields["work_type"], notes=fields.get("notes", ""))
    entry = log_time(**fields)
    if next_status and entry.ticket is not None:
        # The ticket moves now, whenever the work itself happened.
        ticket_set_status(ticket=entry.ticket, status=next_status, by=fields.get("by"))
    return entry


@transaction.atomic
def entry_edit(*, entry: TimeEntry, by: Member | None, **changes) -> TimeEntry:
    """Change an entry from the entry form: update_entry's rules, and client work keeps its
    notes."""
    work_type = changes.get("work_type", entry.work_type)
    _require_notes(work_type=work_type, notes=changes.get("notes", entry.notes))
    return update_entry(entry=entry, by=by, **changes)


@transaction.atomic
def timer_park(*, member: Member, at: datetime | None = None) -> DraftEntry:
    """Stop the running timer without logging it yet: its minutes are kept as a draft that
    the member completes later with notes. Nothing is lost, and the clock is free again."""
    at = at or timezone.now()
    timer = (
        Timer.objects.select_for_update(of=("self",))
        .filter(member=member)
        .select_related("ticket", "phase")
        .first()
    )
    if timer is None:
        raise ValidationError({"timer": ["No timer is running."]})
    if at <= timer.started_at:
        raise ValidationError(
            {"timer": ["The timer has only just started; there is nothing to park yet."]}
        )
    draft = DraftEntry.objects.create(
        member=member,
        ticket=timer.ticket,
        phase=timer.phase,
        start=timer.started_at,
        end=at,
        notes=timer.notes,
    )
    timer.delete()
    return draft


@transaction.atomic
def work_switch(
    *, member: Member, ticket: Ticket, at: datetime | None = None
) -> tuple[DraftEntry | None, Timer]:
    """Park whatever is running and start work on another ticket, in one step.

    Returns the parked draft (None when nothing was running) and the new timer. Work already
    timed on this very ticket simply keeps running.
    """
    at = at or timezone.now()
    running = Timer.objects.select_for_update().filter(member=member).first()
    if running is not None and running.ticket_id == ticket.pk:
        return None, running
    draft = timer_park(member=member, at=at) if running is not None else None
    return draft, work_start(member=member, ticket=ticket, at=at)


@transaction.atomic
def draft_log(
    *,
    draft: DraftEntry,
    by: Member,
    start: datetime,
    end: datetime,
    work_type: WorkType,
    notes: str,
    work_role: WorkRole | None = None,
    billable: str | None = None,
    internal_notes: str = "",
    next_status: str | None = None,
) -> TimeEntry:
    """Turn a parked draft into a time entry (same rules as any entry) and remove the draft."""
    locked = DraftEntry.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None:
        raise ValidationError({"__all__": ["This parked entry was already logged or discarded."]})
    _ensure_may_write(by=by, member=locked.member)
    if not notes.strip():
        raise ValidationError({"notes": [NOTES_REQUIRED]})
    entry = entry_log(
        member=locked.member,
        start=start,
        end=end,
        ticket=locked.ticket,
        phase=locked.phase,
        work_type=work_type,
        work_role=work_role,
        billable=billable,
        notes=notes,
        internal_notes=internal_notes,
        source=EntrySource.TIMER,
        by=by,
        next_status=next_status,
    )
    locked.delete()
    return entry


@transaction.atomic
def draft_discard(*, draft: DraftEntry, by: Member) -> None:
    """Throw a parked draft away, for time that should not be logged after all."""
    _ensure_may_write(by=by, member=draft.member)
    DraftEntry.objects.filter(pk=draft.pk).delete()
