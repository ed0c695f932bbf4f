"""My Day's suggestions for the gaps of a day: the panel (loaded by htmx after the page, so My
Day itself costs no more queries) and dismissing one. Only ever the requester's own day: no
address here names a member, and a key that is not among the requester's suggestions is a
404."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from daybook.core.time import Span
from daybook.core.web import member_required, safe_next
from daybook.people.models import Member

from .selectors import closed_through, day_is_closed
from .suggestions import Suggestion, suggestion_day, suggestion_dismiss, suggestions_offered

INPUT = "%Y-%m-%dT%H:%M"  # the entry form's datetime-local value


@dataclass(frozen=True)
class Offered:
    """A suggestion as the page shows it: its times on the member's clock and the address
    that opens the entry form filled in from it."""

    suggestion: Suggestion
    clock: str
    use_url: str


@dataclass(frozen=True)
class GapOffers:
    gap: Span
    clock: str
    minutes: int
    offers: list[Offered]


def _clock(start, end, zone: ZoneInfo) -> str:
    begins, ends = timezone.localtime(start, zone), timezone.localtime(end, zone)
    return f"{begins:%H:%M}\N{EN DASH}{ends:%H:%M}"


def offered(suggestion: Suggestion, zone: ZoneInfo) -> Offered:
    query = {
        "start": f"{timezone.localtime(suggestion.start, zone):{INPUT}}",
        "end": f"{timezone.localtime(suggestion.end, zone):{INPUT}}",
        "suggestion": suggestion.key,
    }
    if suggestion.ticket is not None:
        query["ticket"] = suggestion.ticket.pk
    if suggestion.work_type is not None:
        query["work_type"] = suggestion.work_type.pk
    return Offered(
        suggestion=suggestion,
        clock=_clock(suggestion.start, suggestion.end, zone),
        use_url=f"{reverse('timekeeping:entry_new')}?{urlencode(query)}",
    )


def by_gap(found: list[Suggestion], zone: ZoneInfo) -> list[GapOffers]:
    """The suggestions under their gaps, in the day's order."""
    groups: dict = {}
    for suggestion in found:
        groups.setdefault(suggestion.gap, []).append(offered(suggestion, zone))
    return [
        GapOffers(
            gap=gap,
            clock=_clock(gap.start, gap.end, zone),
            minutes=round(gap.minutes),
            offers=offers,
        )
        for gap, offers in sorted(groups.items(), key=lambda item: item[0].start)
    ]


def _panel(request: HttpRequest, member: Member, day: date) -> HttpResponse:
    found = suggestions_offered(member=member, day=day)
    context = {
        "day": day,
        "gaps": by_gap(found, member.zone),
        # Time in a closed period cannot be logged: the reasons still show, the Use does not.
        "closed": bool(found) and day_is_closed(day, closed_through()),
    }
    return render(request, "timekeeping/_suggestions.html", context)


@member_required
@require_GET
def suggestions_panel(request: HttpRequest, day: date) -> HttpResponse:
    """The requester's own suggestions for the gaps of their `day`."""
    return _panel(request, request.member, day)


@member_required
@require_POST
def suggestion_dismiss_view(request: HttpRequest) -> HttpResponse:
    """Stop offering one suggestion; htmx gets the panel back without it."""
    member = request.member
    key = request.POST.get("key", "")[:100]
    try:
        suggestion_dismiss(member=member, key=key)
    except ValidationError as refused:
        raise Http404("There is no such suggestion for your day.") from refused
    day = suggestion_day(key, member)
    if getattr(request, "htmx", False):
        return _panel(request, member, day)
    messages.success(request, "Suggestion dismissed; it will not be offered again.")
    return redirect(safe_next(request, reverse("timekeeping:my_day_on", kwargs={"day": day})))
