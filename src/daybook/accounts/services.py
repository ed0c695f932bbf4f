"""Writes about logins: API tokens, passwords, two-factor devices, unlocking, single sign-on."""

import math
import re
import secrets
import time
from binascii import Error as HexError
from binascii import unhexlify
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.models import VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken
from .selectors import (
    KEY_PREFIX,
    VISIBLE_PREFIX_LENGTH,
    role_requires_two_factor,
    token_hash,
    totp_device_of,
)

MAX_TOKEN_DAYS = 365
# last_used_at is for people deciding which tokens are still needed, not an audit log:
# writing it at most once a minute keeps a busy script from writing on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

CODE_FORMAT = re.compile(r"^\d{6}$")
BAD_CODE_FORMAT = "Enter the 6-digit code your authenticator app shows for Daybook."
WRONG_CODE = (
    "That code did not match. Codes change every 30 seconds: enter the one showing now, and "
    "check that your phone's clock is set automatically."
)
# How far a code may be from the server's clock, in 30-second steps, when setting up.
ENROL_TOLERANCE = 1


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def token_create(
    *,
    user,
    name: str,
    days: int | None = None,
    not_after: datetime | None = None,
    at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token for `user`, and its key: the only time the key exists outside the
    caller, since only its hash is stored.

    `not_after` caps the expiry: a token made by a script signed in with another token
    expires no later than that one, so a token can never extend its own life.
    """
    at = at or timezone.now()
    days = settings.DAYBOOK_API_TOKEN_DAYS if days is None else days
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give the token a name that says where it is used, e.g. 'Invoice sync'."
    elif len(name) > 100:
        errors["name"] = "Keep the name to 100 characters or fewer."
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = f"A token lasts from 1 to {MAX_TOKEN_DAYS} days, not {days}."
    if not user.is_active:
        errors["user"] = "This login is disabled, so it cannot have API tokens."
    if errors:
        raise ValidationError(errors)
    expires_at = at + timedelta(days=days)
    if not_after is not None and not_after < expires_at:
        expires_at = not_after
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:VISIBLE_PREFIX_LENGTH],
        key_hash=token_hash(key),
        created_at=at,
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    """Stop a token from working, for good. Revoking it twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_revoke_all(*, user, at: datetime | None = None) -> int:
    """Revoke every token of `user` that still works; how many were revoked.

    Called whenever the user's password is set, through any door (password change, reset,
    admin): a leaked password may have been used to make tokens, and they must not outlive it.
    """
    at = at or timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=at)


def token_mark_used(*, token: ApiToken, at: datetime | None = None) -> None:
    at = at or timezone.now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    token.last_used_at = at


# --- passwords --------------------------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user, password: str | None) -> None:
    """Give `user` a new password (None: no password at all, single sign-on only) and revoke
    their API tokens. Every form that sets a password saves through here.

    Django has no "password changed" signal, and a post_save on the user cannot tell a new
    password from any other change without reading private attributes, so the doors call this
    explicitly: Daybook's password change and reset pages and the admin's password form.
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    tokens_revoke_all(user=user)


# --- unlocking --------------------------------------------------------------------------------


def login_unlock(*, username: str, ip_address: str | None = None) -> int:
    """Forget the failed sign-ins of `username` (from one address, or from all), so they may
    sign in again at once. Returns how many lock records were removed."""
    return axes_reset(ip=ip_address, username=username)


# --- two-factor -------------------------------------------------------------------------------


def _clean_code(code: str) -> str:
    cleaned = re.sub(r"\s", "", code or "")
    if not CODE_FORMAT.match(cleaned):
        raise ValidationError({"code": BAD_CODE_FORMAT})
    return cleaned


def totp_new_key() -> str:
    """A new secret for an authenticator app, in the hex form TOTPDevice stores."""
    return secrets.token_hex(20)


@transaction.atomic
def totp_enrol(*, user, key: str, code: str) -> TOTPDevice:
    """Turn on two-factor sign-in with the secret the user's app was given, once the app has
    proved it has it by producing a current code. Nothing is saved before that."""
    cleaned = _clean_code(code)
    if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
        raise ValidationError(
            "Two-factor sign-in is already on for your login. Turn it off first to move it "
            "to another app."
        )
    try:
        secret = unhexlify(key)
    except (HexError, ValueError):
        raise ValidationError(
            "The setup secret was lost; reload the page and scan again."
        ) from None
    totp = TOTP(secret)
    totp.time = time.time()
    if not totp.verify(int(cleaned), tolerance=ENROL_TOLERANCE):
        raise ValidationError({"code": WRONG_CODE})
    return TOTPDevice.objects.create(
        user=user,
        name="Authenticator app",
        key=key,
        confirmed=True,
        drift=totp.drift,
        # The code just used cannot be used again to sign in.
        last_t=totp.t(),
    )


def totp_verify(*, user, code: str) -> TOTPDevice:
    """The user's device, if `code` is a current code from it; otherwise ValidationError.

    Wrong codes slow further tries down (django-otp doubles the wait after each one). The
    count of wrong codes is saved even though the answer is a refusal, so this is not one
    atomic block: the lock is held only while the device is checked.
    """
    cleaned = _clean_code(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError("Two-factor sign-in is not set up for this login.")
        allowed, why = device.verify_is_allowed()
        verified = allowed and device.verify_token(cleaned)
    if not allowed:
        raise ValidationError({"code": _wait_message(why)})
    if not verified:
        raise ValidationError({"code": WRONG_CODE})
    return device


def _wait_message(why: dict | None) -> str:
    if why and why.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        locked_until = why.get("locked_until")
        if locked_until is not None:
            seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
            wait = "1 second" if seconds == 1 else f"{seconds} seconds"
            return (
                f"Too many wrong codes in a row: wait {wait}, then enter the code showing at "
                "that moment."
            )
    return "Codes are not accepted for this login right now; wait a little and try again."


def totp_remove(*, user, code: str) -> int:
    """Turn two-factor sign-in off, proven with a current code. Refused where the user's role
    requires it. Returns how many devices were removed. (Not one atomic block, for the same
    reason as totp_verify: a wrong code must still count.)"""
    if role_requires_two_factor(user=user):
        raise ValidationError(
            "Your role requires two-factor sign-in, so it stays on. To move it to a new phone, "
            "ask an administrator to remove the old device, then set it up again."
        )
    totp_verify(user=user, code=code)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    return removed


def totp_is_on(*, user) -> bool:
    return totp_device_of(user=user) is not None


# --- single sign-on ---------------------------------------------------------------------------

NO_ACCOUNT = (
    "No Daybook account uses the email address {email}. Ask an administrator to add it to "
    "your account, or sign in with your username and password."
)


@transaction.atomic
def sso_user_for_email(*, email: str, create: bool = False):
    """The active login whose email is `email` (already verified by the provider).

    Exactly one must match: an address shared by two logins is refused rather than guessed.
    With `create`, an address no login uses gets a new login without a password and without
    a role; an administrator gives it one.
    """
    email = email.strip()
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValidationError(
            f"More than one Daybook account uses {email}, so Daybook cannot tell which is "
            "yours. Ask an administrator to give each account its own address."
        )
    if not create:
        raise ValidationError(NO_ACCOUNT.format(email=email))
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            f"The Daybook account for {email} is disabled. Ask an administrator if you "
            "should still have access."
        )
    user = User(username=_free_username(email), email=email)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _free_username(email: str) -> str:
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[:140] or "user"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate
