from datetime import date

from rest_framework import serializers

from daybook.catalogue.models import RATES_SINCE, WorkRole, WorkType
from daybook.core.api import (
    CleanModelSerializer,
    IdField,
    MoneyFieldsMixin,
    WindowModelSerializer,
)

from ..models import Agreement, AgreementRate, Company
from ..services import RoleRate, agreement_create, agreement_update

AGREEMENT_FIELDS = (
    "name",
    "type",
    "start_date",
    "end_date",
    "monthly_fee",
    "prepaid_hours",
    "prepaid_amount",
    "hourly_rate",
    "estimated_hours",
)


class CompanySerializer(CleanModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "identifier", "time_zone", "is_active"]


class AgreementRateSerializer(WindowModelSerializer):
    """A work role's rate on the agreement from `effective_from` (left out: from the start)
    until the same role's next dated rate."""

    work_role = IdField(queryset=WorkRole.objects.all(), label_text="work role")

    class Meta:
        model = AgreementRate
        fields = ["work_role", "rate", "effective_from"]
        extra_kwargs = {"effective_from": {"required": False}}


class AgreementSerializer(MoneyFieldsMixin, CleanModelSerializer):
    """An agreement with the work types it covers and its per-role rates.

    Sending role_rates replaces the whole list; leaving it out keeps the rates as they are.
    Fees, rates and the prepaid amount show only to those who may see money.
    """

    money_fields = ("monthly_fee", "prepaid_amount", "hourly_rate", "role_rates")

    company = IdField(queryset=Company.objects.all())
    covered_work_types = IdField(
        queryset=WorkType.objects.all(), many=True, required=False, label_text="work type"
    )
    role_rates = AgreementRateSerializer(
        many=True,
        required=False,
        help_text="Rates per work role on this agreement.",
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "company",
            "name",
            "type",
            "start_date",
            "end_date",
            "monthly_fee",
            "prepaid_hours",
            "prepaid_amount",
            "hourly_rate",
            "estimated_hours",
            "covered_work_types",
            "role_rates",
        ]

    def validate_role_rates(self, rates: list[dict]) -> list[dict]:
        seen: set[tuple[int, date]] = set()
        for rate in rates:
            role = rate["work_role"]
            key = (role.pk, rate.get("effective_from", RATES_SINCE))
            if key in seen:
                raise serializers.ValidationError(
                    f"{role} is listed twice from the same date; an agreement has one rate "
                    "per work role and date."
                )
            seen.add(key)
        return rates

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [f"The agreement cannot end ({end}) before it starts ({start})."]}
            )
        return attrs

    # Writes go through the clients services, so the API keeps the same rules as the setup
    # pages (what each agreement type needs, dated role rates, permissions).
    def create(self, validated_data):
        return agreement_create(
            by=self.context["view"].member,
            company=validated_data["company"],
            **self._service_fields(validated_data, None),
            covered_work_types=validated_data.get("covered_work_types", ()),
            role_rates=self._role_rates(validated_data) or (),
        )

    def update(self, instance, validated_data):
        if "company" in validated_data and validated_data["company"] != instance.company:
            raise serializers.ValidationError(
                {"company": ["An agreement stays with its company; make a new one instead."]}
            )
        covered = validated_data.get("covered_work_types", instance.covered_work_types.all())
        return agreement_update(
            by=self.context["view"].member,
            agreement=instance,
            **self._service_fields(validated_data, instance),
            covered_work_types=covered,
            role_rates=self._role_rates(validated_data),
        )

    @staticmethod
    def _service_fields(data: dict, instance: Agreement | None) -> dict:
        return {
            name: data[name] if name in data else getattr(instance, name, None)
            for name in AGREEMENT_FIELDS
        }

    @staticmethod
    def _role_rates(data: dict) -> list[RoleRate] | None:
        if "role_rates" not in data:
            return None
        return [
            RoleRate(
                work_role=given["work_role"],
                rate=given["rate"],
                effective_from=given.get("effective_from") or RATES_SINCE,
            )
            for given in data["role_rates"]
        ]
