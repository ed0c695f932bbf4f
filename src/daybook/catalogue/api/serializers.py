from daybook.core.api import CleanModelSerializer, MoneyFieldsMixin

from ..models import WorkRole, WorkType


class WorkRoleSerializer(MoneyFieldsMixin, CleanModelSerializer):
    """A work role; its standard hourly rate only for those who may see money."""

    money_fields = ("rate",)

    class Meta:
        model = WorkRole
        fields = ["id", "name", "rate"]


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
