"""Finance closes and reopens periods in the app; My Day shows a closed day without ways to
change it, and every refusal says what is closed, by whom, and who can reopen it."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daybook.timekeeping.approval import period_close, reopen_through
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.selectors import period_in_force
from daybook.timekeeping.services import entry_edit, entry_log
from tests.api_support import client_for as api_client_for
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 4, 10, 12, 0, tzinfo=NEW_YORK)


def ny(month: int, day: int, hour: int) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def entry(tech):
    return entry_log(
        member=tech,
        ticket=TicketFactory(agreement=AgreementFactory()),
        work_type=WorkTypeFactory(name="Remote Support"),
        start=ny(3, 28, 9),
        end=ny(3, 28, 10),
        notes="Patched the file server.",
        by=tech,
    )


@pytest.fixture
def march_closed(finance):
    return period_close(through=date(2025, 3, 31), by=finance)


def test_a_write_into_a_closed_period_says_what_is_closed_and_who_reopens(
    tech, entry, march_closed
):
    with pytest.raises(ValidationError) as refusal:
        entry_edit(entry=entry, by=tech, notes="Later.")
    message = refusal.value.messages[0]
    assert "Time up to 2025-03-31 is closed (closed by Fiona" in message
    assert "Only Finance can reopen it" in message


def test_reopening_needs_a_reason_and_an_earlier_date(finance, march_closed):
    with pytest.raises(ValidationError) as refusal:
        reopen_through(through=date(2025, 3, 15), by=finance, reason="  ")
    assert "Say why the period reopens" in refusal.value.message_dict["note"][0]
    with pytest.raises(ValidationError) as refusal:
        reopen_through(through=date(2025, 4, 2), by=finance, reason="Typo")
    assert "keep an earlier date closed" in refusal.value.message_dict["closed_through"][0]
    assert PeriodClose.objects.count() == 1
    reopen_through(through=date(2025, 3, 15), by=finance, reason="Credit note for Acme")
    assert period_in_force().note == "Credit note for Acme"


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_only_finance_closes_or_reopens(request, who, march_closed):
    member = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        period_close(through=date(2025, 4, 5), by=member)
    with pytest.raises(PermissionDenied):
        reopen_through(through=date(2025, 3, 1), by=member, reason="Because")
    assert PeriodClose.objects.count() == 1


def test_finance_closes_on_the_page_and_the_history_lists_it(client, finance):
    client.force_login(finance.user)
    response = client.post(
        reverse("timekeeping:periods"),
        {"action": "close", "close-closed_through": "2025-03-31", "close-note": "Q1 done"},
    )
    assert response.status_code == 302
    page = client.get(reverse("timekeeping:periods")).content.decode()
    assert "Closed through 2025-03-31" in page
    assert "Q1 done" in page

    response = client.post(
        reverse("timekeeping:periods"),
        {"action": "reopen", "reopen-closed_through": "2025-03-15", "reopen-note": "Acme credit"},
    )
    assert response.status_code == 302
    page = client.get(reverse("timekeeping:periods")).content.decode()
    assert "Reopened after 2025-03-15 (was closed through 2025-03-31)" in page
    assert "Acme credit" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "close", "close-closed_through": "31/03/2025"}, "Give the date as YYYY-MM-DD."),
        ({"action": "close", "close-closed_through": "2025-05-01"}, "Only days that are over"),
        ({"action": "close", "close-closed_through": "1800-01-01"}, "1970"),
        (
            {"action": "reopen", "reopen-closed_through": "2025-03-01", "reopen-note": ""},
            "Say why the period reopens",
        ),
    ],
)
def test_bad_input_on_the_periods_page_changes_nothing(
    client, finance, march_closed, data, message
):
    client.force_login(finance.user)
    response = client.post(reverse("timekeeping:periods"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PeriodClose.objects.count() == 1


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_the_periods_page_refuses_everyone_but_finance(client, request, who):
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(reverse("timekeeping:periods")).status_code == 403
    response = client.post(
        reverse("timekeeping:periods"), {"action": "close", "close-closed_through": "2025-03-31"}
    )
    assert response.status_code == 403
    assert not PeriodClose.objects.exists()


def test_my_day_shows_a_closed_day_without_edit_or_log_buttons(client, tech, entry, march_closed):
    client.force_login(tech.user)
    html = client.get(reverse("timekeeping:my_day_on", args=[date(2025, 3, 28)])).content.decode()
    assert "Time up to 2025-03-31 is closed" in html
    assert reverse("timekeeping:entry_edit", args=[entry.pk]) not in html
    assert "Log time here" not in html
    assert reverse("timekeeping:entry_new") + '" accesskey' not in html
    open_day = client.get(
        reverse("timekeeping:my_day_on", args=[date(2025, 4, 8)])
    ).content.decode()
    assert "Log time here" in open_day
    assert "is closed" not in open_day


# --- API ------------------------------------------------------------------------------------

CLOSES = "/api/period-closes/"


def test_api_close_reopen_and_list(finance):
    client = api_client_for(finance)
    assert client.post(CLOSES, {"closed_through": "2025-03-31"}, format="json").status_code == 201
    response = client.post(
        f"{CLOSES}reopen/", {"closed_through": "2025-03-15", "reason": ""}, format="json"
    )
    assert response.status_code == 400
    response = client.post(
        f"{CLOSES}reopen/", {"closed_through": "2025-03-15", "reason": "Acme credit"}, format="json"
    )
    assert response.status_code == 201
    rows = client.get(CLOSES).json()["results"]
    assert [(r["closed_through"], r["note"]) for r in rows] == [
        ("2025-03-15", "Acme credit"),
        ("2025-03-31", ""),
    ]


def test_api_bad_dates_are_refused(finance):
    client = api_client_for(finance)
    for bad in ("2025-02-30", "tomorrow", "2025-12-31"):
        assert client.post(CLOSES, {"closed_through": bad}, format="json").status_code == 400
    assert not PeriodClose.objects.exists()


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_api_refuses_closing_to_all_but_finance(request, who):
    client = api_client_for(request.getfixturevalue(who))
    assert client.get(CLOSES).status_code == 403
    assert client.post(CLOSES, {"closed_through": "2025-03-31"}, format="json").status_code == 403
    response = client.post(
        f"{CLOSES}reopen/", {"closed_through": "2025-03-01", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not PeriodClose.objects.exists()
    assert TimeEntry.objects.count() == 0
