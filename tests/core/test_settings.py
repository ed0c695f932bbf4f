"""Settings refuse unsafe or mistyped configuration at start-up, with a message saying why."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PRODUCTION = {
    "DAYBOOK_ENV": "production",
    "SECRET_KEY": "a-long-random-value-for-this-test-only",
    "ALLOWED_HOSTS": "daybook.example.com",
}


def start_django(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with only the given variables set."""
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "daybook.settings",
        "DAYBOOK_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_complete_production_configuration_starts(tmp_path):
    result = start_django(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {**PRODUCTION, "SECRET_KEY": ""},
            "SECRET_KEY must be set when DAYBOOK_ENV=production",
        ),
        (
            {**PRODUCTION, "DEBUG": "true"},
            "DEBUG must be off when DAYBOOK_ENV=production",
        ),
        (
            {**PRODUCTION, "ALLOWED_HOSTS": ""},
            "ALLOWED_HOSTS must be set when DAYBOOK_ENV=production",
        ),
        (
            {"DAYBOOK_TIME_ZONE": "Mars/Olympus_Mons"},
            "DAYBOOK_TIME_ZONE must be an IANA time zone name, not 'Mars/Olympus_Mons'",
        ),
        (
            {"DEBUG": "maybe"},
            "DEBUG must be one of true/false/1/0/yes/no, not 'maybe'",
        ),
        (
            {"EMAIL_URL": "smtp+tls://mail.example.com"},
            "EMAIL_URL must start with console:, smtp://, submission://",
        ),
        (
            {"DAYBOOK_TARGET_HOURLY_RATE": "lots"},
            "DAYBOOK_TARGET_HOURLY_RATE must be a number such as 95.00, not 'lots'",
        ),
        (
            {"DAYBOOK_TARGET_HOURLY_RATE": "-5"},
            "DAYBOOK_TARGET_HOURLY_RATE must be a number of zero or more, not '-5'",
        ),
        (
            {"DAYBOOK_ENV": "staging"},
            "DAYBOOK_ENV must be development, production or test, not 'staging'",
        ),
    ],
    ids=[
        "production-without-secret-key",
        "production-with-debug",
        "production-without-allowed-hosts",
        "unknown-time-zone",
        "bad-boolean",
        "unknown-mail-scheme",
        "target-rate-not-a-number",
        "target-rate-negative",
        "unknown-environment",
    ],
)
def test_bad_configuration_is_refused_with_a_reason(tmp_path, env, message):
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
