from rest_framework.routers import BaseRouter

from .views import ApiTokenViewSet


def register(router: BaseRouter) -> None:
    router.register("tokens", ApiTokenViewSet, basename="apitoken")
