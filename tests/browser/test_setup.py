"""Setting up in a real browser, without the Django admin: an administrator adds a client
with a managed agreement (covered work and a role rate), then invites a member and gives
them a split-shift schedule with the weekly grid."""

from datetime import time
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from daybook.clients.models import Agreement
from daybook.people.models import Member
from tests.factories import WorkRoleFactory, WorkTypeFactory

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]


def test_admin_sets_up_a_client_and_a_member_without_the_admin(page_for, admin, team, artifacts):
    WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    WorkTypeFactory(name="Remote Support")
    page = page_for(admin)
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    page.goto("/setup/")
    expect(page.locator("#setup-checklist")).to_contain_text("Add a client company")
    page.get_by_role("link", name="Companies and contacts").click()
    page.get_by_role("link", name="New company").click()
    page.get_by_label("Name", exact=True).fill("Northwind Traders")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert[role=status]")).to_contain_text("Added Northwind Traders")

    page.get_by_role("link", name="New agreement").click()
    page.get_by_label("Name", exact=True).fill("Managed services")
    page.get_by_label("Type").select_option(label="Managed (monthly fee)")
    page.get_by_label("Start date").fill("2025-01-01")
    page.get_by_label("Monthly fee").fill("2500")
    page.get_by_label("Remote Support").check()
    page.locator("[name=rates-0-work_role]").select_option(label="Systems Engineer")
    page.locator("[name=rates-0-rate]").fill("135")
    page.get_by_role("button", name="Save the agreement").click()
    expect(page.locator("#agreements")).to_contain_text("Managed services")
    page.screenshot(path=str(artifacts / "setup-company.png"), full_page=True)

    agreement = Agreement.objects.get(company__name="Northwind Traders")
    assert agreement.monthly_fee == Decimal("2500")
    assert [wt.name for wt in agreement.covered_work_types.all()] == ["Remote Support"]
    assert [(r.work_role.name, r.rate) for r in agreement.role_rates.all()] == [
        ("Systems Engineer", Decimal("135.00"))
    ]

    page.goto("/setup/")
    page.get_by_role("link", name="Members and schedules").click()
    page.get_by_role("link", name="Invite a member").click()
    page.get_by_label("Email", exact=True).fill("sam@example.test")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Role", exact=True).select_option("Technician")
    page.get_by_label("Team", exact=True).select_option(label="Service Desk")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Cost rate (per hour)").fill("45")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".alert[role=status]")).to_contain_text("Invited Sam")

    monday = page.locator("#day-0")
    monday.locator("input[type=time]").nth(0).fill("08:00")
    monday.locator("input[type=time]").nth(1).fill("12:00")
    monday.get_by_role("button", name="Add a window on Monday").click()
    monday = page.locator("#day-0")
    expect(monday.locator("input[type=time]")).to_have_count(4)
    monday.locator("input[type=time]").nth(2).fill("13:00")
    monday.locator("input[type=time]").nth(3).fill("17:00")
    tuesday = page.locator("#day-1")
    tuesday.locator("input[type=time]").nth(0).fill("09:00")
    tuesday.locator("input[type=time]").nth(1).fill("17:00")
    page.screenshot(path=str(artifacts / "setup-schedule.png"), full_page=True)
    page.locator("#save-schedule").click()
    expect(page.locator(".alert[role=status]")).to_contain_text("Saved Sam")

    member = Member.objects.get(user__email="sam@example.test")
    assert member.time_zone == "Europe/Berlin"
    assert member.team == team
    assert [(b.weekday, b.start, b.end) for b in member.schedule.all()] == [
        (0, time(8), time(12)),
        (0, time(13), time(17)),
        (1, time(9), time(17)),
    ]
    assert mail.outbox[0].to == ["sam@example.test"]
    assert not [url for url in visited if "/admin/" in url]
