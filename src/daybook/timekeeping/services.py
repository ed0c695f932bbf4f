"""Writes to time entries. Web pages, the API, the admin, timers, drafts and tests all come
here: one service per action, one set of rules for every door."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import TypedDict, Unpack
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check, covered_billable_error
from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window, local_date
from daybook.people.models import Member
from daybook.people.services import members_lock
from daybook.service.choices import TicketStatus
from daybook.service.models import Phase, Ticket
from daybook.service.services import (
    ticket_move_error,
    ticket_note_response,
    ticket_set_agreement,
    ticket_set_status,
)

from .agreement_queue import unapplied_entries
from .choices import EntrySource
from .labels import entry_label
from .models import LONGEST_ENTRY, DraftEntry, TimeEntry, Timer
from .rates import default_billable, resolve_bill_rate, resolve_cost_rate, work_date
from .selectors import entry_lock_reason, overlapping_entries, period_in_force, span_lock_reason

# A little slack for clocks that disagree between a browser and the server.
FUTURE_SLACK = timedelta(minutes=5)
MAX_NOTES = 10_000
NOTES_REQUIRED = "Write what you did; the client sees these notes."


def _ensure_may_write(*, by: Member | None, member: Member) -> None:
    """Members write their own time; Finance and Admin may write anyone's. None is the system."""
    if by is None or by.pk == member.pk:
        return
    if not by.user.has_perm("timekeeping.manage_all_entries"):
        raise PermissionDenied("You can only change your own time entries.")


def _describe(entry: TimeEntry) -> str:
    zone = entry.member.zone
    return (
        f"entry {entry.pk} ({entry_label(entry)}, {entry.start.astimezone(zone):%Y-%m-%d %H:%M}"
        f"-{entry.end.astimezone(zone):%H:%M})"
    )


def entry_row_errors(
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
) -> dict[str, list[str]]:
    """Every problem with a proposed entry that the row itself shows, by field, without
    asking the database: times, length, where it is charged, work type, notes. Empty when
    there is none. The single and the batch entry writes (batch.py) share it."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for name, moment in (("start", start), ("end", end)):
        if timezone.is_naive(moment):
            add(name, "Give a time with its zone or offset, e.g. 2025-03-10T09:00:00-05:00.")
    if errors:
        return errors
    # Python subtracts two times in one zone by wall clock; in UTC the DST hour counts right.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        add("end", "The end must be after the start.")
    elif end - start > LONGEST_ENTRY:
        add("end", "An entry can be at most 24 hours long; split longer work into days.")
    # Time off is booked ahead (a day's leave next week); everything else is logged once
    # it has been worked.
    if end > timezone.now() + FUTURE_SLACK and not work_type.is_time_off:
        add(
            "end",
            "The end is in the future; log time once it has been worked. Only time off can "
            "be booked ahead.",
        )
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
    # Client work needs notes (writing them is part of the work); internal time may go without.
    if not work_type.is_payroll_wrap and not notes.strip():
        add("notes", NOTES_REQUIRED)
    if len(notes) > MAX_NOTES:
        add("notes", f"Notes can be at most {MAX_NOTES} characters.")
    if len(internal_notes) > MAX_NOTES:
        add("internal_notes", f"Internal notes can be at most {MAX_NOTES} characters.")
    return errors


def entry_lock_error(
    *, member: Member, start: datetime, end: datetime, closed
) -> ValidationError | None:
    """The refusal for time in a closed period (`closed`: the close in force), or None."""
    reason = span_lock_reason(member=member, start=start, end=end, closed=closed)
    return ValidationError({"start": [reason]}) if reason else None


def entry_clash_error(clash: TimeEntry) -> ValidationError:
    """The refusal for time that overlaps `clash`, another entry of the same member."""
    return ValidationError(
        {"start": [f"This overlaps {_describe(clash)}. Adjust one of them first."]}
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
    """Collect every problem with a proposed entry and raise them together, by field: first
    what the row shows (entry_row_errors), then a closed period, then an overlap."""
    errors = entry_row_errors(
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
    if errors:
        raise ValidationError(errors)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    error = entry_lock_error(member=member, start=start, end=end, closed=period_in_force())
    if error is not None:
        raise error
    clash = overlapping_entries(member=member, start=start, end=end, exclude_pk=exclude_pk).first()
    if clash is not None:
        raise entry_clash_error(clash)


def _agreement_for(*, ticket: Ticket | None, phase: Phase | None):
    if ticket is not None:
        return ticket.agreement
    if phase is not None:
        return phase.project.agreement
    return None


def _apply_rates(
    entry: TimeEntry, *, billable: str | None, refuse_covered_billable: bool = True
) -> None:
    """Settle the entry's billable option and store its bill and cost rates as in effect on
    its work date (the member-local date of its start).

    Billable on work a managed agreement covers is refused with a sentence (the fee pays for
    it); with `refuse_covered_billable` False (moving time to the agreement a dispatcher
    found) it becomes No Charge instead, recorded in the entry's history like the move."""
    agreement = entry.agreement
    on = work_date(member=entry.member, start=entry.start)
    covered = (
        agreement_check(agreement=agreement, work_type=entry.work_type, on=on) == AgreementCheck.OK
    )
    if billable == BillableOption.BILLABLE:
        refusal = covered_billable_error(agreement=agreement, work_type=entry.work_type, on=on)
        if refusal and refuse_covered_billable:
            raise ValidationError({"billable": [refusal]})
        if refusal:
            billable = BillableOption.NO_CHARGE
    entry.billable = billable or default_billable(
        work_type=entry.work_type, agreement=agreement, covered=covered
    )
    entry.bill_rate = resolve_bill_rate(
        work_role=entry.work_role,
        work_type=entry.work_type,
        billable=entry.billable,
        agreement=agreement,
        on=on,
    )
    entry.cost_rate = resolve_cost_rate(member=entry.member, on=on)


def _lock_member(member: Member) -> None:
    # Serialises writes per member so two requests cannot both pass the overlap check; the
    # one lock helper every app uses, so reviews and entry writes lock in the same order.
    members_lock([member.pk])


def _sent_before(member: Member, client_key: UUID) -> TimeEntry | None:
    """The member's entry an earlier send of this browser-made key saved, if any."""
    return TimeEntry.objects.filter(member=member, client_key=client_key).first()


class EntryGone(Http404):
    """The entry was deleted by another request while this one waited for it. Http404, so
    every door answers as for an entry that is not there: the API and pages with 404."""

    def __init__(self, pk: int) -> None:
        super().__init__(
            f"Time entry {pk} was deleted a moment ago, by another request, so nothing was "
            "changed. Reload to see the day as it is now."
        )


def _relocked(entry: TimeEntry, *related: str) -> TimeEntry:
    """The entry as it is now that its member is locked: the caller fetched it before
    waiting for the lock, and another request may have changed or deleted it meanwhile."""
    _lock_member(entry.member)
    fresh = TimeEntry.objects.select_related(*related).filter(pk=entry.pk).first()
    if fresh is None:
        raise EntryGone(entry.pk)
    return fresh


def _note_first_response(ticket: Ticket | None, at: datetime) -> None:
    if ticket is not None and ticket.first_response_at is None:
        ticket_note_response(ticket=ticket, at=at)


def _local_days(member: Member, *spans: tuple[datetime, datetime]) -> set[date]:
    """The member's local dates that the spans start or end on."""
    return {local_date(moment, member.zone) for span in spans for moment in span}


@cache
def _follow_on_steps(paths: tuple[str, ...]) -> tuple[Callable[..., object], ...]:
    # Imported once per list of paths, so a test that overrides the setting gets its own.
    return tuple(import_string(path) for path in paths)


def _days_changed(member: Member, days: set[date]) -> None:
    """Run the steps that follow a change to the member's entries on these local days, inside
    the writing transaction, so they stand or fall with it. The steps are listed in the
    DAYBOOK_AFTER_ENTRY_CHANGE setting (review resolves follow-ups the new time answers):
    timekeeping sits below the apps that react, so it names them there instead of importing
    them."""
    for step in _follow_on_steps(tuple(settings.DAYBOOK_AFTER_ENTRY_CHANGE)):
        step(member=member, days=days)


@transaction.atomic
def entry_log(
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
    next_status: str | None = None,
    source: str = EntrySource.MANUAL,
    by: Member | None = None,
    import_key: str = "",
    client_key: UUID | None = None,
) -> TimeEntry:
    """Log a new time entry after checking every rule; nothing is saved if any fails.

    The entry is applied to its ticket's (or project's) agreement and stores the bill rate and
    the member's cost rate as they are now. `next_status` then moves the ticket on. `by` is
    who writes (None: the system), `source` how the time came in. Imports (interchange)
    pass source=IMPORT, which keeps the entry out of the real-time share and the late-entry
    finding, and `import_key`, the row's identity in its file, so importing it again finds it.

    `client_key` is the id a browser made for an entry saved offline. If this member already
    has an entry with that key, it is returned as it is and nothing else happens: a resend
    after a lost answer is not a second entry, and the same key with other details still
    means the first entry. Keys are per member, so another member's key never matches.
    """
    _ensure_may_write(by=by, member=member)
    _lock_member(member)
    # After the lock: two sends of one key at once find each other here.
    if client_key is not None and (sent := _sent_before(member, client_key)) is not None:
        return sent
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
        import_key=import_key,
        client_key=client_key,
        cost_rate=member.cost_rate,
    )
    _apply_rates(entry, billable=billable)
    if by is not None:
        entry._history_user = by.user
    entry.save()
    _note_first_response(ticket, start)
    if next_status and ticket is not None:
        # The ticket moves now, whenever the work itself happened.
        ticket_set_status(ticket=ticket, status=next_status, by=by)
    _days_changed(member, _local_days(member, (entry.start, entry.end)))
    return entry


class EntryChanges(TypedDict, total=False):
    """What an edit may change; any other field is refused."""

    start: datetime
    end: datetime
    ticket: Ticket | None
    phase: Phase | None
    work_type: WorkType
    work_role: WorkRole | None
    billable: str | None
    notes: str
    internal_notes: str


EDITABLE_FIELDS = EntryChanges.__optional_keys__
RATE_FIELDS = frozenset({"ticket", "phase", "work_type", "work_role", "billable"})


@transaction.atomic
def entry_edit(
    *, entry: TimeEntry, by: Member | None, **changes: Unpack[EntryChanges]
) -> TimeEntry:
    """Change an unlocked entry under the same rules as logging one. The rate is resolved
    again only when what it depends on changes, so editing notes never rewrites the price of
    past work."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    _ensure_may_write(by=by, member=entry.member)
    entry = _relocked(entry, "member", "member__user")
    reason = entry_lock_reason(entry, by=by)
    if reason:
        raise ValidationError({"__all__": [reason]})
    proposed = {name: getattr(entry, name) for name in EDITABLE_FIELDS}
    proposed.update(changes)
    if proposed["work_role"] is None:
        # As when logging: no work role given means the member's default one.
        proposed["work_role"] = entry.member.default_work_role
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
    # Rates are resolved again when what they depend on changes: the work, or its work date.
    moved_day = local_date(before[0], entry.member.zone) != local_date(
        entry.start, entry.member.zone
    )
    if RATE_FIELDS & changes.keys() or moved_day:
        entry.agreement = _agreement_for(ticket=entry.ticket, phase=entry.phase)
        # A new work type brings its own billable default; otherwise the member's choice stays.
        kept = None if "work_type" in changes else entry.billable
        _apply_rates(entry, billable=changes.get("billable") or kept)
    if by is not None:
        entry._history_user = by.user
    entry.save()
    _days_changed(entry.member, _local_days(entry.member, before, (entry.start, entry.end)))
    return entry


@transaction.atomic
def entry_delete(*, entry: TimeEntry, by: Member | None) -> None:
    """Delete an unlocked entry; its history keeps what it was and who removed it."""
    _ensure_may_write(by=by, member=entry.member)
    entry = _relocked(entry, "member")
    reason = entry_lock_reason(entry, by=by)
    if reason:
        raise ValidationError({"__all__": [reason]})
    if by is not None:
        entry._history_user = by.user
    span = (entry.start, entry.end)
    entry.delete()
    _days_changed(entry.member, _local_days(entry.member, span))


MAX_CORRECTION_REASON = 200


@transaction.atomic
def entry_correct_notes(
    *, entry: TimeEntry, by: Member, notes: str, internal_notes: str, reason: str
) -> TimeEntry:
    """Correct the notes of an entry that can no longer be edited: approved, invoiced, in a
    closed period, or on a closed ticket. Only Finance (and Admin) may, with a reason; the
    entry's history keeps the old notes, who corrected them and why. Nothing else changes:
    times, rates and amounts stay as they were billed."""
    if not by.user.has_perm("timekeeping.manage_all_entries"):
        raise PermissionDenied(
            "Only Finance can correct the notes of locked time. Ask Finance, saying what "
            "should change and why."
        )
    entry = _relocked(entry, "member", "member__user", "ticket", "work_type")
    closed_ticket = entry.ticket is not None and entry.ticket.status == TicketStatus.CLOSED
    if entry_lock_reason(entry) is None and not closed_ticket:
        raise ValidationError(
            {"__all__": ["This entry is not locked; change its notes by editing it as usual."]}
        )
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Say why the notes change; the entry's history keeps it."]
    elif len(reason) > MAX_CORRECTION_REASON:
        errors["reason"] = [f"Keep the reason to {MAX_CORRECTION_REASON} characters or fewer."]
    if not entry.work_type.is_payroll_wrap and not notes.strip():
        errors["notes"] = [NOTES_REQUIRED]
    if len(notes) > MAX_NOTES:
        errors["notes"] = [f"Notes can be at most {MAX_NOTES} characters."]
    if len(internal_notes) > MAX_NOTES:
        errors["internal_notes"] = [f"Internal notes can be at most {MAX_NOTES} characters."]
    if not errors and (notes, internal_notes) == (entry.notes, entry.internal_notes):
        errors["notes"] = ["These are the notes the entry already has; nothing to correct."]
    if errors:
        raise ValidationError(errors)
    entry.notes = notes
    entry.internal_notes = internal_notes
    entry._history_user = by.user
    entry._change_reason = f"Notes corrected: {reason}"
    entry.save(update_fields=["notes", "internal_notes", "updated_at"])
    # A missing note is a review finding; the correction may answer a follow-up about it.
    _days_changed(entry.member, _local_days(entry.member, (entry.start, entry.end)))
    return entry


def _timer_target(timer: Timer) -> str:
    target = entry_label(timer, internal="internal time")
    return f"{target} since {timer.started_at.astimezone(timer.member.zone):%H:%M}"


def timer_busy_message(running: Timer) -> str:
    """The refusal when a member's one timer is already running on other work."""
    return (
        f"A timer is already running on {_timer_target(running)}. Finish or park that entry first."
    )


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
        raise ValidationError({"timer": [timer_busy_message(running)]})
    return _timer_create(member=member, ticket=ticket, phase=phase, at=at)


def _timer_create(
    *, member: Member, ticket: Ticket | None, phase: Phase | None, at: datetime
) -> Timer:
    """The timer row, once the caller found none running; the database's unique member
    column settles two requests that race past that check."""
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
    client_key: UUID | None = None,
) -> TimeEntry:
    """Turn the running timer into an entry that ends now, the moment it is saved, so writing
    the notes is part of the logged time. If anything is refused, nothing changes and the
    timer keeps running.

    A stop saved offline comes later with the moment it was saved (`at`) and its browser-made
    `client_key`; sent again, it finds the entry the first send made (see `entry_log`)."""
    at = at or timezone.now()
    # What the entry is charged to comes with the locked row (the lock on the timer alone),
    # so the entry's agreement is not read again one row at a time.
    timer = (
        Timer.objects.select_for_update(of=("self",))
        .select_related("ticket__agreement", "phase__project__agreement")
        .filter(member=member)
        .first()
    )
    # Sent before: whatever runs now (a timer started since) is not this stop's timer.
    if client_key is not None and (sent := _sent_before(member, client_key)) is not None:
        return sent
    if timer is None:
        raise ValidationError({"timer": ["No timer is running."]})
    entry = entry_log(
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
        next_status=next_status,
        source=EntrySource.TIMER,
        by=member,
        client_key=client_key,
    )
    timer.delete()
    return entry


@transaction.atomic
def work_start(*, member: Member, ticket: Ticket, at: datetime | None = None) -> Timer:
    """Status In Progress starts the timer: one click to begin work on a ticket."""
    at = at or timezone.now()
    timer = timer_start(member=member, ticket=ticket, at=at)
    if ticket.status != TicketStatus.IN_PROGRESS:
        ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=member, at=at)
    return timer


@transaction.atomic
def ticket_move(
    *, member: Member, ticket: Ticket, status: str, at: datetime | None = None
) -> Ticket:
    """Move a ticket along its workflow as `member`, with the one timer rule every door keeps
    (the ticket page's buttons and `POST /api/tickets/{id}/status/`):

    - In Progress starts the member's timer on the ticket (`work_start`). A timer already
      running on this ticket keeps running; one running on other work is refused with what
      it is (the "timer" error), so the member finishes or parks it first.
    - Any other status just moves the ticket.

    A move the workflow forbids is refused before any timer starts.
    """
    at = at or timezone.now()
    if status not in TicketStatus.values:
        raise ValidationError({"status": [f"{status!r} is not a ticket status."]})
    error = ticket_move_error(ticket=ticket, status=status)
    if error:
        raise ValidationError({"status": [error]})
    if status == TicketStatus.IN_PROGRESS:
        running = timer_current(member=member)
        if running is None:
            # work_start's two steps, without asking again for the timer just found missing
            # or moving the ticket twice: the move below is the one.
            _timer_create(member=member, ticket=ticket, phase=None, at=at)
        elif running.ticket_id != ticket.pk:
            raise ValidationError({"timer": [timer_busy_message(running)]})
    return ticket_set_status(ticket=ticket, status=status, by=member, at=at)


@transaction.atomic
def ticket_agreement_fix(
    *, ticket: Ticket, agreement: Agreement | None, by: Member
) -> tuple[Ticket, int]:
    """Agreement verification in one step, for every door that sets a ticket's agreement:
    the ticket gets `agreement` (the dispatcher's right, checked by `ticket_set_agreement`,
    which also answers open flags), and the ticket's time that went to no valid agreement
    moves to it: unlocked entries applied to none, or to one not active on their local date,
    when `agreement` is active on that date. Their rates are resolved again for it (a
    billable option the member chose stays) and their history names `by`.

    Entries with a valid agreement keep theirs; locked ones (closed period, approved,
    invoiced) stay as they are. Returns the ticket and how many entries moved.
    """
    waiting = unapplied_entries(ticket=ticket)
    members_lock({entry.member_id for entry in waiting})
    ticket = ticket_set_agreement(ticket=ticket, agreement=agreement, by=by)
    if agreement is None:
        return ticket, 0
    moved: dict[Member, set[date]] = {}
    count = 0
    for entry in waiting:
        if not agreement.is_active_on(local_date(entry.start, entry.member.zone)):
            continue
        previous_default = default_billable(
            work_type=entry.work_type, agreement=entry.agreement, covered=False
        )
        chosen = None if entry.billable == previous_default else entry.billable
        entry.agreement = agreement
        _apply_rates(entry, billable=chosen, refuse_covered_billable=False)
        entry._history_user = by.user
        entry.save(update_fields=["agreement", "billable", "bill_rate", "cost_rate", "updated_at"])
        moved.setdefault(entry.member, set()).update(
            _local_days(entry.member, (entry.start, entry.end))
        )
        count += 1
    for member, days in moved.items():
        _days_changed(member, days)
    return ticket, count


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


MAX_RERATE_REASON = 80  # the history keeps "Re-rated: " + reason in 100 characters
MAX_RERATE_DAYS = 366


@dataclass(frozen=True)
class RerateChange:
    """One entry whose stored rates (or billable option) a re-rate changes."""

    entry_id: int
    member: str
    work_date: date
    billable_before: str
    billable_after: str
    bill_rate_before: Decimal
    bill_rate_after: Decimal
    cost_rate_before: Decimal
    cost_rate_after: Decimal


@dataclass(frozen=True)
class RerateResult:
    changed: tuple[RerateChange, ...]
    unchanged: int
    locked: int
    dry_run: bool


def _rerate_errors(*, first: date, last: date, reason: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, day in (("start", first), ("end", last)):
        if not isinstance(day, date) or isinstance(day, datetime):
            errors[name] = ["Give a date as YYYY-MM-DD."]
        elif not in_date_window(day):
            errors[name] = [DATE_WINDOW_MESSAGE]
    if not errors:
        if last < first:
            errors["end"] = [f"The end ({last}) is before the start ({first})."]
        elif (last - first).days + 1 > MAX_RERATE_DAYS:
            errors["end"] = [f"Re-rate at most {MAX_RERATE_DAYS} days at a time."]
    if not reason.strip():
        errors["reason"] = ["Say why the entries are re-rated; their history keeps it."]
    elif len(reason.strip()) > MAX_RERATE_REASON:
        errors["reason"] = [f"Keep the reason to {MAX_RERATE_REASON} characters or fewer."]
    return errors


@transaction.atomic
def entries_rerate(
    *,
    by: Member | None,
    start: date,
    end: date,
    reason: str,
    member: Member | None = None,
    agreement: Agreement | None = None,
    work_role: WorkRole | None = None,
    dry_run: bool = False,
) -> RerateResult:
    """Resolve the rates of unlocked entries again, on purpose, after a rate changed late.

    Entries whose work date (the member-local date of their start) is from `start` to `end`,
    optionally only one member's, one agreement's or one work role's, get the bill and cost
    rates in effect on that date (`rates.py`), keeping their agreement and billable option
    (Billable on work a managed agreement covers becomes No Charge). Locked entries (approved,
    billed, in a closed period) are counted and left alone. Each changed entry's history keeps
    who re-rated it and why. Finance and Admin only (None: the system, for the CLI);
    `dry_run` reports what would change and saves nothing.
    """
    if by is not None and not (
        by.user.has_perm("timekeeping.manage_all_entries")
        and by.user.has_perm("timekeeping.view_all_entries")
    ):
        raise PermissionDenied("Only Finance or an administrator can re-rate time entries.")
    errors = _rerate_errors(first=start, last=end, reason=reason)
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    # A day of slack either side covers every zone; the local date decides below.
    entries = TimeEntry.objects.filter(
        start__gte=datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC),
        start__lt=datetime.combine(end + timedelta(days=2), time.min, tzinfo=UTC),
    ).select_related("member__user", "agreement", "work_role", "work_type")
    if member is not None:
        entries = entries.filter(member=member)
    if agreement is not None:
        entries = entries.filter(agreement=agreement)
    if work_role is not None:
        entries = entries.filter(work_role=work_role)
    members_lock(entries.values_list("member_id", flat=True).distinct())
    changed: list[RerateChange] = []
    rerated: dict[Member, set[date]] = {}  # the work dates changed, for the follow-on steps
    unchanged = locked = 0
    closed = period_in_force()
    for entry in entries.order_by("start", "pk"):
        day = work_date(member=entry.member, start=entry.start)
        if not start <= day <= end:
            continue
        if entry_lock_reason(entry, closed=closed) is not None:
            locked += 1
            continue
        before = (entry.billable, entry.bill_rate, entry.cost_rate)
        _apply_rates(entry, billable=entry.billable, refuse_covered_billable=False)
        after = (entry.billable, entry.bill_rate, entry.cost_rate)
        if after == before:
            unchanged += 1
            continue
        changed.append(
            RerateChange(
                entry_id=entry.pk,
                member=entry.member.name,
                work_date=day,
                billable_before=before[0],
                billable_after=after[0],
                bill_rate_before=before[1],
                bill_rate_after=after[1],
                cost_rate_before=before[2],
                cost_rate_after=after[2],
            )
        )
        if dry_run:
            continue
        if by is not None:
            entry._history_user = by.user
        entry._change_reason = f"Re-rated: {reason}"
        entry.save(update_fields=["billable", "bill_rate", "cost_rate", "updated_at"])
        rerated.setdefault(entry.member, set()).add(day)
    for rerated_member, days in rerated.items():
        _days_changed(rerated_member, days)
    return RerateResult(changed=tuple(changed), unchanged=unchanged, locked=locked, dry_run=dry_run)
