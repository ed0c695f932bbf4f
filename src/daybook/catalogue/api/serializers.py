from django.utils import timezone

from daybook.core.api import CleanModelSerializer, MoneyFieldsMixin

from ..models import WorkRole, WorkType
from ..rates import work_role_rate_set


class WorkRoleSerializer(MoneyFieldsMixin, CleanModelSerializer):
    """A work role; its standard hourly rate only for those who may see money.

    `rate` is the latest dated rate. Changing it sets a new rate from today (in the
    organisation's zone); entries already saved keep theirs until Finance re-rates them.
    """

    money_fields = ("rate",)

    class Meta:
        model = WorkRole
        fields = ["id", "name", "rate"]

    def update(self, instance: WorkRole, validated_data: dict) -> WorkRole:
        rate = validated_data.pop("rate", instance.rate)
        role = super().update(instance, validated_data)
        if rate != role.rate:
            request = self.context.get("request")
            work_role_rate_set(
                work_role=role,
                rate=rate,
                effective_from=timezone.localdate(),
                by=getattr(getattr(request, "user", None), "member", None),
            )
        return role


class WorkTypeSerializer(CleanModelSerializer):
    class Meta:
        model = WorkType
        fields = [
            "id",
            "name",
            "billable_default",
            "rate_multiplier",
            "is_payroll_wrap",
            "is_time_off",
            "counts_toward_utilization",
            "is_active",
        ]
