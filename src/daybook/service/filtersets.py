import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from daybook.clients.models import Agreement, Company
from daybook.core.widgets import LongSelect
from daybook.people.models import Member

from .choices import OPEN_STATUSES, Priority, ProjectStatus, TicketStatus
from .models import Board, Phase, Project, Ticket
from .sla import clock_due_soon_q

YES_NO = {"true": True, "false": False}


class YesFilter(django_filters.BooleanFilter):
    """A yes/no filter read from true or false; anything else is a clear 400."""

    field_class = forms.TypedChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("", "any"), ("true", "yes"), ("false", "no")])
        kwargs.setdefault("coerce", lambda value: YES_NO[value])
        kwargs.setdefault("empty_value", None)
        kwargs.setdefault(
            "error_messages", {"invalid_choice": "Give true or false (or leave it out)."}
        )
        super().__init__(*args, **kwargs)


class TicketFilterSet(django_filters.FilterSet):
    """One set of filters for the dispatch board, the ticket queue and GET /api/tickets/."""

    status = django_filters.MultipleChoiceFilter(
        choices=TicketStatus.choices, method="filter_status"
    )
    board = django_filters.ModelChoiceFilter(queryset=Board.objects.all())
    company = django_filters.ModelChoiceFilter(
        queryset=Company.objects.order_by("name"), widget=LongSelect(label="name")
    )
    agreement = django_filters.ModelChoiceFilter(queryset=Agreement.objects.all())
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    # The board lists every member by name: their logins come in the same query.
    assignee = django_filters.ModelChoiceFilter(
        queryset=Member.objects.select_related("user").order_by(
            "user__first_name", "user__last_name", "user__username"
        ),
        widget=LongSelect,
    )
    unassigned = YesFilter(
        method="filter_unassigned",
        label="Unassigned",
        help_text="true: only tickets nobody has; false: only tickets someone has.",
    )
    due_soon = YesFilter(
        method="filter_due_soon",
        label="SLA due soon",
        help_text="true: only tickets whose running SLA clock is due within two hours or "
        "already late (a ticket waiting on the client is paused, so not due).",
    )

    class Meta:
        model = Ticket
        fields = ["status", "board", "company", "agreement", "priority", "assignee"]

    def filter_status(self, queryset: QuerySet[Ticket], name: str, value) -> QuerySet:
        if not value:
            return queryset
        chosen = queryset.filter(status__in=value)
        # Open statuses only (the board's default): said once more in the one form that the
        # open tickets' index answers, so a million closed tickets are never read.
        return chosen.filter(is_open=True) if set(value) <= OPEN_STATUSES else chosen

    def filter_unassigned(self, queryset: QuerySet[Ticket], name: str, value) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(assignee__isnull=value)

    def filter_due_soon(self, queryset: QuerySet[Ticket], name: str, value) -> QuerySet:
        if value is None:
            return queryset
        due = clock_due_soon_q(now=timezone.now())
        return queryset.filter(due) if value else queryset.exclude(due)


class ProjectFilterSet(django_filters.FilterSet):
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all())
    agreement = django_filters.ModelChoiceFilter(queryset=Agreement.objects.all())
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields = ["company", "agreement", "status"]


class PhaseFilterSet(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(queryset=Project.objects.all())

    class Meta:
        model = Phase
        fields = ["project"]
