from django.conf import settings
from django.http import HttpRequest

from daybook.core.members import request_member
from daybook.review.selectors import may_review

from .selectors import MemberNav, member_nav


def request_nav(request: HttpRequest) -> MemberNav | None:
    """member_nav for the member behind `request`, read once per request: the page's
    navigation reads it while rendering, the process check after."""
    if not hasattr(request, "_daybook_nav"):
        member = request_member(request)
        request._daybook_nav = None if member is None else member_nav(member)
    return request._daybook_nav


def nav(request: HttpRequest) -> dict:
    """What the navigation shows about reviews: the review link, and open requests."""
    facts = request_nav(request)
    if facts is None:
        return {}
    return {
        "review_refresh_seconds": settings.DAYBOOK_REVIEW_REFRESH_SECONDS,
        "nav_may_review": may_review(request.user, reviews_a_team=facts.reviews_a_team),
        "nav_open_requests": facts.open_requests,
    }
