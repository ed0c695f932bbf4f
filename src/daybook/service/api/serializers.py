from rest_framework import serializers

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company
from daybook.core.api import CleanModelSerializer, IdField, TextField
from daybook.people.models import Member

from ..choices import Priority
from ..intake import ensure_agreement_matches_company
from ..models import Board, Phase, Project, Ticket


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
            "first_response_at",
            "resolved_at",
            "closed_at",
            "respond_breached_at",
            "resolve_breached_at",
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


class ProjectSerializer(CleanModelSerializer):
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

    def validate(self, attrs: dict) -> dict:
        company = attrs.get("company", getattr(self.instance, "company", None))
        agreement = attrs.get("agreement", getattr(self.instance, "agreement", None))
        ensure_agreement_matches_company(agreement=agreement, company=company)
        return attrs


class PhaseSerializer(CleanModelSerializer):
    project = IdField(queryset=Project.objects.all())

    class Meta:
        model = Phase
        fields = ["id", "project", "name", "position", "estimated_hours"]
