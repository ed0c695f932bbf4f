"""Daybook as an installed app with no network (Chromium's offline switch): the service worker
keeps My Day and the forms, a timer stopped and an entry logged offline are sent when the
network is back, once each, and a refused one comes back with its reason.

Real time throughout (no time travel): the browser's clock and the server's must agree, as
they do for a member on the road."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import work_start
from tests.factories import BoardFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

CONTROLLED = "navigator.serviceWorker.controller !== null"
STOP_FORM_KEPT = """async () => {
  const cache = await caches.open("daybook-pages");
  return Boolean(await cache.match(new URL("/time/timer/stop/", location.href).href));
}"""
PAGES_KEPT = """async () => {
  const cache = await caches.open("daybook-pages");
  return Boolean(await cache.match(new URL("/time/day/", location.href).href));
}"""
ENTRY_ROWS = "#my-day li.item.entry"
DST_NIGHT = datetime(2025, 3, 9, tzinfo=NEW_YORK)  # the member is in New York


@pytest.fixture
def ticket(tech):
    remote = WorkTypeFactory(name="Remote Support")
    board = BoardFactory(name="Help Desk", default_work_type=remote)
    return TicketFactory(board=board, agreement=None, summary="Printer offline", assignee=tech)


def _wait_until(page, check: str, seconds: float = 10) -> None:
    """Polls an async check in the page (wait_for_function would need eval, which the
    Content-Security-Policy refuses)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(check):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"Still not true after {seconds} s: {check}")


def _installed(page) -> None:
    """My Day open with the service worker in charge of it."""
    page.goto("/time/day/")
    _wait_until(page, CONTROLLED)


def test_my_day_can_be_installed_and_is_looked_after_by_the_service_worker(page_for, tech):
    page = page_for(tech, service_workers=True)
    page.goto("/time/day/")
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.url.split("/time/")[0] + "/"
    _wait_until(page, CONTROLLED)
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.evaluate(
        "async (href) => { const r = await fetch(href); "
        "return {ok: r.ok, type: r.headers.get('content-type'), body: await r.text()}; }",
        href,
    )
    assert manifest["ok"]
    assert manifest["type"].startswith("application/manifest+json")
    body = json.loads(manifest["body"])
    assert (body["start_url"], body["display"]) == ("/time/day/", "standalone")
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}

    # Kept for the road while signed in; forgotten on signing out (a shared computer).
    _wait_until(page, PAGES_KEPT)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    _wait_until(page, f"async () => !(await ({PAGES_KEPT})())")


def test_a_timer_stopped_offline_is_sent_once_when_the_network_is_back(page_for, tech, ticket):
    work_start(member=tech, ticket=ticket, at=timezone.now() - timedelta(minutes=20))
    page = page_for(tech, service_workers=True)
    _installed(page)
    _wait_until(page, STOP_FORM_KEPT)

    page.context.set_offline(True)
    page.click("#timer-stop")
    expect(page.locator("#offline-banner")).to_contain_text("You're offline")
    # The clock keeps running on the kept page.
    clock = page.locator("#entry-form-section [data-timer-start]")
    expect(clock).to_have_text(re.compile(r"^0:2\d:\d\d$"))
    page.fill("#id_notes", "Cleared the print queue and reinstalled the driver.")
    page.click("#save-entry")

    page.wait_for_url("**/time/day/")
    expect(page.locator("#offline-waiting-list li")).to_have_count(1)
    page.reload()  # Still offline: My Day from the kept copy, the entry still waiting.
    expect(page.locator("#offline-waiting-list li")).to_have_count(1)
    assert Timer.objects.filter(member=tech).exists()
    assert not TimeEntry.objects.exists()

    page.context.set_offline(False)
    expect(page.locator(ENTRY_ROWS)).to_have_count(1)
    expect(page.locator("#offline-queue")).to_be_hidden()
    entry = TimeEntry.objects.get()
    assert (entry.source, entry.ticket) == (EntrySource.TIMER, ticket)
    assert entry.notes.startswith("Cleared the print queue")
    assert not Timer.objects.filter(member=tech).exists()

    # The answer was lost and the browser sends the same stop again: still one entry.
    again = page.evaluate(
        """async ([key, workType]) => {
          const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
          const r = await fetch("/api/timer/stop/", {method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token},
            body: JSON.stringify({work_type: workType, notes: "again", client_key: key})});
          return r.status;
        }""",
        [str(entry.client_key), entry.work_type_id],
    )
    assert again == 200
    page.reload()
    expect(page.locator(ENTRY_ROWS)).to_have_count(1)
    assert TimeEntry.objects.count() == 1


def test_an_entry_refused_when_sent_comes_back_with_its_reason(request, page_for, tech, ticket):
    zone = tech.zone
    # The entries below end 20 to 80 minutes before now, all on My Day's date. In the first
    # hours after the member's midnight that would cross into yesterday, so the server's clock
    # goes back to the evening before (the browser's, a little ahead, sees them past too).
    local = timezone.now().astimezone(zone)
    if local.hour < 2:
        evening = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=1)
        traveller = time_machine.travel(evening, tick=True)
        traveller.start()
        request.addfinalizer(traveller.stop)
    page = page_for(tech, service_workers=True)
    _installed(page)
    start = (timezone.now() - timedelta(minutes=50)).astimezone(zone)
    end = (timezone.now() - timedelta(minutes=20)).astimezone(zone)

    page.context.set_offline(True)
    page.goto("/time/entries/new/")
    expect(page.locator("#offline-banner")).to_be_visible()
    spans = [
        (start, end, "Called the vendor about the toner."),
        (start, end, "Same half hour, logged twice."),
        # New York's clocks jump from 2:00 to 3:00 that night: one hour of work, read in the
        # member's zone although the browser converts the times.
        (DST_NIGHT.replace(hour=1, minute=30), DST_NIGHT.replace(hour=3, minute=30), "Patching."),
    ]
    for begin, finish, notes in spans:
        page.goto("/time/entries/new/")
        page.fill("#id_ticket", str(ticket.pk))
        page.fill("#id_start", f"{begin:%Y-%m-%dT%H:%M}")
        page.fill("#id_end", f"{finish:%Y-%m-%dT%H:%M}")
        page.fill("#id_notes", notes)
        page.click("#save-entry")
        page.wait_for_url("**/time/day/")
    expect(page.locator("#offline-waiting-list li")).to_have_count(3)

    page.context.set_offline(False)
    expect(page.locator(ENTRY_ROWS)).to_have_count(1)
    refused = page.locator("#offline-refused-list li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Same half hour, logged twice.")
    expect(refused.locator(".offline-message")).to_contain_text("overlaps")
    saved = TimeEntry.objects.get(notes="Called the vendor about the toner.")
    assert saved.start == start.replace(second=0, microsecond=0)
    patching = TimeEntry.objects.get(notes="Patching.")
    assert patching.start == datetime(2025, 3, 9, 6, 30, tzinfo=UTC)
    assert patching.end - patching.start == timedelta(hours=1)

    # Corrected to the half hour before, it is sent again and saved.
    refused.get_by_role("link", name="Correct and send again").click()
    expect(page.locator("#entry-form .alert-danger")).to_contain_text("overlaps")
    earlier = start - timedelta(minutes=30)
    page.fill("#id_start", f"{earlier:%Y-%m-%dT%H:%M}")
    page.fill("#id_end", f"{start:%Y-%m-%dT%H:%M}")
    page.click("#save-entry")
    page.wait_for_url("**/time/day/")
    expect(page.locator(ENTRY_ROWS)).to_have_count(2)
    expect(page.locator("#offline-queue")).to_be_hidden()
    assert TimeEntry.objects.count() == 3
