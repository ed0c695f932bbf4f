"""Approvals and periods in a real browser: a week submitted, returned with a reason, fixed
and approved; Finance closes a period and My Day shows the day closed."""

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.timekeeping.choices import ApprovalState, WeekState
from daybook.timekeeping.models import TimeEntry, WeekSubmission
from daybook.timekeeping.services import entry_log
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

# Tuesday 18 March 2025, noon in New York: the week of 10 March is over.
NOW = datetime(2025, 3, 18, 12, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def wednesday_entry(tech):
    return entry_log(
        member=tech,
        ticket=TicketFactory(agreement=AgreementFactory()),
        work_type=WorkTypeFactory(name="Remote Support"),
        start=datetime(2025, 3, 12, 9, tzinfo=NEW_YORK),
        end=datetime(2025, 3, 12, 10, tzinfo=NEW_YORK),
        notes="Looked at it.",
        by=tech,
    )


def test_a_week_is_submitted_returned_fixed_and_approved(
    page_for, live_server, tech, lead, wednesday_entry
):
    week_url = f"{live_server.url}/time/week/2025-03-10/"
    tess = page_for(tech)
    tess.goto(week_url)
    tess.get_by_role("button", name="Submit this week for approval").click()
    expect(tess.locator("#week-submission")).to_contain_text("submitted for approval")

    lena = page_for(lead)
    lena.goto(f"{live_server.url}/time/approvals/")
    lena.get_by_role("link", name="Open").click()
    expect(lena.locator("#week-entries")).to_contain_text("Looked at it.")
    lena.get_by_label("What needs fixing").fill("Wednesday's notes should say what you fixed.")
    lena.get_by_role("button", name="Return to Tess").click()
    expect(lena.locator("#nothing-waiting")).to_be_visible()

    tess.goto(f"{live_server.url}/time/day/2025-03-12/")
    expect(tess.locator("#week-submission")).to_contain_text("should say what you fixed")
    tess.goto(f"{live_server.url}/time/entries/{wednesday_entry.pk}/edit/")
    tess.locator("textarea[name=notes]").fill("Replaced the failing switch port.")
    tess.locator("#save-entry").click()
    tess.wait_for_url("**/time/day/**")
    tess.goto(week_url)
    tess.get_by_role("button", name="Submit the week again").click()
    expect(tess.locator("#week-submission")).to_contain_text("submitted for approval")

    lena.goto(f"{live_server.url}/time/approvals/")
    lena.get_by_role("link", name="Open").click()
    expect(lena.locator("#week-entries")).to_contain_text("Replaced the failing switch port.")
    lena.get_by_role("button", name="Approve the week").click()
    expect(lena.locator("#decided-weeks")).to_contain_text("Approved")

    assert WeekSubmission.objects.get().state == WeekState.APPROVED
    assert TimeEntry.objects.get().approval_state == ApprovalState.APPROVED


def test_finance_closes_a_period_and_my_day_shows_it_closed(
    page_for, live_server, tech, finance, wednesday_entry
):
    fiona = page_for(finance)
    fiona.goto(f"{live_server.url}/time/periods/")
    fiona.get_by_label("Close time up to and including").fill("2025-03-14")
    fiona.get_by_role("button", name="Close", exact=True).click()
    expect(fiona.locator("#close-history")).to_contain_text("Closed through 2025-03-14")

    tess = page_for(tech)
    tess.goto(f"{live_server.url}/time/day/2025-03-12/")
    expect(tess.locator("#closed-period")).to_contain_text("Time up to 2025-03-14 is closed")
    expect(tess.locator("#closed-period")).to_contain_text("Only Finance can reopen it")
    expect(tess.locator(".day-list").get_by_role("link", name="Edit")).to_have_count(0)
    expect(tess.get_by_role("link", name="Log time", exact=True)).to_have_count(0)
    expect(tess.get_by_role("link", name="Log time here")).to_have_count(0)
