from datetime import UTC, datetime

from django import forms
from django.db import models

from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.models import ReviewPolicy

from .composer import Subject
from .models import MAX_NOTE_LENGTH, MessageTemplate, NotificationSetting
from .services import MAX_BODY_LENGTH, MAX_REPLY_LENGTH, MAX_SUBJECT_LENGTH


class FollowUpForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.all(), required=False, empty_label="Start from…"
    )
    subject = forms.CharField(max_length=MAX_SUBJECT_LENGTH)
    body = forms.CharField(
        max_length=MAX_BODY_LENGTH, widget=forms.Textarea(attrs={"rows": 10}), label="Message"
    )
    gap_start = forms.CharField(required=False, widget=forms.HiddenInput)
    gap_end = forms.CharField(required=False, widget=forms.HiddenInput)
    finding = forms.ChoiceField(
        choices=[("", ""), *FindingKind.choices], required=False, widget=forms.HiddenInput
    )
    tone_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def _moment(self, name: str) -> datetime | None:
        raw = self.cleaned_data.get(name) or ""
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError("That gap is not one the page offered.") from None
        if moment.tzinfo is None:
            raise forms.ValidationError("That gap is not one the page offered.")
        return moment.astimezone(UTC)

    def clean_gap_start(self) -> datetime | None:
        return self._moment("gap_start")

    def clean_gap_end(self) -> datetime | None:
        return self._moment("gap_end")

    def clean(self):
        data = super().clean()
        if bool(data.get("gap_start")) != bool(data.get("gap_end")):
            raise forms.ValidationError("A gap needs both its start and its end.")
        return data

    def about(self) -> Subject:
        data = self.cleaned_data
        return Subject(
            gap_start=data.get("gap_start"),
            gap_end=data.get("gap_end"),
            finding=data.get("finding") or "",
        )


class ExcuseForm(forms.Form):
    note = forms.CharField(
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why this day is fine as it is"}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Answer in words",
    )


def https_by_default(field, **kwargs):
    """Form fields for a model, with web addresses typed without a scheme taken as https."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class NotificationSettingForm(forms.ModelForm):
    class Meta:
        formfield_callback = https_by_default
        model = NotificationSetting
        fields = ["by_email", "chat_kind", "chat_webhook_url"]
        labels = {"chat_kind": "Chat messages", "chat_webhook_url": "Webhook address"}


class PolicyForm(forms.ModelForm):
    class Meta:
        model = ReviewPolicy
        fields = ["gap_threshold_minutes", "realtime_window_minutes", "grace_minutes"]
        labels = {
            "gap_threshold_minutes": "Gap threshold (minutes)",
            "realtime_window_minutes": "Real-time window (minutes)",
            "grace_minutes": "Review grace (minutes)",
        }
