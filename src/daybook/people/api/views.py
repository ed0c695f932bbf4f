"""Members and teams, read-only. Members are scoped like their time: yourself, the teams you
review, or everyone for Finance and Admin. Dispatch (who assigns tickets) also sees the members
who may be given work (people/assignable.py), to pick an assignee: their names and teams, not
their time, and their cost rates only if the role sees money."""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import DaybookViewSetMixin, error_response
from daybook.core.members import request_member

from ..assignable import members_assignable
from ..filtersets import MemberFilterSet
from ..models import Member, Team
from ..selectors import members_visible_to
from .serializers import MemberSerializer, TeamSerializer

MEMBER_VIEW = ["people.view_member"]
# Who assigns tickets; named here as a permission, so people needs nothing from service.
DISPATCH = "service.dispatch_ticket"


def members_listed_for(user) -> QuerySet[Member]:
    """Members the API shows `user`: those whose time they may see, and for dispatch also
    everyone who may be given a ticket."""
    visible = members_visible_to(user)
    if not user.has_perm(DISPATCH):
        return visible
    return Member.objects.filter(
        Q(pk__in=visible.values("pk")) | Q(pk__in=members_assignable().values("pk"))
    )


class MemberViewSet(DaybookViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    ordering_fields = ["user__username", "user__first_name", "user__last_name"]
    permissions_by_action = {
        "list": MEMBER_VIEW,
        "retrieve": MEMBER_VIEW,
        # Anyone signed in may see their own profile.
        "me": [],
    }

    def get_queryset(self) -> QuerySet[Member]:
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return members_listed_for(self.request.user).select_related("user")

    @extend_schema(responses={200: MemberSerializer, 404: error_response("404")})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def me(self, request: Request) -> Response:
        """The member behind the current login."""
        member = request_member(request)
        if member is None:
            raise exceptions.NotFound("Your login has no member profile.")
        return Response(self.get_serializer(member).data)


class TeamViewSet(DaybookViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    ordering_fields = ["name"]
    permissions_by_action = {"list": ["people.view_team"], "retrieve": ["people.view_team"]}
