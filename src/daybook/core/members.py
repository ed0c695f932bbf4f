"""The member behind a request.

Core sits below every domain app, so it knows a member only as `user.member`: the reverse
side of the people app's one-to-one link from a member to its login. Views, the API and the
admin all ask this one function, and it looks the member up once per request.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.http import HttpRequest


def user_member(user) -> Model | None:
    """The member a login belongs to, or None (anonymous, or a login without a member)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.member
    except ObjectDoesNotExist:
        return None


def request_member(request: HttpRequest) -> Model | None:
    """The member behind `request`, looked up once per request."""
    if not hasattr(request, "_daybook_member"):
        request._daybook_member = user_member(request.user)
    return request._daybook_member
