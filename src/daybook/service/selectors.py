"""Reads about tickets: which agreement a new ticket gets by itself, the dispatch board's
queue, and the ticket's own history (notes, moves, agreement and assignee changes). Time
entries are timekeeping's; the ticket page puts them in the timeline there."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from itertools import pairwise
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from daybook.catalogue.choices import AgreementCheck
from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company
from daybook.clients.selectors import agreement_check
from daybook.core.time import local_date
from daybook.people.models import Member

from .choices import OPEN_STATUSES
from .models import Board, Ticket, TicketNote
from .sla import clock_due_soon_q, next_due_expression

TICKET_NUMBER = re.compile(r"[0-9]{1,18}")

# --- the agreement a ticket gets by itself ------------------------------------------------


@dataclass(frozen=True)
class AgreementPick:
    """What automatic picking found for a company: the agreement (when exactly one fits) and
    a sentence that says why, for the form and the API."""

    agreement: Agreement | None
    fitting: tuple[Agreement, ...]
    reason: str


def ticket_work_type(*, board: Board | None, work_type: WorkType | None = None) -> WorkType | None:
    """The work type time on a ticket defaults to: its own, else its board's."""
    return work_type or (board.default_work_type if board is not None else None)


def agreement_fits(*, agreement: Agreement, work_type: WorkType | None, on: date) -> bool:
    """Active on `on` and, when the ticket's work type is known, covering it."""
    if work_type is None:
        return agreement.is_active_on(on)
    return agreement_check(agreement=agreement, work_type=work_type, on=on) == AgreementCheck.OK


def agreement_pick(*, company: Company, work_type: WorkType | None, on: date) -> AgreementPick:
    """The agreement a ticket of `company` is applied to when nobody chose one: the company's
    one active agreement that fits the ticket's work (active on `on`, covering the work type
    when one is known). None fits, or several do: no automatic pick; dispatch chooses."""
    candidates = Agreement.objects.filter(company=company).prefetch_related("covered_work_types")
    fitting = tuple(
        agreement
        for agreement in candidates
        if agreement_fits(agreement=agreement, work_type=work_type, on=on)
    )
    work = f" that covers {work_type.name}" if work_type is not None else ""
    if len(fitting) == 1:
        return AgreementPick(
            fitting[0],
            fitting,
            f"Picked by itself: {fitting[0].name} is {company.name}'s only active agreement{work}.",
        )
    if not fitting:
        return AgreementPick(
            None,
            fitting,
            f"{company.name} has no active agreement{work}, so the ticket gets none; "
            "choose one if the work belongs to an agreement.",
        )
    names = ", ".join(agreement.name for agreement in fitting)
    return AgreementPick(
        None,
        fitting,
        f"{company.name} has {len(fitting)} active agreements{work} ({names}); choose the "
        "one this work belongs to.",
    )


def ticket_agreement_pick(
    *, company: Company, board: Board | None, work_type: WorkType | None, at: datetime
) -> AgreementPick:
    """agreement_pick for a ticket opened at `at` (on the company's local date)."""
    return agreement_pick(
        company=company,
        work_type=ticket_work_type(board=board, work_type=work_type),
        on=local_date(at, ZoneInfo(company.time_zone)),
    )


@dataclass(frozen=True)
class AgreementVerdict:
    """The agreement check (clients/selectors.agreement_check) as the ticket form shows it."""

    agreement: Agreement | None
    check: AgreementCheck
    work_type: WorkType | None

    @property
    def ok(self) -> bool:
        return self.check == AgreementCheck.OK

    @property
    def label(self) -> str:
        return self.check.label


def agreement_verdict(
    *, agreement: Agreement | None, work_type: WorkType | None, on: date
) -> AgreementVerdict:
    """Would the ticket's work be applied properly to `agreement` on `on`? Without a known
    work type only the agreement's dates are checked."""
    if agreement is None:
        check = AgreementCheck.NO_AGREEMENT
    elif work_type is None:
        check = AgreementCheck.OK if agreement.is_active_on(on) else AgreementCheck.OUT_OF_DATES
    else:
        check = AgreementCheck(agreement_check(agreement=agreement, work_type=work_type, on=on))
    return AgreementVerdict(agreement=agreement, check=check, work_type=work_type)


# --- the dispatch board -------------------------------------------------------------------

# How the board may be sorted: name -> database order. Ties go to the older ticket.
BOARD_SORTS: dict[str, tuple[str, tuple]] = {
    "due": ("SLA due first", (F("next_due_at").asc(nulls_last=True), "priority")),
    "priority": ("Priority", ("priority", F("next_due_at").asc(nulls_last=True))),
    "opened": ("Oldest first", ()),
    "newest": ("Newest first", ("-opened_at",)),
}
DEFAULT_BOARD_SORT = "due"


def open_ticket_count() -> Coalesce:
    """Each board's open tickets, as an annotation over boards: counted per board from the
    (status, board) index. A join to every ticket, closed ones included, took a second at a
    million tickets."""
    counted = (
        Ticket.objects.filter(board=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("board")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def board_tickets(tickets: QuerySet[Ticket], *, sort: str = DEFAULT_BOARD_SORT) -> QuerySet[Ticket]:
    """The board's rows, sorted in the database, with what each row shows."""
    order = BOARD_SORTS.get(sort, BOARD_SORTS[DEFAULT_BOARD_SORT])[1]
    return (
        tickets.annotate(next_due_at=next_due_expression())
        .select_related("company", "board", "assignee__user", "contact")
        .order_by(*order, "opened_at", "pk")
    )


def tickets_due_soon(*, now: datetime) -> QuerySet[Ticket]:
    """Open tickets whose running clock is due soon or already late (the dispatcher's home
    page and the board's filter)."""
    return Ticket.objects.filter(clock_due_soon_q(now=now), status__in=OPEN_STATUSES)


# --- a ticket's own history -----------------------------------------------------------------


def ticket_notes(ticket: Ticket) -> QuerySet[TicketNote]:
    return TicketNote.objects.filter(ticket=ticket).select_related("author__user")


@dataclass(frozen=True)
class TicketChange:
    """One change to a ticket's agreement or assignee, from its audit history."""

    at: datetime
    field: str  # "agreement" or "assignee"
    before: str
    after: str
    by: str


def ticket_changes(ticket: Ticket, *, limit: int = 500) -> list[TicketChange]:
    """Agreement and assignee changes, oldest first, read from the ticket's history; the name
    of what was set, as it is called now ("none" when empty). One query for the history, one
    for each kind of name."""
    rows = list(
        ticket.history.order_by("history_date", "history_id").values(
            "history_date",
            "agreement_id",
            "assignee_id",
            "history_user__first_name",
            "history_user__last_name",
            "history_user__username",
        )[: limit + 1]
    )
    agreement_ids = {row["agreement_id"] for row in rows} - {None}
    member_ids = {row["assignee_id"] for row in rows} - {None}
    agreements = {a.pk: a.name for a in Agreement.objects.filter(pk__in=agreement_ids)}
    members = {
        m.pk: m.name for m in Member.objects.filter(pk__in=member_ids).select_related("user")
    }
    names = {"agreement": agreements, "assignee": members}
    changes = []
    for before, after in pairwise(rows):
        who = " ".join(
            part
            for part in (after["history_user__first_name"], after["history_user__last_name"])
            if part
        ) or (after["history_user__username"] or "")
        for field in ("agreement", "assignee"):
            old, new = before[f"{field}_id"], after[f"{field}_id"]
            if old != new:
                changes.append(
                    TicketChange(
                        at=after["history_date"],
                        field=field,
                        before=names[field].get(old, "none") if old else "none",
                        after=names[field].get(new, "none") if new else "none",
                        by=who,
                    )
                )
    return changes


def tickets_matching(words: list[str]) -> Q:
    """Tickets matching every word: each found in the summary or the company's name, or, for
    a number, the ticket's number. A number alone that names a ticket finds that ticket: it
    is the one meant, not those that mention it. The one rule every ticket search by words
    follows (the entry form's suggestions, the admin's search and ticket picker)."""
    if any("\x00" in word for word in words):
        # No text in the database holds a NUL, and PostgreSQL refuses one in a query.
        return Q(pk__in=[])
    number = ticket_number(words[0]) if len(words) == 1 else None
    if number is not None and Ticket.objects.filter(pk=number).exists():
        return Q(pk=number)
    match = Q()
    for word, company_ids in zip(words, _companies_naming(words), strict=True):
        found = Q(summary__icontains=word)
        if company_ids:
            found |= Q(company_id__in=company_ids)
        if (number := ticket_number(word)) is not None:
            found |= Q(pk=number)
        match &= found
    return match


def ticket_number(word: str) -> int | None:
    """The ticket number a word is, if it is one: plain digits that fit an id. Other digits
    Python knows ("²") and longer runs are not numbers here."""
    return int(word) if TICKET_NUMBER.fullmatch(word) else None


def _companies_naming(words: list[str]) -> list[set[int]]:
    """For each word, the companies whose name holds it, in one query over the companies.

    The ticket query then asks only about the ticket's own columns (its summary, number and
    company), which its indexes answer; a condition on the company's name beside them made
    the database read every ticket (about 0.5 s at a million tickets)."""
    found = {
        f"word_{i}": ExpressionWrapper(Q(name__icontains=word), output_field=BooleanField())
        for i, word in enumerate(words)
    }
    rows = (
        Company.objects.filter(reduce(or_, (Q(name__icontains=word) for word in words)))
        .annotate(**found)
        .values_list("pk", *found)
    )
    by_word: list[set[int]] = [set() for _ in words]
    for pk, *hits in rows:
        for i, hit in enumerate(hits):
            if hit:
                by_word[i].add(pk)
    return by_word
