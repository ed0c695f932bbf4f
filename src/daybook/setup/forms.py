"""Forms for the setup pages: shape only. The services in clients, catalogue and people decide
what may be saved (and say why not)."""

from datetime import date
from decimal import Decimal

from django import forms

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import RATES_SINCE, WorkRole, WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Company
from daybook.core.time import validate_date_window
from daybook.core.widgets import LongSelect
from daybook.people.forms import time_zone_choices


def _money(label: str, *, required: bool = False, help_text: str = "", **kwargs):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=kwargs.pop("max_digits", 12),
        decimal_places=2,
        help_text=help_text,
        error_messages={
            "required": f"Give the {label.lower()}.",
            "invalid": f"Give the {label.lower()} as a number such as 1500.00.",
            "min_value": f"The {label.lower()} cannot be negative.",
            "max_digits": f"The {label.lower()} is too large.",
            "max_decimal_places": f"Give the {label.lower()} to the cent (two decimals at most).",
            "max_whole_digits": f"The {label.lower()} is too large.",
        },
        **kwargs,
    )


def _date(label: str, *, required: bool, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        help_text=help_text,
        error_messages={
            "required": f"Give the {label.lower()}.",
            "invalid": f"Give the {label.lower()} as YYYY-MM-DD.",
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")


class CompanyForm(forms.Form):
    name = forms.CharField(
        max_length=200, error_messages={"required": "Give the company its name."}
    )
    identifier = forms.SlugField(
        max_length=50,
        required=False,
        help_text="A short name in letters, digits and dashes. Empty: made from the name.",
        error_messages={"invalid": "Use only letters, digits, dashes and underscores."},
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="The client's statements follow this zone's calendar.",
        error_messages={
            "required": "Pick the client's time zone.",
            "invalid_choice": "%(value)s is not a time zone in the list; pick one of them.",
        },
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active client")


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Give the contact's name."})
    email = forms.EmailField(
        required=False,
        error_messages={"invalid": "Write the email address as name@example.com."},
    )
    phone = forms.CharField(max_length=50, required=False)


class AgreementForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=Company.objects.order_by("name"),
        widget=LongSelect(label="name"),
        error_messages={
            "required": "Pick the company the agreement is with.",
            "invalid_choice": "Pick one of the companies in the list.",
        },
    )
    name = forms.CharField(
        max_length=200,
        error_messages={"required": "Give the agreement a name, e.g. Managed services."},
    )
    type = forms.ChoiceField(
        choices=AgreementType.choices,
        error_messages={"invalid_choice": "Pick one of the agreement types in the list."},
    )
    start_date = _date("Start date", required=True)
    end_date = _date("End date", required=False, help_text="Empty: open-ended.")
    monthly_fee = _money("Monthly fee", help_text="Managed agreements: the fee each month.")
    prepaid_hours = forms.DecimalField(
        label="Prepaid hours",
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        help_text="Block hours: the hours bought up front.",
        error_messages={
            "invalid": "Give the prepaid hours as a number such as 40.",
            "min_value": "Prepaid hours cannot be negative.",
        },
    )
    prepaid_amount = _money(
        "Prepaid amount or fixed fee",
        help_text="Block hours: what the client paid for the block. Project: the fixed fee.",
    )
    hourly_rate = _money(
        "Hourly rate",
        max_digits=10,
        help_text="Beats every work role's standard rate on this agreement, unless the role "
        "has its own rate below.",
    )
    estimated_hours = forms.DecimalField(
        label="Estimated hours",
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        help_text="Projects: the hours the work is expected to take.",
        error_messages={
            "invalid": "Give the estimate as a number of hours such as 120.",
            "min_value": "The estimate cannot be negative.",
        },
    )
    covered_work_types = forms.ModelMultipleChoiceField(
        queryset=WorkType.objects.filter(is_payroll_wrap=False, is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Work the fee or block covers. None ticked: all client work is covered.",
        error_messages={"invalid_choice": "Pick covered work types from the list."},
    )


class RoleRateForm(forms.Form):
    work_role = forms.ModelChoiceField(
        queryset=WorkRole.objects.order_by("name"),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Pick one of the work roles in the list."},
    )
    rate = _money("Rate", max_digits=10)
    effective_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_window],
        help_text="Empty: from the start.",
        error_messages={"invalid": "Give the date the rate takes effect as YYYY-MM-DD."},
    )

    def clean(self):
        data = super().clean()
        role, rate = data.get("work_role"), data.get("rate")
        if not self.errors and (role is None) != (rate is None):
            raise forms.ValidationError(
                "Give both the work role and its rate, or leave both empty."
            )
        return data


class BaseRoleRateFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": "An agreement holds at most %(num)d role rates; remove some.",
        "missing_management_form": "The rates arrived incomplete; open the page again and "
        "re-enter them.",
    }

    def rates(self) -> list[tuple[WorkRole, Decimal, date]]:
        """(work role, rate, from) for each filled row not marked for removal."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("work_role") is None or data.get("rate") is None:
                continue
            rows.append(
                (data["work_role"], data["rate"], data.get("effective_from") or RATES_SINCE)
            )
        return rows


RoleRateFormSet = forms.formset_factory(
    RoleRateForm,
    formset=BaseRoleRateFormSet,
    extra=2,
    can_delete=True,
    max_num=50,
    absolute_max=50,
    validate_max=True,
)


class WorkRoleForm(forms.Form):
    """A new work role: its rate applies to every date until a dated rate says otherwise."""

    name = forms.CharField(
        max_length=100, error_messages={"required": "Give the work role a name."}
    )
    rate = _money("Standard rate", required=True, max_digits=10, help_text="Bill rate per hour.")


class WorkRoleEditForm(forms.Form):
    name = forms.CharField(
        max_length=100, error_messages={"required": "Give the work role a name."}
    )
    rate = _money(
        "Standard rate",
        required=True,
        max_digits=10,
        help_text="Change it to bill the role at a new rate from the date below.",
    )
    effective_from = _date(
        "New rate from",
        required=True,
        help_text="Entries saved before the change keep the rate they stored.",
    )


class WorkTypeForm(forms.Form):
    name = forms.CharField(
        max_length=100, error_messages={"required": "Give the work type a name."}
    )
    billable_default = forms.ChoiceField(
        choices=BillableOption.choices,
        label="Billable by default",
        error_messages={"invalid_choice": "Pick Billable, Do Not Bill or No Charge."},
    )
    rate_multiplier = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=4,
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text="1.00 bills the role's rate; 1.50 bills half as much again (after hours).",
        error_messages={
            "required": "Give the rate multiplier, 1.00 for the plain rate.",
            "invalid": "Give the multiplier as a number such as 1.50.",
            "min_value": "The multiplier cannot be negative.",
            "max_digits": "Keep the multiplier below 100.",
            "max_whole_digits": "Keep the multiplier below 100.",
            "max_decimal_places": "Give the multiplier with two decimals at most.",
        },
    )
    is_payroll_wrap = forms.BooleanField(
        required=False,
        label="Payroll wrap",
        help_text="Internal time that fills the day but belongs to no client.",
    )
    is_time_off = forms.BooleanField(
        required=False,
        label="Time off",
        help_text="Paid time off: also payroll wrap; it lowers the hours a member is available.",
    )
    counts_toward_utilization = forms.BooleanField(
        required=False, initial=True, label="Counts toward utilisation"
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (offered on new entries)"
    )


class BoardForm(forms.Form):
    name = forms.CharField(
        max_length=100, error_messages={"required": "Give the board a name, e.g. Help Desk."}
    )
    default_work_type = forms.ModelChoiceField(
        queryset=WorkType.objects.filter(is_payroll_wrap=False, is_active=True).order_by("name"),
        required=False,
        empty_label="None",
        help_text="Offered first when someone logs time on this board's tickets.",
        error_messages={"invalid_choice": "Pick a client work type from the list, or none."},
    )
