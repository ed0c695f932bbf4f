"""Suggestions on My Day in a real browser: the panel arrives after the page, Use opens the
entry form filled in, saving fills the gap with an entry marked as from a suggestion, and
Dismiss takes one away."""

from datetime import datetime, time

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.people.services import schedule_set
from daybook.service.choices import TicketStatus
from daybook.service.models import TicketNote, TicketStatusChange
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import SuggestionDismissal, TimeEntry
from daybook.timekeeping.services import entry_log
from tests.factories import BoardFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

# Friday 14 March 2025, 11:40 in New York.
MORNING = datetime(2025, 3, 14, 11, 40, tzinfo=NEW_YORK)


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def setup(tech):
    """A morning like the demo's: work on a laptop 08:00-09:00 and 10:00-10:30; in between,
    nothing logged, but the technician moved a mailbox ticket on and wrote a note on it."""
    with time_machine.travel(MORNING, tick=True):
        remote = WorkTypeFactory(name="Remote Support")
        board = BoardFactory(name="Help Desk", default_work_type=remote)
        schedule_set(member=tech, blocks=[(d, time(8), time(16, 30)) for d in range(5)])
        laptop = TicketFactory(board=board, summary="New starter laptop", opened_at=ny(7))
        mailbox = TicketFactory(board=board, summary="Mailbox full", opened_at=ny(7, 30))
        for start, end in ((ny(8), ny(9)), (ny(10), ny(10, 30))):
            with time_machine.travel(end, tick=False):
                entry_log(
                    member=tech,
                    ticket=laptop,
                    work_type=remote,
                    start=start,
                    end=end,
                    notes="Imaged and enrolled the laptop.",
                    by=tech,
                )
        TicketStatusChange.objects.create(
            ticket=mailbox,
            from_status=TicketStatus.IN_PROGRESS,
            to_status=TicketStatus.WAITING_CLIENT,
            at=ny(9, 12),
            by=tech,
        )
        TicketNote.objects.create(
            ticket=mailbox, author=tech, text="Asked for the archive.", created_at=ny(9, 40)
        )
        yield {"laptop": laptop, "mailbox": mailbox}


def test_use_a_suggestion_to_fill_a_gap(page_for, tech, setup, artifacts):
    mailbox = setup["mailbox"]
    with time_machine.travel(MORNING, tick=True):
        page = page_for(tech)
        page.set_default_navigation_timeout(30_000)
        page.goto("/time/day/")
        offer = page.locator("#day-suggestions .suggestion", has_text=f"#{mailbox.pk}")
        expect(offer).to_contain_text(
            f"You set #{mailbox.pk} to Waiting Client at 09:12 and wrote an internal note on "
            f"#{mailbox.pk} at 09:40."
        )
        page.screenshot(path=str(artifacts / "my-day-suggestions.png"), full_page=True)
        offer.get_by_role("link", name="Use").click()

        expect(page.locator("h1")).to_have_text("Log time")
        expect(page.locator("#from-suggestion")).to_contain_text("wrote an internal note")
        expect(page.locator("#id_ticket")).to_have_value(str(mailbox.pk))
        expect(page.locator("#id_start")).to_have_value("2025-03-14T09:00")
        expect(page.locator("#id_end")).to_have_value("2025-03-14T10:00")
        page.fill("#id_notes", "Cleared old mail and asked the user for the archive.")
        page.click("#save-entry")

        expect(page.locator(".items")).to_contain_text(f"#{mailbox.pk} Mailbox full")
        expect(page.locator(".items .item", has_text="Mailbox full")).to_contain_text(
            "filled in from a suggestion"
        )
        expect(page.locator(".gap-item", has_text="09:00")).to_have_count(0)
    entry = TimeEntry.objects.get(ticket=mailbox)
    assert (entry.start, entry.end, entry.source) == (ny(9), ny(10), EntrySource.SUGGESTION)


def test_dismiss_takes_a_suggestion_away(page_for, tech, setup):
    laptop = setup["laptop"]
    with time_machine.travel(MORNING, tick=True):
        page = page_for(tech)
        page.set_default_navigation_timeout(30_000)
        page.goto("/time/day/")
        # The laptop entry ends right where the late-morning gap begins.
        later = page.locator(".gap-suggestions", has_text="10:30")
        offer = later.locator(".suggestion", has_text=f"#{laptop.pk}")
        expect(offer).to_contain_text("ends at 10:30, right by this gap")
        offer.get_by_role("button", name="Dismiss").click()
        expect(page.locator(".gap-suggestions", has_text="10:30")).to_have_count(0)
        # The other gap's suggestions stay.
        expect(page.locator("#day-suggestions")).to_contain_text("Waiting Client at 09:12")
        page.reload()
        expect(page.locator("#day-suggestions")).to_contain_text("Waiting Client at 09:12")
        expect(page.locator(".gap-suggestions", has_text="10:30")).to_have_count(0)
    assert SuggestionDismissal.objects.filter(member=tech).count() == 1
