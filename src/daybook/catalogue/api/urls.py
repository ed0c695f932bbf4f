from rest_framework.routers import BaseRouter

from .views import WorkRoleViewSet, WorkTypeViewSet


def register(router: BaseRouter) -> None:
    router.register("work-roles", WorkRoleViewSet, basename="workrole")
    router.register("work-types", WorkTypeViewSet, basename="worktype")
