"""Dispatch in a real browser: a dispatcher opens a ticket (its agreement picked by itself,
the pick shown as the client is chosen), assigns it to a technician, and the technician opens
it and starts work with the timer running."""

from datetime import date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.clients.choices import AgreementType
from daybook.service.models import Ticket
from daybook.timekeeping.models import Timer
from tests.factories import AgreementFactory, BoardFactory, CompanyFactory, WorkTypeFactory
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

MORNING = datetime(2025, 3, 14, 9, 15, tzinfo=NEW_YORK)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=True) as traveller:
        yield traveller


def test_dispatcher_opens_and_assigns_a_ticket_and_the_tech_starts_work(
    page_for, clock, dispatcher, tech
):
    remote = WorkTypeFactory(name="Remote Support")
    BoardFactory(name="Help Desk", default_work_type=remote)
    acme = CompanyFactory(name="Acme Dental")
    managed = AgreementFactory(company=acme, name="Managed", type=AgreementType.MANAGED)
    AgreementFactory(company=acme, name="Old plan", end_date=date(2024, 12, 31))

    page = page_for(dispatcher)
    # The first page a fresh server serves can be slow on a busy machine.
    page.goto("/tickets/board/", timeout=30_000)
    page.locator("#new-ticket").click()
    # The client select asks for its agreements through htmx, which binds at page load:
    # choosing before then sends nothing.
    page.wait_for_url("**/tickets/new/", wait_until="load")
    page.get_by_label("Client").select_option(label="Acme Dental")
    expect(page.locator("#agreement-pick")).to_contain_text(
        "Managed is Acme Dental's only active agreement"
    )
    page.get_by_label("Board").select_option(label="Help Desk")
    expect(page.locator(".agreement-check")).to_contain_text("Agreement covers this work")
    page.get_by_label("Summary").fill("Front desk printer offline")
    page.get_by_role("button", name="Open the ticket").click()
    expect(page.get_by_text("it uses Managed")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.agreement == managed

    page.get_by_label("Assign to").select_option(label="Tess Tester")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#ticket-assignee")).to_have_text("Tess Tester")

    tab = page_for(tech)
    tab.goto(f"/tickets/{ticket.pk}/", timeout=30_000)
    tab.locator("#start-work").click()
    expect(tab.get_by_text("Your timer is running here")).to_be_visible()
    assert Timer.objects.get(member=tech).ticket_id == ticket.pk
