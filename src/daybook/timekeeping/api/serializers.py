"""Shapes of time entries and setup records in the API. The services decide what is allowed."""

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.selectors import agreement_check
from daybook.core.api import AwareDateTimeField, IdField, MoneyFieldsMixin, TextField
from daybook.people.models import Member
from daybook.service.models import Phase, Ticket

from ..history import HistoryChange, plain_value
from ..models import TimeEntry

# An entry's amounts: what an hour of it is charged and what it costs.
ENTRY_MONEY_FIELDS = ("bill_rate", "cost_rate")
CLIENT_KEY_INVALID = (
    "Give the client key as a UUID, e.g. 3f2c8e1a-5b7d-4c0e-9a61-2d4b8f0c7e15 "
    "(crypto.randomUUID() makes one)."
)


class TimeEntrySerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    """An entry as the API shows it. Start and end carry the member's own UTC offset; its
    rates show only to those who may see money."""

    money_fields = ENTRY_MONEY_FIELDS

    member_name = serializers.CharField(source="member.name", read_only=True)
    local_date = serializers.SerializerMethodField(
        help_text="The member's local calendar date the entry starts on."
    )
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, help_text="Length in hours, to cents."
    )
    lag_minutes = serializers.SerializerMethodField(
        help_text="Minutes between the end of the work and the moment the entry was saved."
    )
    agreement_check = serializers.SerializerMethodField(
        help_text="Whether the agreement the entry is applied to covers this work on its date."
    )

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "member",
            "member_name",
            "start",
            "end",
            "local_date",
            "hours",
            "ticket",
            "phase",
            "agreement",
            "agreement_check",
            "work_role",
            "work_type",
            "billable",
            "bill_rate",
            "cost_rate",
            "notes",
            "internal_notes",
            "source",
            "approval_state",
            "created_at",
            "updated_at",
            "lag_minutes",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "bill_rate": {"help_text": "What an hour of this entry is charged, as resolved."},
            "cost_rate": {"help_text": "The member's hourly cost when the entry was saved."},
        }

    def get_local_date(self, entry: TimeEntry) -> date:
        return entry.start.astimezone(entry.member.zone).date()

    def get_lag_minutes(self, entry: TimeEntry) -> int:
        return round(entry.lag.total_seconds() / 60)

    @extend_schema_field(serializers.ChoiceField(choices=AgreementCheck.choices))
    def get_agreement_check(self, entry: TimeEntry) -> str:
        return agreement_check(
            agreement=entry.agreement, work_type=entry.work_type, on=self.get_local_date(entry)
        ).value

    def to_representation(self, entry: TimeEntry) -> dict:
        data = super().to_representation(entry)
        zone = entry.member.zone
        data["start"] = entry.start.astimezone(zone).isoformat()
        data["end"] = entry.end.astimezone(zone).isoformat()
        return data


class TimeEntryInputSerializer(serializers.Serializer):
    """What a client sends to log or change an entry; only the shape is checked here."""

    member = IdField(
        queryset=Member.objects.select_related("user"),
        required=False,
        help_text="Whose time this is. Leave out for your own; only users who manage every "
        "member's entries may log for someone else.",
    )
    start = AwareDateTimeField(help_text="ISO 8601 with offset, e.g. 2025-03-10T09:00:00-05:00.")
    end = AwareDateTimeField(help_text="ISO 8601 with offset; must be after start.")
    ticket = IdField(
        queryset=Ticket.objects.select_related("agreement"), required=False, allow_null=True
    )
    phase = IdField(
        queryset=Phase.objects.select_related("project__agreement"),
        required=False,
        allow_null=True,
        label_text="project phase",
    )
    work_type = IdField(queryset=WorkType.objects.all(), label_text="work type")
    work_role = IdField(
        queryset=WorkRole.objects.all(),
        required=False,
        allow_null=True,
        label_text="work role",
        help_text="Leave out to use the member's default work role.",
    )
    billable = serializers.ChoiceField(
        choices=BillableOption.choices,
        required=False,
        help_text="Leave out to use the default for the work type and agreement.",
    )
    notes = TextField(required=False, allow_blank=True, help_text="Seen by the client.")
    internal_notes = TextField(
        required=False, allow_blank=True, help_text="Only seen inside the business."
    )


class TimeEntryCreateSerializer(TimeEntryInputSerializer):
    """Logging a new entry; an entry saved offline also carries the key its browser made."""

    client_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        error_messages={"invalid": CLIENT_KEY_INVALID},
        help_text="A UUID the client makes for an entry it may send more than once (saved "
        "offline, say). Sending the same key again answers 200 with the entry the first send "
        "saved, even if the other details differ; nothing new is saved.",
    )


class NotesCorrectionSerializer(serializers.Serializer):
    """Finance's correction of a locked entry's notes; the reason goes into its history."""

    notes = TextField(allow_blank=True, help_text="The corrected notes, seen by the client.")
    internal_notes = TextField(
        required=False, allow_blank=True, help_text="Leave out to keep the internal notes."
    )
    reason = TextField(help_text="Why the notes change; kept in the entry's history.")


class HistoryChangeSerializer(serializers.Serializer):
    """One changed field. Related records are given by id, times with the member's offset;
    the context's `zone` is the member's."""

    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)

    def to_representation(self, change: HistoryChange) -> dict:
        zone = self.context["zone"]
        return {
            "field": change.field,
            "old": plain_value(change.old, zone),
            "new": plain_value(change.new, zone),
        }


class HistoryRecordSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    history_user = serializers.CharField(
        allow_null=True, help_text="Username of whoever made the change, when known."
    )
    changes = HistoryChangeSerializer(many=True)
