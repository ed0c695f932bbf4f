"""Day reviews over the API: the same selectors and services as every other door.

GET  /api/reviews/?date=YYYY-MM-DD[&team=<id>]        days the requester may see
GET  /api/reviews/<member_id>/<date>/                 one day (404 if not yours to see)
POST /api/reviews/<member_id>/<date>/mark-clean/
POST /api/reviews/<member_id>/<date>/mark-excused/    {"note": "..."}
POST /api/reviews/mark-all-clean/                     {"date": "...", "team": <id>}

There is no ordering parameter: days come by team, then name, and never by hours.
"""

from datetime import date

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin
from daybook.people.models import Member, Team

from ..selectors import DayView, review_day_for, review_days, reviewable_members
from ..services import review_mark_all_clean, review_mark_clean, review_mark_excused
from .serializers import (
    DayReviewSerializer,
    ExcuseSerializer,
    MarkAllCleanSerializer,
    MarkedSerializer,
    day_payload,
)

KEY = OpenApiParameter(
    "key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The member's id and their local date, e.g. 12/2025-03-14.",
)


def _parse_date(raw: str | None) -> date:
    if not raw:
        raise ValidationError({"date": ["Give a date like 2025-03-14."]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"date": [f"{raw!r} is not a date; use YYYY-MM-DD."]}) from None


def _parse_team(raw: str | int | None) -> Team | None:
    if raw in (None, ""):
        return None
    try:
        team_id = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"team": [f"{raw!r} is not a team id."]}) from None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team": [f"There is no team with id {team_id}."]})
    return team


@extend_schema(tags=["reviews"])
class DayReviewViewSet(DaybookViewSetMixin, viewsets.GenericViewSet):
    """End-of-day reviews. A reviewer sees a member's day only once it has ended plus grace,
    and only gaps at or over the threshold; technicians see only their own day.

    Reads are scoped by the selectors (whose days you may see); decisions are checked by the
    services (whose days you review, and never your own).
    """

    serializer_class = DayReviewSerializer
    filter_backends: list = []
    lookup_field = "key"
    # "<member_id>/<date>"; the date is checked in the view, so a bad one is a 400, not a 404.
    lookup_value_regex = r"[0-9]+/[^/]+"
    permissions_by_action = {
        "list": ["timekeeping.view_timeentry"],
        "retrieve": ["timekeeping.view_timeentry"],
        "mark_clean": [],
        "mark_excused": [],
        "mark_all_clean": [],
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return reviewable_members(self.request.user)

    def _day_view(self, key: str) -> DayView:
        member_id, raw_date = key.split("/", 1)
        day = _parse_date(raw_date)
        member = Member.objects.select_related("user", "team").filter(pk=int(member_id)).first()
        view = None
        if member is not None:
            view = review_day_for(member=member, day=day, viewer=self.request.user)
        if view is None:
            raise Http404("There is no day here for you to see.")
        return view

    def _respond(self, key: str) -> Response:
        return Response(DayReviewSerializer(day_payload(self._day_view(key))).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("team", OpenApiTypes.INT, required=False),
        ],
        responses=DayReviewSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        day = _parse_date(request.query_params.get("date"))
        team = _parse_team(request.query_params.get("team"))
        page = self.paginate_queryset(reviewable_members(request.user, team=team))
        views = review_days(day=day, members=page, viewer=request.user)
        data = DayReviewSerializer([day_payload(v) for v in views], many=True).data
        return self.get_paginated_response(data)

    @extend_schema(parameters=[KEY], responses=DayReviewSerializer)
    def retrieve(self, request: Request, key: str) -> Response:
        return self._respond(key)

    @extend_schema(parameters=[KEY], request=None, responses=DayReviewSerializer)
    @action(detail=True, methods=["post"], url_path="mark-clean")
    def mark_clean(self, request: Request, key: str) -> Response:
        view = self._day_view(key)
        review_mark_clean(member=view.member, day=view.day, by=self.member)
        return self._respond(key)

    @extend_schema(parameters=[KEY], request=ExcuseSerializer, responses=DayReviewSerializer)
    @action(detail=True, methods=["post"], url_path="mark-excused")
    def mark_excused(self, request: Request, key: str) -> Response:
        view = self._day_view(key)
        body = ExcuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_mark_excused(
            member=view.member, day=view.day, by=self.member, note=body.validated_data["note"]
        )
        return self._respond(key)

    @extend_schema(request=MarkAllCleanSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-all-clean")
    def mark_all_clean(self, request: Request) -> Response:
        body = MarkAllCleanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = _parse_team(body.validated_data.get("team"))
        marked = review_mark_all_clean(
            day=body.validated_data["date"],
            members=reviewable_members(request.user, team=team),
            by=self.member,
        )
        return Response(MarkedSerializer({"marked": marked}).data)
