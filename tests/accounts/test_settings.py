"""The sign-in settings are read from the environment and refuse what they cannot use."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "limit": s.AXES_FAILURE_LIMIT,
    "cooloff": s.AXES_COOLOFF_TIME.total_seconds(),
    "days": s.DAYBOOK_API_TOKEN_DAYS,
    "roles": s.DAYBOOK_REQUIRE_2FA_FOR,
    "proxies": s.DAYBOOK_TRUSTED_PROXY_COUNT,
    "create": s.DAYBOOK_OIDC_CREATE_USERS,
    "providers": [p.__dict__ for p in s.DAYBOOK_OIDC_PROVIDERS],
}))
"""
ENTRA = {
    "DAYBOOK_OIDC_PROVIDERS": "entra",
    "DAYBOOK_OIDC_ENTRA_CLIENT_ID": "client-1",
    "DAYBOOK_OIDC_ENTRA_CLIENT_SECRET": "secret-1",
    "DAYBOOK_OIDC_ENTRA_ISSUER": "https://login.microsoftonline.com/tenant-guid/v2.0",
}


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "daybook.settings",
        "DAYBOOK_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", SHOW],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_defaults(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "limit": 5,
        "cooloff": 900.0,
        "days": 90,
        "roles": [],
        "proxies": 0,
        "create": False,
        "providers": [],
    }


def test_everything_set(tmp_path):
    result = run(
        tmp_path,
        **{**ENTRA, "DAYBOOK_OIDC_PROVIDERS": "Entra, google"},
        DAYBOOK_OIDC_GOOGLE_CLIENT_ID="client-2",
        DAYBOOK_OIDC_GOOGLE_CLIENT_SECRET="secret-2",
        DAYBOOK_OIDC_CREATE_USERS="true",
        DAYBOOK_LOGIN_FAILURE_LIMIT="8",
        DAYBOOK_LOGIN_COOLOFF_MINUTES="30",
        DAYBOOK_API_TOKEN_DAYS="30",
        DAYBOOK_REQUIRE_2FA_FOR="admin, FINANCE",
        DAYBOOK_TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["limit"] == 8
    assert shown["cooloff"] == 1800.0
    assert shown["days"] == 30
    assert shown["roles"] == ["Admin", "Finance"]
    assert shown["proxies"] == 1
    assert shown["create"] is True
    entra, google = shown["providers"]
    assert entra == {
        "name": "entra",
        "label": "Microsoft",
        "client_id": "client-1",
        "client_secret": "secret-1",
        "issuer": "https://login.microsoftonline.com/tenant-guid/v2.0",
        "discovery_url": (
            "https://login.microsoftonline.com/tenant-guid/v2.0/.well-known/openid-configuration"
        ),
    }
    assert google["issuer"] == "https://accounts.google.com"
    assert google["discovery_url"] == "https://accounts.google.com/.well-known/openid-configuration"
    assert google["label"] == "Google"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DAYBOOK_OIDC_PROVIDERS": "okta"},
            "DAYBOOK_OIDC_PROVIDERS may name entra, google; 'okta'",
        ),
        (
            {**ENTRA, "DAYBOOK_OIDC_ENTRA_CLIENT_SECRET": ""},
            "DAYBOOK_OIDC_ENTRA_CLIENT_SECRET must be set",
        ),
        ({**ENTRA, "DAYBOOK_OIDC_ENTRA_ISSUER": ""}, "DAYBOOK_OIDC_ENTRA_ISSUER must be set"),
        (
            {**ENTRA, "DAYBOOK_OIDC_ENTRA_ISSUER": "http://login.example.com/t/v2.0"},
            "DAYBOOK_OIDC_ENTRA_ISSUER must be an https:// address",
        ),
        ({**ENTRA, "DAYBOOK_OIDC_PROVIDERS": "entra,entra"}, "names 'entra' twice"),
        ({"DAYBOOK_REQUIRE_2FA_FOR": "admins"}, "'admins' is not a role"),
        ({"DAYBOOK_LOGIN_FAILURE_LIMIT": "0"}, "DAYBOOK_LOGIN_FAILURE_LIMIT and"),
        ({"DAYBOOK_LOGIN_COOLOFF_MINUTES": "soon"}, "must be a whole number, not 'soon'"),
        ({"DAYBOOK_API_TOKEN_DAYS": "400"}, "DAYBOOK_API_TOKEN_DAYS must be from 1 to 365"),
        ({"DAYBOOK_TRUSTED_PROXY_COUNT": "-1"}, "DAYBOOK_TRUSTED_PROXY_COUNT must be 0 or more"),
        ({"DAYBOOK_OIDC_CREATE_USERS": "perhaps"}, "DAYBOOK_OIDC_CREATE_USERS must be one of"),
    ],
)
def test_bad_sign_in_settings_are_refused(tmp_path, env, message):
    result = run(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
