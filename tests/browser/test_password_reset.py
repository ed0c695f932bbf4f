"""A forgotten password in a real browser: the reset mail reaches a local SMTP server, its
link sets a new password, and the new password signs in."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, csp_complaint, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium()]

NEW = "a-new-harbour-password-42"


def test_a_reset_mail_arrives_and_its_link_works(chromium, live_server, tech, smtp, settings):
    settings.DAYBOOK_BASE_URL = live_server.url
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    refused: list[str] = []
    context.on(
        "console", lambda message: refused.extend([message.text] * csp_complaint(message.text))
    )
    page = context.new_page()

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email address").fill(tech.user.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("Check your email")).to_be_visible()

    [mail] = smtp.messages
    assert mail["To"] == tech.user.email
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(https?://\S+/accounts/password/reset/\S+/)", body).group(1)
    assert link.startswith(live_server.url)

    page.goto(link)
    passwords = page.locator("input[type=password]")
    passwords.nth(0).fill(NEW)
    passwords.nth(1).fill(NEW)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()

    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Username").fill(tech.user.username)
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    context.close()
    assert not refused, refused
