"""Pages for handing in weeks, approving or returning them, and closing periods.

Thin: every action is a service in approval.py, which holds the rules; these views check who
may open the page, parse the form and show the service's refusal on it.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.web import apply_errors, member_required

from .approval import (
    may_close_periods,
    may_open_approvals,
    period_close,
    period_history,
    reopen_through,
    submissions_visible_to,
    week_approve,
    week_return,
    week_review,
    week_submit,
)
from .approval_forms import CloseForm, ReopenForm, ReturnWeekForm
from .choices import WeekState
from .models import WeekSubmission
from .selectors import period_in_force

NOT_AN_APPROVER = (
    "Approvals are for reviewers (the weeks of the teams they review) and Finance. Ask "
    "an administrator if you should review a team."
)
NOT_FINANCE = "Only Finance closes and reopens periods."


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


@member_required
@require_POST
def week_submit_view(request: HttpRequest, day: date) -> HttpResponse:
    """The member hands in their own week (the week holding `day`)."""
    monday = date.fromordinal(day.toordinal() - day.weekday())
    try:
        week_submit(member=request.member, week_start=monday, by=request.member)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, "Week submitted for approval.")
    return redirect("timekeeping:week_of", day=monday)


def _approver(request: HttpRequest):
    if not may_open_approvals(request.member):
        raise PermissionDenied(NOT_AN_APPROVER)
    return request.member


@member_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    by = _approver(request)
    rows = submissions_visible_to(by)
    context = {
        "waiting": rows.filter(state=WeekState.SUBMITTED).order_by("week_start", "member_id"),
        "decided": rows.exclude(state=WeekState.SUBMITTED).order_by("-decided_at")[:30],
    }
    return render(request, "timekeeping/approvals.html", context)


def _submission_for(request: HttpRequest, pk: int) -> WeekSubmission:
    """The week, when the viewer may decide on it; a 404 for anyone else."""
    by = _approver(request)
    row = submissions_visible_to(by).filter(pk=pk).first()
    if row is None:
        raise Http404("No such week to approve.")
    return row


def _detail(request, submission, *, form=None, status=200, error=None) -> HttpResponse:
    context = {
        "review": week_review(submission=submission, by=request.member),
        "return_form": form or ReturnWeekForm(),
        "error": error,
    }
    return render(request, "timekeeping/approvals_week.html", context, status=status)


@member_required
@require_GET
def approval_week(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _submission_for(request, pk))


@member_required
@require_POST
def approval_approve(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    try:
        week_approve(submission=submission, by=request.member)
    except ValidationError as error:
        return _detail(request, submission, status=400, error=_refusal(error))
    messages.success(
        request, f"Approved {submission.member.name}'s week of {submission.week_start:%Y-%m-%d}."
    )
    return redirect("timekeeping:approvals")


@member_required
@require_POST
def approval_return(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    form = ReturnWeekForm(request.POST)
    if form.is_valid():
        try:
            week_return(
                submission=submission, by=request.member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Returned {submission.member.name}'s week of "
                f"{submission.week_start:%Y-%m-%d} with your note.",
            )
            return redirect("timekeeping:approvals")
    return _detail(request, submission, form=form, status=400)


@member_required
@require_http_methods(["GET", "POST"])
def periods(request: HttpRequest) -> HttpResponse:
    """Finance closes time up to a date, or reopens the days after an earlier one."""
    by = request.member
    if not may_close_periods(by):
        raise PermissionDenied(NOT_FINANCE)
    close_form, reopen_form = CloseForm(prefix="close"), ReopenForm(prefix="reopen")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "close":
            close_form = CloseForm(request.POST, prefix="close")
            form, service = close_form, period_close
        elif action == "reopen":
            reopen_form = ReopenForm(request.POST, prefix="reopen")
            form, service = reopen_form, _reopen
        else:
            return HttpResponse("Choose to close or to reopen.", status=400)
        if form.is_valid():
            try:
                service(
                    through=form.cleaned_data["closed_through"],
                    by=by,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Saved. The history below shows it.")
                return redirect("timekeeping:periods")
        status = 400
    context = {
        "in_force": period_in_force(),
        "history": period_history(),
        "close_form": close_form,
        "reopen_form": reopen_form,
    }
    return render(request, "timekeeping/periods.html", context, status=status)


def _reopen(*, through: date, by, note: str):
    return reopen_through(through=through, by=by, reason=note)
