from daybook.core.api import CleanModelSerializer

from ..models import WorkRole, WorkType


class WorkRoleSerializer(CleanModelSerializer):
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
