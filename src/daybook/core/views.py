from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

REFUSED = "Your role does not include this page or action."
STALE_FORM = (
    "The form was sent without a valid security token, usually because the page was open for "
    "a long time or you signed in again in another tab. Go back, reload the page and try again."
)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: no login, and it says only whether the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


# --- error pages (handler403/404/500 in daybook/urls.py) --------------------------------------


def _reason(exception: Exception | None) -> str:
    """The refusal's own sentence when it has one: Daybook's refusals are written for people."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) else ""


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: what was refused and why, in the refusal's own message when it has one."""
    context = {"reason": _reason(exception) or REFUSED}
    return render(request, "403.html", context, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its security token: the 403 page, saying what to do about it."""
    context = {"reason": STALE_FORM}
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: plain, and the same whether the page never existed or is not yours to see."""
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: rendered without the request, so nothing that failed (the database, a context
    processor) is asked again while apologising."""
    return HttpResponseServerError(loader.get_template("500.html").render({"bare": True}))
