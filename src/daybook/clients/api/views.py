"""Companies and agreements: read by everyone with a role, written by Finance and Admin."""

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from daybook.core.api import SetupViewSet, model_permissions

from ..filtersets import AgreementFilterSet, CompanyFilterSet
from ..models import Agreement, Company
from .serializers import AgreementSerializer, CompanySerializer

RATE_WRITE_PERMS = [
    "clients.add_agreementrate",
    "clients.change_agreementrate",
    "clients.delete_agreementrate",
]


class CompanyViewSet(SetupViewSet):
    queryset = Company.objects.all()
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    ordering_fields = ["name", "identifier"]
    permissions_by_action = model_permissions("clients", "company")


class AgreementViewSet(SetupViewSet):
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = ["name", "start_date", "end_date"]
    permissions_by_action = model_permissions("clients", "agreement")

    def get_queryset(self) -> QuerySet[Agreement]:
        return Agreement.objects.select_related("company").prefetch_related(
            "covered_work_types", "role_rates"
        )

    def _check_rate_permissions(self, request: Request) -> None:
        sends_rates = isinstance(request.data, dict) and "role_rates" in request.data
        if sends_rates and not request.user.has_perms(RATE_WRITE_PERMS):
            raise exceptions.PermissionDenied("You may not set the rates on an agreement.")

    def create(self, request: Request, *args, **kwargs) -> Response:
        self._check_rate_permissions(request)
        return super().create(request, *args, **kwargs)

    def update(self, request: Request, *args, **kwargs) -> Response:
        self._check_rate_permissions(request)
        return super().update(request, *args, **kwargs)
