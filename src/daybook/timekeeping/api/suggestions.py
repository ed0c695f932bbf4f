"""Your own suggestions for the gaps of a day, and dismissing one.

GET  /api/me/suggestions/?date=2025-03-12
POST /api/me/suggestions/dismiss/  {"key": "activity:564:20250312T1500"}

Only ever the caller's own: there is no parameter naming a member, and a key that is not
among the caller's suggestions is a 404. Accepting one is an ordinary entry
(POST /api/time-entries/) with the suggestion's times, ticket and work type.
"""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin, error_response, object_body, require_member
from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window
from daybook.people.models import Member

from ..choices import SuggestionSource
from ..suggestions import Suggestion, suggestion_day, suggestion_dismiss, suggestions_offered

NOT_YOURS = "There is no such suggestion for your day."


class SuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Give it to dismiss/ to stop it being offered.")
    gap_start = serializers.DateTimeField(help_text="The gap's start, in your time zone.")
    gap_end = serializers.DateTimeField(help_text="The gap's end, in your time zone.")
    start = serializers.DateTimeField(help_text="The suggested entry's start, in your zone.")
    end = serializers.DateTimeField(help_text="The suggested entry's end, in your zone.")
    minutes = serializers.IntegerField()
    ticket = serializers.IntegerField(allow_null=True, help_text="The ticket's number, if any.")
    work_type = serializers.IntegerField(allow_null=True, help_text="The work type's id.")
    reason = serializers.CharField(help_text="Why we think so, in a sentence.")
    source = serializers.ChoiceField(choices=SuggestionSource.choices)


@extend_schema_serializer(many=False)
class DaySuggestionsSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Your local date.")
    time_zone = serializers.CharField()
    suggestions = SuggestionSerializer(many=True)


class DismissSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100, help_text="A suggestion's key, from the list.")


class DismissedSerializer(serializers.Serializer):
    key = serializers.CharField()
    date = serializers.DateField(help_text="The local date of the suggestion's gap.")


def suggestion_payload(suggestion: Suggestion, member: Member) -> dict:
    zone = member.zone

    def local(moment) -> str:
        # As text: the serializer would turn an aware time into the server's zone.
        return moment.astimezone(zone).isoformat()

    return {
        "key": suggestion.key,
        "gap_start": local(suggestion.gap.start),
        "gap_end": local(suggestion.gap.end),
        "start": local(suggestion.start),
        "end": local(suggestion.end),
        "minutes": suggestion.minutes,
        "ticket": suggestion.ticket.pk if suggestion.ticket else None,
        "work_type": suggestion.work_type.pk if suggestion.work_type else None,
        "reason": suggestion.reason,
        "source": suggestion.source,
    }


def _date(params: Mapping) -> date:
    text = params.get("date")
    if not text:
        raise ValidationError({"date": "Give `date` as a date, YYYY-MM-DD."})
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {"date": f"Give `date` as a date, YYYY-MM-DD, not {text[:40]!r}."}
        ) from None
    if not in_date_window(day):
        raise ValidationError({"date": DATE_WINDOW_MESSAGE})
    return day


@extend_schema(tags=["suggestions"])
class MySuggestionsViewSet(DaybookViewSetMixin, viewsets.ViewSet):
    """Suggestions for the gaps in your own day, from your own activity and calendar."""

    permissions_by_action = {
        "list": ["timekeeping.add_timeentry"],
        "dismiss": ["timekeeping.add_timeentry"],
    }

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True, description="Local date.")
        ],
        responses=DaySuggestionsSerializer,
    )
    def list(self, request: Request) -> Response:
        """Your day's suggestions, gap by gap, the likeliest first; dismissed ones left out."""
        member = require_member(request)
        day = _date(request.query_params)
        found = suggestions_offered(member=member, day=day)
        payload = {
            "date": day,
            "time_zone": member.time_zone,
            "suggestions": [suggestion_payload(s, member) for s in found],
        }
        return Response(DaySuggestionsSerializer(payload).data)

    @extend_schema(
        request=DismissSerializer,
        responses={201: DismissedSerializer, 404: error_response("404")},
    )
    @action(detail=False, methods=["post"])
    def dismiss(self, request: Request) -> Response:
        """Stop offering one of your suggestions, for good. Dismissing it twice is no change;
        a key that is not one of your suggestions is a 404."""
        member = self.member
        given = DismissSerializer(data=object_body(request))
        given.is_valid(raise_exception=True)
        key = given.validated_data["key"]
        try:
            dismissal = suggestion_dismiss(member=member, key=key)
        except ValidationError:
            raise Http404(NOT_YOURS) from None
        return Response(
            {"key": dismissal.key, "date": suggestion_day(key, member)},
            status=status.HTTP_201_CREATED,
        )
