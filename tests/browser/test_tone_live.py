"""The tone check as the reviewer types, in a real browser: an accusing question is flagged
before anything is sent, the quoted words are marked, and "Use this wording" puts a curious
rewrite in the message box, after which the warning goes away."""

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.review.models import FollowUp
from tests.factories import TicketFactory, WorkTypeFactory
from tests.review.helpers import log_entry
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

HARSH = "Why is there a gap on your calendar?"


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def day(tech, lead):
    """Friday 14 March 2025 in New York, 18:05: Tess logged 09-12 and 13-17."""
    WorkTypeFactory(name="Remote Support")
    ticket = TicketFactory(summary="Printer offline")
    log_entry(tech, ny(9), ny(12), ticket=ticket, notes="Reinstalled the print driver")
    log_entry(tech, ny(13), ny(17), ticket=ticket, notes="Replaced the fuser")
    with time_machine.travel(ny(18, 5), tick=True):
        yield


def test_the_composer_warns_as_the_reviewer_types_and_offers_a_curious_rewrite(
    page_for, tech, lead, day, artifacts
):
    reviewer = page_for(lead)
    reviewer.goto(f"/review/day/{tech.pk}/2025-03-14/")
    url = reviewer.url
    live = reviewer.locator("#tone-live")
    body = reviewer.locator("#id_body")

    body.fill("")
    body.press_sequentially(HARSH)
    expect(live).to_contain_text("may read as blame")
    expect(live.locator("mark")).to_have_text(HARSH)
    assert reviewer.url == url  # nothing was submitted
    assert not FollowUp.objects.exists()
    reviewer.screenshot(path=str(artifacts / "tone-live-warning.png"), full_page=True)

    suggestion = live.locator("[data-use-wording]").get_attribute("data-use-wording")
    assert suggestion
    assert suggestion != HARSH
    live.get_by_role("button", name="Use this wording").click()
    expect(body).to_have_value(suggestion)
    expect(live).not_to_contain_text("may read as blame")
    expect(live.locator("mark")).to_have_count(0)
    assert not FollowUp.objects.exists()
    reviewer.screenshot(path=str(artifacts / "tone-live-rewritten.png"), full_page=True)
