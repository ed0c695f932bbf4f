"""Ticket pages for technicians: my tickets, a board's queue, and the ticket with its status
workflow as buttons. Moving a ticket to In Progress starts the member's timer on it."""

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
from daybook.core.time import local_date
from daybook.core.web import member_required, render_page, safe_next
from daybook.people.models import Member
from daybook.service.choices import OPEN_STATUSES, TICKET_TRANSITIONS, TicketStatus
from daybook.service.filtersets import TicketFilterSet
from daybook.service.forms import AgreementChoiceForm, StatusForm
from daybook.service.models import Ticket
from daybook.service.services import ticket_set_agreement, ticket_set_status

from . import services as time_services
from .defaults import agreement_status, billable_for, default_work_type
from .forms import StopForm
from .selectors import entries_visible_to

PAGE_SIZE = 50
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
    if query:
        tickets = (
            tickets.filter(pk=int(query))
            if query.isdigit()
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
        "query": request.GET.get("q", ""),
        "timer": timer,
        "running_timer": timer,
    }
    return render_page(
        request, "tickets/ticket_list.html", context, partial="tickets/_ticket_rows.html"
    )


# --- one ticket -------------------------------------------------------------------------------


def _ticket_context(request: HttpRequest, ticket: Ticket, **extra) -> dict:
    member: Member = request.member
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
    try:
        if status == TicketStatus.IN_PROGRESS:
            if timer is not None and timer.ticket_id != ticket.pk:
                context = _ticket_context(request, ticket, prompt=timer)
                return render_page(request, "tickets/ticket_detail.html", context, status=409)
            if timer is None:
                time_services.work_start(member=member, ticket=ticket)
                messages.success(request, f"Timer started on #{ticket.pk}.")
            else:
                ticket_set_status(ticket=ticket, status=status, by=member)
        elif timer is not None and timer.ticket_id == ticket.pk and status in NEXT_STEPS:
            # The clock is running here: the status is picked in the stop form, with notes.
            stop = reverse("timekeeping:timer_stop")
            return redirect(f"{stop}?next_status={status}")
        else:
            ticket_set_status(ticket=ticket, status=status, by=member)
            messages.success(request, f"#{ticket.pk} is now {TicketStatus(status).label}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
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
            target = f"#{draft.ticket_id}" if draft.ticket_id else str(draft.phase or "internal")
            minutes = round((draft.end - draft.start).total_seconds() / 60)
            messages.info(
                request, f"Parked {minutes} min on {target}; finish that entry from My Day."
            )
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
                ticket = ticket_set_agreement(ticket=ticket, agreement=agreement, by=member)
            except ValidationError as refused:
                error = " ".join(refused.messages)
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                messages.success(request, f"#{ticket.pk} now uses {agreement or 'no agreement'}.")
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
