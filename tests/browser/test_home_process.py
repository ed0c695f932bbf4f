"""The home page and the written process in a real browser: a member's first page is the
process, acknowledging it leads home; the navigation fits one line on a laptop screen."""

import pytest
from playwright.sync_api import expect

from daybook.home.models import ProcessAcknowledgement
from daybook.home.services import process_publish

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]


def test_first_sign_in_shows_the_process_and_acknowledging_leads_home(page_for, admin, tech):
    process_publish(
        title="How we log time",
        text="# While you work\n- Start the timer with the ticket.\n- Write notes as you stop.",
        by=admin,
    )
    page = page_for(tech)
    page.goto("/")
    expect(page).to_have_url(f"{page.url.split('/home/')[0]}/home/process/?next=%2F")
    expect(page.locator("#process h1")).to_have_text("How we log time")
    expect(page.locator("#process li").first).to_have_text("Start the timer with the ticket.")
    page.click("#acknowledge-button")
    expect(page.locator("article[role=status]")).to_contain_text("acknowledgement is recorded")
    expect(page.locator("#panel-today h2")).to_have_text("Your day")
    assert page.url.endswith("/")
    assert ProcessAcknowledgement.objects.filter(member=tech, version__number=1).exists()
    # From now on pages open straight away, and the process is a menu item away.
    page.goto("/time/day/")
    expect(page).to_have_url(page.url.split("/time/")[0] + "/time/day/")
    page.click("#nav-settings summary")
    page.get_by_role("link", name="How we log time").click()
    expect(page.locator("#acknowledged")).to_contain_text("You acknowledged version 1")


def test_the_navigation_fits_one_line_at_1366_pixels(page_for, admin, lead, artifacts):
    lead.user.groups.add(*admin.user.groups.all())  # every role's links at once
    page = page_for(lead, width=1366, height=768)
    page.goto("/")
    page.screenshot(path=str(artifacts / "navigation-1366.png"))
    rects = page.locator("nav.main-nav > ul > li").evaluate_all(
        "items => items.map(item => {"
        " const r = item.getBoundingClientRect(); return [r.top, r.bottom]; })"
    )
    assert len(rects) >= 12  # every role's links, the menu, Account and Sign out
    # One line: every item overlaps every other vertically.
    assert max(top for top, _ in rects) < min(bottom for _, bottom in rects), rects
