"""Ticket pages: my tickets, a board's queue, and the ticket with its status workflow as
buttons (moving a ticket to In Progress starts the member's timer on it); and dispatch's pages:
the board, creating and editing tickets, assigning them, and the ticket's timeline and notes.

Who may use dispatch's pages (people/roles.py):
- the board, editing and assigning: `service.dispatch_ticket` (dispatchers, managers, admins);
- creating: `service.add_ticket` (the same roles);
- notes: `service.add_ticketnote` (everyone who works tickets). Technicians and Finance are
  refused the board, creating, editing and assigning with a 403.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.core.formatting import duration_text
from daybook.core.time import local_date
from daybook.core.web import apply_errors, member_required, render_page, safe_next
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES, TICKET_TRANSITIONS, TicketStatus
from daybook.service.filtersets import TicketFilterSet
from daybook.service.forms import (
    AgreementChoiceForm,
    AgreementFlagForm,
    AssignForm,
    NoteForm,
    StatusForm,
    TicketCreateForm,
    TicketForm,
)
from daybook.service.models import AgreementFlag, Ticket
from daybook.service.selectors import (
    BOARD_SORTS,
    DEFAULT_BOARD_SORT,
    agreement_verdict,
    board_tickets,
    ticket_agreement_pick,
    ticket_number,
    ticket_work_type,
)
from daybook.service.services import (
    AUTO,
    ticket_assign,
    ticket_create,
    ticket_flag_agreement,
    ticket_flag_resolve,
    ticket_note_add,
)
from daybook.service.sla import clock_states

from . import services as time_services
from .agreement_queue import agreement_queue_order, queue_rows
from .defaults import agreement_status, billable_for, default_work_type
from .forms import StopForm
from .labels import entry_label
from .selectors import entries_visible_to
from .ticket_dispatch import ticket_edit, ticket_timeline

PAGE_SIZE = 50
NUL_IN_SEARCH = "A search cannot contain a NUL character; remove it and search again."
# Statuses the stop form offers as the ticket's next step.
NEXT_STEPS = frozenset(
    {TicketStatus.RESOLVED, TicketStatus.WAITING_CLIENT, TicketStatus.NEEDS_SCHEDULING}
)


def ticket_for(user, pk: int) -> Ticket:
    """A ticket the user may see; anyone else gets a 404, as if it did not exist."""
    if not user.has_perm("service.view_ticket"):
        raise Http404("No such ticket.")
    return get_object_or_404(
        # Only what every use needs; the ticket page loads the rest as it shows it.
        Ticket.objects.select_related("board", "company"),
        pk=pk,
    )


def _ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:ticket_detail", args=[ticket.pk])


# --- lists ------------------------------------------------------------------------------------


@member_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """My open tickets, or a board's queue filtered the way the API filters tickets."""
    if not request.user.has_perm("service.view_ticket"):
        raise PermissionDenied("You may not see tickets.")
    member: Member = request.member
    scope = "queue" if request.GET.get("scope") == "queue" else "mine"
    data = request.GET.copy()
    if scope == "queue" and "status" not in data:
        data.setlist("status", sorted(OPEN_STATUSES))
    filterset = TicketFilterSet(data, queryset=Ticket.objects.all())
    if scope == "mine":
        tickets = Ticket.objects.filter(assignee=member, status__in=OPEN_STATUSES)
    else:
        tickets = filterset.qs if filterset.is_valid() else Ticket.objects.none()
    query = request.GET.get("q", "").strip().lstrip("#")
    # No database stores a NUL in text, so such a search is refused rather than sent on.
    query_error = NUL_IN_SEARCH if "\x00" in query else ""
    if query_error:
        tickets = Ticket.objects.none()
    elif query:
        tickets = (
            tickets.filter(pk=number)
            if (number := ticket_number(query)) is not None
            # Other digits Python knows ("²") and longer runs are words of the summary.
            else tickets.filter(summary__icontains=query)
        )
    tickets = tickets.select_related("company", "board", "assignee__user").order_by(
        "priority", "opened_at", "pk"
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    timer = time_services.timer_current(member=member)
    context = {
        "scope": scope,
        "filterset": filterset,
        "page": page,
        "query": request.GET.get("q", "").replace("\x00", ""),
        "query_error": query_error,
        "timer": timer,
        "running_timer": timer,
    }
    return render_page(
        request,
        "tickets/ticket_list.html",
        context,
        partial="tickets/_ticket_rows.html",
        status=400 if query_error else 200,
    )


# --- one ticket -------------------------------------------------------------------------------


def _ticket_context(request: HttpRequest, ticket: Ticket, **extra) -> dict:
    member: Member = request.member
    flag_form = extra.pop("flag_form", None) or AgreementFlagForm()
    may_dispatch = request.user.has_perm(DISPATCH)
    assign_form = extra.pop("assign_form", None) or (
        AssignForm(initial={"assignee": ticket.assignee_id}, current=ticket.assignee)
        if may_dispatch
        else None
    )
    note_form = extra.pop("note_form", None) or NoteForm()
    timer = time_services.timer_current(member=member)
    today = local_date(timezone.now(), member.zone)
    moves = [
        (status, TicketStatus(status).label)
        for status in TicketStatus.values
        if status in TICKET_TRANSITIONS[ticket.status] and status != TicketStatus.IN_PROGRESS
    ]
    entries = (
        entries_visible_to(request.user)
        .filter(ticket=ticket)
        .select_related("member__user", "work_type")
        .order_by("-start")[:50]
    )
    return {
        "ticket": ticket,
        "timer": timer,
        "running_timer": timer,
        "timer_here": timer is not None and timer.ticket_id == ticket.pk,
        "may_start": ticket.status != TicketStatus.CLOSED,
        "moves": moves,
        "entries": entries,
        "agreement": agreement_status(
            ticket=ticket, phase=None, work_type=default_work_type(ticket=ticket), on=today
        ),
        "can_fix_agreement": request.user.has_perm("service.change_ticket_agreement"),
        "open_flags": ticket.agreement_flags.filter(resolved_at__isnull=True).select_related(
            "raised_by__user"
        ),
        "flag_form": flag_form,
        "sla": clock_states(ticket, now=timezone.now()),
        "timeline": ticket_timeline(ticket, viewer=request.user),
        "may_dispatch": may_dispatch,
        "assign_form": assign_form,
        "may_note": request.user.has_perm(ADD_NOTE) and ticket.status != TicketStatus.CLOSED,
        "note_form": note_form,
        **extra,
    }


@member_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request.user, pk)
    ticket = Ticket.objects.select_related(
        "board", "company", "contact", "agreement", "assignee__user"
    ).get(pk=ticket.pk)
    return render_page(request, "tickets/ticket_detail.html", _ticket_context(request, ticket))


@member_required
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A status button. In Progress starts the member's timer; if another is running, the
    member chooses: finish that entry first, or park it and start this one."""
    member: Member = request.member
    ticket = ticket_for(request.user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick one of the ticket's statuses.")
        return redirect(_ticket_url(ticket))
    status = form.cleaned_data["status"]
    timer = time_services.timer_current(member=member)
    if timer is not None and timer.ticket_id == ticket.pk and status in NEXT_STEPS:
        # The clock is running here: the status is picked in the stop form, with notes.
        stop = reverse("timekeeping:timer_stop")
        return redirect(f"{stop}?next_status={status}")
    try:
        # The same service as the API's status endpoint: one timer rule for both doors.
        time_services.ticket_move(member=member, ticket=ticket, status=status)
    except ValidationError as error:
        busy = getattr(error, "message_dict", {}).get("timer")
        if busy and timer is not None:
            context = _ticket_context(request, ticket, prompt=timer, prompt_message=busy[0])
            return render_page(request, "tickets/ticket_detail.html", context, status=409)
        messages.error(request, " ".join(error.messages))
    else:
        if status != TicketStatus.IN_PROGRESS:
            messages.success(request, f"#{ticket.pk} is now {TicketStatus(status).label}.")
        elif timer is None:
            messages.success(request, f"Timer started on #{ticket.pk}.")
    return redirect(_ticket_url(ticket))


@member_required
@require_POST
def ticket_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Park the running timer (its minutes kept as a draft) and start work on this ticket."""
    member: Member = request.member
    ticket = ticket_for(request.user, pk)
    try:
        draft, _ = time_services.work_switch(member=member, ticket=ticket)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if draft is not None:
            parked = duration_text(draft.end - draft.start)
            target = entry_label(draft, internal="internal time")
            messages.info(request, f"Parked {parked} on {target}; finish that entry from My Day.")
        messages.success(request, f"Timer started on #{ticket.pk}.")
    return redirect(_ticket_url(ticket))


@member_required
@require_http_methods(["GET", "POST"])
def ticket_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement check for this ticket (GET, for htmx), or fix the agreement (POST; only
    with the permission to change a ticket's agreement)."""
    member: Member = request.member
    ticket = ticket_for(request.user, pk)
    form = AgreementChoiceForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()
    data = form.cleaned_data
    error = None
    moved = 0
    if request.method == "POST":
        if not request.user.has_perm("service.change_ticket_agreement"):
            raise PermissionDenied("You may not change the agreement on a ticket.")
        agreement = None
        if data.get("agreement"):
            agreement = Agreement.objects.filter(pk=data["agreement"]).first()
        if data.get("agreement") and agreement is None:
            error = "That agreement does not exist."
        else:
            try:
                ticket, moved = time_services.ticket_agreement_fix(
                    ticket=ticket, agreement=agreement, by=member
                )
            except ValidationError as refused:
                error = " ".join(refused.messages)
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                done = f"#{ticket.pk} now uses {agreement or 'no agreement'}."
                if moved:
                    entries = "entry" if moved == 1 else "entries"
                    done += f" {moved} {entries} that had no valid agreement moved to it."
                messages.success(request, done)
            return redirect(safe_next(request, _ticket_url(ticket)))
    work_type = WorkType.objects.filter(pk=data.get("work_type") or 0).first()
    work_type = work_type or default_work_type(ticket=ticket)
    today = local_date(timezone.now(), member.zone)
    billable = billable_for(work_type=work_type, ticket=ticket, phase=None, on=today)
    return render_page(
        request,
        "timekeeping/_entry_defaults.html",
        {
            "ticket": ticket,
            "agreement": agreement_status(ticket=ticket, phase=None, work_type=work_type, on=today),
            "can_fix_agreement": request.user.has_perm("service.change_ticket_agreement"),
            "form": StopForm(initial={"billable": billable}),
            "agreement_error": error,
            # The entry form's panel asks for its billable default back; the ticket page has
            # no billable field, so it gets the panel alone (no out-of-band swap without a
            # target).
            "in_entry_form": bool(
                request.POST.get("in_entry_form") or request.GET.get("in_entry_form")
            ),
        },
        status=422 if error else 200,
    )


# --- flags about the agreement, and the dispatcher's queue --------------------------------------

CHANGE_AGREEMENT = "service.change_ticket_agreement"


@member_required
@require_POST
def ticket_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """A member tells dispatch the ticket's agreement looks off, with a reason."""
    ticket = ticket_for(request.user, pk)
    form = AgreementFlagForm(request.POST)
    if form.is_valid():
        try:
            ticket_flag_agreement(
                ticket=ticket, by=request.member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Thanks; dispatch will look at the agreement.")
            return redirect(_ticket_url(ticket))
    context = _ticket_context(request, ticket, flag_form=form)
    return render_page(request, "tickets/ticket_detail.html", context, status=400)


@member_required
@require_GET
def agreement_queue_view(request: HttpRequest) -> HttpResponse:
    """Tickets whose time waits for a valid agreement, or that a member flagged."""
    if not request.user.has_perm(CHANGE_AGREEMENT):
        raise PermissionDenied("The agreement queue is for the people who set agreements.")
    # Paged: at an MSP's size hundreds of tickets can wait at once, each with its company's
    # agreements to pick from; the longest waiting come first.
    page = Paginator(agreement_queue_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"rows": queue_rows(page.object_list), "page_obj": page}
    return render_page(request, "tickets/agreement_queue.html", context)


@member_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """The dispatcher found the agreement right as it is."""
    if not request.user.has_perm(CHANGE_AGREEMENT):
        raise PermissionDenied("Only the people who set agreements answer these flags.")
    flag = get_object_or_404(AgreementFlag, pk=pk)
    try:
        ticket_flag_resolve(flag=flag, by=request.member, resolution=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Answered the flag on #{flag.ticket_id}.")
    return redirect(safe_next(request, reverse("tickets:agreement_queue")))


# --- dispatch: the board, new and edited tickets, assigning, notes -----------------------------

DISPATCH = "service.dispatch_ticket"
ADD_TICKET = "service.add_ticket"
ADD_NOTE = "service.add_ticketnote"
BOARD_PAGE_SIZE = 50


def _require(request: HttpRequest, permission: str, refusal: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(refusal)


@member_required
@require_GET
def ticket_board(request: HttpRequest) -> HttpResponse:
    """Dispatch's board: every ticket in the chosen queue, filtered as GET /api/tickets/ is
    (status, priority, company, assignee, unassigned, SLA due soon), sorted and paged in the
    database, each row with its SLA clocks."""
    _require(request, DISPATCH, "The dispatch board is for dispatchers, managers and admins.")
    data = request.GET.copy()
    if "status" not in data:
        data.setlist("status", sorted(OPEN_STATUSES))
    filterset = TicketFilterSet(data, queryset=Ticket.objects.all())
    valid = filterset.is_valid()
    sort = request.GET.get("sort") or DEFAULT_BOARD_SORT
    if sort not in BOARD_SORTS:
        sort = DEFAULT_BOARD_SORT
    tickets = board_tickets(filterset.qs if valid else Ticket.objects.none(), sort=sort)
    page = Paginator(tickets, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(ticket, *clock_states(ticket, now=now)) for ticket in page.object_list]
    context = {
        "filterset": filterset,
        "filters_valid": valid,
        "page": page,
        "rows": rows,
        "sort": sort,
        "sorts": [(name, label) for name, (label, _order) in BOARD_SORTS.items()],
        "may_create": request.user.has_perm(ADD_TICKET),
    }
    return render_page(
        request,
        "tickets/board.html",
        context,
        partial="tickets/_board_rows.html",
        status=200 if valid else 400,
    )


def _client_fields(form: TicketForm) -> dict:
    """What the form shows about the chosen company: what picking by itself gives (the one
    rule, service/selectors.agreement_pick), and the agreement check of the agreement the
    ticket would get with the choice as it stands."""
    company = form.chosen_company()
    if company is None:
        return {"pick": None, "verdict": None, "auto": True}
    board = form.chosen_board()
    own_type = form.ticket.work_type if form.ticket is not None else None
    at = form.ticket.opened_at if form.ticket is not None else timezone.now()
    pick = ticket_agreement_pick(company=company, board=board, work_type=own_type, at=at)
    chosen = form.chosen_agreement()
    agreement = pick.agreement if chosen is AUTO else chosen
    verdict = agreement_verdict(
        agreement=agreement,
        work_type=ticket_work_type(board=board, work_type=own_type),
        on=local_date(at, ZoneInfo(company.time_zone)),
    )
    return {"pick": pick, "verdict": verdict, "auto": chosen is AUTO}


def _form_page(request: HttpRequest, form: TicketForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "ticket": form.ticket, **_client_fields(form)}
    return render_page(request, "tickets/ticket_form.html", context, status=status)


def _saved(request: HttpRequest, ticket: Ticket, done: str) -> HttpResponse:
    agreement = ticket.agreement.name if ticket.agreement else "no agreement"
    messages.success(request, f"{done} #{ticket.pk}: it uses {agreement}.")
    return redirect(_ticket_url(ticket))


@member_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket. Its agreement is picked by itself when the client has exactly one that
    fits; the form shows which and whether it covers the work."""
    _require(request, ADD_TICKET, "Opening tickets is for dispatchers, managers and admins.")
    if request.method == "GET":
        initial = {"company": request.GET.get("company"), "board": request.GET.get("board")}
        return _form_page(request, TicketCreateForm(initial=initial))
    form = TicketCreateForm(request.POST)
    if form.is_valid():
        try:
            ticket = ticket_create(by=request.member, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as refused:
            form.add_error("agreement", str(refused))
        else:
            return _saved(request, ticket, "Opened")
    return _form_page(request, form, status=400)


@member_required
@require_http_methods(["GET", "POST"])
def ticket_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a ticket's details; a new agreement takes its time that had no valid one."""
    _require(request, DISPATCH, "Editing tickets is for dispatchers, managers and admins.")
    ticket = ticket_for(request.user, pk)
    initial = {
        "company": ticket.company_id,
        "contact": ticket.contact_id,
        "summary": ticket.summary,
        "description": ticket.description,
        "priority": ticket.priority,
        "board": ticket.board_id,
        "agreement": str(ticket.agreement_id) if ticket.agreement_id else "none",
    }
    if request.method == "GET":
        return _form_page(request, TicketForm(initial=initial, ticket=ticket))
    form = TicketForm(request.POST, initial=initial, ticket=ticket)
    if form.is_valid():
        try:
            ticket = ticket_edit(ticket=ticket, by=request.member, **form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as refused:
            form.add_error("agreement", str(refused))
        else:
            return _saved(request, ticket, "Saved")
    return _form_page(request, form, status=400)


@member_required
@require_GET
def ticket_form_check(request: HttpRequest) -> HttpResponse:
    """The company's part of the ticket form (contacts, agreements, the agreement check),
    refreshed by htmx as the company, board or agreement change. Nothing is saved."""
    if not (request.user.has_perm(ADD_TICKET) or request.user.has_perm(DISPATCH)):
        raise PermissionDenied("The ticket form is for dispatchers, managers and admins.")
    ticket = None
    ticket_id = request.GET.get("ticket", "")
    if ticket_id.isascii() and ticket_id.isdigit() and len(ticket_id) < 18:
        ticket = ticket_for(request.user, int(ticket_id))
    form = TicketForm(request.GET, ticket=ticket)
    context = {"form": form, "ticket": ticket, **_client_fields(form)}
    return render_page(request, "tickets/_ticket_client_fields.html", context)


@member_required
@require_POST
def ticket_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The member picker: give the ticket to someone, or back to the queue."""
    _require(request, DISPATCH, "Assigning tickets is for dispatchers, managers and admins.")
    ticket = ticket_for(request.user, pk)
    form = AssignForm(request.POST, current=ticket.assignee)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            ticket = ticket_assign(ticket=ticket, assignee=assignee, by=request.member)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            who = assignee.name if assignee else "nobody (back in the queue)"
            messages.success(request, f"#{ticket.pk} is now assigned to {who}.")
            return redirect(safe_next(request, _ticket_url(ticket)))
    context = _ticket_context(request, ticket, assign_form=form)
    return render_page(request, "tickets/ticket_detail.html", context, status=400)


@member_required
@require_POST
def ticket_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note to the ticket's conversation, client-visible or internal."""
    _require(request, ADD_NOTE, "Your role may not add notes to tickets.")
    ticket = ticket_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                ticket_note_add(ticket=ticket, by=request.member, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            kind = "for the client" if form.cleaned_data["client_visible"] else "internal"
            messages.success(request, f"Note added ({kind}).")
            return redirect(_ticket_url(ticket) + "#timeline")
    context = _ticket_context(request, ticket, note_form=form)
    return render_page(request, "tickets/ticket_detail.html", context, status=400)
