from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from daybook.core.admin import AuditHistoryAdmin

from .models import Agreement, AgreementRate, Company, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "identifier", "time_zone", "is_active", "agreement_count"]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["name", "identifier"]
    prepopulated_fields = {"identifier": ["name"]}
    inlines = [ContactInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agreement_count=Count("agreements"))

    @admin.display(description="Agreements", ordering="agreement_count")
    def agreement_count(self, obj: Company) -> int:
        return obj.agreement_count


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "email", "phone"]
    list_select_related = ["company"]
    search_fields = ["name", "email", "company__name"]
    autocomplete_fields = ["company"]


class AgreementRateInline(admin.TabularInline):
    model = AgreementRate
    extra = 0
    fields = ["work_role", "rate", "effective_from"]
    verbose_name = "work role rate"
    verbose_name_plural = (
        "work role rates (beat the agreement's hourly rate, each from its date until the "
        "role's next one)"
    )


class ActiveTodayFilter(admin.SimpleListFilter):
    title = "active today"
    parameter_name = "active_today"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        active = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.exclude(active)
        return queryset


@admin.register(Agreement)
class AgreementAdmin(AuditHistoryAdmin):
    list_display = [
        "company",
        "name",
        "type",
        "start_date",
        "end_date",
        "monthly_fee",
        "prepaid_hours",
        "active_today",
    ]
    list_filter = ["type", ActiveTodayFilter, "company"]
    list_select_related = ["company"]
    search_fields = ["name", "company__name", "company__identifier"]
    autocomplete_fields = ["company"]
    filter_horizontal = ["covered_work_types"]
    date_hierarchy = "start_date"
    inlines = [AgreementRateInline]

    @admin.display(description="Active today", boolean=True)
    def active_today(self, obj: Agreement) -> bool:
        # "Today" on the client's calendar, as its statements count days.
        return obj.is_active_on(timezone.localdate(timezone=ZoneInfo(obj.company.time_zone)))
