"""The ticket endpoints, with the two actions that touch members' time. Service's API reads and
opens tickets; timekeeping sits above it, so the status and agreement actions live here and
go through the same services as the ticket page:

- `POST /api/tickets/{id}/status/`: In Progress starts your timer on the ticket, exactly as
  the page's button does (`ticket_move`); a timer running on other work is a 409 until you
  finish or park it.
- `POST /api/tickets/{id}/agreement/`: the ticket gets the agreement, and its time that had
  no valid one moves to it (`ticket_agreement_fix`).
- `PATCH /api/tickets/{id}/`: dispatch changes a ticket's details (`ticket_edit`); a new
  agreement moves waiting time the same way.
- `GET /api/tickets/{id}/timeline/`: the ticket's story, with members' time only as far as the
  caller may see it (`ticket_timeline`).

The API registers this viewset at "tickets" in place of service's, so the URLs stay as they
were.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_409_CONFLICT

from daybook.core.api import object_body
from daybook.service.api import views as service_views
from daybook.service.api.serializers import (
    TicketAgreementSerializer,
    TicketSerializer,
    TicketStatusSerializer,
    TicketUpdateSerializer,
)

from ..services import ticket_agreement_fix, ticket_move
from ..ticket_dispatch import ticket_edit, ticket_timeline

TimerConflict = inline_serializer(
    "TicketTimerConflict", {"timer": serializers.ListField(child=serializers.CharField())}
)


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    end = serializers.DateTimeField(
        allow_null=True, help_text="For time entries: when the work ended."
    )
    kind = serializers.ChoiceField(
        choices=["opened", "note", "status", "entry", "agreement", "assignee"]
    )
    who = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    internal_text = serializers.CharField(
        allow_blank=True, help_text="For time entries: the internal notes."
    )
    client_visible = serializers.BooleanField(
        allow_null=True, help_text="For notes and entries: whether the client sees the text."
    )


class TicketViewSet(service_views.TicketViewSet):
    permissions_by_action = {
        **service_views.TicketViewSet.permissions_by_action,
        "status": ["service.change_ticket"],
        "agreement": ["service.change_ticket_agreement"],
        "partial_update": service_views.TICKET_DISPATCH,
        "timeline": service_views.TICKET_VIEW,
    }

    @extend_schema(request=TicketUpdateSerializer, responses={200: TicketSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change a ticket's details: give only what changes. Another company picks its
        agreement again unless one is given; a new agreement takes the ticket's time that had
        no valid one, as the agreement endpoint does."""
        by = self.member
        ticket = self.get_object()
        given = TicketUpdateSerializer(data=object_body(request), partial=True)
        given.is_valid(raise_exception=True)
        ticket = ticket_edit(ticket=ticket, by=by, **given.validated_data)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(responses={200: TimelineItemSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """What happened on the ticket, oldest first: its opening, notes, status moves,
        agreement and assignee changes, and the notes of the time logged on it that you may
        see (someone else's time shows once the review of its day has opened, and only to
        those who may see that member's time)."""
        ticket = self.get_object()
        items = ticket_timeline(ticket, viewer=request.user)
        return Response(TimelineItemSerializer(items, many=True).data)

    @extend_schema(
        request=TicketStatusSerializer, responses={200: TicketSerializer, 409: TimerConflict}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Move the ticket along its workflow. In Progress starts your timer on it, as the
        ticket page does; with a timer running on other work the answer is 409 with what is
        running, and nothing changes."""
        member = self.member
        ticket = self.get_object()
        given = TicketStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            ticket = ticket_move(
                member=member, ticket=ticket, status=given.validated_data["status"]
            )
        except ValidationError as error:
            busy = getattr(error, "message_dict", {}).get("timer")
            if busy:
                return Response({"timer": busy}, status=HTTP_409_CONFLICT)
            raise
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=TicketAgreementSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def agreement(self, request: Request, pk: str | None = None) -> Response:
        """Apply the ticket to another agreement of the same company. Its time that went to no
        valid agreement (and is not locked) moves to it when it was active on that day."""
        by = self.member
        ticket = self.get_object()
        given = TicketAgreementSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket, _ = ticket_agreement_fix(
            ticket=ticket, agreement=given.validated_data["agreement"], by=by
        )
        return Response(TicketSerializer(ticket).data)
