"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

They skip, saying why, when /usr/bin/chromium is missing (apt-get install chromium).
Screenshots go to test-artifacts/ (git-ignored).
"""

import os
import threading
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import pytest
from django.test import Client

from daybook.review.models import MessageTemplate

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API keeps an event loop running in the test's thread; the test still
# talks to the database synchronously, which Django allows only when told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def needs_chromium() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    )


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: both database passes run side by side on two
    # cores, and an htmx swap can take more than Playwright's 5 s default then.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


# Reports every refusal of the Content-Security-Policy on the console, where the fixture
# below collects it; Chromium's own console message covers what happens before this runs.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def csp_complaint(text: str) -> bool:
    return "Content Security Policy" in text or "CSP violation" in text


@pytest.fixture
def page_for(chromium, live_server):
    """A browser tab signed in as a member, at desktop size unless told otherwise.

    Every page must keep to the Content-Security-Policy: a violation on any tab fails the
    test once it is over, naming what was blocked."""
    contexts = []
    violations: list[str] = []

    def collect(message) -> None:
        if csp_complaint(message.text):
            violations.append(message.text)

    def open_page(member, *, width: int = 1280, height: int = 900, service_workers: bool = False):
        client = Client()
        client.force_login(member.user)
        # The offline app's service worker fetches pages in the background when it installs;
        # only the tests of the offline app let it, so no other test races those requests.
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            timezone_id=member.time_zone,
            service_workers="allow" if service_workers else "block",
        )
        context.add_cookies(
            [
                {"name": name, "value": morsel.value, "url": live_server.url}
                for name, morsel in client.cookies.items()
            ]
        )
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", collect)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not violations, "The Content-Security-Policy refused something:\n" + "\n".join(
        violations
    )


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class _Requests:
    """Counts the live server's requests in progress.

    With SQLite in memory the server's threads share the test's one connection, so a request
    a closed tab left running would write into the emptying of the tables after the test (a
    foreign key fails at its commit, and the next test finds the old rows)."""

    def __init__(self, app) -> None:
        self.app = app
        self.running = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.running += 1
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self._ended()
            raise
        # A streamed export reads the database while it is sent: the request ends when the
        # server closes its response, whether the tab took all of it or went away.
        return _Sent(response, self._ended)

    def _ended(self) -> None:
        with self.changed:
            self.running -= 1
            self.changed.notify_all()

    def settle(self, timeout: float = 15.0) -> None:
        """Waits until no request runs, twice: a request sent just before a tab closed may
        still be on its way into the server the first time."""
        for _ in range(2):
            with self.changed:
                if not self.changed.wait_for(lambda: self.running == 0, timeout=timeout):
                    pytest.fail(f"the live server still runs {self.running} requests")
            time.sleep(0.1)


class _Sent:
    """A response as the server sends it, telling `ended` once the server has closed it."""

    def __init__(self, response, ended: Callable[[], None]) -> None:
        self.response = response
        self.ended = ended

    def __iter__(self):
        return iter(self.response)

    def close(self) -> None:
        try:
            if hasattr(self.response, "close"):  # WSGI leaves it to the application
                self.response.close()
        finally:
            self.ended()


@pytest.fixture(scope="session")
def server_settles(live_server) -> Callable[[], None]:
    httpd = live_server.thread.httpd
    requests = _Requests(httpd.get_app())
    httpd.set_app(requests)
    return requests.settle


@pytest.fixture(autouse=True)
def migrations_data(transactional_db, server_settles):
    """Browser tests run in transactions that end by emptying every table, the rows data
    migrations wrote included; put back the follow-up templates the review offers.

    Set up before the tabs, this ends after they close: it waits for their last requests."""
    defaults = import_module("daybook.review.migrations.0002_default_templates")
    for fields in defaults.DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(name=fields["name"], defaults=fields)
    yield
    server_settles()
