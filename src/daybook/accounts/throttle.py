"""Sign-in throttling (django-axes): what a locked-out visitor is told, and which address a
request comes from. settings.py points AXES_LOCKOUT_CALLABLE and AXES_CLIENT_IP_CALLABLE here.

After DAYBOOK_LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address, every
door (the sign-in page, the admin's, the API token endpoint) refuses that pair for
DAYBOOK_LOGIN_COOLOFF_MINUTES, even with the right password. Further tries during the pause
are refused without restarting it, so the time given in the message holds.
"""

import math
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

API_PREFIX = "/api/"


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS, for sign-ins made by a request.

    Every door people reach (the sign-in pages, the admin's, the token endpoint) passes its
    request. A call without one (the test client's login(), a shell) has no visitor address
    to pause, so it goes straight on to the password check instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address. Behind DAYBOOK_TRUSTED_PROXY_COUNT reverse proxies it is the
    one the outermost of them saw: that many entries from the right of X-Forwarded-For, the
    only part a visitor cannot write themselves."""
    proxies = settings.DAYBOOK_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_ends_at(*, username: str | None, ip_address: str | None) -> datetime | None:
    """When the pause for this username and address ends (None: not paused, or unknown)."""
    cool_off = get_cool_off()
    if cool_off is None:
        return None
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return None if last is None else last + cool_off


def lockout_message(*, ends_at: datetime | None) -> str:
    limit = settings.AXES_FAILURE_LIMIT
    minutes = settings.DAYBOOK_LOGIN_COOLOFF_MINUTES
    if ends_at is not None:
        minutes = max(1, math.ceil((ends_at - timezone.now()) / timedelta(minutes=1)))
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return (
        f"Signing in with this username from your address is paused after {limit} failed "
        f"tries. Try again in {wait}, or ask an administrator to unlock it sooner. "
        "If you have forgotten your password, reset it instead."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """What every door answers while its visitor is locked out: JSON for the API, the
    sign-in page with the reason for anyone else (the admin's door included)."""
    username = get_client_username(request, credentials)
    ends_at = lockout_ends_at(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    )
    message = lockout_message(ends_at=ends_at)
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message}, status=status)
    else:
        form = AuthenticationForm(request, initial={"username": username or ""})
        context = {
            "form": form,
            "locked_out": message,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        response = render(request, "core/login.html", context, status=status)
    if ends_at is not None:
        seconds = max(1, math.ceil((ends_at - timezone.now()).total_seconds()))
        response["Retry-After"] = str(seconds)
    return response
