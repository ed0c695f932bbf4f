"""What a piece of time is charged to, in one name wherever it is shown: "#123 Printer
offline", "Office move / Cabling", or the kind of internal time."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DraftEntry, TimeEntry, Timer

INTERNAL_TIME = "Internal time"


def target_label(
    *,
    ticket_id: int | None = None,
    ticket_summary: str | None = None,
    phase_id: int | None = None,
    project_name: str | None = None,
    phase_name: str | None = None,
    work_type_name: str = "",
    internal: str = INTERNAL_TIME,
) -> str:
    """The name from plain values, so the day engine can use it without the database. A
    ticket or phase given without its names is named by its number ("Ticket #123",
    "Project phase #4"); time on neither is its work type, else `internal`."""
    if ticket_id:
        if ticket_summary is None:
            return f"Ticket #{ticket_id}"
        return f"#{ticket_id} {ticket_summary}"
    if phase_id:
        if phase_name is None:
            return f"Project phase #{phase_id}"
        return f"{project_name} / {phase_name}"
    return work_type_name or internal


def entry_label(entry: "TimeEntry | DraftEntry | Timer", *, internal: str = INTERNAL_TIME) -> str:
    """The name of an entry, a parked draft or a running timer. It reads the ticket, the phase
    with its project and the work type, so select those with the rows."""
    ticket = entry.ticket if entry.ticket_id else None
    phase = entry.phase if entry.phase_id else None
    work_type = getattr(entry, "work_type", None)  # drafts and timers have none yet
    return target_label(
        ticket_id=entry.ticket_id,
        ticket_summary=ticket.summary if ticket is not None else None,
        phase_id=entry.phase_id,
        project_name=phase.project.name if phase is not None else None,
        phase_name=phase.name if phase is not None else None,
        work_type_name=work_type.name if work_type is not None else "",
        internal=internal,
    )
