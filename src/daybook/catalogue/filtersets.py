import django_filters

from .models import WorkType


class WorkTypeFilterSet(django_filters.FilterSet):
    class Meta:
        model = WorkType
        fields = ["is_active", "is_payroll_wrap", "is_time_off", "billable_default"]
