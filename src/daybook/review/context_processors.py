from django.conf import settings
from django.http import HttpRequest

from daybook.people.selectors import member_for

from .selectors import may_review, open_request_count


def review_nav(request: HttpRequest) -> dict:
    """What the navigation shows about reviews: the review link, and open requests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Pages for members have it already (member_required); others look it up.
    member = getattr(request, "member", None) or member_for(user)
    if member is None:
        return {}
    return {
        "review_refresh_seconds": settings.DAYBOOK_REVIEW_REFRESH_SECONDS,
        "nav_may_review": may_review(user),
        "nav_open_requests": open_request_count(member),
    }
