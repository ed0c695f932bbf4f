from rest_framework.routers import BaseRouter

from .views import BoardViewSet, PhaseViewSet, ProjectViewSet, TicketViewSet


def register(router: BaseRouter) -> None:
    router.register("boards", BoardViewSet, basename="board")
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("projects", ProjectViewSet, basename="project")
    router.register("phases", PhaseViewSet, basename="phase")
