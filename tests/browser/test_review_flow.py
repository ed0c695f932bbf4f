"""The end-of-day review in a real browser: the reviewer finds a gap, the tone check stops a
harsh message, a friendly one goes out; the member answers from Requests by logging payroll
wrap, and the reviewer's open page shows the day resolved without a reload."""

import re
from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.review.choices import FollowUpState, ReviewState
from daybook.review.models import DayReview, FollowUp
from tests.factories import TicketFactory, WorkTypeFactory
from tests.review.helpers import log_entry
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def day(tech, lead, settings):
    """Friday 14 March 2025 in New York, 18:05: Tess logged 09-12 and 13-17."""
    settings.DAYBOOK_REVIEW_REFRESH_SECONDS = 1
    WorkTypeFactory(name="Remote Support")
    WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    ticket = TicketFactory(summary="Printer offline")
    log_entry(tech, ny(9), ny(12), ticket=ticket, notes="Reinstalled the print driver")
    log_entry(tech, ny(13), ny(17), ticket=ticket, notes="Replaced the fuser")
    with time_machine.travel(ny(18, 5), tick=True):
        yield


def test_reviewer_follows_up_and_the_member_answers_by_logging_the_time(
    page_for, tech, lead, day, artifacts
):
    reviewer = page_for(lead)
    reviewer.goto("/review/")
    row = reviewer.locator(f"#member-{tech.pk}")
    expect(row).to_contain_text("1 gap (60 min)")
    expect(row).to_contain_text("Pending")
    reviewer.screenshot(path=str(artifacts / "daily-review.png"), full_page=True)
    row.get_by_role("link", name="Tess Tester", exact=True).click()

    expect(reviewer.locator("#member-day")).to_contain_text("12:00\N{EN DASH}13:00")
    reviewer.get_by_role("button", name="Ask about this gap").click()
    body = reviewer.locator("#id_body")
    expect(body).to_have_value(re.compile(r"between 12:00 and 13:00 \(60 minutes\)"))

    body.fill("Why didn't you log 12 to 1? Explain the gap.")
    reviewer.click("#send-follow-up")
    expect(reviewer.locator("#tone-warnings")).to_contain_text("may read as blame")
    assert not FollowUp.objects.exists()
    reviewer.locator("#id_body").fill(
        "Hi Tess, could you help me place 12:00 to 13:00? Which ticket was it? Thanks!"
    )
    reviewer.click("#send-follow-up")
    expect(reviewer.locator(".alert[role=status]")).to_contain_text("Sent to Tess")
    expect(reviewer.locator("#member-day .state")).to_have_text("Followed up")
    reviewer.screenshot(path=str(artifacts / "member-day-review.png"), full_page=True)

    member = page_for(tech)
    member.goto("/time/day/")
    expect(member.locator("#nav-requests")).to_contain_text("1")
    member.click("#nav-requests")
    request = member.locator("article.request")
    expect(request).to_contain_text("could you help me place 12:00 to 13:00")
    expect(request).to_contain_text("12:00\N{EN DASH}13:00")
    member.screenshot(path=str(artifacts / "requests.png"), full_page=True)
    request.get_by_role("button", name="Admin").click()
    expect(member.locator("#requests")).to_contain_text("No open requests")

    # The reviewer's page, still open, catches up on its own.
    expect(reviewer.locator("#member-day .state")).to_have_text("Resolved", timeout=10_000)
    expect(reviewer.locator("#member-day")).to_contain_text("Resolved itself")
    assert FollowUp.objects.get().state == FollowUpState.RESOLVED
    assert DayReview.objects.get(member=tech).state == ReviewState.RESOLVED


def test_reviewer_marks_every_clean_day_at_once(page_for, tech, lead, team, day):
    from tests.factories import MemberFactory, UserFactory

    ticket = TicketFactory()
    for name in ["Cal", "Dee"]:
        member = MemberFactory(user=UserFactory(username=name.lower(), first_name=name), team=team)
        log_entry(member, ny(9), ny(17), ticket=ticket, notes="Project work")
    page = page_for(lead)
    page.goto("/review/")
    page.click("#mark-all-clean")
    expect(page.locator(".alert[role=status]")).to_contain_text("Marked 2 clean days")
    expect(page.locator("[data-status=clean]")).to_have_count(2)
    expect(page.locator(f"#member-{tech.pk}")).to_contain_text("Pending")
    assert DayReview.objects.filter(state=ReviewState.CLEAN).count() == 2
