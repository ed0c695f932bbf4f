from django.contrib import admin
from django.db import models
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from daybook.timekeeping.models import ReviewPolicy
from daybook.timekeeping.visibility import visible_entry_q

from .choices import NoticeKind
from .composer import PLACEHOLDER_HELP
from .models import DayReview, Delivery, FollowUp, MessageTemplate, Notice, NotificationSetting


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


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin):
    """Administrators write the follow-up templates here. Placeholders are checked on save."""

    list_display = ["name", "subject", "is_default", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "is_default", "subject", "body"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["help_texts"] = {
            "body": f"Placeholders: {PLACEHOLDER_HELP}. They are filled from the day asked "
            "about; the reviewer can still edit the text before sending.",
            "subject": f"Placeholders: {PLACEHOLDER_HELP}.",
        }
        return super().get_form(request, obj, change, **kwargs)


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["member", "by_email", "chat_kind"]
    list_select_related = ["member__user"]
    # A search box, not a list naming every member (each name read on its own).
    autocomplete_fields = ["member"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempts", "last_error", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom, and how each delivery went."""

    list_display = ["subject", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", "deliveries__status"]
    list_select_related = ["recipient__user"]
    inlines = [DeliveryInline]

    def get_queryset(self, request):
        # A nudge about a timer still running speaks of the member's day before its review
        # opens (timekeeping/visibility.py): others see it once that day has opened.
        about_the_day = Q(kind=NoticeKind.NUDGE)
        visible = visible_entry_q(
            request.user, lookup="created_at__lte", member_field="recipient_id"
        )
        return super().get_queryset(request).filter(~about_the_day | visible)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Read-only: follow-ups are sent from the review page, which checks the guardrails."""

    list_display = ["member", "date", "state", "sent_by", "created_at", "resolved_at"]
    list_filter = ["state", "date"]
    list_select_related = ["member__user", "sent_by__user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
