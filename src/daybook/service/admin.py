from django.contrib import admin
from django.db.models import Sum
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from daybook.core.admin import AuditHistoryAdmin, ServiceModelForm
from daybook.core.members import request_member

from .models import AgreementFlag, Board, Phase, Project, SlaTarget, Ticket, TicketStatusChange
from .selectors import open_ticket_count, tickets_matching
from .services import (
    PHASE_EDITABLE,
    PROJECT_EDITABLE,
    TICKET_EDITABLE,
    phase_create,
    phase_update,
    project_create,
    project_update,
    ticket_create,
    ticket_update,
)
from .sla import CLOCK_FIELDS


def _changes(form, editable: frozenset[str]) -> dict:
    """What the form changed, among the fields the service lets it change."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in editable}


class TicketAdminForm(ServiceModelForm):
    """Adds go through ticket_create and edits through ticket_update: the agreement stays with
    its client and the SLA clock starts, and follows a new priority, as through every door."""

    def write(self) -> Ticket:
        if not self.instance._state.adding:
            return ticket_update(
                ticket=self.instance, by=self.by, **_changes(self, TICKET_EDITABLE)
            )
        data = self.cleaned_data
        return ticket_create(
            by=self.by,
            board=data["board"],
            company=data["company"],
            agreement=data.get("agreement"),
            summary=data["summary"],
            description=data.get("description", ""),
            priority=data["priority"],
            work_type=data.get("work_type"),
            assignee=data.get("assignee"),
            opened_at=data["opened_at"],
        )


class ProjectAdminForm(ServiceModelForm):
    def write(self) -> Project:
        if not self.instance._state.adding:
            return project_update(project=self.instance, **_changes(self, PROJECT_EDITABLE))
        data = self.cleaned_data
        return project_create(**{name: data[name] for name in PROJECT_EDITABLE if name in data})


class PhaseAdminForm(ServiceModelForm):
    def write(self) -> Phase:
        if not self.instance._state.adding:
            return phase_update(phase=self.instance, **_changes(self, PHASE_EDITABLE))
        data = self.cleaned_data
        return phase_create(**{name: data[name] for name in PHASE_EDITABLE if name in data})


class PhaseFormSet(BaseInlineFormSet):
    """Phases on the project page, written by the phase services. The forms have validated
    each phase as the model states it, which is all the services check today."""

    def save_new(self, form, commit=True):
        data = form.cleaned_data
        return phase_create(
            project=self.instance,
            name=data["name"],
            position=data["position"],
            estimated_hours=data["estimated_hours"],
        )

    def save_existing(self, form, obj, commit=True):
        return phase_update(phase=obj, **_changes(form, PHASE_EDITABLE))


class ServiceWriteAdmin(admin.ModelAdmin):
    """The form's service call saves the object while the form validates."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request_member(request)
        return form

    def save_model(self, request, obj, form, change):
        """Saved already by the service."""


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "default_work_type", "open_tickets"]
    list_select_related = ["default_work_type"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_tickets=open_ticket_count())

    @admin.display(description="Open tickets", ordering="open_tickets")
    def open_tickets(self, obj: Board) -> int:
        return obj.open_tickets


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    """A row without an agreement is the default for its priority."""

    list_display = ["priority", "scope", "respond_minutes", "resolve_minutes"]
    list_filter = ["priority", ("agreement", admin.EmptyFieldListFilter)]
    list_select_related = ["agreement__company"]
    search_fields = ["agreement__name", "agreement__company__name"]
    autocomplete_fields = ["agreement"]

    @admin.display(description="Applies to", ordering="agreement")
    def scope(self, obj: SlaTarget) -> str:
        return str(obj.agreement) if obj.agreement else "Default"


class StatusChangeInline(admin.TabularInline):
    """Kept for the SLA clocks; written only by the ticket workflow."""

    model = TicketStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by"]
    readonly_fields = fields
    ordering = ["at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by__user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ServiceWriteAdmin, AuditHistoryAdmin):
    """Status and SLA times move with the ticket workflow in the app, so they are shown here
    but not edited: a status typed in would skip the clock's bookkeeping."""

    form = TicketAdminForm
    list_display = [
        "id",
        "summary",
        "company",
        "agreement",
        "priority",
        "status",
        "assignee",
        "opened_at",
    ]
    list_display_links = ["id", "summary"]
    # A date filter, not a date hierarchy: the hierarchy reads the dates of every ticket the
    # list holds on each page (seconds at a million tickets), the filter's ranges read none.
    list_filter = ["status", "priority", "board", ("opened_at", admin.DateFieldListFilter)]
    # One count per page: the total beside the filtered count costs as much again.
    show_full_result_count = False
    list_select_related = ["company", "agreement__company", "assignee__user"]
    # Searched by get_search_results; listed so the admin shows its search box.
    search_fields = ["summary"]
    autocomplete_fields = ["company", "agreement", "assignee"]
    fields = [
        "board",
        "company",
        "agreement",
        "summary",
        "description",
        "priority",
        "work_type",
        "assignee",
        "status",
        "opened_at",
        "closed_at",
        *CLOCK_FIELDS,
    ]
    readonly_fields = [
        "status",
        "closed_at",
        *CLOCK_FIELDS,
    ]
    inlines = [StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            # The SLA clock runs from when the ticket was opened.
            readonly.append("opened_at")
            if not request.user.has_perm("service.change_ticket_agreement"):
                readonly.append("agreement")
        return readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("opened_at", timezone.now())
        return initial

    def get_search_results(self, request, queryset, search_term):
        # The app's rule (service.selectors), which the summary's trigram index answers on
        # PostgreSQL; Django's own search compared the number as text, which no index can.
        words = search_term.replace("#", " ").split()
        if not words:
            return queryset, False
        return queryset.filter(tickets_matching(words)), False


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = PhaseFormSet
    extra = 0
    fields = ["position", "name", "estimated_hours"]


@admin.register(Project)
class ProjectAdmin(ServiceWriteAdmin):
    form = ProjectAdminForm
    list_display = [
        "name",
        "company",
        "agreement",
        "status",
        "manager",
        "start_date",
        "due_date",
        "estimated_hours",
    ]
    list_filter = ["status", "project_type"]
    list_select_related = ["company", "agreement__company", "manager__user"]
    search_fields = ["name", "project_type", "company__name"]
    autocomplete_fields = ["company", "agreement", "manager"]
    inlines = [PhaseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(estimated=Sum("phases__estimated_hours"))

    def save_formset(self, request, form, formset, change):
        # A new project was saved by its service as the form validated; hang the phases on it.
        formset.instance = form.instance
        super().save_formset(request, form, formset, change)

    @admin.display(description="Estimated hours", ordering="estimated")
    def estimated_hours(self, obj: Project):
        return obj.estimated


@admin.register(Phase)
class PhaseAdmin(ServiceWriteAdmin):
    form = PhaseAdminForm
    list_display = ["name", "project", "position", "estimated_hours"]
    list_select_related = ["project"]
    list_filter = ["project__status"]
    search_fields = ["name", "project__name", "project__company__name"]
    autocomplete_fields = ["project"]


@admin.register(AgreementFlag)
class AgreementFlagAdmin(admin.ModelAdmin):
    """Members' flags about tickets' agreements, to read. They are raised on the ticket page
    and answered from the agreement queue (/tickets/agreements/), through the services."""

    list_display = ["ticket", "reason", "raised_by", "created_at", "resolved_at", "resolved_by"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["ticket", "raised_by__user", "resolved_by__user"]
    search_fields = ["reason", "ticket__summary"]
    readonly_fields = [f.name for f in AgreementFlag._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
