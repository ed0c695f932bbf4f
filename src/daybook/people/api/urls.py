from rest_framework.routers import BaseRouter

from .views import MemberViewSet, TeamViewSet


def register(router: BaseRouter) -> None:
    router.register("members", MemberViewSet, basename="member")
    router.register("teams", TeamViewSet, basename="team")
