"""Forms for the account pages. Those that set a password save through user_password_set, so
the user's API tokens are revoked whichever door the new password came through."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms

from .services import MAX_TOKEN_DAYS, user_password_set

MISMATCH = "The two new passwords are not the same. Type the same password in both boxes."
WRONG_CURRENT = "That is not your current password, so nothing was changed. Try again."


class SavesThroughService:
    """Replaces Django's save() (set_password, then save) with the one password service."""

    # Django's signature; password_field_name names a field, it is not a password.
    def set_password_and_save(self, user, password_field_name="password1", commit=True):  # noqa: S107
        if not commit:
            raise ValueError("A new password is always saved at once, with its tokens revoked.")
        password = self.cleaned_data.get(password_field_name)
        if self.cleaned_data.get("set_usable_password", True) is False:
            password = None  # the admin's "Disabled": single sign-on only
        user_password_set(user=user, password=password)
        return user


FIELDS = {
    "old_password": ("Current password", "Type your current password."),
    "new_password1": ("New password", "Type the new password."),
    "new_password2": ("New password again", "Type the new password a second time."),
}


class OurWords:
    """Labels and "required" messages in Daybook's words for the password fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, required) in FIELDS.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].error_messages["required"] = required


class PasswordSetForm(SavesThroughService, OurWords, auth_forms.SetPasswordForm):
    """The new password at the end of a reset."""

    error_messages = {"password_mismatch": MISMATCH}


class PasswordChangeForm(SavesThroughService, OurWords, auth_forms.PasswordChangeForm):
    error_messages = {"password_mismatch": MISMATCH, "password_incorrect": WRONG_CURRENT}


class AdminPasswordChangeForm(SavesThroughService, auth_forms.AdminPasswordChangeForm):
    """The admin's form for setting someone's password; the admin's layout, our saving."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={"invalid": "Enter an email address such as name@example.com."},
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        error_messages={
            "required": "Give the token a name that says where it is used, e.g. 'Invoice sync'.",
            "max_length": "Keep the name to 100 characters or fewer.",
        },
    )
    days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        error_messages={
            "required": "Say how many days the token should work.",
            "invalid": "Give the number of days as a whole number.",
            "min_value": f"A token lasts from 1 to {MAX_TOKEN_DAYS} days.",
            "max_value": f"A token lasts from 1 to {MAX_TOKEN_DAYS} days.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.DAYBOOK_API_TOKEN_DAYS


class CodeForm(forms.Form):
    """A 6-digit code from an authenticator app. The service checks it."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": r"[0-9 ]*",
            }
        ),
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
    )
