"""A member's gaps over a range of local days.

GET /api/members/<member_id>/gaps/?from=2025-01-01&to=2025-12-31

The member sees every day of their own; a reviewer (or Finance, Admin) sees the member only if
they may see the member's time at all, and then only the days whose review has opened, like the
day review (`/api/reviews/<member_id>/<date>/`). A member the requester may not see is a 404.
"""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin
from daybook.core.time import Span
from daybook.people.models import Member
from daybook.people.selectors import members_visible_to

from ..gaps_range import MAX_RANGE_DAYS, GapRange, gap_range_check, member_gaps_range

NO_MEMBER_HERE = "There is no member here for you to see."


class GapSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="In the member's time zone.")
    end = serializers.DateTimeField(help_text="In the member's time zone.")
    minutes = serializers.FloatField()


class GapDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The member's local date.")
    minutes = serializers.FloatField(help_text="All of the day's gaps together.")
    gaps = GapSerializer(many=True)


class GapRangeSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="The member's id.")
    time_zone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    gap_threshold_minutes = serializers.IntegerField(
        help_text="Gaps shorter than this are left out."
    )
    working_days = serializers.IntegerField(help_text="Working days in the range you may see.")
    days_not_open = serializers.IntegerField(
        help_text="Scheduled days whose review has not opened yet: left out (0 for your own)."
    )
    total_minutes = serializers.FloatField()
    gap_count = serializers.IntegerField()
    days = GapDaySerializer(many=True, help_text="Only the days with at least one gap.")


def _minutes(value: float) -> float:
    return round(value, 2)


def gap_range_payload(result: GapRange) -> dict:
    zone = result.member.zone

    def gap(span: Span) -> dict:
        return {
            # As text: the serializer would turn an aware time into the server's zone.
            "start": span.start.astimezone(zone).isoformat(),
            "end": span.end.astimezone(zone).isoformat(),
            "minutes": _minutes(span.minutes),
        }

    return {
        "member": result.member.pk,
        "time_zone": result.member.time_zone,
        "date_from": result.first,
        "date_to": result.last,
        "gap_threshold_minutes": result.gap_threshold_minutes,
        "working_days": result.working_days,
        "days_not_open": result.days_not_open,
        "total_minutes": _minutes(result.total_minutes),
        "gap_count": result.gap_count,
        "days": [
            {"date": day.day, "minutes": _minutes(day.minutes), "gaps": [gap(g) for g in day.gaps]}
            for day in result.days
        ],
    }


def _dates(params: Mapping) -> tuple[date, date]:
    """`from` and `to` from the query string; a ValidationError keyed by parameter."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for key in ("from", "to"):
        text = params.get(key)
        if not text:
            errors[key] = f"Give `{key}` as a date, YYYY-MM-DD."
            continue
        try:
            days[key] = date.fromisoformat(text)
        except ValueError:
            errors[key] = f"Give `{key}` as a date, YYYY-MM-DD, not {text!r}."
    if errors:
        raise ValidationError(errors)
    return gap_range_check(first=days["from"], last=days["to"])


RANGE = [
    OpenApiParameter(
        "member_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The member's id."
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First local date."),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        required=True,
        description=f"Last local date, included; at most {MAX_RANGE_DAYS} days after `from`.",
    ),
]


@extend_schema(tags=["gaps"])
class MemberGapsViewSet(DaybookViewSetMixin, viewsets.GenericViewSet):
    """A member's gaps over a range of days, as the day review finds them."""

    filter_backends: list = []
    pagination_class = None
    permissions_by_action = {"list": ["timekeeping.view_timeentry"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return members_visible_to(self.request.user)

    @extend_schema(parameters=RANGE, responses=GapRangeSerializer)
    def list(self, request: Request, member_id: str) -> Response:
        """Each working day's gaps at or over the threshold, in the member's time zone, and
        the total. Others see only the days whose review has opened."""
        member = (
            self.get_queryset().filter(pk=int(member_id)).select_related("user", "team").first()
        )
        if member is None:
            raise Http404(NO_MEMBER_HERE)
        first, last = _dates(request.query_params)
        own = member.user_id == request.user.pk
        result = member_gaps_range(member=member, first=first, last=last, own=own)
        return Response(GapRangeSerializer(gap_range_payload(result)).data)
