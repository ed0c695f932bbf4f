"""Technician pages: My Day, the week, stopping the timer, entries, drafts and history."""

import json
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.catalogue.models import WorkType
from daybook.core.formatting import duration_text
from daybook.core.time import local_date
from daybook.core.web import apply_errors, member_required, render_page, safe_next
from daybook.people.models import Member
from daybook.service.models import Ticket

from . import services
from .choices import EntrySource
from .defaults import agreement_status, billable_for, default_work_type, entry_initial
from .forms import TICKET_NUMBER, EntryForm, NewEntryForm, SpanForm, StopForm, WrapForm
from .labels import entry_label
from .models import DraftEntry, TimeEntry
from .my_day import my_day, my_week
from .revisions import entry_revisions
from .selectors import closed_through, day_is_closed, entries_visible_to, entry_lock_reason
from .suggestion_views import Offered, offered
from .suggestions import Suggestion, suggestion_offered, suggestions_offered
from .templatetags.timekeeping import timer_bar
from .ticket_search import ticket_suggestions

ENTRY_RELATED = ("ticket__company", "phase__project", "work_type", "work_role", "agreement")


# --- access: one helper per object, 404 for anyone it does not belong to --------------------


def entry_for_view(user, pk: int) -> TimeEntry:
    """An entry the user may look at (own, reviewed team's, or all for Finance)."""
    return get_object_or_404(
        entries_visible_to(user).select_related("member__user", *ENTRY_RELATED), pk=pk
    )


def entry_for_edit(member: Member, pk: int) -> TimeEntry:
    """An entry the member may change: their own, or for Finance and Admin anyone's they may
    see (another member's day only once its review has opened)."""
    if member.user.has_perm("timekeeping.manage_all_entries"):
        queryset: QuerySet[TimeEntry] = entries_visible_to(member.user)
    else:
        queryset = TimeEntry.objects.filter(member=member)
    queryset = queryset.select_related("member__user", *ENTRY_RELATED)
    return get_object_or_404(queryset, pk=pk)


def draft_for(member: Member, pk: int) -> DraftEntry:
    """Parked drafts are private to the member who parked them."""
    return get_object_or_404(
        DraftEntry.objects.select_related("ticket__board", "ticket__agreement", "phase__project"),
        pk=pk,
        member=member,
    )


def ticket_or_none(number) -> Ticket | None:
    """The ticket a number (as typed: "564", "#564", "564 Printer offline") names, if any."""
    match = TICKET_NUMBER.match(str(number).strip()) if number is not None else None
    if match is None:
        return None
    tickets = Ticket.objects.select_related("board__default_work_type", "agreement", "company")
    return tickets.filter(pk=int(match.group(1))).first()


def _today(member: Member) -> date:
    return local_date(timezone.now(), member.zone)


def _day_url(day: date | None = None) -> str:
    if day is None:
        return reverse("timekeeping:my_day")
    return reverse("timekeeping:my_day_on", kwargs={"day": day})


# --- My Day and week ----------------------------------------------------------------------


@member_required
@require_GET
def my_day_view(request: HttpRequest, day: date | None = None) -> HttpResponse:
    member = request.member
    today = _today(member)
    data = my_day(member=member, day=day or today)
    context = {
        "d": data,
        "running_timer": data.timer,
        "today": today,
        "prev_day": date.fromordinal(data.day.toordinal() - 1),
        "next_day": date.fromordinal(data.day.toordinal() + 1),
    }
    return render_page(request, "timekeeping/my_day.html", context, partial="timekeeping/_day.html")


@member_required
@require_GET
def week_view(request: HttpRequest, day: date | None = None) -> HttpResponse:
    member = request.member
    today = _today(member)
    week = my_week(member=member, day=day or today)
    context = {
        "w": week,
        "today": today,
        "prev_week": date.fromordinal(week.start.toordinal() - 7),
        "next_week": date.fromordinal(week.start.toordinal() + 7),
    }
    return render_page(request, "timekeeping/week.html", context, partial="timekeeping/_week.html")


# --- the running timer ----------------------------------------------------------------------


@member_required
@require_GET
def timer_bar_view(request: HttpRequest) -> HttpResponse:
    """The bar alone, for htmx to refresh after an action elsewhere on the page."""
    context = timer_bar({"request": request, "csrf_token": get_token(request)})
    return render(request, "timekeeping/_timer_bar.html", context)


def _refresh_attrs(ticket: Ticket | None, form) -> dict:
    """Changing the work type (or typing a ticket) refreshes the agreement check, the billable
    default and, on a ticket, a payroll-wrap work type, next to the form."""
    refresh = {
        "hx-get": reverse("timekeeping:entry_defaults"),
        "hx-trigger": "change",
        "hx-target": "#agreement-panel",
        "hx-swap": "outerHTML",
        "hx-include": "#entry-form [name=work_type], #entry-form [name=ticket]",
    }
    if "ticket" not in form.fields and ticket is not None:
        refresh["hx-vals"] = json.dumps({"ticket": ticket.pk})
    return refresh


def _form_context(
    request: HttpRequest, form, *, ticket, phase, work_type: WorkType | None, on: date, **extra
) -> dict:
    """Everything the entry form template needs around the form itself."""
    status = agreement_status(ticket=ticket, phase=phase, work_type=work_type, on=on)
    refresh = _refresh_attrs(ticket, form)
    form.fields["work_type"].widget.attrs.update(refresh)
    if "ticket" in form.fields:
        form.fields["ticket"].widget.attrs.update(refresh)
    first = "notes" if ticket is not None or "ticket" not in form.fields else "ticket"
    form.fields[first].widget.attrs["autofocus"] = True
    return {
        "form": form,
        "ticket": ticket,
        "phase": phase,
        "agreement": status,
        "can_fix_agreement": request.user.has_perm("service.change_ticket_agreement"),
        "next": safe_next(request, ""),
        **extra,
    }


def _chosen_work_type(form) -> WorkType | None:
    """The work type the form currently shows: what was posted, else its initial value."""
    if form.is_bound:
        value = form.data.get("work_type")
        try:
            return WorkType.objects.filter(pk=int(value)).first() if value else None
        except ValueError:
            return None
    return form.initial.get("work_type")


@member_required
@require_http_methods(["GET", "POST"])
def timer_stop_view(request: HttpRequest) -> HttpResponse:
    """Stop the running timer into an entry that ends the moment it is saved."""
    member = request.member
    if request.method == "POST":
        # The stop reads the timer itself, under its lock; the page reads it only to show the
        # form again. A next status sent for internal time is checked and then ignored (the
        # stop moves a ticket only when the timer has one).
        form = StopForm(request.POST)
        if form.is_valid():
            try:
                entry = services.timer_stop(member=member, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Logged {_duration(entry)} on {_target(entry)}.")
                _start_next(request, member, form.cleaned_data.get("then"))
                return redirect(safe_next(request, _day_url()))
    timer = services.timer_current(member=member)
    if timer is None:
        messages.info(request, "No timer is running.")
        return redirect(_day_url())
    on = local_date(timer.started_at, member.zone)
    if request.method == "POST" and timer.ticket_id is None and not form.has_error("next_status"):
        del form.fields["next_status"]
    # Refused or first showing: the form with the ticket's details.
    ticket = ticket_or_none(timer.ticket_id) if timer.ticket_id else None
    if request.method != "POST":
        initial = entry_initial(
            member=member, on=on, ticket=ticket, phase=timer.phase, internal=ticket is None
        )
        initial["then"] = request.GET.get("then")
        initial["next_status"] = request.GET.get("next_status", "")
        form = StopForm(initial=initial, with_status=ticket is not None)
    context = _form_context(
        request,
        form,
        ticket=ticket,
        phase=timer.phase,
        work_type=_chosen_work_type(form),
        on=on,
        timer=timer,
        running_timer=timer,
        mode="stop",
    )
    return render(request, "timekeeping/entry_form.html", context, status=_status(form))


def _start_next(request: HttpRequest, member: Member, ticket_pk: int | None) -> None:
    """After finishing an entry to switch tickets, start the one the member asked for."""
    if not ticket_pk:
        return
    ticket = ticket_or_none(ticket_pk)
    if ticket is None:
        return
    try:
        services.work_start(member=member, ticket=ticket)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Timer started on {ticket}.")


@member_required
@require_POST
def timer_park_view(request: HttpRequest) -> HttpResponse:
    """Stop the clock and keep its minutes as a draft to finish later."""
    try:
        draft = services.timer_park(member=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Parked {_duration(draft)} on {_target(draft)}; finish it from My Day.",
        )
    return redirect(safe_next(request, _day_url()))


# --- entries --------------------------------------------------------------------------------


def _status(form) -> int:
    # A refused save answers 422 so htmx and scripts can tell; browsers show it all the same.
    return 422 if form.is_bound and form.errors else 200


def _duration(entry: TimeEntry | DraftEntry) -> str:
    return duration_text(entry.end - entry.start)


def _target(entry: TimeEntry | DraftEntry) -> str:
    return entry_label(entry, internal="internal time")  # read mid-sentence


def _initial_span(request: HttpRequest) -> dict:
    """Start and end handed over in the query string, e.g. from a gap on My Day."""
    form = WrapForm(data={"start": request.GET.get("start"), "end": request.GET.get("end")})
    form.is_valid()
    return {k: form.cleaned_data[k] for k in ("start", "end") if k in form.cleaned_data}


def _offered_or_404(member: Member, key: str) -> Suggestion:
    """A suggestion the member is offered now; any other key (someone else's, a stale or a
    dismissed one) is a 404, whoever asks."""
    suggestion = suggestion_offered(member=member, key=key)
    if suggestion is None:
        raise Http404("There is no such suggestion for your day.")
    return suggestion


def _suggestions_for_span(member: Member, span: dict) -> list[Offered]:
    """The member's suggestions for the span the form was opened for (a gap, or a request's
    "log it"), shown above the form."""
    if "start" not in span or "end" not in span:
        return []
    day = local_date(span["start"], member.zone)
    if day_is_closed(day, closed_through()):
        return []  # a closed day's time cannot be logged: nothing to use
    found = suggestions_offered(member=member, day=day)
    return [
        offered(s, member.zone) for s in found if s.start < span["end"] and s.end > span["start"]
    ]


@member_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest) -> HttpResponse:
    """Time after the fact: on a ticket, a project phase, or internal (payroll wrap). With a
    `suggestion` key (the Use button of a suggestion for a gap) the entry is saved as filled
    from a suggestion."""
    member = request.member
    suggestion, suggestions = None, []
    if request.method == "POST":
        form = NewEntryForm(request.POST)
        if form.is_valid():
            data = form.service_fields()
            key = form.cleaned_data["suggestion"]
            if key:
                _offered_or_404(member, key)
            try:
                entry = services.entry_log(
                    member=member,
                    ticket=form.cleaned_data["ticket"],
                    phase=form.cleaned_data["phase"],
                    by=member,
                    source=EntrySource.SUGGESTION if key else EntrySource.MANUAL,
                    **data,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Logged {_duration(entry)} on {_target(entry)}.")
                day = local_date(entry.start, member.zone)
                return redirect(safe_next(request, _day_url(day)))
        ticket = form.cleaned_data.get("ticket")
        phase = form.cleaned_data.get("phase")
        start = form.cleaned_data.get("start")
        on = local_date(start, member.zone) if start else _today(member)
    else:
        ticket = ticket_or_none(request.GET.get("ticket"))
        phase = None
        span = _initial_span(request)
        work_type = WorkType.objects.filter(pk=_int(request.GET.get("work_type"))).first()
        on = local_date(span["start"], member.zone) if "start" in span else _today(member)
        initial = entry_initial(member=member, on=on, ticket=ticket, work_type=work_type)
        initial.update(span, ticket=ticket)
        if request.GET.get("suggestion"):
            suggestion = _offered_or_404(member, request.GET["suggestion"])
            initial["suggestion"] = suggestion.key
        else:
            suggestions = _suggestions_for_span(member, span)
        form = NewEntryForm(initial=initial)
    context = _form_context(
        request,
        form,
        ticket=ticket,
        phase=phase,
        work_type=_chosen_work_type(form),
        on=on,
        mode="new",
        wrap_types=WorkType.objects.filter(is_active=True, is_payroll_wrap=True),
        suggestion=suggestion,
        suggestions=suggestions,
    )
    return render_page(
        request,
        "timekeeping/entry_form.html",
        context,
        partial="timekeeping/_entry_form.html",
        status=_status(form),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@member_required
@require_POST
def entry_wrap(request: HttpRequest) -> HttpResponse:
    """One click on a gap: fill it with internal time of a common wrap type."""
    member = request.member
    form = WrapForm(request.POST)
    if form.is_valid():
        try:
            entry = services.entry_log(
                member=member,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                work_type=form.cleaned_data["work_type"],
                source=EntrySource.WRAP,
                by=member,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Logged {_duration(entry)} as {entry.work_type}.")
            return redirect(safe_next(request, _day_url(local_date(entry.start, member.zone))))
    # Refused: say why on My Day, where the gap is still waiting.
    for field, errors in form.errors.items():
        for message in errors:
            label = form[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {message}" if label else message)
    return redirect(safe_next(request, _day_url()))


@member_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    entry = entry_for_edit(member, pk)
    lock = entry_lock_reason(entry, by=member)
    kwargs = {"with_status": False, "current_phase_id": entry.phase_id}
    if request.method == "POST" and not lock:
        form = EntryForm(request.POST, **kwargs)
        if form.is_valid():
            changes = {
                name: value
                for name, value in form.service_fields().items()
                if value != getattr(entry, name)
            }
            for name in ("ticket", "phase"):
                if form.cleaned_data[name] != getattr(entry, name):
                    changes[name] = form.cleaned_data[name]
            try:
                entry = services.entry_edit(entry=entry, by=member, **changes)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Entry saved.")
                day = local_date(entry.start, entry.member.zone)
                return redirect(safe_next(request, _day_url(day)))
    else:
        form = EntryForm(
            initial={
                "ticket": entry.ticket,
                "phase": entry.phase,
                "start": entry.start,
                "end": entry.end,
                "work_type": entry.work_type,
                "work_role": entry.work_role,
                "billable": entry.billable,
                "notes": entry.notes,
                "internal_notes": entry.internal_notes,
            },
            **kwargs,
        )
    context = _form_context(
        request,
        form,
        ticket=entry.ticket,
        phase=entry.phase,
        work_type=_chosen_work_type(form),
        on=local_date(entry.start, entry.member.zone),
        entry=entry,
        lock=lock,
        mode="edit",
    )
    refused = request.method == "POST" and (lock or form.errors)
    return render(request, "timekeeping/entry_form.html", context, status=422 if refused else 200)


@member_required
@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    entry = entry_for_edit(member, pk)
    day = local_date(entry.start, entry.member.zone)
    error = entry_lock_reason(entry, by=member)
    if request.method == "POST" and not error:
        try:
            services.entry_delete(entry=entry, by=member)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, "Entry deleted. Its history keeps what it was.")
            return redirect(safe_next(request, _day_url(day)))
    return render(
        request,
        "timekeeping/entry_delete.html",
        {"entry": entry, "error": error},
        status=422 if request.method == "POST" else 200,
    )


@member_required
@require_GET
def entry_history(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_for_view(request.user, pk)
    return render(
        request,
        "timekeeping/entry_history.html",
        {"entry": entry, "revisions": entry_revisions(entry, viewer=request.user)},
    )


# --- parked drafts --------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def draft_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish a parked draft through the entry form, with the same rules as any entry."""
    member = request.member
    draft = draft_for(member, pk)
    on = local_date(draft.start, member.zone)
    with_status = draft.ticket_id is not None
    if request.method == "POST":
        form = SpanForm(request.POST, with_status=with_status)
        if form.is_valid():
            try:
                entry = services.draft_log(draft=draft, by=member, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Logged {_duration(entry)} on {_target(entry)}.")
                return redirect(safe_next(request, _day_url(on)))
    else:
        initial = entry_initial(
            member=member,
            on=on,
            ticket=draft.ticket,
            phase=draft.phase,
            internal=draft.ticket_id is None and draft.phase_id is None,
        )
        initial.update(start=draft.start, end=draft.end, notes=draft.notes)
        form = SpanForm(initial=initial, with_status=with_status)
    context = _form_context(
        request,
        form,
        ticket=draft.ticket,
        phase=draft.phase,
        work_type=_chosen_work_type(form),
        on=on,
        draft=draft,
        mode="draft",
    )
    return render(request, "timekeeping/entry_form.html", context, status=_status(form))


@member_required
@require_POST
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    draft = draft_for(member, pk)
    services.draft_discard(draft=draft, by=member)
    messages.success(request, "Parked time discarded.")
    return redirect(safe_next(request, _day_url(local_date(draft.start, member.zone))))


# --- pieces the entry form refreshes with htmx -----------------------------------------------


@member_required
@require_GET
def ticket_options_view(request: HttpRequest) -> HttpResponse:
    """Suggestions for the entry form's ticket field, for what has been typed so far."""
    tickets = ticket_suggestions(request.GET.get("ticket", "")[:100])
    return render(request, "timekeeping/_ticket_options.html", {"tickets": tickets})


@member_required
@require_GET
def entry_defaults_view(request: HttpRequest) -> HttpResponse:
    """The agreement check and billable default for the ticket and work type on the form; on a
    ticket, a payroll-wrap work type (which cannot go there) is replaced by the ticket's
    default, so the form never offers a choice the save would refuse."""
    member = request.member
    ticket = ticket_or_none(request.GET.get("ticket"))
    work_type = WorkType.objects.filter(pk=_int(request.GET.get("work_type"))).first()
    # Only a change of ticket switches the work type; a member who picks a wrap type on
    # purpose sees the agreement panel and, on saving, the reason it cannot go there.
    ticket_changed = request.headers.get("HX-Trigger-Name") != "work_type"
    switched = ticket is not None and (
        work_type is None or (work_type.is_payroll_wrap and ticket_changed)
    )
    if switched:
        work_type = default_work_type(ticket=ticket, member=member)
    on = _today(member)
    billable = billable_for(work_type=work_type, ticket=ticket, phase=None, on=on)
    form = EntryForm(initial={"billable": billable, "work_type": work_type})
    form.fields["work_type"].widget.attrs.update(_refresh_attrs(ticket, form))
    return render(
        request,
        "timekeeping/_entry_defaults.html",
        {
            "ticket": ticket,
            "agreement": agreement_status(ticket=ticket, phase=None, work_type=work_type, on=on),
            "can_fix_agreement": request.user.has_perm("service.change_ticket_agreement"),
            "form": form,
            "work_type": work_type,
            "switched": switched and work_type is not None,
            "in_entry_form": True,
        },
    )
