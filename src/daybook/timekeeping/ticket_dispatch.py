"""Dispatch's side of a ticket that touches members' time, so it sits here above service:

- `ticket_edit`: a ticket's details changed through the dispatch pages and the API. A new
  agreement goes the way of every agreement change (`ticket_agreement_fix`): the ticket's time
  that had no valid agreement moves to it and open flags about the agreement are answered.
- `ticket_timeline`: the ticket's story in time order (opening, notes, status moves, time
  entries' notes, agreement and assignee changes) as one viewer may see it. Time entries come
  through `entries_visible_to`, the trust rule every door keeps: a member's time on a day whose
  review has not opened shows only to that member.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from daybook.people.models import Member
from daybook.service.models import Ticket, TicketStatusChange
from daybook.service.selectors import ticket_changes, ticket_notes
from daybook.service.services import ticket_update

from .selectors import entries_visible_to
from .services import ticket_agreement_fix

# The newest this many time entries of a ticket make it into its timeline.
TIMELINE_ENTRIES = 200


@transaction.atomic
def ticket_edit(*, ticket: Ticket, by: Member, **changes) -> Ticket:
    """Change a ticket's details (service's `ticket_update` decides what may change). When the
    agreement changes, its time waiting for a valid agreement moves to the new one."""
    before = ticket.agreement_id
    ticket = ticket_update(ticket=ticket, by=by, **changes)
    if ticket.agreement_id != before and ticket.agreement_id is not None:
        ticket, _ = ticket_agreement_fix(ticket=ticket, agreement=ticket.agreement, by=by)
    return ticket


@dataclass(frozen=True)
class TimelineItem:
    """One thing that happened on a ticket."""

    at: datetime
    kind: str  # opened, note, status, entry, agreement, assignee
    who: str
    text: str
    client_visible: bool | None = None
    internal_text: str = ""
    end: datetime | None = None


def _status_label(value: str) -> str:
    return dict(TicketStatusChange._meta.get_field("to_status").choices).get(value, value)


def ticket_timeline(ticket: Ticket, *, viewer: AbstractBaseUser) -> list[TimelineItem]:
    """Everything `viewer` may see happen on the ticket, oldest first."""
    items = [
        TimelineItem(
            at=ticket.opened_at,
            kind="opened",
            who=_opened_by(ticket),
            text=f"Opened as {ticket.get_priority_display()}.",
        )
    ]
    for note in ticket_notes(ticket):
        items.append(
            TimelineItem(
                at=note.created_at,
                kind="note",
                who=note.author.name if note.author else "a former member",
                text=note.text,
                client_visible=note.client_visible,
            )
        )
    moves = ticket.status_changes.select_related("by__user").order_by("at", "pk")
    for move in moves:
        items.append(
            TimelineItem(
                at=move.at,
                kind="status",
                who=move.by.name if move.by else "Daybook",
                text=f"{_status_label(move.from_status)} → {_status_label(move.to_status)}",
            )
        )
    entries = (
        entries_visible_to(viewer)
        .filter(ticket=ticket)
        .select_related("member__user", "work_type")
        .order_by("-start", "-pk")[:TIMELINE_ENTRIES]
    )
    for entry in entries:
        items.append(
            TimelineItem(
                at=entry.start,
                end=entry.end,
                kind="entry",
                who=entry.member.name,
                text=entry.notes,
                internal_text=entry.internal_notes,
                client_visible=True,
            )
        )
    for change in ticket_changes(ticket):
        if change.field == "agreement":
            text = f"Agreement: {change.before} → {change.after}"
        else:
            text = f"Assigned: {change.before} → {change.after}"
        items.append(
            TimelineItem(at=change.at, kind=change.field, who=change.by or "Daybook", text=text)
        )
    order = {"opened": 0, "agreement": 1, "assignee": 1, "status": 2, "note": 3, "entry": 4}
    return sorted(items, key=lambda item: (item.at, order[item.kind]))


def _opened_by(ticket: Ticket) -> str:
    first = (
        ticket.history.order_by("history_date", "history_id").select_related("history_user").first()
    )
    user = first.history_user if first is not None else None
    if user is None:
        return "Daybook"
    return user.get_full_name() or user.get_username()
