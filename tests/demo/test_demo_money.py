"""The demo keeps the money rules: no Billable time on work a managed agreement covers, and
every fixed-fee project has its estimate."""

from datetime import date

import pytest

from daybook.clients.models import Agreement
from daybook.clients.selectors import covered_billable_error
from daybook.demo.generator import build_demo
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.rates import work_date


@pytest.fixture
def demo(db):
    return build_demo(seed=7, today=date(2025, 11, 20), days=21)


def test_the_demo_never_bills_covered_work_and_gives_fixed_fees_an_estimate(demo):
    billable_on_managed = TimeEntry.objects.filter(
        agreement__type="managed", billable="billable"
    ).select_related("agreement", "work_type", "member")
    for entry in billable_on_managed:
        on = work_date(member=entry.member, start=entry.start)
        error = covered_billable_error(agreement=entry.agreement, work_type=entry.work_type, on=on)
        assert error is None, entry.pk
    fixed_fee = Agreement.objects.filter(type="project", prepaid_amount__isnull=False)
    assert fixed_fee.exists()
    assert not fixed_fee.filter(estimated_hours__isnull=True).exists()
