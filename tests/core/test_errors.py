"""Error pages in Daybook's layout, with DEBUG off as every install runs by default: 403 says
what was refused and why, 404 and 500 are plain and friendly, and none is Django's."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from daybook.urls import handler403, handler404, handler500

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src"


# This module doubles as a URLconf: Daybook's own, plus pages that fail on purpose.
def _boom(request):
    raise RuntimeError("something broke")


def _refused_quietly(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("refused/", _refused_quietly),
    path("", include("daybook.urls")),
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


@pytest.fixture
def failing_pages(settings):
    settings.ROOT_URLCONF = __name__


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def in_layout(page: str) -> bool:
    return 'class="skip-link"' in page and "vendor/bootstrap.min.css" in page and "Daybook" in page


def test_403_says_what_was_refused_and_why(tech):
    response = client_for(tech).get(reverse("review:daily"))
    assert response.status_code == 403
    page = response.content.decode()
    assert in_layout(page)
    assert "Not allowed" in page
    assert "Daybook refused this request" in page
    assert "Only team reviewers, Finance and administrators review days." in page
    assert 'id="nav-settings"' in page  # the member's own navigation, to go on from here


def test_403_without_a_reason_gives_a_general_one(tech, failing_pages):
    response = client_for(tech).get("/refused/")
    assert response.status_code == 403
    assert "Your role does not include this page or action." in response.content.decode()


def test_a_form_with_a_stale_security_token_gets_a_sentence_not_djangos_page(tech):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tech.user)
    response = client.post(reverse("timekeeping:timer_stop"), {})
    assert response.status_code == 403
    page = response.content.decode()
    assert in_layout(page)
    assert "reload the page and try again" in page
    assert "CSRF verification failed" not in page


def test_404_is_plain_and_friendly(tech):
    response = client_for(tech).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert in_layout(page)
    assert "Nothing here" in page
    # The address is not repeated: an id in it would read as shown to someone who may not
    # see it (tests/test_doors.py looks for ids in every answer).
    assert "/no/such/page/" not in page
    assert "URLconf" not in page
    assert "urlpatterns" not in page


def test_404_for_visitors_who_are_not_signed_in(db):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "Sign in" in response.content.decode()


def test_500_is_plain_and_friendly(tech, failing_pages):
    client = client_for(tech)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert in_layout(page)
    assert "Something went wrong" in page
    assert "something broke" not in page
    assert "Traceback" not in page
    # Rendered without the request: no one's name, timer or menu on it.
    assert "nav-settings" not in page


def start_django(tmp_path: Path, **env: str) -> str:
    """The DEBUG and static-file settings of a fresh interpreter with only `env` set."""
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "daybook.settings",
        "DAYBOOK_DATA_DIR": str(tmp_path),
        **env,
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.WHITENOISE_USE_FINDERS)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_runs_without_debug_pages_but_still_serves_static_files(tmp_path):
    """`make demo` and `daybook serve` set nothing: DEBUG stays off, and WhiteNoise serves
    the apps' static files itself."""
    assert start_django(tmp_path) == "False True"
    assert start_django(tmp_path, DEBUG="true") == "True True"
