"""The holiday calendar page: administrators list, add and remove holidays, for the whole
organisation or for one team. The writes go through people/services.py."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from daybook.core.time import local_date
from daybook.core.web import apply_errors, member_required

from .forms import HolidayForm
from .models import Holiday
from .services import holiday_add, holiday_delete

# How far back the page lists holidays: the recent past is still being reviewed.
SHOWN_PAST = timedelta(days=90)


def _ensure(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied("Only an administrator keeps the holiday calendar.")


@member_required
@require_http_methods(["GET", "POST"])
def holidays_view(request: HttpRequest) -> HttpResponse:
    _ensure(request, "people.view_holiday")
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        _ensure(request, "people.add_holiday")
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = holiday_add(
                    day=data["date"], name=data["name"], team=data["team"], by=request.member
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Added {holiday.name} on {holiday.date:%a %d %b %Y}.")
                return redirect("people:holidays")
    since = local_date(timezone.now(), request.member.zone) - SHOWN_PAST
    context = {
        "form": form,
        "holidays": Holiday.objects.filter(date__gte=since).select_related("team"),
        "since": since,
        "may_add": request.user.has_perm("people.add_holiday"),
        "may_delete": request.user.has_perm("people.delete_holiday"),
    }
    return render(request, "people/holidays.html", context, status=400 if form.errors else 200)


@member_required
@require_POST
def holiday_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure(request, "people.delete_holiday")
    holiday = get_object_or_404(Holiday, pk=pk)
    holiday_delete(holiday=holiday, by=request.member)
    messages.success(request, f"Removed {holiday.name} on {holiday.date:%a %d %b %Y}.")
    return redirect("people:holidays")
