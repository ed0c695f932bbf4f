from datetime import date

import pytest

from daybook.catalogue.choices import AgreementCheck
from daybook.clients.choices import AgreementType
from daybook.clients.selectors import agreement_check
from tests.factories import AgreementFactory, WorkTypeFactory


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def onsite(db):
    return WorkTypeFactory(name="Onsite")


@pytest.fixture
def managed(remote):
    agreement = AgreementFactory(
        type=AgreementType.MANAGED, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31)
    )
    agreement.covered_work_types.add(remote)
    return agreement


@pytest.mark.parametrize(
    ("on", "work_type", "expected"),
    [
        (date(2025, 6, 1), "remote", AgreementCheck.OK),
        (date(2025, 1, 1), "remote", AgreementCheck.OK),  # first day counts
        (date(2025, 12, 31), "remote", AgreementCheck.OK),  # last day counts
        (date(2024, 12, 31), "remote", AgreementCheck.OUT_OF_DATES),  # not started
        (date(2026, 1, 1), "remote", AgreementCheck.OUT_OF_DATES),  # expired
        (date(2025, 6, 1), "onsite", AgreementCheck.NOT_COVERED),
    ],
)
def test_agreement_check(managed, remote, onsite, on, work_type, expected):
    chosen = {"remote": remote, "onsite": onsite}[work_type]
    assert agreement_check(agreement=managed, work_type=chosen, on=on) == expected


def test_no_agreement(remote):
    assert agreement_check(agreement=None, work_type=remote, on=date(2025, 6, 1)) == (
        AgreementCheck.NO_AGREEMENT
    )


def test_agreement_without_listed_work_types_covers_all_client_work(onsite):
    agreement = AgreementFactory(type=AgreementType.TIME_AND_MATERIALS)
    assert agreement_check(agreement=agreement, work_type=onsite, on=date(2025, 6, 1)) == (
        AgreementCheck.OK
    )


def test_internal_time_needs_no_agreement(db):
    wrap = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    assert agreement_check(agreement=None, work_type=wrap, on=date(2025, 6, 1)) == AgreementCheck.OK
