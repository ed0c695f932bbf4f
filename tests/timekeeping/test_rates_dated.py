"""Dated rates on entries, covered work on managed agreements, and Finance's re-rate.

Worked by hand in New York (EDT from Sunday 9 March 2025). Help Desk bills 100.00 an hour
until a raise to 120.00 from Monday 10 March; Tess costs 40.00 until 45.00 from the same day.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.rates import work_role_rate_set
from daybook.clients.choices import AgreementType
from daybook.clients.rates import agreement_rate_set
from daybook.people.rates import member_cost_rate_set
from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import ApprovalState
from daybook.timekeeping.models import PeriodClose, TimeEntry, Timer
from daybook.timekeeping.services import (
    entries_rerate,
    entry_edit,
    entry_log,
    timer_start,
    timer_stop,
)
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York
RAISE = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def onsite(db):
    return WorkTypeFactory(name="Onsite")


@pytest.fixture
def tm_ticket(db):
    return TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))


@pytest.fixture
def managed_ticket(remote):
    agreement = AgreementFactory(
        name="Managed Gold", type=AgreementType.MANAGED, monthly_fee=Decimal("2000")
    )
    agreement.covered_work_types.set([remote])
    return TicketFactory(agreement=agreement)


@pytest.fixture
def raised(finance, tech):
    work_role_rate_set(
        work_role=tech.default_work_role, rate=Decimal("120.00"), effective_from=RAISE, by=finance
    )
    member_cost_rate_set(member=tech, rate=Decimal("45.00"), effective_from=RAISE, by=finance)
    tech.refresh_from_db()


def log(member, ticket, work_type, start, end, **kwargs):
    kwargs.setdefault("notes", "Replaced the failing drive and checked the array.")
    return entry_log(
        member=member, ticket=ticket, work_type=work_type, start=start, end=end, **kwargs
    )


def money(entry: TimeEntry) -> tuple[Decimal, Decimal]:
    """What the entry earns and costs, to the cent."""
    return (
        (entry.hours * entry.bill_rate).quantize(Decimal("0.01")),
        (entry.hours * entry.cost_rate).quantize(Decimal("0.01")),
    )


def test_a_rate_dated_mid_month_prices_each_side_of_its_date(raised, tech, tm_ticket, remote):
    before = log(tech, tm_ticket, remote, ny(7, 9), ny(7, 11))  # Friday 7th, 2 h
    after = log(tech, tm_ticket, remote, ny(10, 9), ny(10, 10, 30))  # Monday 10th, 1.5 h
    assert (before.bill_rate, before.cost_rate) == (Decimal("100.00"), Decimal("40.00"))
    assert money(before) == (Decimal("200.00"), Decimal("80.00"))
    assert (after.bill_rate, after.cost_rate) == (Decimal("120.00"), Decimal("45.00"))
    assert money(after) == (Decimal("180.00"), Decimal("67.50"))


def test_the_work_date_is_the_members_local_date_not_utc(raised, tech, tm_ticket, remote):
    # Sunday 9th 22:00-23:30 in New York is already Monday 10th in UTC: the old rates apply.
    late = log(tech, tm_ticket, remote, ny(9, 22), ny(9, 23, 30))
    assert late.start.astimezone(UTC).date() == RAISE
    assert (late.bill_rate, late.cost_rate) == (Decimal("100.00"), Decimal("40.00"))


def test_a_dated_agreement_rate_beats_the_raise_from_its_own_date(
    raised, finance, tech, tm_ticket, remote
):
    agreement_rate_set(
        agreement=tm_ticket.agreement,
        work_role=tech.default_work_role,
        rate=Decimal("150.00"),
        effective_from=date(2025, 3, 12),
        by=finance,
    )
    eleventh = log(tech, tm_ticket, remote, ny(11, 9), ny(11, 10))
    twelfth = log(tech, tm_ticket, remote, ny(12, 9), ny(12, 10))
    assert eleventh.bill_rate == Decimal("120.00")
    assert twelfth.bill_rate == Decimal("150.00")


def test_moving_an_entry_to_another_day_takes_that_days_rates(raised, tech, tm_ticket, remote):
    entry = log(tech, tm_ticket, remote, ny(10, 9), ny(10, 10))
    entry_edit(entry=entry, by=tech, start=ny(7, 9), end=ny(7, 10))
    entry.refresh_from_db()
    assert (entry.bill_rate, entry.cost_rate) == (Decimal("100.00"), Decimal("40.00"))


def test_a_notes_edit_keeps_the_stored_rates_after_a_late_raise(finance, tech, tm_ticket, remote):
    entry = log(tech, tm_ticket, remote, ny(11, 9), ny(11, 10))
    work_role_rate_set(
        work_role=tech.default_work_role, rate=Decimal("120.00"), effective_from=RAISE, by=finance
    )
    entry_edit(entry=entry, by=tech, notes="Replaced the drive; the array rebuilt overnight.")
    entry.refresh_from_db()
    assert entry.bill_rate == Decimal("100.00")


# --- a raise entered late, and Finance's re-rate -------------------------------------------


@pytest.fixture
def week_before_raise_was_entered(tech, tm_ticket, remote, finance):
    """Monday to Thursday logged at the old rates; Monday then approved, and the period
    closed through Tuesday; the raise from Monday is entered on Friday."""
    entries = {
        day: log(tech, tm_ticket, remote, ny(day, 9), ny(day, 11)) for day in (10, 11, 12, 13)
    }
    TimeEntry.objects.filter(pk=entries[12].pk).update(approval_state=ApprovalState.APPROVED)
    PeriodClose.objects.create(closed_through=date(2025, 3, 11), closed_by=finance)
    work_role_rate_set(
        work_role=tech.default_work_role, rate=Decimal("120.00"), effective_from=RAISE, by=finance
    )
    member_cost_rate_set(member=tech, rate=Decimal("45.00"), effective_from=RAISE, by=finance)
    return entries


def stored(entries: dict[int, TimeEntry]) -> dict[int, tuple[Decimal, Decimal]]:
    return {
        day: tuple(TimeEntry.objects.values_list("bill_rate", "cost_rate").get(pk=entry.pk))
        for day, entry in entries.items()
    }


def test_a_late_raise_changes_no_saved_entry_by_itself(week_before_raise_was_entered):
    assert set(stored(week_before_raise_was_entered).values()) == {
        (Decimal("100.00"), Decimal("40.00"))
    }


def test_rerate_changes_open_entries_only_and_records_why(
    week_before_raise_was_entered, finance, tech
):
    entries = week_before_raise_was_entered
    result = entries_rerate(
        by=finance,
        start=date(2025, 3, 1),
        end=date(2025, 3, 31),
        member=tech,
        reason="Help Desk raise from 10 March",
    )
    assert [change.entry_id for change in result.changed] == [entries[13].pk]
    assert (result.locked, result.unchanged) == (3, 0)  # two closed days, one approved
    old = (Decimal("100.00"), Decimal("40.00"))
    assert stored(entries) == {
        10: old,
        11: old,
        12: old,
        13: (Decimal("120.00"), Decimal("45.00")),
    }
    record = TimeEntry.history.filter(id=entries[13].pk).order_by("-history_id").first()
    assert record.history_change_reason == "Re-rated: Help Desk raise from 10 March"
    assert record.history_user == finance.user


def test_rerate_dry_run_saves_nothing(week_before_raise_was_entered, finance):
    result = entries_rerate(
        by=finance, start=RAISE, end=date(2025, 3, 14), reason="Check first", dry_run=True
    )
    assert len(result.changed) == 1
    assert result.changed[0].bill_rate_after == Decimal("120.00")
    assert TimeEntry.objects.filter(bill_rate=Decimal("120.00")).count() == 0


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_only_finance_and_admin_rerate(request, week_before_raise_was_entered, who):
    with pytest.raises(PermissionDenied):
        entries_rerate(by=request.getfixturevalue(who), start=RAISE, end=RAISE, reason="Raise")
    assert TimeEntry.objects.filter(bill_rate=Decimal("120.00")).count() == 0


@pytest.mark.parametrize(
    ("start", "end", "reason", "field", "words"),
    [
        (date(2025, 3, 14), date(2025, 3, 1), "Raise", "end", "before the start"),
        (date(2024, 1, 1), date(2025, 3, 1), "Raise", "end", "at most 366 days"),
        (date(1900, 1, 1), date(1900, 1, 2), "Raise", "start", "1970-01-01"),
        ("2025-03-01", date(2025, 3, 2), "Raise", "start", "YYYY-MM-DD"),
        (date(2025, 3, 1), date(2025, 3, 2), "  ", "reason", "Say why"),
        (date(2025, 3, 1), date(2025, 3, 2), "x" * 81, "reason", "80 characters"),
    ],
)
def test_rerate_refuses_bad_input_with_a_sentence(
    week_before_raise_was_entered, finance, start, end, reason, field, words
):
    with pytest.raises(ValidationError) as error:
        entries_rerate(by=finance, start=start, end=end, reason=reason)
    assert words in error.value.message_dict[field][0]


# --- covered work on a managed agreement ----------------------------------------------------


def test_covered_work_defaults_to_no_charge(tech, managed_ticket, remote):
    entry = log(tech, managed_ticket, remote, ny(14, 9), ny(14, 10))
    assert (entry.billable, entry.bill_rate) == (BillableOption.NO_CHARGE, Decimal("0.00"))


def test_explicit_billable_on_covered_work_is_refused_with_what_to_choose(
    tech, managed_ticket, remote
):
    with pytest.raises(ValidationError) as error:
        log(tech, managed_ticket, remote, ny(14, 9), ny(14, 10), billable="billable")
    message = error.value.message_dict["billable"][0]
    assert "covered by Managed Gold" in message
    assert "No Charge" in message
    assert "work type the agreement does not cover" in message
    assert not TimeEntry.objects.exists()


def test_billable_work_outside_the_coverage_is_charged(tech, managed_ticket, onsite):
    entry = log(tech, managed_ticket, onsite, ny(14, 9), ny(14, 10), billable="billable")
    assert (entry.billable, entry.bill_rate) == (BillableOption.BILLABLE, Decimal("100.00"))


def test_editing_covered_work_to_billable_is_refused(tech, managed_ticket, remote):
    entry = log(tech, managed_ticket, remote, ny(14, 9), ny(14, 10))
    with pytest.raises(ValidationError) as error:
        entry_edit(entry=entry, by=tech, billable="billable")
    assert "covered by Managed Gold" in error.value.message_dict["billable"][0]
    entry.refresh_from_db()
    assert entry.billable == BillableOption.NO_CHARGE


def test_timer_stop_as_billable_on_covered_work_is_refused_and_keeps_running(
    tech, managed_ticket, remote
):
    timer_start(member=tech, ticket=managed_ticket, at=ny(14, 16))
    with pytest.raises(ValidationError) as error:
        timer_stop(member=tech, work_type=remote, billable="billable", notes="Patched the server.")
    assert "covered by Managed Gold" in error.value.message_dict["billable"][0]
    assert Timer.objects.filter(member=tech).exists()
    assert not TimeEntry.objects.exists()


def test_the_entry_form_refuses_covered_billable(client, tech, managed_ticket, remote):
    client.force_login(tech.user)
    response = client.post(
        reverse("timekeeping:entry_new"),
        {
            "ticket": managed_ticket.pk,
            "start": "2025-03-14T09:00",
            "end": "2025-03-14T10:00",
            "work_type": remote.pk,
            "work_role": tech.default_work_role.pk,
            "billable": "billable",
            "notes": "Patched the server.",
            "internal_notes": "",
            "next_status": TicketStatus.RESOLVED,
        },
    )
    assert response.status_code == 422
    assert "covered by Managed Gold" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_the_api_refuses_covered_billable(client, tech, managed_ticket, remote):
    client.force_login(tech.user)
    response = client.post(
        "/api/time-entries/",
        {
            "ticket": managed_ticket.pk,
            "start": "2025-03-14T09:00:00-04:00",
            "end": "2025-03-14T10:00:00-04:00",
            "work_type": remote.pk,
            "billable": "billable",
            "notes": "Patched the server.",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "covered by Managed Gold" in str(response.json())
    assert not TimeEntry.objects.exists()
