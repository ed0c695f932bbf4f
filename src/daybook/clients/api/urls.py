from rest_framework.routers import BaseRouter

from .views import AgreementViewSet, CompanyViewSet


def register(router: BaseRouter) -> None:
    router.register("companies", CompanyViewSet, basename="company")
    router.register("agreements", AgreementViewSet, basename="agreement")
