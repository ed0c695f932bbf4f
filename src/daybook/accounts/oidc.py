"""Single sign-on with OpenID Connect (Microsoft Entra ID, Google Workspace) through authlib.

The sign-in goes to the provider with a state, a nonce and a PKCE challenge, all kept in the
visitor's session; the answer is accepted only if it comes back to the same session, its ID
token is signed by a key the provider publishes, names Daybook's client ID as its audience,
comes from the configured issuer, carries the nonce sent, and vouches for the email address.
That address must belong to exactly one active Daybook login.
"""

import logging
from functools import lru_cache

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from daybook.core.env import TRUE_WORDS

from .config import OidcProvider

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10


class SsoRefused(Exception):
    """A sign-in answer Daybook will not accept; the message is for the person signing in."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def providers() -> tuple[OidcProvider, ...]:
    return tuple(settings.DAYBOOK_OIDC_PROVIDERS)


def provider_named(name: str) -> OidcProvider | None:
    return next((provider for provider in providers() if provider.name == name), None)


@lru_cache(maxsize=8)
def _client(provider: OidcProvider):
    """One authlib client per provider configuration; it keeps the provider's discovery
    document and signing keys once fetched."""
    oauth = OAuth()
    return oauth.register(
        name=provider.name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )


def callback_url(provider: OidcProvider) -> str:
    """Where the provider sends people back. It starts with DAYBOOK_BASE_URL, so it is the
    same address whatever host name a request came in on: register exactly this one."""
    path = reverse("accounts:sso_callback", kwargs={"provider": provider.name})
    return settings.DAYBOOK_BASE_URL + path


def _unreachable(provider: OidcProvider, error: Exception) -> SsoRefused:
    log.warning("Single sign-on: %s could not be reached: %s", provider.name, error)
    return SsoRefused(
        f"Daybook could not reach {provider.label} to sign you in. Try again in a moment, or "
        "sign in with your username and password."
    )


def sso_redirect(request: HttpRequest, provider: OidcProvider) -> HttpResponse:
    """The redirect that starts a sign-in at the provider."""
    try:
        return _client(provider).authorize_redirect(request, callback_url(provider))
    except (requests.RequestException, ValueError) as error:
        raise _unreachable(provider, error) from error


def sso_verified_email(request: HttpRequest, provider: OidcProvider) -> str:
    """The email address the provider vouches for, from the answer in `request`."""
    client = _client(provider)
    label = provider.label
    try:
        metadata = client.load_server_metadata()
        if provider.issuer and metadata.get("issuer") != provider.issuer:
            log.error(
                "Single sign-on: %s's discovery document names issuer %r, but Daybook is "
                "configured with %r.",
                provider.name,
                metadata.get("issuer"),
                provider.issuer,
            )
            raise SsoRefused(
                f"Sign-in with {label} is not set up correctly: the provider's issuer does not "
                f"match DAYBOOK_OIDC_{provider.name.upper()}_ISSUER. Tell an administrator."
            )
        issuer = provider.issuer or metadata.get("issuer")
        token = client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": issuer},
                "aud": {"essential": True, "value": provider.client_id},
            },
        )
    except MismatchingStateError as error:
        raise SsoRefused(
            "This sign-in answer does not belong to a sign-in started in this browser (it may "
            "be old, or already used). Start again with the button below."
        ) from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise SsoRefused(f"Signing in with {label} was cancelled.") from error
        log.warning("Single sign-on: %s refused: %s %s", provider.name, error.error, error)
        raise SsoRefused(
            f"{label} did not complete the sign-in ({error.error}). Try again, or sign in with "
            "your username and password."
        ) from error
    except ExpiredTokenError as error:
        raise SsoRefused(
            f"The sign-in answer from {label} had already expired. Check this computer's clock "
            "and start again."
        ) from error
    except ClaimError as error:
        raise _claim_refusal(provider, error.claim) from error
    except JoseError as error:
        log.warning("Single sign-on: %s sent an ID token that failed: %s", provider.name, error)
        raise SsoRefused(
            f"The sign-in answer from {label} could not be verified (its signature or format "
            "is wrong), so it was refused."
        ) from error
    except requests.RequestException as error:
        raise _unreachable(provider, error) from error
    claims = token.get("userinfo")
    if not claims:
        raise SsoRefused(
            f"{label} answered without an ID token, so Daybook cannot tell who you are."
        )
    email = (claims.get("email") or "").strip()
    if not email:
        raise SsoRefused(
            f"{label} did not share your email address with Daybook, which it needs to find "
            "your account. An administrator may need to allow the email claim."
        )
    if not _email_vouched_for(claims):
        raise SsoRefused(
            f"{label} does not vouch that {email} is yours (it is not marked as verified), so "
            "Daybook will not sign you in with it."
        )
    return email


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in TRUE_WORDS)


def _email_vouched_for(claims: dict) -> bool:
    """Google says so with email_verified. Entra sends no email_verified; it says the email's
    domain is verified by its owner with the optional claim xms_edov, which must be added to
    the app registration (docs/configuration.md)."""
    return _truthy(claims.get("email_verified")) or _truthy(claims.get("xms_edov"))


def _claim_refusal(provider: OidcProvider, claim: str) -> SsoRefused:
    label = provider.label
    log.warning("Single sign-on: %s sent an ID token with a bad %r claim.", provider.name, claim)
    if claim in {"aud", "azp"}:
        return SsoRefused(
            f"The sign-in answer from {label} was issued to another application, not to "
            "Daybook, so it was refused."
        )
    if claim == "nonce":
        return SsoRefused(
            f"The sign-in answer from {label} does not match the sign-in started here (its "
            "one-time value differs), so it was refused. Start again."
        )
    if claim == "iss":
        return SsoRefused(
            f"The sign-in answer did not come from the {label} organisation Daybook is set up "
            "for, so it was refused."
        )
    return SsoRefused(
        f"The sign-in answer from {label} is missing or has a wrong '{claim}' value, so it was "
        "refused."
    )
