"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with the key
in DAYBOOK_PSA_KEY. Without a key nothing can be saved or read, and the pages say why."""

import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class KeyMissing(Exception):
    """DAYBOOK_PSA_KEY is not set, or is not a Fernet key."""


NO_KEY = (
    "PSA connections need an encryption key for their credentials: set DAYBOOK_PSA_KEY in "
    "the environment (make one with `daybook psa_key`) and restart Daybook."
)
BAD_KEY = (
    "DAYBOOK_PSA_KEY is not a valid key (it must be 32 url-safe base64-encoded bytes, as "
    "`daybook psa_key` prints)."
)
WRONG_KEY = (
    "The saved credentials cannot be read with the current DAYBOOK_PSA_KEY (was the key "
    "changed?). Enter the credentials again."
)


def _fernet() -> Fernet:
    key = settings.DAYBOOK_PSA_KEY
    if not key:
        raise KeyMissing(NO_KEY)
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise KeyMissing(BAD_KEY) from None


def key_problem() -> str:
    """Why credentials cannot be stored now, or "" when they can."""
    try:
        _fernet()
    except KeyMissing as missing:
        return str(missing)
    return ""


def encrypt(credentials: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise KeyMissing(WRONG_KEY) from None


def new_key() -> str:
    return Fernet.generate_key().decode()
