"""Finance's re-rate through the CLI (`daybook rerate`) and the API (POST /api/rerate/)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from daybook.catalogue.models import WorkRole
from daybook.catalogue.rates import work_role_rate_on, work_role_rate_set
from daybook.clients.choices import AgreementType
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_log
from tests.api_support import client_for
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

RERATE = "/api/rerate/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(datetime(2025, 3, 14, 21, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def logged(tech, finance):
    """Wednesday's hour at 100.00, then a raise to 120.00 from Monday the 10th."""
    ticket = TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))
    entry = entry_log(
        member=tech,
        ticket=ticket,
        work_type=WorkTypeFactory(name="Remote Support"),
        start=datetime(2025, 3, 12, 9, tzinfo=NEW_YORK),
        end=datetime(2025, 3, 12, 10, tzinfo=NEW_YORK),
        notes="Rebuilt the mailbox rules.",
    )
    work_role_rate_set(
        work_role=tech.default_work_role,
        rate=Decimal("120.00"),
        effective_from=date(2025, 3, 10),
        by=finance,
    )
    return entry


def bill_rate(entry) -> Decimal:
    return TimeEntry.objects.values_list("bill_rate", flat=True).get(pk=entry.pk)


def test_the_cli_rerates_and_names_who_did_it(logged, finance):
    out = StringIO()
    call_command(
        "rerate", "--start", "2025-03-10", "--end", "2025-03-14", "--reason", "Raise",
        "--by", "fin", stdout=out,
    )  # fmt: skip
    assert f"entry {logged.pk} 2025-03-12" in out.getvalue()
    assert "bill 100.00 -> 120.00" in out.getvalue()
    assert "1 changed, 0 already right, 0 locked" in out.getvalue()
    assert bill_rate(logged) == Decimal("120.00")
    record = TimeEntry.history.filter(id=logged.pk).order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason) == (finance.user, "Re-rated: Raise")


def test_the_cli_dry_run_changes_nothing(logged):
    out = StringIO()
    call_command(
        "rerate", "--start", "2025-03-10", "--end", "2025-03-14", "--reason", "Raise",
        "--dry-run", stdout=out,
    )  # fmt: skip
    assert "1 would change" in out.getvalue()
    assert bill_rate(logged) == Decimal("100.00")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start", "10 March", "--end", "2025-03-14"], "--start: give a date"),
        (["--start", "2025-03-14", "--end", "2025-03-10"], "--end: The end (2025-03-10)"),
        (["--start", "2025-03-10", "--end", "2025-03-14", "--member", "nobody"], "no member"),
        (["--start", "2025-03-10", "--end", "2025-03-14", "--agreement", "999"], "no agreement"),
        (["--start", "2025-03-10", "--end", "2025-03-14", "--work-role", "Chef"], "no work role"),
        (["--start", "2025-03-10", "--end", "2025-03-14", "--by", "tess"], "Only Finance"),
    ],
)
def test_the_cli_refuses_bad_input_and_changes_nothing(logged, args, words):
    with pytest.raises(CommandError) as error:
        call_command("rerate", *args, "--reason", "Raise", stdout=StringIO())
    assert words in str(error.value)
    assert bill_rate(logged) == Decimal("100.00")


def test_finance_rerates_over_the_api(logged, finance, tech):
    body = {"start": "2025-03-10", "end": "2025-03-14", "reason": "Raise", "member": tech.pk}
    response = client_for(finance).post(RERATE, body, format="json")
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert (answer["unchanged"], answer["locked"], answer["dry_run"]) == (0, 0, False)
    (change,) = answer["changed"]
    assert (change["entry_id"], change["bill_rate_before"], change["bill_rate_after"]) == (
        logged.pk,
        "100.00",
        "120.00",
    )
    assert bill_rate(logged) == Decimal("120.00")


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_others_are_refused_the_api(request, logged, who):
    body = {"start": "2025-03-10", "end": "2025-03-14", "reason": "Raise"}
    response = client_for(request.getfixturevalue(who)).post(RERATE, body, format="json")
    assert response.status_code == 403
    assert bill_rate(logged) == Decimal("100.00")


def test_anonymous_callers_are_refused(logged):
    body = {"start": "2025-03-10", "end": "2025-03-14", "reason": "Raise"}
    assert client_for(None).post(RERATE, body, format="json").status_code in {401, 403}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2025-03-14", "end": "2025-03-10", "reason": "Raise"}, "end"),
        ({"start": "1800-01-01", "end": "2025-03-10", "reason": "Raise"}, "start"),
        ({"start": "2025-03-10", "end": "2025-03-14", "reason": ""}, "reason"),
        ({"start": "2025-03-10", "end": "2025-03-14", "reason": "x" * 81}, "reason"),
        ({"start": "2025-03-10", "end": "2025-03-14", "reason": "R", "member": 999999}, "member"),
    ],
)
def test_bad_api_input_is_refused_on_its_field(logged, finance, body, field):
    response = client_for(finance).post(RERATE, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert bill_rate(logged) == Decimal("100.00")


def test_a_json_list_is_refused(logged, finance):
    response = client_for(finance).post(RERATE, [1, 2], format="json")
    assert response.status_code == 400


def test_changing_a_work_roles_rate_over_the_api_dates_it_today(admin, tech):
    role = tech.default_work_role
    response = client_for(admin).patch(
        f"/api/work-roles/{role.pk}/", {"rate": "130.00"}, format="json"
    )
    assert response.status_code == 200
    role = WorkRole.objects.get(pk=role.pk)
    assert role.rate == Decimal("130.00")
    assert work_role_rate_on(role, date(2025, 3, 13)) == Decimal("100.00")
    assert work_role_rate_on(role, date(2025, 3, 14)) == Decimal("130.00")
