from django import forms
from django.contrib import admin
from django.db.models import Count, Q, Sum
from django.utils import timezone

from daybook.core.admin import AuditHistoryAdmin

from .choices import OPEN_STATUSES
from .intake import ensure_agreement_matches_company
from .models import Board, Phase, Project, SlaTarget, Ticket, TicketStatusChange


class AgreementOfCompanyForm(forms.ModelForm):
    """Time is applied to the agreement, so it has to be the same client's."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Either field may be read-only on this form; then the stored value counts.
        company = cleaned.get("company", getattr(self.instance, "company", None))
        agreement = cleaned.get("agreement", getattr(self.instance, "agreement", None))
        if company is not None:
            try:
                ensure_agreement_matches_company(agreement=agreement, company=company)
            except forms.ValidationError as mismatch:
                target = "agreement" if "agreement" in self.fields else None
                self.add_error(target, mismatch.error_dict["agreement"])
        return cleaned


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "default_work_type", "open_tickets"]
    list_select_related = ["default_work_type"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)))
        )

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
class TicketAdmin(AuditHistoryAdmin):
    """Status and SLA times move with the ticket workflow in the app, so they are shown here
    but not edited: a status typed in would skip the clock's bookkeeping."""

    form = AgreementOfCompanyForm
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
    list_filter = ["status", "priority", "board"]
    list_select_related = ["company", "agreement__company", "assignee__user"]
    search_fields = ["summary", "id__exact"]
    autocomplete_fields = ["company", "agreement", "assignee"]
    date_hierarchy = "opened_at"
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
        "first_response_at",
        "resolved_at",
        "closed_at",
        "respond_breached_at",
        "resolve_breached_at",
    ]
    readonly_fields = [
        "status",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "respond_breached_at",
        "resolve_breached_at",
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
        # People write ticket numbers as "#123".
        return super().get_search_results(request, queryset, search_term.lstrip("#"))


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["position", "name", "estimated_hours"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = AgreementOfCompanyForm
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

    @admin.display(description="Estimated hours", ordering="estimated")
    def estimated_hours(self, obj: Project):
        return obj.estimated


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "estimated_hours"]
    list_select_related = ["project"]
    list_filter = ["project__status"]
    search_fields = ["name", "project__name", "project__company__name"]
    autocomplete_fields = ["project"]
