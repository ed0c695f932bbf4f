from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DayReview, ReviewPolicy


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(SimpleHistoryAdmin):
    """Administrators set the organisation's review settings here, and any team's own."""

    list_display = ["__str__", "gap_threshold_minutes", "realtime_window_minutes", "grace_minutes"]
    list_select_related = ["team"]


@admin.register(DayReview)
class DayReviewAdmin(SimpleHistoryAdmin):
    """Read-only: decisions about a day go through the review services, which check that the
    day's review has opened and that the reviewer may decide about it."""

    list_display = ["member", "date", "state", "reviewed_by", "reviewed_at"]
    list_filter = ["state", "date"]
    list_select_related = ["member__user", "reviewed_by__user"]
    search_fields = ["member__user__username", "member__user__first_name"]
    date_hierarchy = "date"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
