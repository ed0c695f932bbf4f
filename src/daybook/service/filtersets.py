import django_filters

from daybook.clients.models import Agreement, Company
from daybook.people.models import Member

from .choices import Priority, ProjectStatus, TicketStatus
from .models import Board, Phase, Project, Ticket


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    board = django_filters.ModelChoiceFilter(queryset=Board.objects.all())
    company = django_filters.ModelChoiceFilter(queryset=Company.objects.all())
    agreement = django_filters.ModelChoiceFilter(queryset=Agreement.objects.all())
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    assignee = django_filters.ModelChoiceFilter(queryset=Member.objects.all())

    class Meta:
        model = Ticket
        fields = ["status", "board", "company", "agreement", "priority", "assignee"]


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
