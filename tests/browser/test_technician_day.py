"""A technician's day in a real browser: start work from a ticket's status, stop with notes
and the next status, see it on My Day, fill a gap with payroll wrap, and a refused save that
keeps the timer running."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from daybook.people.services import schedule_set
from daybook.service.choices import TicketStatus
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import entry_log, work_start
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

# Friday 14 March 2025, 11:40 in New York. The clock keeps ticking from there.
MORNING = datetime(2025, 3, 14, 11, 40, tzinfo=NEW_YORK)


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def setup(tech, clock):
    """A help desk with a default work type, payroll-wrap types and a morning of work."""
    remote = WorkTypeFactory(name="Remote Support")
    WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")
    WorkTypeFactory(name="Training", is_payroll_wrap=True, billable_default="do_not_bill")
    board = BoardFactory(name="Help Desk", default_work_type=remote)
    schedule_set(member=tech, blocks=[(d, time(8), time(16, 30)) for d in range(5)])
    acme = AgreementFactory(company=CompanyFactory(name="Acme Dental"), name="Managed")
    globex = AgreementFactory(company=CompanyFactory(name="Globex Logistics"), name="T&M")
    earlier = TicketFactory(
        board=board, agreement=globex, summary="New starter laptop", opened_at=ny(7)
    )
    ticket = TicketFactory(
        board=board, agreement=acme, summary="Printer offline", opened_at=ny(8), assignee=tech
    )
    with time_machine.travel(ny(9, 32), tick=False):
        entry_log(
            member=tech,
            ticket=earlier,
            work_type=remote,
            start=ny(8),
            end=ny(9, 30),
            notes="Imaged the laptop and enrolled it.",
            by=tech,
        )
    with time_machine.travel(ny(10, 31), tick=False):
        entry_log(
            member=tech,
            ticket=earlier,
            work_type=remote,
            start=ny(9, 50),
            end=ny(10, 30),
            notes="Handed over and walked through sign-in.",
            by=tech,
        )
    return {"ticket": ticket, "remote": remote}


def test_start_from_status_stop_with_notes_and_see_it_on_my_day(
    page_for, tech, setup, clock, artifacts
):
    ticket = setup["ticket"]
    page = page_for(tech)
    page.goto(f"/tickets/{ticket.pk}/")
    page.click("#start-work")
    expect(page.locator("#timer-bar")).to_contain_text(f"#{ticket.pk} Printer offline")
    expect(page.locator("#stop-here")).to_be_visible()
    clock.shift(timedelta(minutes=34))

    page.click("#timer-stop")
    expect(page.locator("h1")).to_have_text("Stop and log")
    expect(page.locator("#id_work_type option:checked")).to_have_text("Remote Support")
    expect(page.locator("#agreement-panel")).to_contain_text("Agreement covers this work")
    notes = page.locator("#id_notes")
    expect(notes).to_be_focused()
    notes.fill("Cleared the stuck job, reinstalled the driver; test page printed.")
    page.check("input[name=next_status][value=resolved]")
    page.screenshot(path=str(artifacts / "entry-form.png"), full_page=True)
    notes.press("Control+Enter")  # saves without the mouse

    expect(page).to_have_url(f"{page.url.split('/time/')[0]}/time/day/")
    expect(page.locator(".items")).to_contain_text(f"#{ticket.pk} Printer offline")
    expect(page.locator("#timer-bar")).to_contain_text("No timer running")
    entry = TimeEntry.objects.get(ticket=ticket)
    assert abs((entry.start - MORNING).total_seconds()) < 10
    assert 33 * 60 < (entry.end - entry.start).total_seconds() < 36 * 60
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    page.screenshot(path=str(artifacts / "my-day.png"), full_page=True)


def test_fill_a_gap_with_payroll_wrap(page_for, tech, setup):
    page = page_for(tech)
    page.goto("/time/day/")
    gap = page.locator(".gap-item", has_text="20 min not logged")
    expect(gap).to_be_visible()
    gap.get_by_role("button", name="Admin").click()
    expect(page.locator(".alert[role=status]")).to_contain_text("Logged 20 min as Admin")
    expect(page.locator(".items .wrap")).to_contain_text("Admin")
    expect(page.locator(".gap-item", has_text="20 min not logged")).to_have_count(0)
    wrap = TimeEntry.objects.get(member=tech, work_type__name="Admin")
    assert (wrap.start, wrap.end, wrap.ticket_id) == (ny(9, 30), ny(9, 50), None)


def test_a_refused_save_keeps_the_timer_running(page_for, tech, setup, clock):
    ticket = setup["ticket"]
    work_start(member=tech, ticket=ticket, at=ny(11, 0))
    page = page_for(tech)
    page.goto("/time/timer/stop/")
    page.fill("#id_notes", "   ")
    page.click("#save-entry")
    expect(page.locator(".errorlist")).to_contain_text("Write what you did")
    expect(page.locator("#timer-bar")).to_contain_text(f"#{ticket.pk} Printer offline")
    clock_text = page.locator("#timer-bar .timer-clock")
    first = clock_text.inner_text()
    assert first.startswith("0:40:")
    page.wait_for_timeout(2500)
    assert clock_text.inner_text() != first  # still ticking
    # The form's own clock agrees with the bar's, whatever the browser's clock says.
    assert page.locator("#entry-form-section time").inner_text()[:5] == first[:5]
    assert Timer.objects.filter(member=tech, ticket=ticket).exists()
    assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_starting_a_second_ticket_offers_to_park_the_first(page_for, tech, setup, clock):
    running = setup["ticket"]
    work_start(member=tech, ticket=running, at=ny(11, 0))
    other = TicketFactory(summary="VPN drops every hour", opened_at=ny(8))
    page = page_for(tech)
    page.goto(f"/tickets/{other.pk}/")
    page.click("#start-work")
    expect(page.locator(".timer-prompt")).to_contain_text("Your timer is still running")
    page.click("#park-and-start")
    expect(page.locator("#timer-bar")).to_contain_text(f"#{other.pk} VPN drops every hour")
    page.goto("/time/day/")
    expect(page.locator(".drafts")).to_contain_text(f"#{running.pk} Printer offline")


LABEL_BOXES = """els => els.map(el => {
  const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


def test_stop_the_timer_with_the_keyboard_alone_on_a_dark_my_day(
    page_for, tech, setup, clock, artifacts
):
    ticket = setup["ticket"]
    # Short pieces around 10:30-11:00: a 17-minute entry between a 5- and an 8-minute gap.
    TimeEntryFactory(member=tech, ticket=ticket, start=ny(10, 35), end=ny(10, 52))
    work_start(member=tech, ticket=ticket, at=ny(11, 0))
    page = page_for(tech, width=1366, height=900)
    page.emulate_media(color_scheme="dark")
    # The live server's first page can be slow on a busy test machine.
    page.set_default_navigation_timeout(30_000)
    page.goto("/time/day/")
    expect(page.locator("#timer-bar")).to_contain_text(f"#{ticket.pk} Printer offline")
    # Short gaps are marks with their minutes in words, never text over the entries.
    marks = page.locator(".tl-marks li")
    expect(marks).to_have_count(2)
    expect(marks.first.locator("[title]")).to_have_attribute(
        "title", "10:30\N{EN DASH}10:35 5 min not logged"
    )
    expect(page.locator(".tl-blocks")).not_to_contain_text("5 min not logged")
    # Blocks with a label are tall enough for it and never overlap one another.
    boxes = page.locator(".tl-block:not(.tl-short) > *").evaluate_all(LABEL_BOXES)
    assert len(boxes) >= 4
    for i, (left, top, right, bottom) in enumerate(boxes):
        assert bottom - top >= 14, boxes[i]
        for other in boxes[i + 1 :]:
            apart = (
                right <= other[0] + 1
                or other[2] <= left + 1
                or bottom <= other[1] + 1
                or other[3] <= top + 1
            )
            assert apart, (boxes[i], other)
    page.screenshot(path=str(artifacts / "my-day-dark.png"), full_page=True)

    # The keyboard alone: Tab to the bar's stop button, Enter, write the notes, Enter on Save.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "timer-stop":
            break
    expect(page.locator("#timer-stop")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Stop and log")
    expect(page.locator("#id_notes")).to_be_focused()
    page.keyboard.type("Swapped the fuser; printed a test page.")
    page.locator("#save-entry").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#timer-bar")).to_contain_text("No timer running")
    assert not Timer.objects.filter(member=tech).exists()
    assert TimeEntry.objects.filter(ticket=ticket, notes__startswith="Swapped").exists()


def test_my_day_fits_a_phone_screen(page_for, tech, setup):
    page = page_for(tech, width=390, height=844)
    page.goto("/time/day/")
    expect(page.locator(".gap-item").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_work_type_and_agreement_fix_refresh_the_check_in_place(page_for, dispatcher, setup):
    remote = setup["remote"]
    WorkTypeFactory(name="Onsite")
    company = CompanyFactory(name="Initech")
    expired = AgreementFactory(company=company, name="Old managed", end_date=date(2025, 1, 31))
    current = AgreementFactory(company=company, name="Managed 2025", type="managed")
    current.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=expired, work_type=remote, summary="Server slow")
    work_start(member=dispatcher, ticket=ticket, at=ny(11, 0))
    page = page_for(dispatcher)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto("/time/timer/stop/")
    page.fill("#id_notes", "Freed disk space on the file server.")
    panel = page.locator("#agreement-panel")
    expect(panel).to_contain_text("Agreement expired or not yet started")
    panel.locator("select[name=agreement]").select_option(
        label="Managed 2025 (Managed (monthly fee))"
    )
    panel.get_by_role("button", name="Use this agreement").click()
    expect(panel).to_contain_text("Agreement covers this work")
    expect(page.locator("#id_billable")).to_have_value("no_charge")
    page.select_option("#id_work_type", label="Onsite")
    expect(panel).to_contain_text("Work type not covered by the agreement")
    expect(page.locator("#id_billable")).to_have_value("billable")
    expect(page.locator("#id_notes")).to_have_value("Freed disk space on the file server.")
    ticket.refresh_from_db()
    assert ticket.agreement == current
    # The ticket page's own panel: the fix swaps in place and no out-of-band swap misses.
    page.goto(f"/tickets/{ticket.pk}/")
    panel.locator("summary").click()
    panel.locator("select[name=agreement]").select_option(value=str(expired.pk))
    panel.get_by_role("button", name="Use this agreement").click()
    expect(panel).to_contain_text("Agreement expired or not yet started")
    assert not [text for text in console_errors if "oobErrorNoTarget" in text], console_errors
