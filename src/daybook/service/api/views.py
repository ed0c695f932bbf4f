"""Boards, tickets, projects and phases. Every write goes through the service layer, so the
web, the API, the admin and timers keep the same rules."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from daybook.core.api import DaybookViewSetMixin, SetupViewSet, model_permissions

from ..filtersets import PhaseFilterSet, ProjectFilterSet, TicketFilterSet
from ..models import Board, Phase, Project, Ticket
from ..services import (
    phase_create,
    phase_update,
    project_create,
    project_update,
    ticket_create,
)
from .serializers import (
    BoardSerializer,
    PhaseSerializer,
    ProjectSerializer,
    TicketCreateSerializer,
    TicketSerializer,
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
    """Tickets to read and open. The actions that touch a member's time (the status, which
    starts a timer on In Progress, and the agreement, which moves time that had none) are added
    by timekeeping's TicketViewSet, which the API registers in this one's place."""

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    ordering_fields = ["opened_at", "priority", "status"]
    ordering = ["-opened_at", "-id"]
    permissions_by_action = {
        "list": TICKET_VIEW,
        "retrieve": TICKET_VIEW,
        "create": ["service.add_ticket"],
    }

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        by = self.member
        given = TicketCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_create(by=by, **given.validated_data)
        return Response(TicketSerializer(ticket).data, status=HTTP_201_CREATED)


class ProjectViewSet(SetupViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["name", "start_date", "due_date"]
    permissions_by_action = model_permissions("service", "project")

    def perform_create(self, serializer: ProjectSerializer) -> None:
        serializer.instance = project_create(**serializer.validated_data)

    def perform_update(self, serializer: ProjectSerializer) -> None:
        serializer.instance = project_update(
            project=serializer.instance, **serializer.validated_data
        )


class PhaseViewSet(SetupViewSet):
    queryset = Phase.objects.all()
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilterSet
    ordering_fields = ["position", "name"]
    permissions_by_action = model_permissions("service", "phase")

    def perform_create(self, serializer: PhaseSerializer) -> None:
        serializer.instance = phase_create(**serializer.validated_data)

    def perform_update(self, serializer: PhaseSerializer) -> None:
        serializer.instance = phase_update(phase=serializer.instance, **serializer.validated_data)
