"""Filters for time entries and setup lists; pages and the API use the same FilterSets."""

import django_filters
from django.db.models import Q, QuerySet

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement, Company
from daybook.core.filters import AwareIsoDateTimeFilter
from daybook.people.models import Member
from daybook.service.models import Phase, Ticket

from .choices import ApprovalState, EntrySource
from .models import TimeEntry


class TimeEntryFilterSet(django_filters.FilterSet):
    """Narrows a list that is already scoped to what the user may see."""

    member = django_filters.ModelChoiceFilter(queryset=Member.objects.all())
    ticket = django_filters.ModelChoiceFilter(queryset=Ticket.objects.all())
    phase = django_filters.ModelChoiceFilter(queryset=Phase.objects.all())
    agreement = django_filters.ModelChoiceFilter(queryset=Agreement.objects.all())
    company = django_filters.ModelChoiceFilter(
        queryset=Company.objects.all(),
        method="filter_company",
        label="Company (through the ticket or the project)",
    )
    work_type = django_filters.ModelChoiceFilter(queryset=WorkType.objects.all())
    work_role = django_filters.ModelChoiceFilter(queryset=WorkRole.objects.all())
    billable = django_filters.ChoiceFilter(choices=BillableOption.choices)
    source = django_filters.ChoiceFilter(choices=EntrySource.choices)
    approval_state = django_filters.ChoiceFilter(choices=ApprovalState.choices)
    start_after = AwareIsoDateTimeFilter(
        field_name="start", lookup_expr="gte", label="Starts at or after (ISO 8601 with offset)"
    )
    start_before = AwareIsoDateTimeFilter(
        field_name="start", lookup_expr="lt", label="Starts before (ISO 8601 with offset)"
    )

    class Meta:
        model = TimeEntry
        fields = [
            "member",
            "ticket",
            "phase",
            "agreement",
            "company",
            "work_type",
            "work_role",
            "billable",
            "source",
            "approval_state",
            "start_after",
            "start_before",
        ]

    def filter_company(self, queryset: QuerySet, name: str, value: Company) -> QuerySet:
        return queryset.filter(Q(ticket__company=value) | Q(phase__project__company=value))
