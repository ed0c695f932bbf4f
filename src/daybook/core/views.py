import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
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


# --- the installable app: web manifest and service worker ------------------------------------
# Both are public (no login, like healthz): they name our pages and files, never anyone's data.
# They are views rather than static files because the worker must sit at the site's root to
# look after every page, and both name static files by their deployed (hashed) names.

# The pages a technician needs on the road, kept by the service worker to open offline; no
# other page is kept (reports and reviews stay online). The first two are fetched when it
# installs; the stop form only when opened, or by offline.js while a timer runs (asked with
# none, it says so on the next page).
OFFLINE_PAGES = ("timekeeping:my_day", "timekeeping:entry_new")
OFFLINE_ON_DEMAND = ("timekeeping:timer_stop",)
# What every page loads (base.html, the timekeeping styles); kept when the worker installs.
SHELL_FILES = (
    "vendor/bootstrap.min.css",
    "vendor/bootstrap.bundle.min.js",
    "vendor/htmx.min.js",
    "core/daybook.css",
    "core/daybook.js",
    "core/favicon.svg",
    "timekeeping/timer_bar.css",
    "timekeeping/timekeeping.css",
    "timekeeping/timekeeping.js",
    "timekeeping/offline.js",
)
THEME_COLOUR = "#1f5fa8"  # the favicon's blue


@cache
def _worker_script() -> str:
    path = finders.find("core/sw.js")
    with open(path, encoding="utf-8") as file:
        return file.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (core/static/core/sw.js), led by the addresses it works with. A new
    deployment changes those, and so the script, which is how browsers learn to update it."""
    settings_line = {
        "pages": [reverse(name) for name in OFFLINE_PAGES],
        "kept": [reverse(name) for name in OFFLINE_PAGES + OFFLINE_ON_DEMAND],
        "shell": [static(name) for name in SHELL_FILES],
        "static": settings.STATIC_URL,
        "logout": reverse("logout"),
    }
    script = _worker_script()
    settings_line["version"] = hashlib.sha256(
        (json.dumps(settings_line, sort_keys=True) + script).encode()
    ).hexdigest()[:12]
    body = f"const DAYBOOK = {json.dumps(settings_line)};\n{script}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Always asked again, so a deployment reaches every installed app.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    """What a phone or a desktop browser needs to install Daybook as an app opening on My Day."""
    icon = {"type": "image/png"}
    manifest = {
        "name": "Daybook",
        "short_name": "Daybook",
        "description": "Log your time as you work, even when the network drops out.",
        "id": "/",
        "start_url": reverse("timekeeping:my_day"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {**icon, "src": static("core/icon-192.png"), "sizes": "192x192", "purpose": "any"},
            {**icon, "src": static("core/icon-512.png"), "sizes": "512x512", "purpose": "any"},
            {
                **icon,
                "src": static("core/icon-512.png"),
                "sizes": "512x512",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


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
