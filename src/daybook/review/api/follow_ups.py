"""Follow-ups over the API, through the same services as the review page.

GET  /api/follow-ups/                 your own requests, and those of members you review
GET  /api/follow-ups/<id>/
POST /api/follow-ups/                 ask a member about a day (reviewers; tone-checked)
POST /api/follow-ups/<id>/reply/      {"reply": "..."} the member answers in words
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import AwareDateTimeField, DaybookViewSetMixin, IdField
from daybook.people.models import Member
from daybook.people.selectors import members_visible_to
from daybook.timekeeping.choices import FindingKind

from ..composer import Subject
from ..models import FollowUp
from ..services import (
    MAX_BODY_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_SUBJECT_LENGTH,
    followup_reply,
    followup_send,
)


class DeliverySerializer(serializers.Serializer):
    channel = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class FollowUpSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.__str__", read_only=True)
    sent_by_name = serializers.CharField(source="sent_by.__str__", read_only=True, default=None)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "member",
            "member_name",
            "date",
            "sent_by",
            "sent_by_name",
            "subject",
            "body",
            "gap_start",
            "gap_end",
            "finding",
            "state",
            "reply",
            "replied_at",
            "resolved_at",
            "resolved_by_entries",
            "created_at",
            "deliveries",
        ]
        read_only_fields = fields

    @extend_schema(responses=DeliverySerializer(many=True))
    def get_deliveries(self, follow_up: FollowUp) -> list[dict]:
        deliveries = [d for notice in follow_up.notices.all() for d in notice.deliveries.all()]
        return DeliverySerializer(deliveries, many=True).data


class FollowUpCreateSerializer(serializers.Serializer):
    member = IdField(queryset=Member.objects.select_related("user", "team"))
    date = serializers.DateField()
    subject = serializers.CharField(max_length=MAX_SUBJECT_LENGTH)
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    gap_start = AwareDateTimeField(required=False, allow_null=True)
    gap_end = AwareDateTimeField(required=False, allow_null=True)
    finding = serializers.ChoiceField(choices=FindingKind.choices, required=False, allow_blank=True)
    tone_confirmed = serializers.BooleanField(
        default=False,
        help_text="Send even though the tone check warned that the message may read as blame.",
    )

    def validate(self, data: dict) -> dict:
        if bool(data.get("gap_start")) != bool(data.get("gap_end")):
            raise serializers.ValidationError("A gap needs both gap_start and gap_end.")
        return data


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=MAX_REPLY_LENGTH)


class FollowUpViewSet(
    DaybookViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-ups: a technician sees only their own; reviewers also those of the members
    they review. Sending and answering are checked by the services (whose day, which
    member), so the rules here only open the door."""

    serializer_class = FollowUpSerializer
    filterset_fields = ["state", "date", "member"]
    ordering_fields = ["date", "created_at"]
    permissions_by_action = {
        "list": ["timekeeping.view_timeentry"],
        "retrieve": ["timekeeping.view_timeentry"],
        "create": [],
        "reply": [],
    }

    def get_queryset(self):
        return (
            FollowUp.objects.filter(member__in=members_visible_to(self.request.user))
            .select_related("member__user", "sent_by__user")
            .prefetch_related("notices__deliveries")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=FollowUpCreateSerializer, responses=FollowUpSerializer)
    def create(self, request: Request) -> Response:
        body = FollowUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        follow_up = followup_send(
            member=data["member"],
            day=data["date"],
            by=self.member,
            subject=data["subject"],
            body=data["body"],
            about=Subject(
                gap_start=data.get("gap_start"),
                gap_end=data.get("gap_end"),
                finding=data.get("finding") or "",
            ),
            tone_confirmed=data["tone_confirmed"],
        )
        return Response(
            FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReplySerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        follow_up = self.get_object()
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        followup_reply(follow_up=follow_up, by=self.member, text=body.validated_data["reply"])
        return Response(FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data)
