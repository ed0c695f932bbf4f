"""Shows each member the written process until they have acknowledged the version in force.

A page a member opens (GET, a whole HTML page, answered 200) is swapped for a redirect to the
process, with the page they asked for as `next`, while the version in force is unread by them.
Never for the API, feeds or downloads (not HTML pages), never for htmx fragments, forms being
sent (POST) or the pages a member needs to get out or back in: signing in and out, passwords,
two-factor and the account pages, the admin, and the process pages themselves.
"""

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .context_processors import request_nav


class ProcessAcknowledgementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("api-root"),
            reverse("accounts:index"),
            reverse("login"),
            reverse("logout"),
            reverse("admin:index"),
            reverse("home:process"),
            settings.STATIC_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not self._is_a_page(request, response):
            return response
        nav = request_nav(request)
        if nav is None or nav.process_pending is None:
            return response
        target = reverse("home:process") + "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)

    def _is_a_page(self, request: HttpRequest, response: HttpResponse) -> bool:
        return (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and "HX-Request" not in request.headers
            and not request.path.startswith(self.exempt_prefixes)
            and request.user.is_authenticated
        )
