"""Forms of the approvals and periods pages: shapes only; the services decide."""

from django import forms

from daybook.core.time import validate_date_window

from .approval import MAX_REASON


class ReturnWeekForm(forms.Form):
    reason = forms.CharField(
        label="What needs fixing",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what needs fixing; the member sees this on their week."},
    )


class CloseForm(forms.Form):
    closed_through = forms.DateField(
        label="Close time up to and including",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        error_messages={
            "required": "Give the last day to close.",
            "invalid": "Give the date as YYYY-MM-DD.",
        },
    )
    note = forms.CharField(label="Note (optional)", max_length=200, required=False)


class ReopenForm(forms.Form):
    closed_through = forms.DateField(
        label="Keep time closed up to and including",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        help_text="The days after this date reopen.",
        error_messages={
            "required": "Give the last day that stays closed.",
            "invalid": "Give the date as YYYY-MM-DD.",
        },
    )
    note = forms.CharField(
        label="Why it reopens",
        max_length=200,
        error_messages={
            "required": "Say why the period reopens; the reason stays in the history of closes."
        },
    )
