"""The ticket endpoints, with the two actions that touch members' time. Service's API reads and
opens tickets; timekeeping sits above it, so the status and agreement actions live here and
go through the same services as the ticket page:

- `POST /api/tickets/{id}/status/`: In Progress starts your timer on the ticket, exactly as
  the page's button does (`ticket_move`); a timer running on other work is a 409 until you
  finish or park it.
- `POST /api/tickets/{id}/agreement/`: the ticket gets the agreement, and its time that had
  no valid one moves to it (`ticket_agreement_fix`).

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

from daybook.service.api import views as service_views
from daybook.service.api.serializers import (
    TicketAgreementSerializer,
    TicketSerializer,
    TicketStatusSerializer,
)

from ..services import ticket_agreement_fix, ticket_move

TimerConflict = inline_serializer(
    "TicketTimerConflict", {"timer": serializers.ListField(child=serializers.CharField())}
)


class TicketViewSet(service_views.TicketViewSet):
    permissions_by_action = {
        **service_views.TicketViewSet.permissions_by_action,
        "status": ["service.change_ticket"],
        "agreement": ["service.change_ticket_agreement"],
    }

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
