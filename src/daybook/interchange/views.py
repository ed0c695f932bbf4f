"""Calendar feed pages: a member creates and revokes their private feed address; the feed
itself is read by calendar apps with only the token, no login."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.web import member_required
from daybook.people.models import Member

from .calendar import member_calendar
from .models import CalendarFeed
from .services import feed_create, feed_revoke


def feed_for(member: Member, pk: int) -> CalendarFeed:
    """Only the member's own feeds; anyone else's is a 404."""
    return get_object_or_404(CalendarFeed, pk=pk, member=member)


@member_required
@require_http_methods(["GET", "POST"])
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    member = request.member
    if request.method == "POST":
        feed_create(member=member)
        messages.success(
            request, "Your new calendar address is ready. Any earlier address no longer works."
        )
        return redirect("interchange:calendar_feeds")
    feeds = list(CalendarFeed.objects.filter(member=member)[:10])
    live = next((feed for feed in feeds if feed.is_live), None)
    url = None
    if live is not None:
        url = request.build_absolute_uri(
            reverse("interchange:calendar_feed", kwargs={"token": live.token})
        )
    return render(
        request,
        "interchange/calendar_feeds.html",
        {
            "live": live,
            "url": url,
            "webcal": url.replace("https://", "webcal://").replace("http://", "webcal://")
            if url
            else None,
            "revoked": [feed for feed in feeds if not feed.is_live],
        },
    )


@member_required
@require_POST
def calendar_feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed_revoke(feed=feed_for(request.member, pk))
    messages.success(request, "That calendar address no longer works.")
    return redirect("interchange:calendar_feeds")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed. The token is the only key: unknown or revoked tokens are a 404."""
    feed = (
        CalendarFeed.objects.select_related("member__user")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        member_calendar(member=feed.member), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="daybook.ics"'
    response["Cache-Control"] = "private, max-age=300"
    # The address is the secret: keep it out of referrers and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
