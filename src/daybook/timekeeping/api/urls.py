from rest_framework.routers import BaseRouter

from ..timer_api import TimerViewSet
from .approvals import PeriodCloseViewSet, WeekSubmissionViewSet
from .gaps import MemberGapsViewSet
from .rerate import RerateViewSet
from .suggestions import MySuggestionsViewSet
from .tickets import TicketViewSet
from .views import TimeEntryViewSet


def register(router: BaseRouter) -> None:
    # Service's ticket endpoints plus the actions that touch time (see tickets.py).
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("time-entries", TimeEntryViewSet, basename="timeentry")
    router.register("timer", TimerViewSet, basename="timer")
    router.register("rerate", RerateViewSet, basename="rerate")
    router.register("week-submissions", WeekSubmissionViewSet, basename="weeksubmission")
    router.register("period-closes", PeriodCloseViewSet, basename="periodclose")
    router.register(r"members/(?P<member_id>[0-9]+)/gaps", MemberGapsViewSet, "member-gaps")
    router.register("me/suggestions", MySuggestionsViewSet, basename="my-suggestions")
