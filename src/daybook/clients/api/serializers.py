from django.db import transaction
from rest_framework import serializers

from daybook.catalogue.models import WorkRole, WorkType
from daybook.core.api import CleanModelSerializer, IdField, MoneyFieldsMixin

from ..models import Agreement, AgreementRate, Company


class CompanySerializer(CleanModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "identifier", "time_zone", "is_active"]


class AgreementRateSerializer(serializers.ModelSerializer):
    work_role = IdField(queryset=WorkRole.objects.all(), label_text="work role")

    class Meta:
        model = AgreementRate
        fields = ["work_role", "rate"]


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
        seen: set[int] = set()
        for rate in rates:
            role = rate["work_role"]
            if role.pk in seen:
                raise serializers.ValidationError(
                    f"{role} is listed twice; an agreement has one rate per work role."
                )
            seen.add(role.pk)
        return rates

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [f"The agreement cannot end ({end}) before it starts ({start})."]}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        rates = validated_data.pop("role_rates", None)
        agreement = super().create(validated_data)
        if rates is not None:
            self._replace_rates(agreement, rates)
        return agreement

    @transaction.atomic
    def update(self, instance, validated_data):
        rates = validated_data.pop("role_rates", None)
        agreement = super().update(instance, validated_data)
        if rates is not None:
            self._replace_rates(agreement, rates)
        return agreement

    def _replace_rates(self, agreement: Agreement, rates: list[dict]) -> None:
        agreement.role_rates.all().delete()
        for given in rates:
            rate = AgreementRate(agreement=agreement, **given)
            rate.full_clean()
            rate.save()
