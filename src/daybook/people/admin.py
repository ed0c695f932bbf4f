import itertools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from daybook.core.time import local_date

from .models import Holiday, Member, ScheduleBlock, Team
from .rates import member_cost_rate_set
from .selectors import members_visible_to


class ScheduleFormSet(forms.BaseInlineFormSet):
    """Several windows on one weekday make a split shift; they may not overlap."""

    def clean(self):
        super().clean()
        by_day: dict[int, list[tuple]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("start") or not data.get("end"):
                continue
            if data.get("weekday") is None:
                continue
            by_day.setdefault(data["weekday"], []).append((data["start"], data["end"]))
        for weekday, windows in sorted(by_day.items()):
            windows.sort()
            for (_, prev_end), (next_start, _) in itertools.pairwise(windows):
                if next_start < prev_end:
                    day = ScheduleBlock(weekday=weekday).get_weekday_display()
                    raise forms.ValidationError(
                        f"Two windows on {day} overlap at {next_start:%H:%M}; "
                        "a split shift needs a break between them."
                    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = "__all__"  # noqa: DJ007 - the admin edits every field of a member

    def clean(self):
        data = super().clean()
        if not data.get("start_date"):
            # A member starts on the day they are created, on their own calendar. An unknown
            # zone is refused by the model's validator with a sentence, after this.
            try:
                zone = ZoneInfo(data.get("time_zone") or self.instance.time_zone)
            except (ValueError, ZoneInfoNotFoundError):
                return data
            data["start_date"] = local_date(timezone.now(), zone)
        return data


class ScheduleBlockInline(admin.TabularInline):
    model = ScheduleBlock
    formset = ScheduleFormSet
    extra = 0
    fields = ["weekday", "start", "end"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """A member is the time-keeping side of a login: create the user first, then pick it."""

    list_display = [
        "name",
        "username",
        "team",
        "time_zone",
        "expected_hours_per_day",
        "cost_rate",
        "default_work_role",
        "roles",
        "start_date",
        "end_date",
    ]
    list_filter = ["team", "time_zone", "user__groups"]
    list_select_related = ["user", "team", "default_work_role"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
    ]
    autocomplete_fields = ["user"]
    inlines = [ScheduleBlockInline]

    def save_model(self, request, obj, form, change):
        if change and "cost_rate" in form.changed_data:
            # A new cost rate typed over the old one takes effect today, through the service.
            rate, obj.cost_rate = obj.cost_rate, form.initial["cost_rate"]
            super().save_model(request, obj, form, change)
            member_cost_rate_set(
                member=obj,
                rate=rate,
                effective_from=local_date(timezone.now(), obj.zone),
                by=getattr(request.user, "member", None),
            )
            return
        super().save_model(request, obj, form, change)

    form = MemberForm

    def get_queryset(self, request):
        return (
            members_visible_to(request.user)
            .select_related("user", "team", "default_work_role")
            .prefetch_related("user__groups")
        )

    @admin.display(description="Name", ordering="user__first_name")
    def name(self, obj: Member) -> str:
        return obj.name

    @admin.display(description="Username", ordering="user__username")
    def username(self, obj: Member) -> str:
        return obj.user.get_username()

    @admin.display(description="Roles")
    def roles(self, obj: Member) -> str:
        return ", ".join(group.name for group in obj.user.groups.all()) or "—"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "reviewer_names"]
    search_fields = ["name"]
    filter_horizontal = ["reviewers"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("members", distinct=True))
            .prefetch_related("reviewers__user")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "reviewers":
            kwargs["queryset"] = Member.objects.select_related("user")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count

    @admin.display(description="Reviewers")
    def reviewer_names(self, obj: Team) -> str:
        return ", ".join(member.name for member in obj.reviewers.all()) or "—"


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Organisation holidays (no team) and each team's own; the model's constraints refuse a
    second holiday for the same team and date with a sentence."""

    list_display = ["date", "name", "scope"]
    list_filter = ["team"]
    list_select_related = ["team"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description="For", ordering="team__name")
    def scope(self, obj: Holiday) -> str:
        return obj.team.name if obj.team_id else "Everyone"
