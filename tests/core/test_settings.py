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
        (
            {"DAYBOOK_API_PAGE_SIZE": "600"},
            "DAYBOOK_API_PAGE_SIZE must be from 1 to DAYBOOK_API_MAX_PAGE_SIZE (500), not 600.",
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
        "api-page-size-over-the-maximum",
    ],
)
def test_bad_configuration_is_refused_with_a_reason(tmp_path, env, message):
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "daybook.settings",
        "DAYBOOK_DATA_DIR": str(tmp_path),
        **PRODUCTION,
        "SECRET_KEY": "x7#Qv9-deployment-check-only-" + "k2Lm8Zp4Rt6Wy1Nb3Vc5" * 2,
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_new_data_folder_is_created_for_the_task_queue(tmp_path):
    data_dir = tmp_path / "fresh" / "folder"
    result = start_django(tmp_path, **PRODUCTION, DAYBOOK_DATA_DIR=str(data_dir))
    assert result.returncode == 0, result.stderr
    assert data_dir.is_dir()


def test_error_reports_hide_addresses_that_carry_passwords(rf, settings):
    from django.views.debug import ExceptionReporter

    # The password is put together at run time, so the traceback's source lines don't show it.
    settings.REDIS_URL = "redis://:" + "hunter" + "2@redis.internal:6379/0"
    request = rf.get("/", DATABASE_URL="postgres://daybook:" + "hunter" + "2@db.internal/x")
    try:
        raise ValueError("boom")
    except ValueError as error:
        reporter = ExceptionReporter(request, type(error), error, error.__traceback__)
        html = reporter.get_traceback_html()
    password = "hunter" + "2"
    assert password not in html
    assert "DATABASE_URL" in html  # still listed, with its value masked
