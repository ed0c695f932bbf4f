from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import ApprovalState, EntrySource
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    PhaseFactory,
    TicketFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def ny(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def admin_wrap(db):
    return WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")


@pytest.fixture
def ticket(db):
    return TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))


def log(member, ticket, work_type, start, end, **kwargs):
    return entry_log(
        member=member,
        ticket=ticket,
        work_type=work_type,
        start=start,
        end=end,
        notes=kwargs.pop("notes", "Checked the backups."),
        **kwargs,
    )


def test_entry_log_applies_ticket_agreement_and_stores_rates(tech, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10, 30))
    assert entry.agreement == ticket.agreement
    assert entry.billable == BillableOption.BILLABLE
    assert entry.bill_rate == Decimal("100.00")  # Help Desk standard rate, multiplier 1
    assert entry.cost_rate == Decimal("40.00")
    assert entry.hours == Decimal("1.5")
    assert entry.source == EntrySource.MANUAL


def test_stored_rates_survive_a_later_rate_change(tech, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    tech.cost_rate = Decimal("55.00")
    tech.save()
    tech.default_work_role.rate = Decimal("180.00")
    tech.default_work_role.save()
    entry_edit(entry=entry, by=tech, notes="Checked the backups and the UPS.")
    entry.refresh_from_db()
    assert entry.bill_rate == Decimal("100.00")
    assert entry.cost_rate == Decimal("40.00")


def test_first_time_entry_counts_as_first_response(tech, ticket, remote):
    ticket.opened_at = ny(14, 8)
    ticket.save()
    log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    ticket.refresh_from_db()
    assert ticket.first_response_at == ny(14, 9)


def test_payroll_wrap_has_no_ticket_agreement_or_revenue(tech, admin_wrap):
    entry = log(tech, None, admin_wrap, ny(14, 12), ny(14, 13))
    assert entry.agreement is None
    assert entry.billable == BillableOption.DO_NOT_BILL
    assert entry.bill_rate == Decimal("0.00")


def test_project_phase_time_is_applied_to_project_agreement(tech):
    project_work = WorkTypeFactory(name="Project Work")
    phase = PhaseFactory()
    entry = entry_log(
        member=tech,
        phase=phase,
        work_type=project_work,
        start=ny(14, 9),
        end=ny(14, 11),
        notes="Built the new file server.",
    )
    assert entry.agreement == phase.project.agreement


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": ny(14, 8)}, "end", "after the start"),
        ({"end": ny(14, 9)}, "end", "after the start"),
        ({"start": ny(13, 8), "end": ny(14, 9)}, "end", "at most 24 hours"),
        ({"start": ny(14, 17), "end": ny(14, 18)}, "end", "in the future"),
        ({"start": ny(14, 9).replace(tzinfo=None), "end": ny(14, 10)}, "start", "zone or offset"),
        ({"ticket": None}, "ticket", "needs a ticket or a project phase"),
        ({"billable": "sometimes"}, "billable", "not a billable option"),
        ({"notes": "x" * 10_001}, "notes", "at most 10000"),
        ({"internal_notes": "x" * 10_001}, "internal_notes", "at most 10000"),
    ],
)
def test_entry_log_rejects_bad_input_and_saves_nothing(
    tech, ticket, remote, changes, field, message
):
    args = {
        "member": tech,
        "ticket": ticket,
        "work_type": remote,
        "start": ny(14, 9),
        "end": ny(14, 10),
        "notes": "Reset the password.",
    }
    args.update(changes)
    with pytest.raises(ValidationError) as error:
        entry_log(**args)
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert TimeEntry.objects.count() == 0


def test_ticket_and_phase_together_are_refused(tech, ticket, remote):
    with pytest.raises(ValidationError) as error:
        entry_log(
            member=tech,
            ticket=ticket,
            phase=PhaseFactory(),
            work_type=remote,
            start=ny(14, 9),
            end=ny(14, 10),
        )
    assert "not both" in str(error.value)


def test_wrap_time_cannot_go_on_a_ticket_or_be_billed(tech, ticket, admin_wrap):
    with pytest.raises(ValidationError) as error:
        entry_log(
            member=tech,
            ticket=ticket,
            work_type=admin_wrap,
            start=ny(14, 9),
            end=ny(14, 10),
            billable=BillableOption.BILLABLE,
        )
    assert set(error.value.message_dict) == {"work_type", "billable"}


def test_closed_ticket_refuses_time(tech, ticket, remote):
    ticket.status = TicketStatus.CLOSED
    ticket.save()
    with pytest.raises(ValidationError, match="closed"):
        log(tech, ticket, remote, ny(14, 9), ny(14, 10))


def test_member_without_default_role_must_pick_one(tech, ticket, remote):
    tech.default_work_role = None
    tech.save()
    with pytest.raises(ValidationError) as error:
        log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    assert "work_role" in error.value.message_dict


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (ny(14, 9, 30), ny(14, 10, 30), True),  # starts inside
        (ny(14, 8), ny(14, 9, 15), True),  # ends inside
        (ny(14, 8), ny(14, 11), True),  # covers it
        (ny(14, 9, 15), ny(14, 9, 45), True),  # inside it
        (ny(14, 10), ny(14, 11), False),  # starts as it ends
        (ny(14, 8), ny(14, 9), False),  # ends as it starts
    ],
)
def test_overlap_with_own_entry_is_refused_naming_it(tech, ticket, remote, start, end, overlaps):
    first = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    if overlaps:
        with pytest.raises(ValidationError) as error:
            log(tech, ticket, remote, start, end)
        assert f"entry {first.pk}" in str(error.value)
        assert "09:00-10:00" in str(error.value)  # shown in the member's zone
        assert TimeEntry.objects.count() == 1
    else:
        log(tech, ticket, remote, start, end)
        assert TimeEntry.objects.count() == 2


def test_the_longest_entry_still_clashes_with_time_at_its_very_end(tech, ticket, remote):
    # The overlap check reads only entries starting up to a day before the new one (no entry
    # is longer): one of exactly 24 hours is still found from its last minute.
    whole_day = log(tech, ticket, remote, ny(12, 10), ny(13, 10))
    with pytest.raises(ValidationError) as error:
        log(tech, ticket, remote, ny(13, 9, 59), ny(13, 10, 30))
    assert f"entry {whole_day.pk}" in str(error.value)
    log(tech, ticket, remote, ny(13, 10), ny(13, 10, 30))
    assert TimeEntry.objects.count() == 2


def test_another_members_entry_does_not_overlap(tech, other_team_tech, ticket, remote):
    log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    log(other_team_tech, ticket, remote, ny(14, 9), ny(14, 10))
    assert TimeEntry.objects.count() == 2


def test_update_may_keep_its_own_span_without_overlapping_itself(tech, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    entry_edit(entry=entry, by=tech, end=ny(14, 10, 15))
    entry.refresh_from_db()
    assert entry.end == ny(14, 10, 15)


def test_update_recomputes_rate_when_work_type_changes(tech, ticket, remote):
    after_hours = WorkTypeFactory(name="After Hours", rate_multiplier=Decimal("1.5"))
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    entry_edit(entry=entry, by=tech, work_type=after_hours)
    entry.refresh_from_db()
    assert entry.bill_rate == Decimal("150.00")


def test_update_refuses_unknown_fields(tech, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    with pytest.raises(ValidationError) as error:
        entry_edit(entry=entry, by=tech, bill_rate=Decimal("1"))
    assert "bill_rate" in error.value.message_dict


@pytest.mark.parametrize("state", [ApprovalState.APPROVED, ApprovalState.INVOICED])
def test_approved_and_invoiced_entries_are_locked(tech, ticket, remote, state):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    TimeEntry.objects.filter(pk=entry.pk).update(approval_state=state)
    with pytest.raises(ValidationError, match="can no longer change"):
        entry_edit(entry=entry, by=tech, notes="changed")
    with pytest.raises(ValidationError, match="can no longer change"):
        entry_delete(entry=entry, by=tech)
    entry.refresh_from_db()
    assert entry.notes == "Checked the backups."


def test_closed_period_refuses_new_changed_and_deleted_time(tech, finance, ticket, remote):
    entry = log(tech, ticket, remote, ny(12, 9), ny(12, 10))
    PeriodClose.objects.create(closed_through=date(2025, 3, 12), closed_by=finance)
    with pytest.raises(ValidationError, match="closed"):
        log(tech, ticket, remote, ny(12, 11), ny(12, 12))
    with pytest.raises(ValidationError, match="closed"):
        entry_edit(entry=entry, by=finance, notes="late fix")
    with pytest.raises(ValidationError, match="closed"):
        entry_delete(entry=entry, by=finance)
    # The day after the close is still open.
    log(tech, ticket, remote, ny(13, 9), ny(13, 10))
    assert TimeEntry.objects.count() == 2


def test_closed_period_uses_the_members_local_date(tech, finance, ticket, remote):
    """20:00-21:00 on March 12 in New York is already March 13 in UTC; the close through the
    12th still covers it."""
    PeriodClose.objects.create(closed_through=date(2025, 3, 12), closed_by=finance)
    with pytest.raises(ValidationError, match="closed"):
        log(tech, ticket, remote, ny(12, 20), ny(12, 21))


def test_technician_cannot_write_another_members_time(tech, other_team_tech, ticket, remote):
    with pytest.raises(PermissionDenied):
        log(other_team_tech, ticket, remote, ny(14, 9), ny(14, 10), by=tech)
    entry = log(other_team_tech, ticket, remote, ny(14, 9), ny(14, 10))
    with pytest.raises(PermissionDenied):
        entry_edit(entry=entry, by=tech, notes="not mine")
    with pytest.raises(PermissionDenied):
        entry_delete(entry=entry, by=tech)


def test_manager_sees_but_cannot_rewrite_team_time(tech, lead, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    with pytest.raises(PermissionDenied):
        entry_edit(entry=entry, by=lead, notes="edited by lead")


def test_finance_may_correct_anyones_time(tech, finance, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    entry_edit(entry=entry, by=finance, notes="Corrected after the client call.")
    entry_delete(entry=entry, by=finance)
    assert not TimeEntry.objects.exists()


def test_history_keeps_who_changed_what(tech, ticket, remote):
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10), by=tech)
    entry_edit(entry=entry, by=tech, notes="Also cleared the print queue.")
    new, old = entry.history.all()[:2]
    delta = new.diff_against(old)
    assert [c.field for c in delta.changes] == ["notes"]
    assert delta.changes[0].old == "Checked the backups."
    assert new.history_user == tech.user
    entry_delete(entry=entry, by=tech)
    assert TimeEntry.history.filter(id=entry.pk, history_type="-").exists()


@pytest.mark.parametrize(
    ("agreement_kwargs", "role_rate", "multiplier", "billable", "expected_rate"),
    [
        ({}, None, "1.00", None, "100.00"),  # work role rate
        ({"hourly_rate": Decimal("130")}, None, "1.00", None, "130.00"),  # agreement rate
        ({"hourly_rate": Decimal("130")}, Decimal("150"), "1.00", None, "150.00"),  # role rate
        ({"hourly_rate": Decimal("130")}, Decimal("150"), "1.50", None, "225.00"),  # after hours
        ({}, None, "1.50", BillableOption.NO_CHARGE, "0.00"),
        ({}, None, "1.00", BillableOption.DO_NOT_BILL, "0.00"),
    ],
)
def test_rate_resolution(tech, agreement_kwargs, role_rate, multiplier, billable, expected_rate):
    agreement = AgreementFactory(**agreement_kwargs)
    if role_rate is not None:
        AgreementRateFactory(agreement=agreement, work_role=tech.default_work_role, rate=role_rate)
    work_type = WorkTypeFactory(name=f"Type x{multiplier}", rate_multiplier=Decimal(multiplier))
    entry = log(
        tech,
        TicketFactory(agreement=agreement),
        work_type,
        ny(14, 9),
        ny(14, 10),
        billable=billable,
    )
    assert entry.bill_rate == Decimal(expected_rate)


def test_covered_work_on_managed_agreement_defaults_to_no_charge(tech, remote):
    onsite = WorkTypeFactory(name="Onsite")
    managed = AgreementFactory(type=AgreementType.MANAGED, monthly_fee=Decimal("2000"))
    managed.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=managed)
    covered = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    outside = log(tech, ticket, onsite, ny(14, 10), ny(14, 11))
    assert (covered.billable, covered.bill_rate) == (BillableOption.NO_CHARGE, Decimal("0.00"))
    assert (outside.billable, outside.bill_rate) == (BillableOption.BILLABLE, Decimal("100.00"))


def test_explicit_role_overrides_default(tech, ticket, remote):
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("160"))
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10), work_role=engineer)
    assert (entry.work_role, entry.bill_rate) == (engineer, Decimal("160.00"))


def test_midnight_crossing_entry_is_allowed_and_counts_to_both_days(tech, ticket, remote):
    from daybook.core.time import minutes_by_local_day

    entry = log(tech, ticket, remote, ny(13, 23), ny(14, 1, 30))
    assert minutes_by_local_day(entry.start, entry.end, tech.zone) == {
        date(2025, 3, 13): 60,
        date(2025, 3, 14): 90,
    }


def test_dst_night_entry_has_real_duration(tech, ticket, remote):
    """01:00-04:00 on the US spring-forward night is two hours of work, not three."""
    entry = log(tech, ticket, remote, ny(9, 1), ny(9, 4))
    assert entry.end - entry.start == timedelta(hours=2)


def test_changing_the_role_keeps_the_members_billable_choice(tech, ticket, remote):
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("160"))
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10), billable=BillableOption.DO_NOT_BILL)
    entry_edit(entry=entry, by=tech, work_role=engineer)
    entry.refresh_from_db()
    assert (entry.billable, entry.bill_rate) == (BillableOption.DO_NOT_BILL, Decimal("0.00"))


def test_agreement_coverage_uses_the_members_local_date(tech, remote):
    """21:00 in New York on the agreement's last day is already the next day in UTC; the work
    still falls inside the agreement and is covered."""
    managed = AgreementFactory(
        type=AgreementType.MANAGED, start_date=date(2025, 1, 1), end_date=date(2025, 3, 13)
    )
    managed.covered_work_types.add(remote)
    entry = log(tech, TicketFactory(agreement=managed), remote, ny(13, 20), ny(13, 21))
    assert entry.billable == BillableOption.NO_CHARGE


# --- what follows an entry change -----------------------------------------------------------

recorded_steps: list[tuple[int, list[date]]] = []


def record_step(*, member, days) -> None:
    recorded_steps.append((member.pk, sorted(days)))


def refusing_step(*, member, days) -> None:
    raise ValidationError("A follow-on step refused the change.")


def test_every_entry_write_runs_the_steps_the_setting_lists(settings, tech, ticket, remote):
    settings.DAYBOOK_AFTER_ENTRY_CHANGE = [f"{__name__}.record_step"]
    recorded_steps.clear()
    entry = log(tech, ticket, remote, ny(13, 9), ny(13, 10))
    entry_edit(entry=entry, by=tech, start=ny(14, 9), end=ny(14, 10))
    entry_delete(entry=entry, by=tech)
    thursday, friday = date(2025, 3, 13), date(2025, 3, 14)
    assert recorded_steps == [
        (tech.pk, [thursday]),
        (tech.pk, [thursday, friday]),  # moved: the day it left and the day it reached
        (tech.pk, [friday]),
    ]


def test_a_refusing_follow_on_step_undoes_the_write(settings, tech, ticket, remote):
    settings.DAYBOOK_AFTER_ENTRY_CHANGE = [f"{__name__}.refusing_step"]
    with pytest.raises(ValidationError, match="refused"):
        log(tech, ticket, remote, ny(13, 9), ny(13, 10))
    assert not TimeEntry.objects.exists()


def test_client_work_needs_notes_through_every_service(tech, ticket, remote, admin_wrap):
    with pytest.raises(ValidationError) as error:
        log(tech, ticket, remote, ny(14, 9), ny(14, 10), notes="  ")
    assert "Write what you did" in " ".join(error.value.message_dict["notes"])
    entry = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    with pytest.raises(ValidationError, match="Write what you did"):
        entry_edit(entry=entry, by=tech, notes="")
    internal = log(tech, None, admin_wrap, ny(14, 12), ny(14, 13), notes="")
    assert internal.notes == ""
