from django.contrib import admin

from .models import WorkRole, WorkType


@admin.register(WorkRole)
class WorkRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "rate"]
    search_fields = ["name"]


@admin.register(WorkType)
class WorkTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "billable_default",
        "rate_multiplier",
        "is_payroll_wrap",
        "is_time_off",
        "counts_toward_utilization",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "billable_default",
        "is_payroll_wrap",
        "is_time_off",
        "counts_toward_utilization",
    ]
    search_fields = ["name"]
