"""API sign-in with Daybook's own tokens: `Authorization: Token <key>`."""

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .choices import TokenState
from .models import ApiToken
from .selectors import token_for_key
from .services import token_mark_used

UNKNOWN = "That API token is not valid. Check it was copied whole, or make a new one."
MALFORMED = "Give the API token as 'Authorization: Token <key>', with nothing else after it."
TOKENS_PAGE = "/accounts/tokens/"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Accepts a token that exists, belongs to an active login, and is neither expired nor
    revoked; any other is refused with a message saying which, so its owner knows what to do.
    """

    keyword = "Token"

    def authenticate(self, request: Request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(UNKNOWN) from None
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple[object, ApiToken]:
        token = token_for_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(UNKNOWN)
        now = timezone.now()
        state = token.state_at(now)
        if state == TokenState.REVOKED:
            raise exceptions.AuthenticationFailed(
                f"This API token ({token.prefix}…, “{token.name}”) was revoked on "
                f"{token.revoked_at:%Y-%m-%d %H:%M} UTC. Make a new one at {TOKENS_PAGE}."
            )
        if state == TokenState.EXPIRED:
            raise exceptions.AuthenticationFailed(
                f"This API token ({token.prefix}…, “{token.name}”) expired on "
                f"{token.expires_at:%Y-%m-%d %H:%M} UTC. Make a new one at {TOKENS_PAGE}."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "The login this API token belongs to is disabled."
            )
        token_mark_used(token=token, at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes an anonymous call a 401 that says how to authenticate, rather than a 403.
        return self.keyword
