from rest_framework.routers import BaseRouter

from .views import DayReviewViewSet


def register(router: BaseRouter) -> None:
    router.register("reviews", DayReviewViewSet, basename="review")
