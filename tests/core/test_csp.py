"""Every page is served with the Content-Security-Policy, and keeps to it: no inline script,
no on*= handler, no <style> block and no style= attribute, so nothing on a page needs the
policy loosened. The browser tests (tests/browser) check that the pages still work under it."""

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.timekeeping.models import Timer
from tests.insights.msp import build_msp

pytestmark = pytest.mark.django_db

MARCH = {"month": "2025-03"}
NOW = datetime(2025, 4, 1, 15, 0, tzinfo=UTC)


class InlineCode(HTMLParser):
    """Collects what the policy would refuse to run or apply."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        # json_script's data blocks are never run; anything else without src is code.
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.found.append(f"<script> without src ({self.getpos()})")
        if tag == "style":
            self.found.append(f"<style> block ({self.getpos()})")
        for name, _ in attrs:
            if name == "style" or (name.startswith("on") and len(name) > 2):
                self.found.append(f"{name}= on <{tag}> ({self.getpos()})")
            if name.startswith("hx-on"):
                self.found.append(f"{name} (htmx evaluates it) on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_keeps_to_the_policy(response, url: str) -> None:
    assert response.status_code in (200, 400), (url, response.status_code)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, url
    assert "style-src 'self'" in policy, url
    assert "frame-ancestors 'none'" in policy, url
    assert "unsafe-inline" not in policy, url
    assert inline_code(response.content.decode()) == [], url


@pytest.fixture
def msp(tech, lead, other_team_tech):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        return build_msp(tech, lead, other_team_tech)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_the_policy_header_says_what_it_allows(client):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_member_pages_keep_to_the_policy(msp, tech):
    ticket = msp.tickets["t2"]
    Timer.objects.create(member=tech, ticket=ticket, started_at=NOW - timedelta(minutes=20))
    entry = msp.e["e1"]
    client = signed_in(tech)
    urls = [
        reverse("timekeeping:my_day"),
        reverse("timekeeping:my_day_on", args=[date(2025, 3, 12)]),
        reverse("timekeeping:week"),
        reverse("timekeeping:entry_new"),
        reverse("timekeeping:entry_history", args=[entry.pk]),
        reverse("tickets:ticket_list"),
        reverse("tickets:ticket_detail", args=[ticket.pk]),
        reverse("accounts:index"),
        reverse("accounts:tokens"),
        reverse("accounts:two_factor"),
        reverse("accounts:password_change"),
        reverse("interchange:calendar_feeds"),
        reverse("review:requests"),
        reverse("api-docs"),
    ]
    for url in urls:
        assert_keeps_to_the_policy(client.get(url), url)


def test_the_api_docs_start_up_script_is_a_file_of_its_own(tech):
    client = signed_in(tech)
    page = client.get(reverse("api-docs")).content.decode()
    assert 'src="/api/docs/?script="' in page
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_review_pages_keep_to_the_policy(msp, lead, tech):
    client = signed_in(lead)
    urls = [
        reverse("review:daily"),
        reverse("review:daily_on", kwargs={"day": date(2025, 3, 12)}),
        reverse("review:member_day", kwargs={"member_id": tech.pk, "day": date(2025, 3, 12)}),
        reverse("review:trends"),
        reverse("review:notifications"),
    ]
    for url in urls:
        assert_keeps_to_the_policy(client.get(url), url)


def test_reports_with_charts_keep_to_the_policy(msp, finance):
    client = signed_in(finance)
    pages = [
        (reverse("insights:index"), {}),
        (reverse("insights:profitability"), MARCH),
        (reverse("insights:profitability_agreement", args=[msp.a2.pk]), MARCH),
        (reverse("insights:statement"), {"company": msp.acme.pk, **MARCH}),
        (reverse("insights:sla"), MARCH),
        (reverse("insights:projects"), MARCH),
        (reverse("insights:capacity"), MARCH),
        (reverse("insights:workload"), MARCH),
        (reverse("insights:forecast"), MARCH),
    ]
    charts = 0
    for url, params in pages:
        response = client.get(url, params)
        assert_keeps_to_the_policy(response, url)
        charts += "<canvas" in response.content.decode()
    assert charts >= 5  # the charts are drawn by insights/charts.js, not by the page


def test_sign_in_and_password_reset_keep_to_the_policy(client):
    for url in [reverse("login"), reverse("accounts:password_reset")]:
        assert_keeps_to_the_policy(client.get(url), url)


def test_the_finder_finds_what_the_policy_refuses():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/x.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="go()" hx-on:click="go()">x</p>'
    )
    found = inline_code(html)
    assert len(found) == 5
    assert found[0].startswith("<script> without src")
