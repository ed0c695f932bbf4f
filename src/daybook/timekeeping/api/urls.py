from rest_framework.routers import BaseRouter

from ..timer_api import TimerViewSet
from .views import TimeEntryViewSet


def register(router: BaseRouter) -> None:
    router.register("time-entries", TimeEntryViewSet, basename="timeentry")
    router.register("timer", TimerViewSet, basename="timer")
