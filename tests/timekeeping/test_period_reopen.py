"""Reopening closed days (a close with an earlier date than the one in force) needs a reason,
through the service and the admin alike; closing further never does."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from daybook.timekeeping.approval import period_close
from daybook.timekeeping.models import PeriodClose
from daybook.timekeeping.selectors import closed_through

ADD_URL = reverse("admin:timekeeping_periodclose_add")


@pytest.fixture(autouse=True)
def in_april():
    with time_machine.travel(datetime(2025, 4, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def march_closed(finance):
    with time_machine.travel(datetime(2025, 4, 2, 9, tzinfo=UTC), tick=False):
        return period_close(through=date(2025, 3, 31), by=finance)


def test_closing_further_needs_no_reason(finance, march_closed):
    period_close(through=date(2025, 4, 6), by=finance)
    assert closed_through() == date(2025, 4, 6)


def test_reopening_days_without_a_reason_is_refused_with_the_days_named(finance, march_closed):
    with pytest.raises(ValidationError) as refusal:
        period_close(through=date(2025, 3, 15), by=finance, note="   ")
    assert refusal.value.message_dict["note"] == [
        "This reopens 2025-03-16 to 2025-03-31, closed until now. Say why in the note; it "
        "stays with the close."
    ]
    assert closed_through() == date(2025, 3, 31)


def test_reopening_with_a_reason_keeps_it(finance, march_closed):
    close = period_close(
        through=date(2025, 3, 15), by=finance, note="  Credit note for Acme's second half  "
    )
    assert closed_through() == date(2025, 3, 15)
    assert close.note == "Credit note for Acme's second half"


def test_the_admin_form_refuses_a_reopening_without_a_reason(client, finance, march_closed):
    client.force_login(finance.user)

    response = client.post(ADD_URL, {"closed_through": "2025-03-15", "note": "", "_save": "Save"})

    assert response.status_code == 200
    assert "Say why in the note" in response.context["adminform"].form.errors["note"][0]
    assert PeriodClose.objects.count() == 1

    response = client.post(
        ADD_URL, {"closed_through": "2025-03-15", "note": "Late PTO fix", "_save": "Save"}
    )
    assert response.status_code == 302
    assert closed_through() == date(2025, 3, 15)
