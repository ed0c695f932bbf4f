"""Factories for tests: small, explicit defaults; override what a test is about."""

from datetime import date, time
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate, Company
from daybook.core.time import local_date
from daybook.people.choices import Role
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.service.choices import TicketStatus
from daybook.service.models import Board, Phase, Project, Ticket
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.totals import monthly_totals_refresh


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pass-for-tests")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class WorkRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkRole
        django_get_or_create = ("name",)

    name = "Help Desk"
    rate = Decimal("100.00")


class WorkTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkType
        django_get_or_create = ("name",)

    name = "Remote Support"
    billable_default = BillableOption.BILLABLE
    rate_multiplier = Decimal("1.00")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    team = None
    time_zone = "America/New_York"
    expected_hours_per_day = Decimal("8.00")
    cost_rate = Decimal("40.00")
    default_work_role = factory.SubFactory(WorkRoleFactory)
    # Long before any day a test looks at: days before a member's start are never reviewed.
    start_date = date(2020, 1, 1)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            group = Group.objects.get(name=(extracted or Role.TECHNICIAN))
            self.user.groups.add(group)

    @factory.post_generation
    def weekday_schedule(self, create, extracted, **kwargs):
        """Monday to Friday 09:00-17:00 unless a test passes weekday_schedule=False."""
        if create and extracted is not False:
            ScheduleBlock.objects.bulk_create(
                ScheduleBlock(member=self, weekday=d, start=time(9), end=time(17)) for d in range(5)
            )


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Client {n}")
    identifier = factory.Sequence(lambda n: f"client-{n}")
    time_zone = "America/New_York"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    company = factory.SubFactory(CompanyFactory)
    name = "Managed services"
    type = AgreementType.TIME_AND_MATERIALS
    start_date = date(2024, 1, 1)
    end_date = None
    monthly_fee = Decimal("0")


class AgreementRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementRate

    agreement = factory.SubFactory(AgreementFactory)
    work_role = factory.SubFactory(WorkRoleFactory)
    rate = Decimal("120.00")


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("name",)

    name = "Help Desk"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    board = factory.SubFactory(BoardFactory)
    agreement = factory.SubFactory(AgreementFactory)
    company = factory.LazyAttribute(
        lambda t: t.agreement.company if t.agreement else CompanyFactory()
    )
    summary = factory.Sequence(lambda n: f"Printer on floor {n} is offline")
    opened_at = factory.LazyFunction(timezone.now)


def closed_copies(ticket: Ticket, count: int) -> None:
    """`count` closed tickets like `ticket`, in one insert: a history of closed work around
    the few open tickets, as an MSP's ticket table mostly is."""
    copies = []
    for _ in range(count):
        copy = Ticket.objects.get(pk=ticket.pk)
        copy.pk, copy.status = None, TicketStatus.CLOSED
        copies.append(copy)
    Ticket.objects.bulk_create(copies)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    agreement = factory.SubFactory(AgreementFactory, type=AgreementType.PROJECT)
    company = factory.LazyAttribute(lambda p: p.agreement.company)
    name = factory.Sequence(lambda n: f"Server migration {n}")


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    project = factory.SubFactory(ProjectFactory)
    name = "Discovery"
    estimated_hours = Decimal("10")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """Writes rows directly; tests of the rules go through the services instead."""

    class Meta:
        model = TimeEntry
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    ticket = factory.SubFactory(TicketFactory)
    agreement = factory.LazyAttribute(lambda e: e.ticket.agreement if e.ticket else None)
    work_role = factory.SubFactory(WorkRoleFactory)
    work_type = factory.SubFactory(WorkTypeFactory)
    billable = BillableOption.BILLABLE
    bill_rate = Decimal("100.00")
    cost_rate = Decimal("40.00")
    notes = "Replaced toner and cleared the queue."
    source = EntrySource.MANUAL

    @factory.post_generation
    def monthly_totals(entry, create, extracted, **kwargs):
        # Rows written here skip the services, so keep the monthly totals the reports read
        # in step as the services' follow-on step does.
        if create:
            monthly_totals_refresh(
                member=entry.member, days={local_date(entry.start, entry.member.zone)}
            )
