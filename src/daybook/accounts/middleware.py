"""The second sign-in step, enforced on every request whatever door the session came through
(the sign-in page, the admin's, single sign-on).

Installed after django-otp's OTPMiddleware, which tells whether this session entered a code.
A user with an authenticator app who has not entered a code yet is treated as signed out
everywhere except the code page: pages, templates, the API and the admin all see an
anonymous visitor, so nothing of theirs shows before the second step. A user whose role
requires two-factor and who has no app yet is signed in but sent to set one up first.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .choices import SecondStep
from .selectors import second_step_for

API_PREFIX = "/api/"
API_MESSAGES = {
    SecondStep.VERIFY: (
        "This session still needs its two-factor code. Enter it at "
        "/accounts/two-factor/verify/ (or call the API with a token)."
    ),
    SecondStep.ENROL: (
        "Your role requires two-factor sign-in. Set it up at /accounts/two-factor/ before "
        "using Daybook."
    ),
}


def _masked_anonymous() -> AnonymousUser:
    anonymous = AnonymousUser()
    # What OTPMiddleware gives every user, so code that asks still gets an answer.
    anonymous.otp_device = None
    anonymous.is_verified = lambda: False
    return anonymous


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        step = second_step_for(user=user)
        if step == SecondStep.NONE:
            return self.get_response(request)
        if step == SecondStep.VERIFY:
            request.pending_user = user
            request.user = _masked_anonymous()
            allowed = {reverse("accounts:two_factor_verify"), reverse("logout")}
            target = "accounts:two_factor_verify"
        else:
            allowed = {
                reverse("accounts:two_factor"),
                reverse("accounts:two_factor_verify"),
                reverse("logout"),
            }
            target = "accounts:two_factor"
        if request.path in allowed:
            return self.get_response(request)
        return self._send_to(request, step, target)

    def _send_to(self, request: HttpRequest, step: SecondStep, target: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": API_MESSAGES[step]}, status=403)
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # htmx would swap the next page into part of this one; make it load whole.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
