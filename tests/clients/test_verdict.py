"""The agreement panel's one verdict, in the words the entry services refuse with."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from daybook.clients.choices import AgreementType
from daybook.clients.selectors import agreement_verdict, covered_billable_error
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory

DAY = date(2025, 3, 14)


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def onsite(db):
    return WorkTypeFactory(name="Onsite")


@pytest.fixture
def managed(remote):
    agreement = AgreementFactory(
        name="Care Plus", type=AgreementType.MANAGED, monthly_fee=Decimal("3000")
    )
    agreement.covered_work_types.set([remote])
    return agreement


def test_covered_managed_work_says_no_charge_and_never_billed(managed, remote):
    verdict = agreement_verdict(agreement=managed, work_type=remote, on=DAY)
    assert verdict.ok
    assert verdict.text.startswith("Agreement covers this work: its monthly fee pays for it")
    assert "No Charge" in verdict.text
    assert "cannot be billed on top" in verdict.text
    assert "covered by Care Plus" in covered_billable_error(
        agreement=managed, work_type=remote, on=DAY
    )


def test_work_outside_a_managed_agreement_is_billed_on_top(managed, onsite):
    verdict = agreement_verdict(agreement=managed, work_type=onsite, on=DAY)
    assert not verdict.ok
    assert verdict.text == (
        "Work type not covered by the agreement: Care Plus does not cover Onsite. "
        "It is billed by the hour on top of the monthly fee."
    )
    assert covered_billable_error(agreement=managed, work_type=onsite, on=DAY) is None


def test_internal_time_on_a_ticket_is_never_said_to_be_covered(db):
    admin_time = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    verdict = agreement_verdict(agreement=None, work_type=admin_time, on=DAY)
    assert not verdict.ok
    assert "covers" not in verdict.text
    assert verdict.text.startswith("Admin is internal time")


@pytest.mark.parametrize(
    ("kind", "extra", "words"),
    [
        (AgreementType.TIME_AND_MATERIALS, {}, "charged at the agreement's rates"),
        (
            AgreementType.BLOCK_HOURS,
            {"prepaid_hours": Decimal("10"), "prepaid_amount": Decimal("1000")},
            "drawn from the prepaid block",
        ),
        (
            AgreementType.PROJECT,
            {"prepaid_amount": Decimal("6000"), "estimated_hours": Decimal("40")},
            "part of the project's fixed fee",
        ),
    ],
)
def test_each_agreement_type_says_what_the_work_earns(remote, kind, extra, words):
    agreement = AgreementFactory(type=kind, **extra)
    verdict = agreement_verdict(agreement=agreement, work_type=remote, on=DAY)
    assert verdict.ok
    assert words in verdict.text


def test_no_agreement_and_out_of_dates(remote):
    assert not agreement_verdict(agreement=None, work_type=remote, on=DAY).ok
    ended = AgreementFactory(name="Old plan", end_date=date(2024, 12, 31))
    verdict = agreement_verdict(agreement=ended, work_type=remote, on=DAY)
    assert not verdict.ok
    assert "Old plan does not run on 2025-03-14" in verdict.text


def test_the_entry_form_panel_shows_the_verdict(client, tech, managed, remote):
    ticket = TicketFactory(agreement=managed, company=managed.company)
    client.force_login(tech.user)
    with time_machine.travel(datetime(2025, 3, 14, 15, tzinfo=UTC), tick=False):
        response = client.get(
            reverse("timekeeping:entry_defaults"), {"ticket": ticket.pk, "work_type": remote.pk}
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "its monthly fee pays for it" in body
    assert "none" not in body.split("agreement-check")[0].lower().split("agreement:")[-1]
