"""Time entries over the API. Every write goes through services."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin
from daybook.core.money import may_see_money

from ..choices import EntrySource
from ..filtersets import TimeEntryFilterSet
from ..history import entry_history
from ..models import TimeEntry
from ..selectors import entries_visible_to
from ..services import entry_correct_notes, entry_delete, entry_edit, entry_log
from .serializers import (
    ENTRY_MONEY_FIELDS,
    HistoryRecordSerializer,
    NotesCorrectionSerializer,
    TimeEntryCreateSerializer,
    TimeEntryInputSerializer,
    TimeEntrySerializer,
)

ENTRY_VIEW = ["timekeeping.view_timeentry"]
ENTRY_CHANGE = ["timekeeping.change_timeentry"]


def with_related(queryset: QuerySet[TimeEntry]) -> QuerySet[TimeEntry]:
    """Everything an entry's representation reads, fetched with the list, not per row."""
    return queryset.select_related(
        "member__user", "agreement", "work_type", "work_role"
    ).prefetch_related("agreement__covered_work_types")


class TimeEntryViewSet(DaybookViewSetMixin, viewsets.ModelViewSet):
    """Your own entries; managers also see their teams', Finance and Admin everyone's.

    An entry outside what you may see does not exist for you (404). Changing someone else's
    entry needs the permission to manage every member's entries.
    """

    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilterSet
    ordering_fields = ["start", "end", "created_at", "updated_at"]
    ordering = ["-start", "-id"]
    permissions_by_action = {
        "list": ENTRY_VIEW,
        "retrieve": ENTRY_VIEW,
        "history": ENTRY_VIEW,
        "create": ["timekeeping.add_timeentry"],
        "update": ENTRY_CHANGE,
        "partial_update": ENTRY_CHANGE,
        "destroy": ["timekeeping.delete_timeentry"],
        # The service lets only Finance correct locked notes, and says so to anyone else.
        "correct_notes": ENTRY_CHANGE,
    }

    def get_queryset(self) -> QuerySet[TimeEntry]:
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry.objects.none()
        return with_related(entries_visible_to(self.request.user))

    def _answer(self, entry: TimeEntry, status_code: int = status.HTTP_200_OK) -> Response:
        # Saved, but another request may have deleted it since: then it is gone (404).
        entry = get_object_or_404(with_related(TimeEntry.objects.all()), pk=entry.pk)
        return Response(self.get_serializer(entry).data, status=status_code)

    @extend_schema(
        request=TimeEntryCreateSerializer,
        responses={201: TimeEntrySerializer, 200: TimeEntrySerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Log an entry (201). With a `client_key` this member has sent before, the entry
        that send saved is answered instead (200) and nothing new is saved."""
        by = self.member
        given = TimeEntryCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        member = data.pop("member", None) or by
        key = data.get("client_key")
        # Only the answer's status; entry_log itself decides, under the member's lock.
        resent = (
            key is not None and TimeEntry.objects.filter(member=member, client_key=key).exists()
        )
        entry = entry_log(member=member, by=by, source=EntrySource.MANUAL, **data)
        return self._answer(entry, status.HTTP_200_OK if resent else status.HTTP_201_CREATED)

    @extend_schema(request=TimeEntryInputSerializer, responses=TimeEntrySerializer)
    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        by = self.member
        entry = self.get_object()
        given = TimeEntryInputSerializer(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if "member" in changes and changes["member"].pk == entry.member_id:
            del changes["member"]  # Naming the entry's own member is no change.
        entry = entry_edit(entry=entry, by=by, **changes)
        return self._answer(entry)

    @extend_schema(request=TimeEntryInputSerializer, responses=TimeEntrySerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        by = self.member
        entry_delete(entry=self.get_object(), by=by)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=NotesCorrectionSerializer, responses=TimeEntrySerializer)
    @action(detail=True, methods=["post"], url_path="correct-notes")
    def correct_notes(self, request: Request, pk: str | None = None) -> Response:
        """Correct the notes of a locked entry (approved, invoiced, in a closed period or on a
        closed ticket). Finance only; the reason is kept in the entry's history."""
        entry = self.get_object()
        given = NotesCorrectionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        entry = entry_correct_notes(
            entry=entry,
            by=self.member,
            notes=data["notes"],
            internal_notes=data.get("internal_notes", entry.internal_notes),
            reason=data["reason"],
        )
        return self._answer(entry)

    @extend_schema(responses=HistoryRecordSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every saved version of the entry, oldest first, with the fields each one changed."""
        entry = self.get_object()
        hidden = frozenset() if may_see_money(request.user) else frozenset(ENTRY_MONEY_FIELDS)
        records = entry_history(entry=entry, hidden_fields=hidden)
        context = {"zone": entry.member.zone}
        return Response(HistoryRecordSerializer(records, many=True, context=context).data)
