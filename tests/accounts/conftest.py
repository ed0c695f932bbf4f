"""Fixtures for sign-in tests: a clean slate for django-axes, TOTP codes, a running OpenID
Connect provider on 127.0.0.1. The SMTP server (`smtp`) is in tests/conftest.py."""

import socket
from collections.abc import Iterator

import pytest
from axes.utils import reset as axes_reset
from django_otp.oath import TOTP

from daybook.accounts import oidc
from daybook.accounts.config import OidcProvider

from .oidc_provider import LocalProvider, RunningProvider

PASSWORD = "pass-for-tests"  # what tests/factories.py gives every user


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle(db) -> Iterator[None]:
    """Failed sign-ins from one test never pause sign-ins in another. Rolled-back test
    transactions already drop axes' records; this also covers tests that commit."""
    axes_reset()
    yield
    axes_reset()


def code_for(key_hex: str, at: float, *, step: int = 0) -> str:
    """The code an authenticator app shows at `at` (epoch seconds) for this secret."""
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = at + step * 30
    return f"{totp.token():06d}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- OpenID Connect ---------------------------------------------------------------------------


@pytest.fixture
def provider(settings) -> Iterator[LocalProvider]:
    """A provider on 127.0.0.1, set up in Daybook as "entra" (button: "Contoso")."""
    with RunningProvider(LocalProvider()) as running:
        settings.DAYBOOK_BASE_URL = "http://testserver"
        settings.DAYBOOK_OIDC_PROVIDERS = (
            OidcProvider(
                name="entra",
                label="Contoso",
                client_id=running.client_id,
                client_secret=running.client_secret,
                issuer=running.issuer,
                discovery_url=running.issuer + "/.well-known/openid-configuration",
            ),
        )
        yield running
    oidc._client.cache_clear()
