"""The tone check over the API, for scripts and other clients that compose follow-ups.

POST /api/tone-check/   {"message": "..."}  ->  {"warnings": [{"quote", "why", "advice"}],
                                                 "suggestion": "..."}

Warnings are empty (and the suggestion blank) when the message reads as curious. Open to the
people who may write follow-ups: a team's reviewers, Finance and administrators.
"""

from collections.abc import Sequence

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import ActionPermissions, ServiceErrorsMixin

from ..composer import message_tone
from ..selectors import may_review
from ..services import MAX_BODY_LENGTH
from ..tone import ToneWarning

NOT_A_REVIEWER = "Only team reviewers, Finance and administrators write follow-ups."


class MayReview(BasePermission):
    """The people who may write follow-ups: whoever reviews someone's days."""

    message = NOT_A_REVIEWER

    def has_permission(self, request: Request, view) -> bool:
        return may_review(request.user)


class StrictTextField(serializers.CharField):
    """Text only: a number, list or object is refused rather than turned into a string."""

    default_error_messages = {"invalid": "Give the message as text."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ToneCheckSerializer(serializers.Serializer):
    message = StrictTextField(
        max_length=MAX_BODY_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The words to check, as the member would read them.",
    )


class ToneWarningSerializer(serializers.Serializer):
    quote = serializers.CharField(help_text="The words in the message that may read as blame.")
    why = serializers.CharField(help_text="Why they may read that way.")
    advice = serializers.CharField(help_text="What to write instead.")


class ToneResultSerializer(serializers.Serializer):
    warnings = ToneWarningSerializer(many=True)
    suggestion = serializers.CharField(
        allow_blank=True, help_text="A curious way to say it; blank when there is no warning."
    )


def tone_payload(*, warnings: Sequence[ToneWarning], suggestion: str) -> dict:
    """The tone check's findings in the API's words: the same shape here and in a refused
    follow-up."""
    return ToneResultSerializer({"warnings": list(warnings), "suggestion": suggestion}).data


@extend_schema(tags=["follow-ups"])
class ToneCheckViewSet(ServiceErrorsMixin, viewsets.ViewSet):
    """Whether a message may read as blame, where, why, and a curious way to say it."""

    permission_classes = [ActionPermissions, MayReview]
    # Checking writes nothing, so unlike other POSTs it needs no member behind the login.
    permissions_by_action = {"create": []}

    # A check, not a creation: it answers 200, which the schema has to say.
    @extend_schema(request=ToneCheckSerializer, responses={200: ToneResultSerializer})
    def create(self, request: Request) -> Response:
        body = ToneCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = message_tone(body=body.validated_data["message"])
        return Response(tone_payload(warnings=result.warnings, suggestion=result.suggestion))
