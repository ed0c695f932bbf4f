"""The database itself refuses rows that break absolute rules, whatever door they come through."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from daybook.catalogue.models import WorkRole, WorkType
from daybook.people.models import ScheduleBlock
from daybook.timekeeping.models import ReviewPolicy, Timer
from tests.factories import AgreementFactory, PhaseFactory, TicketFactory, TimeEntryFactory

START = datetime(2025, 3, 14, 14, tzinfo=UTC)


def refused(**kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(**kwargs)


@pytest.mark.django_db
def test_entry_must_end_after_it_starts():
    refused(start=START, end=START)
    refused(start=START, end=START - timedelta(minutes=1))


@pytest.mark.django_db
def test_entry_rates_cannot_be_negative():
    refused(start=START, end=START + timedelta(hours=1), bill_rate=Decimal("-1"))
    refused(start=START, end=START + timedelta(hours=1), cost_rate=Decimal("-0.01"))


@pytest.mark.django_db
def test_entry_cannot_be_on_a_ticket_and_a_phase():
    refused(
        start=START, end=START + timedelta(hours=1), ticket=TicketFactory(), phase=PhaseFactory()
    )


def test_only_one_timer_per_member(tech):
    Timer.objects.create(member=tech, started_at=START, ticket=TicketFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Timer.objects.create(member=tech, started_at=START + timedelta(minutes=5))
    assert Timer.objects.filter(member=tech).count() == 1


@pytest.mark.django_db
def test_work_role_rate_and_multiplier_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkRole.objects.create(name="Negative", rate=Decimal("-5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkType.objects.create(name="Negative", rate_multiplier=Decimal("-1"))


@pytest.mark.django_db
def test_time_off_must_be_payroll_wrap():
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkType.objects.create(name="PTO", is_time_off=True, is_payroll_wrap=False)


def test_member_hours_and_cost_are_bounded(tech):
    from daybook.people.models import Member

    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=tech.pk).update(expected_hours_per_day=Decimal("25"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=tech.pk).update(cost_rate=Decimal("-1"))


def test_schedule_window_must_end_after_start(tech):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleBlock.objects.create(member=tech, weekday=0, start=time(17), end=time(9))


@pytest.mark.django_db
def test_agreement_cannot_end_before_it_starts_or_hold_negative_amounts():
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementFactory(start_date=date(2025, 2, 1), end_date=date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementFactory(monthly_fee=Decimal("-100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementFactory(prepaid_hours=Decimal("-1"))


@pytest.mark.django_db
def test_constraint_refusals_read_as_sentences():
    work_type = WorkType(name="Holiday", is_time_off=True, is_payroll_wrap=False)
    with pytest.raises(ValidationError, match="A time-off work type must also be payroll wrap"):
        work_type.full_clean()
    # The migration created the organisation's settings; a second row is refused in words.
    with pytest.raises(ValidationError, match="already review settings for this scope"):
        ReviewPolicy(team=None).full_clean()
