"""Weeks handed in for approval, and closed periods, over the API. Every write is a service
in approval.py, the same one the approvals and periods pages call.

- `GET /api/week-submissions/`: your own weeks, and the weeks you may decide on (a reviewer:
  the teams they review; Finance: everyone).
- `POST /api/week-submissions/`: submit a finished week of your own (`week_submit`).
- `POST /api/week-submissions/{id}/approve/` and `/return/` (with a reason): decide on a
  submitted week; weeks you may not decide on are not found (404).
- `GET /api/period-closes/`, `POST /api/period-closes/` (close) and
  `POST /api/period-closes/reopen/` (with a reason): Finance.
"""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin, IdField, WindowDateField, object_body
from daybook.people.models import Member

from ..approval import (
    MAX_REASON,
    period_close,
    reopen_through,
    submissions_visible_to,
    week_approve,
    week_return,
    week_submit,
)
from ..models import PeriodClose, WeekSubmission

OWN_TIME = ["timekeeping.view_timeentry"]
CLOSE = ["timekeeping.add_periodclose"]


class WeekSubmissionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    week_end = serializers.DateField(read_only=True)

    class Meta:
        model = WeekSubmission
        fields = [
            "id",
            "member",
            "member_name",
            "week_start",
            "week_end",
            "state",
            "reason",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class WeekSubmitSerializer(serializers.Serializer):
    week_start = WindowDateField(help_text="The Monday of the week, in the member's zone.")
    member = IdField(
        queryset=Member.objects.all(),
        required=False,
        help_text="Whose week; yours when left out (Finance may name anyone).",
    )


class WeekReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_REASON, help_text="What needs fixing; the member sees it on their week."
    )


class WeekSubmissionViewSet(
    DaybookViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Weeks handed in for approval: yours, and those you may approve or return."""

    serializer_class = WeekSubmissionSerializer
    ordering = ["-week_start", "id"]
    permissions_by_action = {
        "list": OWN_TIME,
        "retrieve": OWN_TIME,
        "create": ["timekeeping.add_timeentry"],
        # Reviewer or Finance: the queryset holds only the weeks `by` may decide on, and the
        # service checks again (may_approve).
        "approve": OWN_TIME,
        "return_week": OWN_TIME,
    }

    def get_queryset(self) -> QuerySet[WeekSubmission]:
        if getattr(self, "swagger_fake_view", False):
            return WeekSubmission.objects.none()
        member = self.member
        if self.action in ("approve", "return_week"):
            rows = submissions_visible_to(member)
        else:
            others = submissions_visible_to(member).values("pk")
            rows = WeekSubmission.objects.filter(Q(member=member) | Q(pk__in=others))
        return rows.select_related("member__user").order_by("-week_start", "id")

    @extend_schema(request=WeekSubmitSerializer, responses={201: WeekSubmissionSerializer})
    def create(self, request: Request) -> Response:
        """Submit a week that is over for approval (again, after it was returned)."""
        by = self.member
        given = WeekSubmitSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        member = given.validated_data.get("member") or by
        row = week_submit(member=member, week_start=given.validated_data["week_start"], by=by)
        return Response(WeekSubmissionSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=WeekSubmissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a submitted week: its open entries become Approved and no longer change."""
        row = week_approve(submission=self.get_object(), by=self.member)
        return Response(WeekSubmissionSerializer(row).data)

    @extend_schema(request=WeekReturnSerializer, responses=WeekSubmissionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_week(self, request: Request, pk: str | None = None) -> Response:
        """Send a submitted week back to the member, saying what needs fixing."""
        submission = self.get_object()
        given = WeekReturnSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        row = week_return(
            submission=submission, by=self.member, reason=given.validated_data["reason"]
        )
        return Response(WeekSubmissionSerializer(row).data)


class PeriodCloseSerializer(serializers.ModelSerializer):
    closed_by_name = serializers.CharField(source="closed_by.name", read_only=True)

    class Meta:
        model = PeriodClose
        fields = ["id", "closed_through", "closed_by", "closed_by_name", "closed_at", "note"]
        read_only_fields = fields


class PeriodCloseInputSerializer(serializers.Serializer):
    closed_through = WindowDateField(help_text="The last day that is (or stays) closed.")
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Why."
    )


class PeriodReopenSerializer(serializers.Serializer):
    closed_through = WindowDateField(
        help_text="The last day that stays closed; the days after it reopen."
    )
    reason = serializers.CharField(max_length=200, help_text="Why it reopens; kept in the history.")


class PeriodCloseViewSet(
    DaybookViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The history of closes, newest first: the first one is in force. Finance only."""

    serializer_class = PeriodCloseSerializer
    permissions_by_action = {
        "list": ["timekeeping.view_periodclose"],
        "retrieve": ["timekeeping.view_periodclose"],
        "create": CLOSE,
        "reopen": CLOSE,
    }

    def get_queryset(self) -> QuerySet[PeriodClose]:
        return PeriodClose.objects.select_related("closed_by__user").order_by("-closed_at", "-pk")

    @extend_schema(request=PeriodCloseInputSerializer, responses={201: PeriodCloseSerializer})
    def create(self, request: Request) -> Response:
        """Close time up to and including a date (an earlier date than the one in force
        reopens the days between, and needs a note)."""
        given = PeriodCloseInputSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        row = period_close(
            through=given.validated_data["closed_through"],
            by=self.member,
            note=given.validated_data["note"],
        )
        return Response(PeriodCloseSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PeriodReopenSerializer, responses={201: PeriodCloseSerializer})
    @action(detail=False, methods=["post"])
    def reopen(self, request: Request) -> Response:
        """Reopen the days after a date, with the reason kept in the history."""
        given = PeriodReopenSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        row = reopen_through(
            through=given.validated_data["closed_through"],
            by=self.member,
            reason=given.validated_data["reason"],
        )
        return Response(PeriodCloseSerializer(row).data, status=status.HTTP_201_CREATED)
