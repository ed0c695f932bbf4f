from rest_framework import serializers

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company
from daybook.core.api import IdField, TextField, WindowModelSerializer
from daybook.people.models import Member

from ..choices import Priority
from ..models import Board, Phase, Project, Ticket
from ..sla import CLOCK_FIELDS


class BoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Board
        fields = ["id", "name", "default_work_type"]


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "board",
            "company",
            "agreement",
            "summary",
            "description",
            "priority",
            "status",
            "work_type",
            "assignee",
            "opened_at",
            "closed_at",
            *CLOCK_FIELDS,
        ]
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    """A new ticket. It opens as New; its status then moves through the status endpoint."""

    board = IdField(queryset=Board.objects.all())
    company = IdField(queryset=Company.objects.all())
    agreement = IdField(queryset=Agreement.objects.all(), required=False, allow_null=True)
    summary = serializers.CharField(max_length=Ticket._meta.get_field("summary").max_length)
    description = TextField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    work_type = IdField(
        queryset=WorkType.objects.all(), required=False, allow_null=True, label_text="work type"
    )
    assignee = IdField(
        queryset=Member.objects.all(), required=False, allow_null=True, label_text="member"
    )


class TicketStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="The status to move the ticket to, e.g. resolved.")


class TicketAgreementSerializer(serializers.Serializer):
    agreement = IdField(
        queryset=Agreement.objects.all(),
        allow_null=True,
        help_text="The agreement time on this ticket is applied to from now on; null for none.",
    )


class ProjectSerializer(WindowModelSerializer):
    """A project's shape; project_create and project_update decide the rest (the agreement
    has to be the project's client's). Its dates are kept to the accepted window."""

    company = IdField(queryset=Company.objects.all())
    agreement = IdField(queryset=Agreement.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "company",
            "agreement",
            "name",
            "project_type",
            "status",
            "manager",
            "start_date",
            "due_date",
        ]


class PhaseSerializer(serializers.ModelSerializer):
    """A phase's shape; written by phase_create and phase_update."""

    project = IdField(queryset=Project.objects.all())

    class Meta:
        model = Phase
        fields = ["id", "project", "name", "position", "estimated_hours"]
