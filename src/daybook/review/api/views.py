"""Day reviews over the API: the same selectors and services as every other door.

GET  /api/reviews/?date=YYYY-MM-DD[&team=<id or name>]  days the requester may see
GET  /api/reviews/<member_id>/<date>/                    one day (404 if not yours to see)
POST /api/reviews/<member_id>/<date>/mark-clean/
POST /api/reviews/<member_id>/<date>/mark-excused/       {"note": "..."}
POST /api/reviews/mark-all-clean/                        {"date": "...", "team": <id or name>}

The date and team are read by review/forms.py's ReviewDayForm, as on the page and the command
line, so a bad one gets the same sentence there as here.

There is no ordering parameter: days come by team, then name, and never by hours.
"""

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin
from daybook.people.models import Member

from ..forms import ReviewDay, ReviewDayForm
from ..selectors import DayView, review_day_or_404, review_days, reviewable_members
from ..services import review_mark_all_clean, review_mark_clean, review_mark_excused
from .serializers import (
    DayReviewSerializer,
    ExcuseSerializer,
    MarkAllCleanSerializer,
    MarkedSerializer,
    day_payload,
)

DAY = [
    OpenApiParameter(
        "member", OpenApiTypes.INT, OpenApiParameter.PATH, description="The member's id."
    ),
    OpenApiParameter(
        "date",
        OpenApiTypes.DATE,
        OpenApiParameter.PATH,
        description="The member's local date, e.g. 2025-03-14.",
    ),
]
TEAM_HELP = "A team's id or its name; all the teams you review when left out."


def _review_day(data: Mapping, request: Request) -> ReviewDay:
    if not isinstance(data, Mapping):
        data = {}  # a JSON body that is not an object: every parameter is missing
    # Only the date and team: `format` in a query string is DRF's choice of renderer.
    form = ReviewDayForm({"date": data.get("date"), "team": data.get("team")}, viewer=request.user)
    return form.checked()  # a ValidationError becomes a 400 keyed by parameter


@extend_schema(tags=["reviews"])
class DayReviewViewSet(DaybookViewSetMixin, viewsets.GenericViewSet):
    """End-of-day reviews. A reviewer sees a member's day only once it has ended plus grace,
    and only gaps at or over the threshold; technicians see only their own day.

    Reads are scoped by the selectors (whose days you may see); decisions are checked by the
    services (whose days you review, and never your own).
    """

    serializer_class = DayReviewSerializer
    filter_backends: list = []
    # A day is /reviews/<member>/<date>/: the member by id, then the date, which the view
    # checks itself so that a bad one is a 400 with its reason, not a 404.
    lookup_field = "member"
    lookup_value_regex = r"[0-9]+"
    permissions_by_action = {
        "list": ["timekeeping.view_timeentry"],
        "day": ["timekeeping.view_timeentry"],
        "mark_clean": [],
        "mark_excused": [],
        "mark_all_clean": [],
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return reviewable_members(self.request.user)

    def _day_view(self, member: str, date: str) -> DayView:
        day = _review_day({"date": date}, self.request).day
        return review_day_or_404(member_id=int(member), day=day, viewer=self.request.user)

    def _respond(self, member: str, date: str) -> Response:
        return Response(DayReviewSerializer(day_payload(self._day_view(member, date))).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("team", OpenApiTypes.STR, required=False, description=TEAM_HELP),
        ],
        responses=DayReviewSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        chosen = _review_day(request.query_params, request)
        page = self.paginate_queryset(reviewable_members(request.user, team=chosen.team))
        views = review_days(day=chosen.day, members=page, viewer=request.user)
        data = DayReviewSerializer([day_payload(v) for v in views], many=True).data
        return self.get_paginated_response(data)

    @extend_schema(parameters=DAY, responses=DayReviewSerializer)
    @action(detail=True, methods=["get"], url_path=r"(?P<date>[^/]+)")
    def day(self, request: Request, member: str, date: str) -> Response:
        """One member's day, as you may see it."""
        return self._respond(member, date)

    @extend_schema(parameters=DAY, request=None, responses=DayReviewSerializer)
    @action(detail=True, methods=["post"], url_path=r"(?P<date>[^/]+)/mark-clean")
    def mark_clean(self, request: Request, member: str, date: str) -> Response:
        view = self._day_view(member, date)
        review_mark_clean(member=view.member, day=view.day, by=self.member)
        return self._respond(member, date)

    @extend_schema(parameters=DAY, request=ExcuseSerializer, responses=DayReviewSerializer)
    @action(detail=True, methods=["post"], url_path=r"(?P<date>[^/]+)/mark-excused")
    def mark_excused(self, request: Request, member: str, date: str) -> Response:
        view = self._day_view(member, date)
        body = ExcuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_mark_excused(
            member=view.member, day=view.day, by=self.member, note=body.validated_data["note"]
        )
        return self._respond(member, date)

    @extend_schema(request=MarkAllCleanSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-all-clean")
    def mark_all_clean(self, request: Request) -> Response:
        chosen = _review_day(request.data, request)
        marked = review_mark_all_clean(
            day=chosen.day,
            members=reviewable_members(request.user, team=chosen.team),
            by=self.member,
        )
        return Response(MarkedSerializer({"marked": marked}).data)
