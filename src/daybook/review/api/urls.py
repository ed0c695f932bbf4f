from rest_framework.routers import BaseRouter

from .follow_ups import FollowUpViewSet
from .tone import ToneCheckViewSet
from .views import DayReviewViewSet


def register(router: BaseRouter) -> None:
    router.register("reviews", DayReviewViewSet, basename="review")
    router.register("follow-ups", FollowUpViewSet, basename="follow-up")
    router.register("tone-check", ToneCheckViewSet, basename="tone-check")
