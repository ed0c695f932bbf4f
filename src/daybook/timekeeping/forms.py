"""Entry forms. They check shape only; the services decide what may be saved."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.core.time import validate_date_window
from daybook.core.widgets import LongSelect
from daybook.service.choices import ProjectStatus, TicketStatus
from daybook.service.models import Phase, Ticket

OPEN_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE)
DETAILS_ORDER = ["notes", "next_status", "work_type", "work_role", "billable", "internal_notes"]
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
NEXT_STATUSES = [
    ("", "Keep it In Progress"),
    (TicketStatus.RESOLVED, TicketStatus.RESOLVED.label),
    (TicketStatus.WAITING_CLIENT, TicketStatus.WAITING_CLIENT.label),
    (TicketStatus.NEEDS_SCHEDULING, TicketStatus.NEEDS_SCHEDULING.label),
]


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time in the member's zone (pages run with it active), on a date in the
    accepted window (core/time.py). A time that the clocks skip or repeat on a DST day is
    refused with Django's own explanation."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)
    default_validators = [validate_date_window]

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)


class WorkTypeField(forms.ModelChoiceField):
    """Client work first, then internal time, each named so the difference shows in the list."""

    def __init__(self, **kwargs):
        queryset = WorkType.objects.filter(is_active=True).order_by("is_payroll_wrap", "name")
        super().__init__(queryset=queryset, empty_label=None, **kwargs)

    def label_from_instance(self, obj: WorkType) -> str:
        return f"{obj.name} (internal time)" if obj.is_payroll_wrap else obj.name


class WorkDetailsForm(forms.Form):
    """What every way of logging time asks: the kind of work, notes and the ticket's next
    status. Used as is when stopping a timer, whose start and end are already known."""

    work_type = WorkTypeField()
    work_role = forms.ModelChoiceField(queryset=WorkRole.objects.all(), empty_label=None)
    billable = forms.ChoiceField(choices=BillableOption.choices)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Notes",
        help_text="The client sees these.",
    )
    internal_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Only your team sees these.",
    )
    next_status = forms.ChoiceField(
        choices=NEXT_STATUSES,
        required=False,
        initial="",
        label="Ticket's next status",
        widget=forms.RadioSelect,
    )

    field_order = DETAILS_ORDER

    def __init__(self, *args, with_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["next_status"]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "work_type": data["work_type"],
            "work_role": data["work_role"],
            "billable": data["billable"] or None,
            "notes": data["notes"],
            "internal_notes": data["internal_notes"],
        }
        if "next_status" in self.fields:
            fields["next_status"] = data.get("next_status") or None
        return fields


class StopForm(WorkDetailsForm):
    """Stopping the running timer; `then` is a ticket to start right after saving."""

    then = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SpanForm(WorkDetailsForm):
    """Completing a parked draft: its times may be corrected before logging."""

    start = LocalDateTimeField()
    end = LocalDateTimeField()

    field_order = ["start", "end", *DETAILS_ORDER]

    def service_fields(self) -> dict:
        return {
            **super().service_fields(),
            "start": self.cleaned_data["start"],
            "end": self.cleaned_data["end"],
        }


TICKET_NUMBER = re.compile(r"#?\s*(\d+)")


class TicketNumberField(forms.ModelChoiceField):
    """A ticket by its number, the way technicians refer to them: typed ("564", "#564") or
    picked from the suggestions the page offers as the member types a number, a summary or a
    company (the list's entries start with the number, which is what is read)."""

    widget = forms.TextInput(
        attrs={"list": "ticket-options", "autocomplete": "off", "spellcheck": "false"}
    )
    default_error_messages = {
        "invalid_choice": "There is no ticket with that number.",
        "not_a_number": "Type a ticket number (such as 564), or pick a ticket from the list.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            match = TICKET_NUMBER.match(value.strip())
            if match is None:
                raise ValidationError(self.error_messages["not_a_number"], code="not_a_number")
            value = match.group(1)
        return super().to_python(value)

    def label_from_instance(self, obj: Ticket) -> str:
        return str(obj)


class PhaseField(forms.ModelChoiceField):
    """Project phases named with their client and project, as they appear on statements."""

    def label_from_instance(self, obj: Phase) -> str:
        return f"{obj.project.company.name} · {obj.project.name} / {obj.name}"


class EntryForm(SpanForm):
    """A manual entry or an edit: on a ticket, a project phase, or internal (wrap) time."""

    ticket = TicketNumberField(
        queryset=Ticket.objects.all(),
        required=False,
        label="Ticket",
        empty_label=None,
        help_text="Its number, or words of its summary or company to pick from a list.",
    )
    phase = PhaseField(
        queryset=Phase.objects.none(),
        required=False,
        label="or project phase",
        empty_label="—",
        # Hundreds of open projects at an MSP: each project's phases under its own heading.
        widget=LongSelect(label="name", group="project_label"),
    )

    field_order = ["ticket", "phase", "start", "end", *DETAILS_ORDER]

    def __init__(self, *args, current_phase_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Open projects' phases, plus the one an edited entry already has.
        self.fields["phase"].queryset = (
            Phase.objects.filter(
                Q(project__status__in=OPEN_PROJECT_STATUSES) | Q(pk=current_phase_id)
            )
            .select_related("project__company")
            .annotate(
                project_label=Concat(
                    "project__company__name",
                    Value(" · "),
                    "project__name",
                    output_field=CharField(),
                )
            )
            .order_by("project__company__name", "project__name", "project", "position", "name")
        )


class NewEntryForm(EntryForm):
    """A new entry; `suggestion` marks one opened from a suggestion for a gap (its key), so
    it is saved as filled from a suggestion."""

    suggestion = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class WrapForm(forms.Form):
    """One click to fill a gap with internal time of a common kind."""

    work_type = forms.ModelChoiceField(
        queryset=WorkType.objects.filter(is_active=True, is_payroll_wrap=True),
        error_messages={"invalid_choice": "Only payroll-wrap work types fill a gap in one click."},
    )
    start = LocalDateTimeField()
    end = LocalDateTimeField()
