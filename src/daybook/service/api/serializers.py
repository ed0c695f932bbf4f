from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement, Company, Contact
from daybook.core.api import IdField, TextField, WindowModelSerializer
from daybook.people.models import Member

from ..choices import Priority
from ..models import Board, Phase, Project, Ticket, TicketNote
from ..services import MAX_NOTE_LENGTH
from ..sla import CLOCK_FIELDS, STATE_LABELS, clock_states


class BoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Board
        fields = ["id", "name", "default_work_type"]


class ClockStateSerializer(serializers.Serializer):
    """Where one SLA clock stands now."""

    clock = serializers.ChoiceField(choices=["respond", "resolve"])
    state = serializers.ChoiceField(
        choices=list(STATE_LABELS),
        help_text="none: no target; met or breached: stopped; late, due_soon, running: still "
        "running; paused: the ticket waits on the client.",
    )
    label = serializers.CharField()
    target_minutes = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)


class TicketSerializer(serializers.ModelSerializer):
    sla = serializers.SerializerMethodField(
        help_text="The respond and resolve clocks as they stand at the time of the answer."
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "board",
            "company",
            "contact",
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
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(ClockStateSerializer(many=True))
    def get_sla(self, ticket: Ticket) -> list[dict]:
        now = self.context.get("now") or timezone.now()
        return ClockStateSerializer(clock_states(ticket, now=now), many=True).data


AGREEMENT_HELP = (
    "Left out: the company's one active agreement that fits the ticket's work is picked by "
    "itself (none when none or several fit); null: no agreement."
)


class TicketCreateSerializer(serializers.Serializer):
    """A new ticket. It opens as New; its status then moves through the status endpoint."""

    board = IdField(queryset=Board.objects.all())
    company = IdField(queryset=Company.objects.all())
    contact = IdField(queryset=Contact.objects.all(), required=False, allow_null=True)
    agreement = IdField(
        queryset=Agreement.objects.all(),
        required=False,
        allow_null=True,
        help_text=AGREEMENT_HELP,
    )
    summary = serializers.CharField(max_length=Ticket._meta.get_field("summary").max_length)
    description = TextField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    work_type = IdField(
        queryset=WorkType.objects.all(), required=False, allow_null=True, label_text="work type"
    )
    assignee = IdField(
        queryset=Member.objects.all(), required=False, allow_null=True, label_text="member"
    )


class TicketUpdateSerializer(serializers.Serializer):
    """Changes to a ticket's details; give only what changes. The status moves through the
    status endpoint and the assignee through the assign endpoint."""

    board = IdField(queryset=Board.objects.all(), required=False)
    company = IdField(
        queryset=Company.objects.all(),
        required=False,
        help_text="Another company: its agreement is picked again unless one is given, and "
        "the contact is let go unless one is given.",
    )
    contact = IdField(queryset=Contact.objects.all(), required=False, allow_null=True)
    agreement = IdField(
        queryset=Agreement.objects.all(),
        required=False,
        allow_null=True,
        help_text="One of the company's agreements; null for none.",
    )
    summary = serializers.CharField(
        max_length=Ticket._meta.get_field("summary").max_length, required=False
    )
    description = TextField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    work_type = IdField(
        queryset=WorkType.objects.all(), required=False, allow_null=True, label_text="work type"
    )


class TicketAssignSerializer(serializers.Serializer):
    assignee = IdField(
        queryset=Member.objects.all(),
        allow_null=True,
        label_text="member",
        help_text="The member who takes the ticket (see /api/members/); null: unassigned.",
    )


class TicketNoteSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketNote
        fields = ["id", "ticket", "author", "author_name", "text", "client_visible", "created_at"]
        read_only_fields = fields

    def get_author_name(self, note: TicketNote) -> str:
        return note.author.name if note.author else "a former member"


class TicketNoteCreateSerializer(serializers.Serializer):
    text = TextField(max_length=MAX_NOTE_LENGTH)
    client_visible = serializers.BooleanField(
        default=False, help_text="Shown to the client; otherwise for the team only."
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
