"""Admin for logins: API tokens (read and revoke), unlocking paused sign-ins, and the user
admin's password form, which saves through the password service so tokens are revoked."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .forms import AdminPasswordChangeForm
from .models import ApiToken
from .services import login_unlock, token_revoke

User = get_user_model()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (the key is shown to them once); here staff see them
    and can revoke them, nothing more."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__username", "user__email"]
    list_select_related = ["user"]
    readonly_fields = list_display
    fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Revoked tokens stay as the record of what existed; revoke instead.
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token)
        self.message_user(request, f"{len(tokens)} token(s) revoked.", messages.SUCCESS)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class SignInPauseAdmin(AccessAttemptAdmin):
    """django-axes' failed sign-in records, with an action that lifts a pause at once."""

    actions = [*AccessAttemptAdmin.actions, "unlock"]

    @admin.action(
        description="Unlock: let these usernames sign in again from these addresses",
        permissions=["delete"],
    )
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        pairs = set(queryset.values_list("username", "ip_address"))
        removed = sum(login_unlock(username=name, ip_address=ip) for name, ip in pairs)
        self.message_user(
            request,
            f"Unlocked {len(pairs)} username and address pair(s) ({removed} record(s) cleared).",
            messages.SUCCESS,
        )


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin; setting a password here also revokes the user's API tokens."""

    change_password_form = AdminPasswordChangeForm
