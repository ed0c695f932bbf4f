"""Single sign-on providers read from the environment (settings.py calls this once).

It sits apart from settings.py because each provider brings several variables; like the
other readers in core/env.py it fails loudly, naming the variable, on anything it cannot use.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from daybook.core.env import env_list, env_str

# The providers Daybook knows, with the button label and the issuer to use when none is set.
KNOWN_PROVIDERS: dict[str, tuple[str, str]] = {
    # Entra has no issuer common to every organisation: each tenant has its own.
    "entra": ("Microsoft", ""),
    "google": ("Google", "https://accounts.google.com"),
}
DISCOVERY_PATH = "/.well-known/openid-configuration"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider people may sign in with."""

    name: str  # "entra" or "google": in the sign-in address, /accounts/sso/<name>/
    label: str  # on the button: "Sign in with <label>"
    client_id: str
    client_secret: str
    issuer: str
    discovery_url: str


def _secure_address(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def _required(variable: str) -> str:
    value = env_str(variable).strip()
    if not value:
        raise ImproperlyConfigured(
            f"{variable} must be set because DAYBOOK_OIDC_PROVIDERS names its provider."
        )
    return value


def oidc_providers_from_env() -> tuple[OidcProvider, ...]:
    """The providers named in DAYBOOK_OIDC_PROVIDERS, each from its DAYBOOK_OIDC_<NAME>_*."""
    providers = []
    for raw_name in env_list("DAYBOOK_OIDC_PROVIDERS"):
        name = raw_name.lower()
        if name not in KNOWN_PROVIDERS:
            known = ", ".join(KNOWN_PROVIDERS)
            raise ImproperlyConfigured(
                f"DAYBOOK_OIDC_PROVIDERS may name {known}; {raw_name!r} is not one of them."
            )
        if any(provider.name == name for provider in providers):
            raise ImproperlyConfigured(f"DAYBOOK_OIDC_PROVIDERS names {name!r} twice.")
        label, default_issuer = KNOWN_PROVIDERS[name]
        prefix = f"DAYBOOK_OIDC_{name.upper()}_"
        discovery_url = env_str(prefix + "DISCOVERY_URL").strip()
        issuer = env_str(prefix + "ISSUER", default_issuer).strip().rstrip("/")
        if not issuer and not discovery_url:
            raise ImproperlyConfigured(
                f"{prefix}ISSUER must be set, e.g. "
                "https://login.microsoftonline.com/<tenant id>/v2.0 for Microsoft Entra ID."
            )
        for variable, value in (
            (prefix + "ISSUER", issuer),
            (prefix + "DISCOVERY_URL", discovery_url),
        ):
            if value and not _secure_address(value):
                raise ImproperlyConfigured(
                    f"{variable} must be an https:// address (http:// only on this machine), "
                    f"not {value!r}"
                )
        providers.append(
            OidcProvider(
                name=name,
                label=env_str(prefix + "LABEL", label).strip() or label,
                client_id=_required(prefix + "CLIENT_ID"),
                client_secret=_required(prefix + "CLIENT_SECRET"),
                issuer=issuer,
                discovery_url=discovery_url or issuer + DISCOVERY_PATH,
            )
        )
    return tuple(providers)
