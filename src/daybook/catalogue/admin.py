from django.contrib import admin
from django.utils import timezone

from .models import WorkRole, WorkRoleRate, WorkType
from .rates import work_role_latest_rate_keep, work_role_rate_set


class WorkRoleRateInline(admin.TabularInline):
    model = WorkRoleRate
    extra = 0
    fields = ["effective_from", "rate"]
    verbose_name = "dated rate"
    verbose_name_plural = (
        "dated rates (each applies from its date until the next; entries keep the rate they "
        "were saved with until Finance re-rates them)"
    )


@admin.register(WorkRole)
class WorkRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "rate"]
    search_fields = ["name"]
    inlines = [WorkRoleRateInline]

    def save_model(self, request, obj, form, change):
        if change and "rate" in form.changed_data:
            # A new rate typed over the old one takes effect today, through the one service.
            rate = obj.rate
            obj.rate = form.initial["rate"]
            super().save_model(request, obj, form, change)
            work_role_rate_set(
                work_role=obj,
                rate=rate,
                effective_from=timezone.localdate(),
                by=getattr(request.user, "member", None),
            )
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        work_role_latest_rate_keep(form.instance)


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
