"""Boards, tickets, projects and phases. Every write goes through the service layer, so the
web, the API, the admin and timers keep the same rules."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from daybook.core.api import DaybookViewSetMixin, SetupViewSet, model_permissions

from ..filtersets import PhaseFilterSet, ProjectFilterSet, TicketFilterSet
from ..models import Board, Phase, Project, Ticket
from ..selectors import ticket_notes
from ..services import (
    phase_create,
    phase_update,
    project_create,
    project_update,
    ticket_assign,
    ticket_create,
    ticket_note_add,
)
from .serializers import (
    BoardSerializer,
    PhaseSerializer,
    ProjectSerializer,
    TicketAssignSerializer,
    TicketCreateSerializer,
    TicketNoteCreateSerializer,
    TicketNoteSerializer,
    TicketSerializer,
)

TICKET_VIEW = ["service.view_ticket"]
# Dispatch: the board, editing and assigning (dispatchers, managers, admins).
TICKET_DISPATCH = ["service.view_ticket", "service.dispatch_ticket"]


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
    ordering_fields = ["opened_at", "priority", "status", "respond_due_at", "resolve_due_at"]
    ordering = ["-opened_at", "-id"]
    permissions_by_action = {
        "list": TICKET_VIEW,
        "retrieve": TICKET_VIEW,
        "create": ["service.add_ticket"],
        "assign": TICKET_DISPATCH,
        "notes": ["service.view_ticket", "service.view_ticketnote"],
        "note_add": ["service.view_ticket", "service.add_ticketnote"],
    }

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        """Open a ticket. Without an agreement given, the company's one active agreement that
        fits the ticket's work is picked by itself (none when none or several fit)."""
        by = self.member
        given = TicketCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_create(by=by, **given.validated_data)
        return Response(TicketSerializer(ticket).data, status=HTTP_201_CREATED)

    @extend_schema(request=TicketAssignSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the ticket to a member who may take work (their login on, not left), or
        back to the unassigned queue with null. Kept in the ticket's history."""
        by = self.member
        ticket = self.get_object()
        given = TicketAssignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ticket = ticket_assign(ticket=ticket, assignee=given.validated_data["assignee"], by=by)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(responses={200: TicketNoteSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """The ticket's notes, client-visible and internal, oldest first."""
        ticket = self.get_object()
        return Response(TicketNoteSerializer(ticket_notes(ticket), many=True).data)

    @extend_schema(request=TicketNoteCreateSerializer, responses={201: TicketNoteSerializer})
    @notes.mapping.post
    def note_add(self, request: Request, pk: str | None = None) -> Response:
        """Add a note. The first client-visible note answers the ticket (its first response,
        for the SLA) when nothing has yet; internal notes leave the clock alone."""
        by = self.member
        ticket = self.get_object()
        given = TicketNoteCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        note = ticket_note_add(ticket=ticket, by=by, **given.validated_data)
        return Response(TicketNoteSerializer(note).data, status=HTTP_201_CREATED)


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
