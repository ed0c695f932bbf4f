"""Review pages: the reviewer's daily review and a member's day, the follow-up composer, the
member's Requests, notification settings and the review settings.

Every decision goes through review/services.py, which holds the guardrails; these views only
choose what to show and turn refusals into messages.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.time import local_date
from daybook.core.web import apply_errors, member_required, render_page
from daybook.people.models import Member, Team
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.day import DISPATCH_FINDINGS
from daybook.timekeeping.day_figures import policies_for
from daybook.timekeeping.models import ReviewPolicy
from daybook.timekeeping.my_day import INPUT
from daybook.timekeeping.selectors import wrap_types_offered
from daybook.timekeeping.timeline import reviewer_timeline

from . import services
from .choices import OPEN_FOLLOW_UP_STATES, FollowUpState, NoticeKind, ReviewState
from .composer import (
    Subject,
    fill,
    highlighted,
    message_text,
    message_tone,
    placeholder_values,
    suits,
)
from .forms import (
    ExcuseForm,
    FollowUpForm,
    NotificationSettingForm,
    PolicyForm,
    ReplyForm,
    ReviewDayForm,
    ThreadReplyForm,
    ToneCheckForm,
    day_has_begun,
)
from .models import FollowUp, MessageTemplate, Notice, NotificationSetting
from .selectors import (
    DayView,
    day_timeline,
    follow_ups_for_day,
    may_review,
    may_write_in,
    requests_for,
    review_day_or_404,
    review_days,
    review_teams,
    reviewable_members,
)

NOT_A_REVIEWER = "Only team reviewers, Finance and administrators review days."


def reviewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A member who reviews someone's days; everyone else is refused."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_review(request.user):
            raise PermissionDenied(NOT_A_REVIEWER)
        return view(request, *args, **kwargs)

    return wrapper


def summary(view: DayView) -> str:
    """The reason at a glance, in words: what there is to look at, or why not yet."""
    if view.off is not None and not view.listed:
        return f"Not a working day: {view.off_reason}"
    if view.in_progress:
        opens = view.review_opens_at.astimezone(view.member.zone)
        return f"Day under way; review opens {opens:%H:%M} {opens:%a}"
    parts = []
    if view.off is not None:
        parts.append(f"Not a working day: {view.off_reason}")
    if view.gaps:
        minutes = round(sum(g.minutes for g in view.gaps))
        gaps = "gap" if len(view.gaps) == 1 else "gaps"
        parts.append(f"{len(view.gaps)} {gaps} ({minutes} min)")
    for kind, count in Counter(f.kind for f in view.findings).items():
        label = FindingKind(kind).label
        if kind in DISPATCH_FINDINGS:
            label = f"{label}, sent to dispatch"
        parts.append(label if count == 1 else f"{label} (x{count})")
    return " · ".join(parts) or "Nothing to ask about"


# --- the daily review ---------------------------------------------------------------------


LOOK_BACK_DAYS = 7


def _default_day(request: HttpRequest, members) -> tuple[date, list[DayView]]:
    """Today once any of today's days has opened. Before that (the morning review), the
    latest earlier day on which anyone was scheduled or logged time: Friday on a Monday."""
    today = local_date(timezone.now(), request.member.zone)
    views = review_days(day=today, members=members, viewer=request.user)
    if not views or not all(view.in_progress for view in views):
        return today, views
    for back in range(1, LOOK_BACK_DAYS + 1):
        day = today - timedelta(days=back)
        earlier = review_days(day=day, members=members, viewer=request.user)
        if any(
            v.figures and (v.figures.expected_minutes or v.figures.logged_minutes) for v in earlier
        ):
            return day, earlier
    return today, views


def _review_day_form(request: HttpRequest, day: date | None, team: str) -> ReviewDayForm:
    data = {"date": day.isoformat() if day else "", "team": team}
    return ReviewDayForm(data, viewer=request.user, date_required=False)


def _daily_context(
    request: HttpRequest, day: date, team: Team | None, views: list[DayView]
) -> dict:
    next_day = day + timedelta(days=1)
    return {
        "day": day,
        "rows": [(view, summary(view)) for view in views],
        "team": team,
        "teams": review_teams(request.user),
        "prev_day": day - timedelta(days=1),
        # No way forward into a day that has not begun: there is nothing there yet.
        "next_day": next_day if day_has_begun(next_day) else None,
        "ready_clean": sum(1 for view in views if view.may_be_marked_clean),
        "counts": [
            (state, label, sum(1 for view in views if view.status == state))
            for state, label in [("in_progress", "Under way"), *ReviewState.choices]
        ],
    }


@reviewer_required
@require_GET
def daily_view(request: HttpRequest, day: date | None = None) -> HttpResponse:
    form = _review_day_form(request, day, request.GET.get("team", ""))
    if form.is_valid():
        chosen = form.checked()
        members = reviewable_members(request.user, team=chosen.team).exclude(pk=request.member.pk)
        if chosen.day is None:
            day, views = _default_day(request, members)
        else:
            day = chosen.day
            views = review_days(day=day, members=members, viewer=request.user)
        context = _daily_context(request, day, chosen.team, views)
    else:
        # The page as it stands, with nobody listed and the form's sentence on top.
        day = day or local_date(timezone.now(), request.member.zone)
        context = {**_daily_context(request, day, None, []), "form": form}
    return render_page(
        request,
        "review/daily.html",
        context,
        partial="review/_daily_table.html",
        status=200 if form.is_valid() else 400,
    )


@reviewer_required
@require_POST
def mark_all_clean_view(request: HttpRequest, day: date) -> HttpResponse:
    url = reverse("review:daily_on", kwargs={"day": day})
    try:
        team = _review_day_form(request, day, request.POST.get("team", "")).checked().team
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(url)
    members = reviewable_members(request.user, team=team)
    try:
        marked = services.review_mark_all_clean(day=day, members=members, by=request.member)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        days = "day" if marked == 1 else "days"
        messages.success(request, f"Marked {marked} clean {days}.")
    return redirect(f"{url}?team={team.pk}" if team else url)


# --- one member's day -----------------------------------------------------------------------


def _composer(view: DayView, reviewer: Member, template: MessageTemplate | None, about: Subject):
    """A composer form filled from `template` for this day and subject."""
    if template is None:
        # The default template first, else the first one that fits what is asked about.
        templates = list(MessageTemplate.objects.all())
        template = next(
            (t for t in templates if suits(subject=t.subject, body=t.body, about=about)),
            templates[0] if templates else None,
        )
    if template is None:
        return FollowUpForm(initial=_about_initial(about))
    values = placeholder_values(
        first_name=view.member.first_name,
        day=view.day,
        zone=view.member.zone,
        about=about,
        finding_text=next((f.message for f in view.findings if f.kind == about.finding), ""),
        reviewer=reviewer.first_name,
    )
    return FollowUpForm(
        initial={
            "template": template,
            "subject": fill(template.subject, values),
            "body": fill(template.body, values),
            **_about_initial(about),
        }
    )


def _about_initial(about: Subject) -> dict:
    return {
        "gap_start": about.gap_start.isoformat() if about.gap_start else "",
        "gap_end": about.gap_end.isoformat() if about.gap_end else "",
        "finding": about.finding,
    }


def _about_from(request: HttpRequest, view: DayView) -> Subject:
    """The gap or finding picked on the page (GET), else the first gap, else the day."""
    start, end, kind = (request.GET.get(k, "") for k in ("gap_start", "gap_end", "finding"))
    for gap in view.gaps:
        if gap.start.isoformat() == start and gap.end.isoformat() == end:
            return Subject(gap_start=gap.start, gap_end=gap.end)
    # Findings sent to dispatch are nobody's to ask the member about.
    askable = [f for f in view.findings if not f.for_dispatch]
    for finding in askable:
        if finding.kind == kind:
            return Subject(finding=finding.kind)
    if view.gaps:
        return Subject(gap_start=view.gaps[0].start, gap_end=view.gaps[0].end)
    if askable:
        return Subject(finding=askable[0].kind)
    return Subject()


@dataclass(frozen=True)
class ToneAdvice:
    """What the tone check said about a message, as the composer and reply boxes show it: the
    message with the quoted words marked, the warnings, and a curious rewrite."""

    warnings: tuple
    suggestion: str
    preview: str

    @classmethod
    def of(cls, text: str, warnings: tuple, suggestion: str) -> "ToneAdvice":
        return cls(warnings, suggestion, highlighted(text, (w.quote for w in warnings)))


def _conversations(
    request: HttpRequest, view: DayView, replying: dict[int, tuple[ThreadReplyForm, ToneAdvice]]
) -> list[FollowUp]:
    """The day's follow-ups, each open one the reviewer may write in with a reply box (the one
    just sent back with a warning keeps its words and the warning)."""
    follow_ups = list(follow_ups_for_day(member=view.member, day=view.day))
    for follow_up in follow_ups:
        follow_up.member = view.member  # already loaded, with the team
        follow_up.reply_form = follow_up.tone = None
        if follow_up.is_open and may_write_in(follow_up=follow_up, member=request.member):
            form, tone = replying.get(follow_up.pk, (None, None))
            follow_up.reply_form = form or ThreadReplyForm(follow_up_id=follow_up.pk)
            follow_up.tone = tone
    return follow_ups


def _day_context(
    request: HttpRequest,
    view: DayView,
    form: FollowUpForm | None = None,
    replying: dict[int, tuple[ThreadReplyForm, ToneAdvice]] | None = None,
) -> dict:
    about = _about_from(request, view)
    if form is None and not view.is_own and not view.in_progress and view.listed:
        template = None
        raw = request.GET.get("template")
        if raw and raw.isdigit():
            template = MessageTemplate.objects.filter(pk=int(raw)).first()
        form = _composer(view, request.member, template, about)
    timeline = day_timeline(view)
    return {
        "v": view,
        "summary": summary(view),
        "timeline": timeline,
        # The same drawing as the member's My Day, from only what this reviewer may see.
        "drawn": reviewer_timeline(
            day=view.day,
            zone=view.member.zone,
            entries=[item.entry for item in timeline if item.entry is not None],
            gaps=[item for item in timeline if item.kind == "gap"],
        ),
        "follow_ups": _conversations(request, view, replying or {}),
        "form": form,
        "excuse_form": ExcuseForm(),
        "about": about,
        "templates": MessageTemplate.objects.all(),
    }


@reviewer_required
@require_GET
def member_day_view(request: HttpRequest, member_id: int, day: date) -> HttpResponse:
    view = review_day_or_404(member_id=member_id, day=day, viewer=request.user)
    if view.is_own:
        return redirect("timekeeping:my_day_on", day=day)
    with timezone.override(view.member.zone):
        context = _day_context(request, view)
        if request.GET.get("part") == "composer":
            return render(request, "review/_composer.html", context)
        return render_page(
            request, "review/member_day.html", context, partial="review/_member_day.html"
        )


@reviewer_required
@require_POST
def follow_up_view(request: HttpRequest, member_id: int, day: date) -> HttpResponse:
    view = review_day_or_404(member_id=member_id, day=day, viewer=request.user)
    form = FollowUpForm(request.POST)
    tone = None
    if form.is_valid():
        about = form.about()
        try:
            services.followup_send(
                member=view.member,
                day=day,
                by=request.member,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                about=about,
                tone_confirmed=form.cleaned_data["tone_confirmed"],
            )
        except services.ToneWarningError as error:
            text = message_text(
                subject=form.cleaned_data["subject"].strip(), body=form.cleaned_data["body"].strip()
            )
            tone = ToneAdvice.of(text, error.warnings, error.suggestion)
            form = FollowUpForm({**request.POST.dict(), "tone_confirmed": "on"})
            form.is_valid()
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Sent to {view.member.first_name}.")
            return redirect("review:member_day", member_id=member_id, day=day)
    with timezone.override(view.member.zone):
        context = _day_context(request, view, form=form)
        context["tone"] = tone
        context["tone_warnings"] = tone.warnings if tone else ()
        return render(request, "review/member_day.html", context, status=200 if tone else 400)


@reviewer_required
@require_POST
def thread_reply_view(request: HttpRequest, member_id: int, day: date, pk: int) -> HttpResponse:
    """A reviewer's reply in a follow-up's conversation, from the member's day page."""
    view = review_day_or_404(member_id=member_id, day=day, viewer=request.user)
    follow_up = get_object_or_404(follow_ups_for_day(member=view.member, day=day), pk=pk)
    form = ThreadReplyForm(request.POST, follow_up_id=pk)
    tone = None
    if form.is_valid():
        try:
            services.follow_up_reply(
                follow_up=follow_up,
                by=request.member,
                body=form.cleaned_data["body"],
                tone_confirmed=form.cleaned_data["tone_confirmed"],
            )
        except services.ToneWarningError as error:
            body = form.cleaned_data["body"].strip()
            tone = ToneAdvice.of(body, error.warnings, error.suggestion)
            form = ThreadReplyForm({**request.POST.dict(), "tone_confirmed": "on"}, follow_up_id=pk)
            form.is_valid()
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Reply sent to {view.member.first_name}.")
            url = reverse("review:member_day", kwargs={"member_id": member_id, "day": day})
            return redirect(f"{url}#follow-up-{pk}")
    with timezone.override(view.member.zone):
        context = _day_context(request, view, replying={pk: (form, tone)})
        return render(request, "review/member_day.html", context, status=200 if tone else 400)


@reviewer_required
@require_POST
def tone_check_view(request: HttpRequest) -> HttpResponse:
    """The tone check as the reviewer types (htmx): the partial that sits under the message
    box, empty when the words read as curious."""
    form = ToneCheckForm(request.POST)
    if not form.is_valid():
        errors = [m for field in form.errors.values() for m in field]
        return render(request, "review/_tone_live.html", {"errors": errors}, status=400)
    subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
    result = message_tone(subject=subject, body=body)
    text = message_text(subject=subject, body=body)
    context = {"tone": ToneAdvice.of(text, result.warnings, result.suggestion)}
    return render(request, "review/_tone_live.html", context)


DECISIONS = {
    "clean": (services.review_mark_clean, "Marked clean."),
    "excused": (services.review_mark_excused, "Marked excused."),
    "resolved": (services.review_mark_resolved, "Marked resolved."),
    "reopen": (services.review_reopen, "Back to pending."),
}


@reviewer_required
@require_POST
def decide_view(request: HttpRequest, member_id: int, day: date, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404("No such decision.")
    view = review_day_or_404(member_id=member_id, day=day, viewer=request.user)
    action, done = DECISIONS[decision]
    kwargs = {"member": view.member, "day": day, "by": request.member}
    if decision in {"excused", "resolved"}:
        form = ExcuseForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("note", [])))
            return redirect("review:member_day", member_id=member_id, day=day)
        kwargs["note"] = form.cleaned_data["note"]
    try:
        action(**kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{view.member.first_name}, {day:%a %d %b}: {done}")
    back = request.POST.get("back")
    if back == "daily":
        return redirect("review:daily_on", day=day)
    return redirect("review:member_day", member_id=member_id, day=day)


# --- the member's requests --------------------------------------------------------------------


RESOLVED_SHOWN = 10
REQUESTS_PAGE_SIZE = 20
# ?sort= on Requests: the day asked about, latest first (the default) or earliest first.
# Anything else reads as the default.
REQUEST_ORDERS = {
    "-day": ("-date", "-created_at", "-pk"),
    "day": ("date", "created_at", "pk"),
}


@member_required
@require_GET
def requests_view(request: HttpRequest) -> HttpResponse:
    member = request.member
    sort = request.GET.get("sort", "")
    sort = sort if sort in REQUEST_ORDERS else "-day"
    open_rows = (
        requests_for(member).filter(state__in=OPEN_FOLLOW_UP_STATES).order_by(*REQUEST_ORDERS[sort])
    )
    page = Paginator(open_rows, REQUESTS_PAGE_SIZE).get_page(request.GET.get("page"))
    open_ones = list(page.object_list)
    resolved = list(requests_for(member).filter(state=FollowUpState.RESOLVED)[:RESOLVED_SHOWN])
    for follow_up in open_ones:
        follow_up.reply_form = ReplyForm(prefix=f"r{follow_up.pk}")
        if follow_up.gap_start and follow_up.gap_end:
            start = follow_up.gap_start.astimezone(member.zone)
            end = follow_up.gap_end.astimezone(member.zone)
            follow_up.start_value = f"{start:{INPUT}}"
            follow_up.end_value = f"{end:{INPUT}}"
    notices = Notice.objects.filter(recipient=member).exclude(kind=NoticeKind.FOLLOW_UP)[:20]
    context = {
        "follow_ups": open_ones,
        "page": page,
        "sort": sort,
        "resolved": resolved,
        "notices": notices,
        "wrap_types": wrap_types_offered(),
    }
    return render_page(request, "review/requests.html", context, partial="review/_requests.html")


@member_required
@require_POST
def reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(requests_for(request.member), pk=pk)
    form = ReplyForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        try:
            services.followup_reply(
                follow_up=follow_up, by=request.member, text=form.cleaned_data["reply"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thanks, your answer is on its way.")
    else:
        messages.error(request, " ".join(form.errors.get("reply", [])))
    return redirect("review:requests")


@member_required
@require_POST
def notice_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk, recipient=request.member)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect(notice.link or reverse("review:requests"))


@member_required
@require_http_methods(["GET", "POST"])
def notification_settings_view(request: HttpRequest) -> HttpResponse:
    setting = NotificationSetting.objects.filter(member=request.member).first()
    setting = setting or NotificationSetting(member=request.member)
    form = NotificationSettingForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("review:notifications")
    return render(
        request,
        "review/notifications.html",
        {"form": form, "email": request.user.email},
        status=400 if form.errors else 200,
    )


# --- review settings (administrators) ----------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def policy_settings_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("timekeeping.change_reviewpolicy"):
        raise PermissionDenied("Only an administrator can change the review settings.")
    teams = list(Team.objects.order_by("name"))
    scope = request.POST.get("scope", "")
    policies = policies_for(team.pk for team in teams)
    own = set(ReviewPolicy.objects.values_list("team_id", flat=True))
    forms = {}
    for team in [None, *teams]:
        key = str(team.pk) if team else "organisation"
        current = policies[team.pk if team else None]
        initial = {
            "gap_threshold_minutes": current.gap_threshold_minutes,
            "realtime_window_minutes": current.realtime_window_minutes,
            "grace_minutes": current.grace_minutes,
        }
        bound = request.method == "POST" and scope == key
        form = PolicyForm(request.POST if bound else None, initial=initial, prefix=key)
        forms[key] = (team, form, (team.pk if team else None) in own)
        if bound and form.is_valid():
            try:
                services.policy_set(team=team, by=request.member, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Saved the settings for {team or 'the organisation'}.")
                return redirect("review:settings")
    status = 400 if any(f.errors for _, f, _ in forms.values()) else 200
    return render(request, "review/settings.html", {"forms": forms.items()}, status=status)
