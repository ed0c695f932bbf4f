"""Reads about logins: API tokens, and what a signed-in session still owes before it opens.

Roles are Django groups named after people's Role values; this app sits below people, so it
reads them only as group names on the user.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import SecondStep
from .models import ApiToken

# Every key starts with this, so a leaked one is easy to recognise (and to search for).
KEY_PREFIX = "dbk_"
# How much of the key stays visible to tell tokens apart: the marker and 8 random characters.
VISIBLE_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def token_hash(key: str) -> str:
    """The stored form of a key. Keys are long and random, so a plain SHA-256 is enough: there
    is nothing to guess, and lookups stay one indexed query."""
    return hashlib.sha256(key.encode()).hexdigest()


def tokens_of(*, user) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first, whatever their state."""
    return ApiToken.objects.filter(user=user)


def token_for_key(*, key: str) -> ApiToken | None:
    """The token a presented key belongs to, with its user; None for an unknown key."""
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()


def roles_requiring_two_factor() -> list[str]:
    """Group names (people's roles) whose members must sign in with a second factor."""
    return list(settings.DAYBOOK_REQUIRE_2FA_FOR)


def totp_device_of(*, user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def role_requires_two_factor(*, user) -> bool:
    roles = roles_requiring_two_factor()
    return bool(roles) and user.groups.filter(name__in=roles).exists()


def second_step_for(*, user) -> SecondStep:
    """What a signed-in but not yet verified session must do next, in one query.

    A user with an authenticator app enters a code, whichever door they signed in through; a
    user whose role requires one and who has none sets it up first.
    """
    roles = roles_requiring_two_factor()
    users = get_user_model().objects.filter(pk=user.pk)
    has_device = Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    if roles:
        groups = get_user_model().groups.through.objects.filter(
            user=OuterRef("pk"), group__name__in=roles
        )
        row = users.values_list(has_device, Exists(groups)).first()
    else:
        row = users.values_list(has_device).first()
    if row is None:
        return SecondStep.NONE
    if row[0]:
        return SecondStep.VERIFY
    if roles and row[1]:
        return SecondStep.ENROL
    return SecondStep.NONE
