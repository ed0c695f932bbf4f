"""The entry form in a browser: a ticket found by words from the list the field offers, and a
wrap work type swapped for the ticket's default as soon as the ticket is typed."""

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.timekeeping.models import TimeEntry
from tests.factories import BoardFactory, CompanyFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK), tick=True):
        yield


def test_find_a_ticket_by_words_and_log_to_it(page_for, tech, clock):
    admin = WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    remote = WorkTypeFactory(name="Remote Support")
    board = BoardFactory(name="Help Desk", default_work_type=remote)
    ticket = TicketFactory(
        board=board,
        company=CompanyFactory(name="Harbour Dental"),
        agreement=None,
        summary="Scanner will not send to email",
    )
    page = page_for(tech)
    page.goto("/time/entries/new/?start=2025-03-14T10:00&end=2025-03-14T10:30")
    page.select_option("#id_work_type", str(admin.pk))

    page.fill("#id_ticket", "harbour scanner")
    option = page.locator("#ticket-options option")
    expect(option).to_have_count(1)
    expect(option).to_have_attribute("value", str(ticket.pk))
    # Picking from the list puts the number in the field; leaving the field asks for defaults.
    page.fill("#id_ticket", str(ticket.pk))
    page.locator("#id_ticket").blur()
    expect(page.locator("#id_work_type")).to_have_value(str(remote.pk))

    page.fill("#id_notes", "Re-added the scan-to-email account")
    page.click("#save-entry")
    expect(page.locator(".alert[role=status]")).to_contain_text("Logged 30 min")
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.work_type) == (ticket, remote)
