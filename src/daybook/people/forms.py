"""Forms for the people pages. Shape only; people/services.py decides."""

from django import forms

from daybook.core.time import validate_date_window

from .models import Holiday, Team


class HolidayForm(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        error_messages={
            "required": "Pick the date of the holiday.",
            "invalid": "Give the date as YYYY-MM-DD.",
        },
    )
    name = forms.CharField(
        max_length=Holiday._meta.get_field("name").max_length,
        error_messages={"required": "Give the holiday a name, e.g. Labour Day."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Everyone (the organisation)",
        error_messages={"invalid_choice": "Pick one of the teams, or everyone."},
    )
