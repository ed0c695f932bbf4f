from rest_framework.routers import BaseRouter

from .views import (
    CapacityViewSet,
    ForecastViewSet,
    ProfitabilityViewSet,
    ProjectsViewSet,
    SlaViewSet,
    StatementViewSet,
    WorkloadViewSet,
)


def register(router: BaseRouter) -> None:
    router.register("reports/profitability", ProfitabilityViewSet, basename="report-profitability")
    router.register("reports/statements", StatementViewSet, basename="report-statement")
    router.register("reports/sla", SlaViewSet, basename="report-sla")
    router.register("reports/projects", ProjectsViewSet, basename="report-projects")
    router.register("reports/capacity", CapacityViewSet, basename="report-capacity")
    router.register("reports/workload", WorkloadViewSet, basename="report-workload")
    router.register("reports/forecast", ForecastViewSet, basename="report-forecast")
