"""Report filters. The same form validates a page's query string, its CSV and its API call."""

import re
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from daybook.clients.choices import AgreementType
from daybook.clients.models import Company
from daybook.core.periods import MAX_PERIOD_DAYS, Period, month_period, quarter_period
from daybook.core.time import DATE_WINDOW_MESSAGE, validate_date_window, year_in_window
from daybook.core.widgets import LongSelect
from daybook.people.models import Team

from .access import sees_finance, teams_for
from .periods import (
    CUSTOM,
    LAST_MONTH,
    PRESETS,
    default_period,
    last_complete_weeks,
    matching_preset,
    preset_period,
)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
DEFAULT_TARGET_RATE = Decimal("100.00")
UNKNOWN_COMPANY = {"invalid_choice": "There is no company with this id."}


def default_target_rate() -> Decimal:
    """The effective hourly rate under which an agreement is flagged.

    ``DAYBOOK_TARGET_HOURLY_RATE`` in settings when the project defines it; each request may
    pass its own.
    """
    return Decimal(str(getattr(settings, "DAYBOOK_TARGET_HOURLY_RATE", DEFAULT_TARGET_RATE)))


class FilterForm(forms.Form):
    """A report's filters, drawn as one compact row (Bootstrap's small controls). ``user``,
    when given, narrows choices such as the teams to the ones that user may report on."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = css


class SortField(forms.CharField):
    """?sort=: one of the columns a table offers, "-" in front for descending. Anything else
    (an old link, a typo) falls back to the table's default order rather than failing."""

    def __init__(self, *, columns: tuple[str, ...], **kwargs):
        self.columns = columns
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        return value if value.lstrip("-") in self.columns else ""


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(FilterForm):
    """A period: a preset (last month, this month so far, last quarter, last 12 months), a
    month (2025-03), a quarter (2025-Q1) or start and end dates.

    A preset other than "custom" wins (the picker sends it with the dates it filled in), then
    start and end, then a quarter, then a month; nothing given means the last complete month.
    """

    preset = forms.ChoiceField(choices=PRESETS, required=False, initial=LAST_MONTH, label="Period")
    month = forms.CharField(required=False, help_text="YYYY-MM")
    quarter = forms.CharField(required=False, help_text="YYYY-Qn")
    start = forms.DateField(
        required=False,
        label="From",
        help_text="YYYY-MM-DD",
        validators=[validate_date_window],
        widget=_date_input(),
    )
    end = forms.DateField(
        required=False,
        label="To",
        help_text="YYYY-MM-DD, included",
        validators=[validate_date_window],
        widget=_date_input(),
    )

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError("Give a month as YYYY-MM, e.g. 2025-03.")
        if not year_in_window(int(match[1])):
            raise forms.ValidationError(DATE_WINDOW_MESSAGE)
        return month_period(int(match[1]), int(match[2]))

    def clean_quarter(self):
        value = self.cleaned_data["quarter"].strip()
        if not value:
            return None
        match = QUARTER_RE.match(value)
        if not match:
            raise forms.ValidationError("Give a quarter as YYYY-Qn, e.g. 2025-Q1.")
        if not year_in_window(int(match[1])):
            raise forms.ValidationError(DATE_WINDOW_MESSAGE)
        return quarter_period(int(match[1]), int(match[2]))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        preset = data.get("preset")
        if preset and preset != CUSTOM:
            period = preset_period(preset, timezone.localdate())
        elif start or end:
            if not (start and end):
                raise forms.ValidationError("Give both a start and an end date.")
            if end < start:
                raise forms.ValidationError("The end date is before the start date.")
            period = Period(start, end)
        elif data.get("quarter"):
            period = data["quarter"]
        elif data.get("month"):
            period = data["month"]
        else:
            period = default_period(timezone.localdate())
        if period.days > MAX_PERIOD_DAYS:
            raise forms.ValidationError("A report can span at most three years.")
        data["period"] = period
        self._show_period(period)
        return data

    def _show_period(self, period: Period) -> None:
        """Redraw the picker with the period it resolved to: its preset (or "custom") and
        its dates, whichever way it was asked for (a month, a quarter, an old link)."""
        shown = self.data.copy()
        for name in ("month", "quarter"):
            shown.pop(name, None)
        shown["preset"] = matching_preset(period, timezone.localdate())
        shown["start"] = period.start.isoformat()
        shown["end"] = period.end.isoformat()
        self.data = shown


def _team_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="All teams",
        error_messages={"invalid_choice": "There is no team with this id that you report on."},
    )


class TeamPeriodForm(PeriodForm):
    """A period and, for those who report on several teams, one of them."""

    team = _team_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_teams(self)


def narrow_teams(form: FilterForm) -> None:
    """Offer only the teams the user may report on; no team field when there is no choice."""
    if form.user is None or sees_finance(form.user):
        return
    teams = teams_for(form.user).order_by("name")
    form.fields["team"].queryset = teams
    if not teams.exists():
        del form.fields["team"]


class SlaForm(TeamPeriodForm):
    sort = SortField(columns=("ticket", "opened", "company", "priority"))


class ProfitabilityForm(PeriodForm):
    target_rate = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    company = forms.ModelChoiceField(
        queryset=Company.objects.order_by("name"),
        required=False,
        empty_label="All companies",
        widget=LongSelect(label="name"),
        error_messages=UNKNOWN_COMPANY,
    )
    type = forms.ChoiceField(choices=[("", "All types"), *AgreementType.choices], required=False)

    def clean_target_rate(self):
        value = self.cleaned_data["target_rate"]
        return default_target_rate() if value is None else value


class StatementForm(PeriodForm):
    company = forms.ModelChoiceField(
        queryset=Company.objects.all(),
        widget=LongSelect(label="name"),
        error_messages={**UNKNOWN_COMPANY, "required": "Choose a company."},
    )


class ProjectsForm(FilterForm):
    as_of = forms.DateField(
        required=False,
        label="As of",
        help_text="YYYY-MM-DD; today when empty",
        validators=[validate_date_window],
        widget=_date_input(),
    )
    include_done = forms.BooleanField(required=False, label="Include finished projects")

    def clean_as_of(self):
        return self.cleaned_data["as_of"] or timezone.localdate()


class CapacityForm(FilterForm):
    first_week = forms.DateField(
        required=False,
        help_text="Any day of the first week; when empty, the weeks end with the last whole week",
        validators=[validate_date_window],
        widget=_date_input(),
    )
    weeks = forms.IntegerField(required=False, min_value=1, max_value=26)
    target_utilization = forms.DecimalField(
        required=False,
        min_value=Decimal(1),
        max_value=Decimal(100),
        decimal_places=1,
        help_text="Percent",
    )
    team = _team_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_teams(self)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["weeks"] = data.get("weeks") or 8
        if data.get("first_week") is None:
            data["first_week"] = last_complete_weeks(timezone.localdate(), data["weeks"])
        if data.get("target_utilization") is None:
            data["target_utilization"] = Decimal(75)
        return data


class ForecastForm(FilterForm):
    last_month = forms.CharField(
        required=False, help_text="YYYY-MM, the last month of history; last month when empty"
    )
    months = forms.IntegerField(required=False, min_value=1, max_value=24)
    raise_pct = forms.DecimalField(
        required=False,
        min_value=Decimal(-50),
        max_value=Decimal(100),
        decimal_places=2,
        label="Raise (%)",
    )
    new_hires = forms.IntegerField(required=False, min_value=0, max_value=500)
    hire_cost_rate = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    hire_hours = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(744),
        decimal_places=2,
        help_text="Hours a month each hire is paid for; 173.33 when empty",
    )

    def clean_last_month(self):
        value = self.cleaned_data["last_month"].strip()
        if not value:
            today = timezone.localdate()
            return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError("Give a month as YYYY-MM, e.g. 2025-03.")
        if not year_in_window(int(match[1])):
            raise forms.ValidationError(DATE_WINDOW_MESSAGE)
        return month_period(int(match[1]), int(match[2])).start

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        defaults = {"months": 6, "raise_pct": Decimal(0), "new_hires": 0,
                    "hire_cost_rate": Decimal(0), "hire_hours": None}  # fmt: skip
        for key, value in defaults.items():
            if data.get(key) is None:
                data[key] = value
        return data
