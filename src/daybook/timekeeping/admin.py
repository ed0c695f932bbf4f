from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Subquery
from django.forms.utils import from_current_timezone
from django.template.response import TemplateResponse
from django.utils import timezone
from simple_history.template_utils import HistoricalRecordContextHelper

from daybook.catalogue.choices import BillableOption
from daybook.core.admin import AuditHistoryAdmin, ServiceModelForm
from daybook.core.formatting import duration_text
from daybook.core.members import request_member
from daybook.people.models import Member

from .approval import entries_set_approval, period_close
from .choices import ApprovalState, EntrySource
from .history import RELATED
from .models import DraftEntry, PeriodClose, TimeEntry, Timer
from .revisions import change_words
from .selectors import (
    closed_through,
    drafts_visible_to,
    entries_visible_to,
    entry_lock_reason,
    time_visibility,
    timers_visible_to,
)
from .services import (
    EDITABLE_FIELDS,
    draft_discard,
    entry_delete,
    entry_edit,
    entry_log,
    timer_park,
)

TWO_PLACES = Decimal("0.01")


def sees_time(request, obj: TimeEntry | DraftEntry) -> bool:
    """Whether the login may see this entry or draft (the visibility policy), judged once per
    member in a request however many rows a page asks about."""
    if not hasattr(request, "_daybook_sees_time"):
        request._daybook_sees_time = time_visibility(request.user)
    return request._daybook_sees_time(obj.member_id, obj.end)


def _local(moment, member: Member, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return f"{moment.astimezone(member.zone):{fmt}}"


class TimeEntryAdminForm(ServiceModelForm):
    """Adds go through entry_log and edits through entry_edit, so the admin keeps the same
    rules as every other door: notes, overlaps, locks, closed periods, rates resolved on save."""

    billable = forms.ChoiceField(
        choices=[("", "Default for this work type and agreement"), *BillableOption.choices],
        required=False,
    )

    class Meta:
        model = TimeEntry
        fields = [
            "member",
            "start",
            "end",
            "ticket",
            "phase",
            "work_type",
            "work_role",
            "billable",
            "notes",
            "internal_notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # TimeEntryAdmin.changeform_view runs the page in the member's zone (see there).
        zone = timezone.get_current_timezone_name()
        if self.instance._state.adding:
            text = f"In the member's own time zone ({zone} for you)."
        else:
            text = f"In {self.instance.member}'s time zone, {zone}, as the entry list shows it."
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].help_text = text
        if self.instance._state.adding and "work_role" in self.fields:
            self.fields["work_role"].required = False
            self.fields["work_role"].help_text = "Empty: the member's default work role."

    def write(self) -> TimeEntry:
        data = dict(self.cleaned_data)
        member = data["member"] if self.instance._state.adding else self.instance.member
        for name in ("start", "end"):
            if data.get(name) is not None:
                data[name] = _wall_clock_in(data[name], member.zone)
        billable = data.get("billable") or None
        if self.instance._state.adding:
            return entry_log(
                member=data["member"],
                start=data["start"],
                end=data["end"],
                ticket=data.get("ticket"),
                phase=data.get("phase"),
                work_type=data["work_type"],
                work_role=data.get("work_role"),
                billable=billable,
                notes=data.get("notes", ""),
                internal_notes=data.get("internal_notes", ""),
                source=EntrySource.MANUAL,
                by=self.by,
            )
        changes = {
            name: data[name]
            for name in data.keys() & EDITABLE_FIELDS
            if name != "billable" and _differs(self.instance, name, data[name])
        }
        if billable != self.instance.billable:
            # Empty asks for the default again, which the service works out.
            changes["billable"] = billable
        if not changes:
            # Nothing to write, and no empty revision in the history; a locked entry still
            # says why it is locked rather than pretending it was saved.
            reason = entry_lock_reason(self.instance, by=self.by)
            if reason:
                raise ValidationError({"__all__": [reason]})
            return self.instance
        return entry_edit(entry=self.instance, by=self.by, **changes)


def _wall_clock_in(moment: datetime, zone: ZoneInfo) -> datetime:
    """The date and time as typed, read in `zone`. The form read them in the page's zone,
    which is the member's except when adding time for someone in another zone; a time the
    clocks skip or repeat there is refused with Django's own sentence."""
    typed = timezone.make_naive(moment)
    with timezone.override(zone):
        return from_current_timezone(typed)


def _differs(instance: Model, name: str, value) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value


class EntryHistoryWords(HistoricalRecordContextHelper):
    """The history page words each change as the entry's own history page does: related
    records by name, times in the member's zone."""

    def prepare_delta_change_value(self, change, value):
        return change_words(change.field, value, self.record.member.zone)


@admin.action(permissions=["delete"], description="Delete selected time entries")
def delete_unlocked(modeladmin, request, queryset):
    """Django's bulk delete, once every selected entry is known to be unlocked."""
    closed = closed_through()
    locked = [
        entry
        for entry in queryset.select_related("member")
        if entry_lock_reason(entry, closed=closed, by=request_member(request))
    ]
    if locked:
        modeladmin.message_user(
            request,
            f"{len(locked)} of the selected entries are approved, invoiced or in a closed "
            "period and cannot be deleted. Nothing was deleted.",
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


@admin.register(TimeEntry)
class TimeEntryAdmin(AuditHistoryAdmin):
    form = TimeEntryAdminForm
    list_display = [
        "member",
        "local_start",
        "local_end",
        "hours",
        "ticket",
        "phase",
        "work_type",
        "billable",
        "bill_rate",
        "source",
        "approval_state",
        "lag",
    ]
    # A date filter, not a date hierarchy: the hierarchy reads the dates of every entry the
    # list holds on each page (1.4 s at 3.4 million entries), the filter's ranges read none.
    list_filter = [
        ("start", admin.DateFieldListFilter),
        "source",
        "billable",
        "approval_state",
        "work_type",
        "member__team",
    ]
    # One count per page: the total beside the filtered count costs as much again.
    show_full_result_count = False
    list_select_related = ["member__user", "ticket", "phase__project", "work_type"]
    search_fields = ["notes", "ticket__summary", "member__user__username"]
    autocomplete_fields = ["member", "ticket", "phase"]
    fields = [
        "member",
        "local_times",
        "start",
        "end",
        "ticket",
        "phase",
        "agreement",
        "work_type",
        "work_role",
        "billable",
        "bill_rate",
        "cost_rate",
        "notes",
        "internal_notes",
        "source",
        "approval_state",
        "created_at",
        "updated_at",
        "lag",
    ]
    readonly_fields = [
        "local_times",
        "agreement",
        "bill_rate",
        "cost_rate",
        "source",
        "approval_state",
        "created_at",
        "updated_at",
        "lag",
    ]
    actions = ["mark_approved", "mark_invoiced", "reopen"]

    def get_queryset(self, request):
        return entries_visible_to(request.user)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        return (
            super()
            .get_history_queryset(request, history_manager, pk_name, object_id)
            .select_related(*RELATED)
        )

    def get_historical_record_context_helper(self, request, historical_record):
        return EntryHistoryWords(self.model, historical_record)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # Whose time it is does not change; delete the entry and log it for the right person.
        return ["member", *self.readonly_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request_member(request)
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = self._writable_members(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        me = request_member(request)
        if me is not None:
            initial.setdefault("member", me.pk)
        return initial

    def _writable_members(self, request):
        if request.user.has_perm("timekeeping.manage_all_entries"):
            return Member.objects.select_related("user")
        return Member.objects.filter(user=request.user).select_related("user")

    def _may_write_for(self, request, obj) -> bool:
        me = request_member(request)
        if me is None:
            return False
        return (
            obj is None
            or obj.member_id == me.pk
            or request.user.has_perm("timekeeping.manage_all_entries")
        )

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        # The history page can show an entry the list would not (a deleted one, say): ask
        # the same policy about it.
        return obj is None or self._sees(request, obj)

    def _sees(self, request, obj) -> bool:
        return sees_time(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and request_member(request) is not None

    def has_change_permission(self, request, obj=None):
        if not (super().has_change_permission(request, obj) and self._may_write_for(request, obj)):
            return False
        return obj is None or self._sees(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not (super().has_delete_permission(request, obj) and self._may_write_for(request, obj)):
            return False
        # Asked about each entry a related object's delete page would list: an entry the
        # viewer may not see makes the page name only its kind, never the entry.
        return obj is None or (
            self._sees(request, obj) and entry_lock_reason(obj, by=request_member(request)) is None
        )

    def has_manage_permission(self, request) -> bool:
        return (
            request.user.has_perm("timekeeping.manage_all_entries")
            and request_member(request) is not None
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_unlocked,
                "delete_selected",
                delete_unlocked.short_description,
            )
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Start and end are shown and read in the member's own zone, as the list shows them
        (adding: the zone of whoever adds, and the chosen member's when saving)."""
        entry = self.get_object(request, object_id) if object_id else None
        member = entry.member if entry is not None else request_member(request)
        zone = member.zone if member is not None else timezone.get_current_timezone()
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # A TemplateResponse renders after the view returns; render it in the zone too.
            if isinstance(response, TemplateResponse):
                response.render()
            return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            entry = self.get_object(request, object_id)
            reason = (
                entry_lock_reason(entry, by=request_member(request)) if entry is not None else None
            )
            if reason:
                self.message_user(request, reason, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """The form's service call has saved the entry already."""

    def delete_model(self, request, obj):
        try:
            entry_delete(entry=obj, by=request_member(request))
        except ValidationError as refusal:
            # Locked between the confirmation page and now; the transaction undoes the log.
            raise PermissionDenied(" ".join(refusal.messages)) from None

    def delete_queryset(self, request, queryset):
        me = request_member(request)
        try:
            for entry in queryset.select_related("member"):
                entry_delete(entry=entry, by=me)
        except ValidationError as refusal:
            raise PermissionDenied(" ".join(refusal.messages)) from None

    @admin.display(description="Member's local time")
    def local_times(self, obj: TimeEntry) -> str:
        if obj.pk is None:
            return "—"
        return (
            f"{_local(obj.start, obj.member)} to {_local(obj.end, obj.member, '%H:%M')} "
            f"({obj.member.time_zone})"
        )

    @admin.display(description="Start (member's zone)", ordering="start")
    def local_start(self, obj: TimeEntry) -> str:
        return _local(obj.start, obj.member)

    @admin.display(description="End", ordering="end")
    def local_end(self, obj: TimeEntry) -> str:
        zone = obj.member.zone
        same_day = obj.start.astimezone(zone).date() == obj.end.astimezone(zone).date()
        return _local(obj.end, obj.member, "%H:%M" if same_day else "%Y-%m-%d %H:%M")

    @admin.display(description="Hours")
    def hours(self, obj: TimeEntry) -> Decimal:
        return obj.hours.quantize(TWO_PLACES)

    @admin.display(description="Lag", ordering="created_at")
    def lag(self, obj: TimeEntry) -> str:
        if obj.created_at is None:
            return "—"
        return duration_text(obj.lag, days=True)

    def _set_approval(self, request, queryset, state: str) -> None:
        try:
            changed = entries_set_approval(
                entries=queryset, state=state, by=request_member(request)
            )
        except (ValidationError, PermissionDenied) as refusal:
            text = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
            self.message_user(request, text, messages.ERROR)
            return
        label = ApprovalState(state).label.lower()
        self.message_user(request, f"{changed} entries marked {label}.", messages.SUCCESS)

    @admin.action(permissions=["manage"], description="Mark selected entries approved")
    def mark_approved(self, request, queryset):
        self._set_approval(request, queryset, ApprovalState.APPROVED)

    @admin.action(permissions=["manage"], description="Mark selected entries invoiced")
    def mark_invoiced(self, request, queryset):
        self._set_approval(request, queryset, ApprovalState.INVOICED)

    @admin.action(permissions=["manage"], description="Reopen selected approved entries")
    def reopen(self, request, queryset):
        self._set_approval(request, queryset, ApprovalState.OPEN)


class PeriodCloseAdminForm(ServiceModelForm):
    class Meta:
        model = PeriodClose
        fields = ["closed_through", "note"]
        help_texts = {
            "note": "Required when the date is earlier than the close in force: it reopens "
            "the days in between, and the note says why."
        }

    def write(self) -> PeriodClose:
        return period_close(
            through=self.cleaned_data["closed_through"],
            by=self.by,
            note=self.cleaned_data.get("note", ""),
        )


@admin.register(PeriodClose)
class PeriodCloseAdmin(admin.ModelAdmin):
    """Closes are added, never edited: to reopen days, add a close with an earlier date."""

    form = PeriodCloseAdminForm
    list_display = ["closed_through", "in_force", "closed_by", "closed_at", "note"]
    list_select_related = ["closed_by__user"]
    readonly_fields = ["closed_by", "closed_at"]
    date_hierarchy = "closed_at"

    def get_queryset(self, request):
        newest = PeriodClose.objects.order_by("-closed_at").values("pk")[:1]
        return super().get_queryset(request).annotate(newest_pk=Subquery(newest))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["closed_through", "note"]
        return ["closed_through", "note", "closed_by", "closed_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request_member(request)
        return form

    @admin.display(description="In force", boolean=True)
    def in_force(self, obj: PeriodClose) -> bool:
        return obj.pk == obj.newest_pk

    def has_add_permission(self, request):
        return super().has_add_permission(request) and request_member(request) is not None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """period_close saved it while the form validated."""


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    """Running timers, for looking in. A stuck one can be parked: its minutes become a draft
    entry the member finishes later, so nothing is lost."""

    list_display = ["member", "local_start", "ticket", "phase", "running_for"]
    list_select_related = ["member__user", "ticket", "phase__project"]
    search_fields = ["member__user__username", "ticket__summary"]
    actions = ["park"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=timers_visible_to(request.user))

    @admin.display(description="Started (member's zone)", ordering="started_at")
    def local_start(self, obj: Timer) -> str:
        return _local(obj.started_at, obj.member)

    @admin.display(description="Running for")
    def running_for(self, obj: Timer) -> str:
        return duration_text(timezone.now() - obj.started_at, days=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm("timekeeping.manage_all_entries")

    @admin.action(permissions=["manage"], description="Park selected timers as drafts")
    def park(self, request, queryset):
        parked = 0
        for timer in queryset.select_related("member"):
            try:
                timer_park(member=timer.member)
            except ValidationError as refusal:
                self.message_user(
                    request, f"{timer.member}: {' '.join(refusal.messages)}", messages.ERROR
                )
            else:
                parked += 1
        if parked:
            self.message_user(request, f"{parked} timers parked.", messages.SUCCESS)


@admin.register(DraftEntry)
class DraftEntryAdmin(admin.ModelAdmin):
    """Parked time waiting for its notes; the member logs it from their day."""

    list_display = ["member", "local_start", "local_end", "ticket", "phase", "created_at"]
    list_select_related = ["member__user", "ticket", "phase__project"]
    search_fields = ["member__user__username", "ticket__summary", "notes"]
    date_hierarchy = "start"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=drafts_visible_to(request.user))

    @admin.display(description="Start (member's zone)", ordering="start")
    def local_start(self, obj: DraftEntry) -> str:
        return _local(obj.start, obj.member)

    @admin.display(description="End", ordering="end")
    def local_end(self, obj: DraftEntry) -> str:
        return _local(obj.end, obj.member)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj) or request_member(request) is None:
            return False
        # As for entries: a related object's delete page names a hidden draft's kind only.
        return obj is None or sees_time(request, obj)

    def delete_model(self, request, obj):
        draft_discard(draft=obj, by=request_member(request))

    def delete_queryset(self, request, queryset):
        me = request_member(request)
        for draft in queryset.select_related("member"):
            draft_discard(draft=draft, by=me)
