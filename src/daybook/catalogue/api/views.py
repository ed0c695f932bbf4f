"""Work roles and work types over the API."""

from daybook.core.api import SetupViewSet, model_permissions

from ..filtersets import WorkTypeFilterSet
from ..models import WorkRole, WorkType
from .serializers import WorkRoleSerializer, WorkTypeSerializer


class WorkRoleViewSet(SetupViewSet):
    queryset = WorkRole.objects.all()
    serializer_class = WorkRoleSerializer
    permissions_by_action = model_permissions("catalogue", "workrole")
    # Not by rate: the order alone would tell those who may not see money how rates compare.
    ordering_fields = ["name"]


class WorkTypeViewSet(SetupViewSet):
    queryset = WorkType.objects.all()
    serializer_class = WorkTypeSerializer
    filterset_class = WorkTypeFilterSet
    permissions_by_action = model_permissions("catalogue", "worktype")
    ordering_fields = ["name"]
