from rest_framework.routers import BaseRouter

from ..timer_api import TimerViewSet
from .tickets import TicketViewSet
from .views import TimeEntryViewSet


def register(router: BaseRouter) -> None:
    # Service's ticket endpoints plus the actions that touch time (see tickets.py).
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("time-entries", TimeEntryViewSet, basename="timeentry")
    router.register("timer", TimerViewSet, basename="timer")
