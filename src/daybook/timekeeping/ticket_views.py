"""Ticket pages for technicians: my tickets, a board's queue, and the ticket with its status
workflow as buttons. Moving a ticket to In Progress starts the member's timer on it."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
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
from daybook.service.forms import AgreementChoiceForm, AgreementFlagForm, StatusForm
from daybook.service.models import AgreementFlag, Ticket
from daybook.service.services import ticket_flag_agreement, ticket_flag_resolve

from . import services as time_services
from .agreement_queue import agreement_queue
from .defaults import agreement_status, billable_for, default_work_type
from .forms import StopForm
from .labels import entry_label
from .selectors import entries_visible_to

PAGE_SIZE = 50
# A search for a ticket number: plain digits that fit an id. Other digits Python knows ("²")
# and longer runs are searched for as words in the summary instead.
TICKET_NUMBER = re.compile(r"[0-9]{1,18}")
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
            tickets.filter(pk=int(query))
            if TICKET_NUMBER.fullmatch(query)
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
        **extra,
    }


@member_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request.user, pk)
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
    return render_page(request, "tickets/agreement_queue.html", {"rows": agreement_queue()})


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
