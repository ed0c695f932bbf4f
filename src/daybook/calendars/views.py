"""My calendar: a member connects, refreshes and removes their own calendars. The address is
a secret, so after it is saved the page shows it only masked; another member's calendar is a
404 to everyone, whatever their role."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from daybook.core.web import MemberRequest, apply_errors, member_required

from .forms import SubscriptionForm
from .models import CalendarSubscription
from .selectors import subscriptions_of
from .services import subscription_add, subscription_refresh_ask, subscription_remove
from .tasks import refresh_calendar


def _own_subscription(request: MemberRequest, pk: int) -> CalendarSubscription:
    """The member's own calendar; anyone else's is not found."""
    return get_object_or_404(CalendarSubscription, pk=pk, member=request.member)


@member_required
@require_http_methods(["GET", "POST"])
def subscriptions_view(request: MemberRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = subscription_add(
                member=request.member,
                label=form.cleaned_data["label"],
                url=form.cleaned_data["url"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            refresh_calendar(subscription.pk)
            messages.success(
                request,
                f"Connected {subscription.label}. Daybook reads it now and every half hour; "
                "its meetings show as suggestions in the gaps of My Day.",
            )
            return redirect("calendars:subscriptions")
    context = {"form": form, "subscriptions": subscriptions_of(member=request.member)}
    return render(
        request, "calendars/subscriptions.html", context, status=400 if form.errors else 200
    )


@member_required
@require_POST
def subscription_refresh_view(request: MemberRequest, pk: int) -> HttpResponse:
    subscription = _own_subscription(request, pk)
    try:
        subscription_refresh_ask(subscription=subscription)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("calendars:subscriptions")
    refresh_calendar(subscription.pk)
    messages.success(
        request,
        f"Daybook is reading {subscription.label} again; reload this page in a minute to see "
        "how it went.",
    )
    return redirect("calendars:subscriptions")


@member_required
@require_POST
def subscription_remove_view(request: MemberRequest, pk: int) -> HttpResponse:
    subscription = _own_subscription(request, pk)
    label = subscription.label
    subscription_remove(subscription=subscription)
    messages.success(request, f"Removed {label} and the meetings read from it.")
    return redirect("calendars:subscriptions")
