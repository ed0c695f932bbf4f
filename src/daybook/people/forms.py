"""Forms for the people pages. Shape only; people/services.py decides."""

from datetime import time
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

from django import forms

from daybook.catalogue.models import WorkRole
from daybook.core.time import validate_date_window

from .choices import Role, Weekday
from .models import Holiday, Member, Team


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


# --- setting up members, teams and schedules (the setup pages) --------------------------------


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name, sorted, for a drop-down (never free text)."""
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class MemberFields(forms.Form):
    """What an administrator sets about a member, on invitation and later."""

    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Give the email address the member signs in with.",
            "invalid": "Write the email address as name@example.com.",
        },
    )
    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Give the first name the member goes by."}
    )
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.TECHNICIAN,
        help_text="What the member may do: log time (everyone), review a team (Manager), "
        "assign tickets (Dispatcher), see money and close periods (Finance), set up (Admin).",
        error_messages={"invalid_choice": "Pick one of the roles in the list."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="No team",
        error_messages={"invalid_choice": "Pick one of the teams in the list."},
    )
    reviewed_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        label="Reviews the days of",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Pick teams from the list."},
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        error_messages={
            "required": "Pick the member's time zone.",
            "invalid_choice": "%(value)s is not a time zone in the list; pick one of them.",
        },
    )
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        help_text="Empty: today in the member's zone. No day before it is reviewed.",
        error_messages={"invalid": "Give the start date as YYYY-MM-DD."},
    )
    expected_hours_per_day = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        max_digits=4,
        decimal_places=2,
        initial=Decimal("8"),
        label="Expected hours a day",
        error_messages={
            "required": "Say how many hours a scheduled day should add up to.",
            "invalid": "Give the hours as a number such as 7.5.",
            "min_value": "Expected hours a day run from 0 to 24.",
            "max_value": "Expected hours a day run from 0 to 24.",
        },
    )
    default_work_role = forms.ModelChoiceField(
        queryset=WorkRole.objects.order_by("name"),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Pick one of the work roles in the list."},
    )
    cost_rate = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        required=False,
        label="Cost rate (per hour)",
        help_text="What an hour of this member costs the business.",
        error_messages={
            "invalid": "Give the cost rate as a number such as 45.00.",
            "min_value": "The cost rate cannot be negative.",
        },
    )


class MemberInviteForm(MemberFields):
    field_order = ["email", "username", "first_name", "last_name"]

    cost_rate_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        label="Cost rate from",
        help_text="Empty: the cost rate applies to every date.",
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
    )
    username = forms.CharField(
        max_length=150,
        required=False,
        label="Sign-in name",
        help_text="Empty: the email address.",
    )


class MemberEditForm(MemberFields):
    cost_rate_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        label="New cost rate from",
        help_text="A changed cost rate applies from this date; entries already saved keep "
        "the cost rate they stored.",
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
    )
    end_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        label="Last day",
        help_text="Set when the member leaves; no later day is reviewed.",
        error_messages={"invalid": "Give the last day as YYYY-MM-DD."},
    )


class TeamForm(forms.Form):
    name = forms.CharField(
        max_length=Team._meta.get_field("name").max_length,
        error_messages={"required": "Give the team a name."},
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=Member.objects.select_related("user"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They see the team's days once each day's review opens.",
        error_messages={"invalid_choice": "Pick reviewers from the list of members."},
    )


class ScheduleBlockForm(forms.Form):
    """One working window on one weekday; several on a weekday make a split shift. A row with
    neither time is an empty slot and is left out."""

    weekday = forms.TypedChoiceField(
        choices=Weekday.choices,
        coerce=int,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Pick a day of the week."},
    )
    start = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Give the start as HH:MM, e.g. 08:30."},
    )
    end = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Give the end as HH:MM, e.g. 17:00."},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(
                "Give both the start and the end of the window, or leave both empty."
            )
        return data

    @property
    def block(self) -> tuple[int, time, time] | None:
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("DELETE") or data.get("start") is None or data.get("end") is None:
            return None
        return (data["weekday"], data["start"], data["end"])


class BaseScheduleFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": "A week holds at most %(num)d windows; remove some.",
        "missing_management_form": "The schedule form arrived incomplete; open the page "
        "again and re-enter the windows.",
    }

    def blocks(self) -> list[tuple[int, time, time]]:
        """The windows the rows describe, leaving out empty and removed rows."""
        return [form.block for form in self.forms if form.block is not None]

    def by_weekday(self) -> list[tuple[str, list[forms.Form]]]:
        """The rows grouped by weekday, Monday first, for the weekly grid."""
        days: dict[int, list[forms.Form]] = {day: [] for day in Weekday.values}
        for form in self.forms:
            raw = form["weekday"].value()
            try:
                day = int(raw)
            except (TypeError, ValueError):
                continue
            if day in days:
                days[day].append(form)
        return [(Weekday(day).label, day, rows) for day, rows in days.items()]


ScheduleFormSet = forms.formset_factory(
    ScheduleBlockForm,
    formset=BaseScheduleFormSet,
    extra=0,
    can_delete=True,
    max_num=70,
    validate_max=True,
    absolute_max=70,
)


def schedule_initial(
    blocks: list[tuple[int, time | None, time | None]], *, add_to: int | None = None
) -> list[dict]:
    """Rows for the weekly grid: the windows given, an empty slot on each weekday without
    one, and one more empty slot on `add_to` (the day someone asked to add a window to)."""
    rows = [{"weekday": w, "start": s, "end": e} for w, s, e in blocks]
    busy = {w for w, _, _ in blocks}
    for day in Weekday.values:
        if day not in busy or day == add_to:
            rows.append({"weekday": day, "start": None, "end": None})
    return sorted(rows, key=lambda row: row["weekday"])
