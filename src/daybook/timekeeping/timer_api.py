"""The member's timer over the API: what is running, start, stop (into an entry) and park.

Same services as the web pages, so a timer started in a browser tab can be stopped by a
script and the other way round. Register with:
    router.register("timer", TimerViewSet, basename="timer")
which gives GET /api/timer/, POST /api/timer/start/, /api/timer/stop/ and /api/timer/park/.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.core.api import (
    AwareDateTimeField,
    DaybookViewSetMixin,
    IdField,
    MoneyFieldsMixin,
    require_member,
)
from daybook.service.choices import TicketStatus
from daybook.service.models import Phase, Ticket

from . import services
from .api.serializers import CLIENT_KEY_INVALID
from .models import DraftEntry, TimeEntry, Timer

NEXT_STATUSES = [
    TicketStatus.IN_PROGRESS,
    TicketStatus.RESOLVED,
    TicketStatus.WAITING_CLIENT,
    TicketStatus.NEEDS_SCHEDULING,
]


class TimerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Timer
        fields = ["started_at", "ticket", "phase", "notes"]


# One object, not a list, though it answers the viewset's list action.
@extend_schema_serializer(many=False)
class TimerStateSerializer(serializers.Serializer):
    timer = TimerSerializer(allow_null=True)


class TimerStartSerializer(serializers.Serializer):
    ticket = IdField(queryset=Ticket.objects.all(), required=False, allow_null=True)
    phase = IdField(
        queryset=Phase.objects.all(), required=False, allow_null=True, label_text="project phase"
    )


class TimerStopSerializer(serializers.Serializer):
    work_type = IdField(queryset=WorkType.objects.all(), label_text="work type")
    work_role = IdField(
        queryset=WorkRole.objects.all(),
        required=False,
        allow_null=True,
        label_text="work role",
        help_text="Leave out to use your default work role.",
    )
    billable = serializers.ChoiceField(
        choices=BillableOption.choices,
        required=False,
        help_text="Leave out for the default of the work type and agreement.",
    )
    notes = serializers.CharField(allow_blank=True, trim_whitespace=False)
    internal_notes = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
    next_status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in NEXT_STATUSES],
        required=False,
        allow_blank=True,
        help_text="Where the ticket goes next; leave out to keep it In Progress.",
    )
    at = AwareDateTimeField(
        required=False,
        help_text="When the stop was saved, for a stop saved offline and sent later; leave "
        "out for now.",
    )
    client_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        error_messages={"invalid": CLIENT_KEY_INVALID},
        help_text="A UUID the client makes for a stop it may send more than once. Sent again, "
        "it answers 200 with the entry the first send saved, whatever runs now.",
    )


class StoppedEntrySerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    """The entry a stop made; its bill rate only for those who may see money."""

    money_fields = ("bill_rate",)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "start",
            "end",
            "ticket",
            "phase",
            "agreement",
            "work_role",
            "work_type",
            "billable",
            "bill_rate",
            "notes",
            "internal_notes",
            "source",
            "created_at",
        ]


class DraftSerializer(serializers.ModelSerializer):
    class Meta:
        model = DraftEntry
        fields = ["id", "start", "end", "ticket", "phase", "notes"]


class TimerViewSet(DaybookViewSetMixin, viewsets.ViewSet):
    """Your one running timer. A second start is refused with what is already running (409);
    a refused stop leaves the timer running."""

    permissions_by_action = {
        "list": ["timekeeping.view_timer"],
        "start": ["timekeeping.add_timer"],
        "stop": ["timekeeping.delete_timer", "timekeeping.add_timeentry"],
        "park": ["timekeeping.delete_timer"],
    }

    @extend_schema(responses=TimerStateSerializer)
    def list(self, request: Request) -> Response:
        """The running timer, or {"timer": null}."""
        member = require_member(request)
        timer = services.timer_current(member=member)
        return Response({"timer": TimerSerializer(timer).data if timer else None})

    @extend_schema(
        request=TimerStartSerializer,
        responses={
            201: TimerSerializer,
            409: inline_serializer("TimerConflict", {"timer": serializers.ListField()}),
        },
    )
    @action(detail=False, methods=["post"])
    def start(self, request: Request) -> Response:
        """Start timing a ticket (which moves it to In Progress), a project phase, or
        internal time (neither)."""
        member = self.member
        given = TimerStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = given.validated_data.get("ticket")
        phase = given.validated_data.get("phase")
        try:
            if ticket is not None and phase is None:
                timer = services.work_start(member=member, ticket=ticket)
            else:
                timer = services.timer_start(member=member, ticket=ticket, phase=phase)
        except ValidationError as error:
            if "timer" in getattr(error, "message_dict", {}):
                return Response(error.message_dict, status=status.HTTP_409_CONFLICT)
            raise
        return Response(TimerSerializer(timer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TimerStopSerializer,
        responses={201: StoppedEntrySerializer, 200: StoppedEntrySerializer},
    )
    @action(detail=False, methods=["post"])
    def stop(self, request: Request) -> Response:
        """Stop into an entry that ends now (or at `at`). Notes are required; anything refused
        leaves the timer running. A `client_key` sent before answers its entry (200)."""
        member = self.member
        given = TimerStopSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        next_status = data.pop("next_status", "") or None
        if next_status == TicketStatus.IN_PROGRESS:
            next_status = None
        key = data.get("client_key")
        # Only the answer's status; timer_stop itself decides, under its lock.
        resent = (
            key is not None and TimeEntry.objects.filter(member=member, client_key=key).exists()
        )
        entry = services.timer_stop(member=member, next_status=next_status, **data)
        data = StoppedEntrySerializer(entry, context={"request": request}).data
        return Response(data, status=status.HTTP_200_OK if resent else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: DraftSerializer})
    @action(detail=False, methods=["post"])
    def park(self, request: Request) -> Response:
        """Stop the clock and keep its time as a draft to finish later on the web."""
        draft = services.timer_park(member=self.member)
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)
