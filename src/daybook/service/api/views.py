"""Boards, tickets, projects and phases. Ticket status and agreement changes go through the
ticket services, so the web, the API and timers move tickets the same way."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from daybook.core.api import DaybookViewSetMixin, SetupViewSet, model_permissions

from ..filtersets import PhaseFilterSet, ProjectFilterSet, TicketFilterSet
from ..intake import ticket_create
from ..models import Board, Phase, Project, Ticket
from ..services import ticket_set_agreement, ticket_set_status
from .serializers import (
    BoardSerializer,
    PhaseSerializer,
    ProjectSerializer,
    TicketAgreementSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketStatusSerializer,
)

TICKET_VIEW = ["service.view_ticket"]


class BoardViewSet(DaybookViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Board.objects.all()
    serializer_class = BoardSerializer
    ordering_fields = ["name"]
    permissions_by_action = {"list": ["service.view_board"], "retrieve": ["service.view_board"]}


class TicketViewSet(
    DaybookViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    ordering_fields = ["opened_at", "priority", "status"]
    ordering = ["-opened_at", "-id"]
    permissions_by_action = {
        "list": TICKET_VIEW,
        "retrieve": TICKET_VIEW,
        "create": ["service.add_ticket"],
        "status": ["service.change_ticket"],
        "agreement": ["service.change_ticket_agreement"],
    }

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        by = self.member
        given = TicketCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_create(by=by, **given.validated_data)
        return Response(TicketSerializer(ticket).data, status=HTTP_201_CREATED)

    @extend_schema(request=TicketStatusSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Move the ticket to another status along its workflow."""
        by = self.member
        ticket = self.get_object()
        given = TicketStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_set_status(ticket=ticket, status=given.validated_data["status"], by=by)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=TicketAgreementSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def agreement(self, request: Request, pk: str | None = None) -> Response:
        """Apply the ticket's future time to another agreement of the same company."""
        by = self.member
        ticket = self.get_object()
        given = TicketAgreementSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_set_agreement(
            ticket=ticket, agreement=given.validated_data["agreement"], by=by
        )
        return Response(TicketSerializer(ticket).data)


class ProjectViewSet(SetupViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["name", "start_date", "due_date"]
    permissions_by_action = model_permissions("service", "project")


class PhaseViewSet(SetupViewSet):
    queryset = Phase.objects.all()
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilterSet
    ordering_fields = ["position", "name"]
    permissions_by_action = model_permissions("service", "phase")
