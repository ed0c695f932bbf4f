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
    expect(page.locator(".alert[role=status]")).to_contain_text("acknowledgement is recorded")
    expect(page.locator("#panel-today h2")).to_have_text("Your day")
    assert page.url.endswith("/")
    assert ProcessAcknowledgement.objects.filter(member=tech, version__number=1).exists()
    # From now on pages open straight away, and the process is a menu item away.
    page.goto("/time/day/")
    expect(page).to_have_url(page.url.split("/time/")[0] + "/time/day/")
    page.click("#nav-settings")
    page.get_by_role("link", name="How we log time").click()
    expect(page.locator("#acknowledged")).to_contain_text("You acknowledged version 1")


def test_the_navigation_fits_one_line_at_1366_pixels(page_for, admin, lead, artifacts):
    lead.user.groups.add(*admin.user.groups.all())  # every role's links at once
    page = page_for(lead, width=1366, height=768)
    page.goto("/")
    page.screenshot(path=str(artifacts / "navigation-1366.png"))
    rects = page.locator("header.app-nav :is(.navbar-brand, .navbar-nav > li)").evaluate_all(
        "items => items.map(item => {"
        " const r = item.getBoundingClientRect(); return [r.top, r.bottom]; })"
    )
    assert len(rects) >= 12  # the brand, every role's links, the menu, Account and Sign out
    # One line: every item overlaps every other vertically.
    assert max(top for top, _ in rects) < min(bottom for _, bottom in rects), rects


def test_on_a_phone_the_navigation_folds_behind_a_button(page_for, lead, artifacts):
    page = page_for(lead, width=390, height=844)
    page.goto("/time/day/")
    my_day = page.locator("#nav-main").get_by_role("link", name="My Day")
    expect(my_day).to_be_hidden()
    page.get_by_role("button", name="Show or hide the navigation").click()
    expect(my_day).to_be_visible()
    expect(my_day).to_have_attribute("aria-current", "page")
    page.screenshot(path=str(artifacts / "navigation-390.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#nav-settings")
    expect(page.get_by_role("link", name="How we log time")).to_be_visible()


def test_dark_mode_follows_the_system(page_for, tech, artifacts):
    page = page_for(tech, width=1366, height=768)
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.screenshot(path=str(artifacts / "home-dark-1366.png"))
    # Light text on a dark page, not the light theme's dark text.
    colour = page.evaluate("getComputedStyle(document.body).color")
    assert colour.startswith("rgb("), colour
    assert min(map(int, colour[4:-1].split(","))) > 150, colour
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
