"""Follow-ups over the API, through the same services as the review page.

GET  /api/follow-ups/                 your own requests, and those of members you review
GET  /api/follow-ups/<id>/
POST /api/follow-ups/                 ask a member about a day (reviewers; tone-checked)
POST /api/follow-ups/<id>/reply/      {"reply": "..."} the member answers in words
POST /api/follow-ups/<id>/replies/    {"body": "..."} a message in the conversation, from the
                                      member or a reviewer of their team (tone-checked)

A message that may read as blame is answered 400 with the sentences under "body" and the tone
check's findings under "tone"; send it again with "tone_confirmed": true to send it anyway.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import AwareDateTimeField, DaybookViewSetMixin, IdField, WindowDateField
from daybook.people.models import Member
from daybook.people.selectors import members_visible_to
from daybook.timekeeping.choices import FindingKind

from ..composer import Subject
from ..models import FollowUp, FollowUpMessage
from ..selectors import follow_up_messages
from ..services import (
    MAX_BODY_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_SUBJECT_LENGTH,
    ToneWarningError,
    follow_up_reply,
    followup_reply,
    followup_send,
)
from .tone import tone_payload


class DeliverySerializer(serializers.Serializer):
    channel = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class FollowUpMessageSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True, default=None)
    from_member = serializers.BooleanField(
        read_only=True, help_text="Written by the member asked rather than by a reviewer."
    )

    class Meta:
        model = FollowUpMessage
        fields = ["id", "follow_up", "author", "author_name", "from_member", "body", "created_at"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.__str__", read_only=True)
    sent_by_name = serializers.CharField(source="sent_by.__str__", read_only=True, default=None)
    deliveries = serializers.SerializerMethodField()
    # Empty when the question is about a gap rather than a finding.
    finding = serializers.ChoiceField(choices=FindingKind.choices, allow_blank=True, read_only=True)
    messages = FollowUpMessageSerializer(
        many=True,
        read_only=True,
        help_text="The conversation after the question, oldest first. `reply` is the member's "
        "latest answer.",
    )

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
            "messages",
        ]
        read_only_fields = fields

    @extend_schema(responses=DeliverySerializer(many=True))
    def get_deliveries(self, follow_up: FollowUp) -> list[dict]:
        deliveries = [d for notice in follow_up.notices.all() for d in notice.deliveries.all()]
        return DeliverySerializer(deliveries, many=True).data


class FollowUpCreateSerializer(serializers.Serializer):
    member = IdField(queryset=Member.objects.select_related("user", "team"))
    date = WindowDateField()
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


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_REPLY_LENGTH)
    tone_confirmed = serializers.BooleanField(
        default=False,
        help_text="Send a reviewer's reply even though the tone check warned that it may read "
        "as blame.",
    )


REFUSED = OpenApiResponse(
    description="Bad input, sentences by field. A message that may read as blame is refused "
    'too, with the sentences under "body" and the tone check\'s findings under "tone" '
    "(warnings with quote, why and advice, and a suggestion): send it again with "
    '"tone_confirmed": true to send it as it is.'
)


def _tone_refusal(error: ToneWarningError) -> exceptions.ValidationError:
    """The tone check's sentences under "body", as any refusal, and what it found under
    "tone", so a client can show the quotes and offer the rewrite."""
    return exceptions.ValidationError(
        {
            "body": error.messages,
            "tone": tone_payload(warnings=error.warnings, suggestion=error.suggestion),
        }
    )


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
        "replies": [],
    }

    def get_queryset(self):
        return (
            FollowUp.objects.filter(member__in=members_visible_to(self.request.user))
            .select_related("member__user", "sent_by__user")
            .prefetch_related("notices__deliveries", follow_up_messages())
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        request=FollowUpCreateSerializer,
        responses={201: FollowUpSerializer, 400: REFUSED},
    )
    def create(self, request: Request) -> Response:
        body = FollowUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
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
        except ToneWarningError as error:
            raise _tone_refusal(error) from error
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

    @extend_schema(
        request=MessageCreateSerializer,
        responses={201: FollowUpMessageSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: str) -> Response:
        """A message in the conversation: the member, or a reviewer of the member's team."""
        follow_up = self.get_object()
        body = MessageCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            message = follow_up_reply(
                follow_up=follow_up,
                by=self.member,
                body=body.validated_data["body"],
                tone_confirmed=body.validated_data["tone_confirmed"],
            )
        except ToneWarningError as error:
            raise _tone_refusal(error) from error
        return Response(FollowUpMessageSerializer(message).data, status=status.HTTP_201_CREATED)
