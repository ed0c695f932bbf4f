from rest_framework.routers import BaseRouter

from ..timer_api import TimerViewSet
from .views import TimeEntryViewSet, WorkRoleViewSet, WorkTypeViewSet


def register(router: BaseRouter) -> None:
    router.register("work-roles", WorkRoleViewSet, basename="workrole")
    router.register("work-types", WorkTypeViewSet, basename="worktype")
    router.register("time-entries", TimeEntryViewSet, basename="timeentry")
    router.register("timer", TimerViewSet, basename="timer")
