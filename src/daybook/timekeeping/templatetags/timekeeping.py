"""{% timer_bar %}: the running timer on every page, ticking, one click from stopping."""

from django import template
from django.utils import timezone

from daybook.core.formatting import duration_text
from daybook.people.models import Member

from ..labels import INTERNAL_TIME, entry_label

register = template.Library()


NOT_LOOKED_UP = object()


@register.inclusion_tag("timekeeping/_timer_bar.html", takes_context=True)
def timer_bar(context) -> dict:
    """At most one query: the member with their timer. Pages that already know both (the
    member from member_required, the timer as `running_timer`) cost none."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"bar_member": None}
    member = getattr(request, "member", None)
    timer = context.get("running_timer", NOT_LOOKED_UP)
    if member is None or timer is NOT_LOOKED_UP:
        member = (
            Member.objects.filter(user=user)
            .select_related("timer__ticket")
            .prefetch_related("timer__phase__project")
            .first()
        )
        if member is None:
            return {"bar_member": None}
        timer = getattr(member, "timer", None)
    return {
        "bar_member": member,
        "timer": timer,
        "label": entry_label(timer) if timer is not None else "",
        "now": timezone.now(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter(name="entry_label")
def entry_label_filter(entry, internal: str = INTERNAL_TIME) -> str:
    """{{ entry|entry_label }}: what an entry, draft or timer is charged to, in its one name."""
    return entry_label(entry, internal=internal)


@register.filter
def minutes(value: int | float | None) -> str:
    """Whole minutes as "7 h 05 min" / "25 min"."""
    if value is None:
        return "—"
    return duration_text(value)


@register.filter
def elapsed(start, now=None) -> str:
    """H:MM:SS since `start`, the same format the bar's ticking script writes."""
    if start is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - start).total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
