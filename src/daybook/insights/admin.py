from django.contrib import admin

from .models import IssuedStatement


@admin.register(IssuedStatement)
class IssuedStatementAdmin(admin.ModelAdmin):
    """Issued statements are a record of what the client received: readable, never edited."""

    list_display = [
        "company",
        "period_start",
        "period_end",
        "fingerprint",
        "issued_by",
        "issued_at",
    ]
    list_filter = ["company"]
    search_fields = ["fingerprint", "company__name"]
    list_select_related = ["company", "issued_by__user"]
    date_hierarchy = "issued_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
