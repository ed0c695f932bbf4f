from rest_framework.routers import BaseRouter

from .views import BoardViewSet, PhaseViewSet, ProjectViewSet


def register(router: BaseRouter) -> None:
    # "tickets" is registered by timekeeping's API: its TicketViewSet (this app's, plus the
    # status and agreement actions that touch members' time) sits in a layer above this one.
    router.register("boards", BoardViewSet, basename="board")
    router.register("projects", ProjectViewSet, basename="project")
    router.register("phases", PhaseViewSet, basename="phase")
