"""`daybook serve` runs a real gunicorn that answers HTTP, configured as in production."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from daybook.core.management.commands.serve import gunicorn_argv

DAYBOOK = Path(sys.executable).with_name("daybook")


def test_gunicorn_listens_where_told_and_logs_requests():
    argv = gunicorn_argv(host="127.0.0.1", port=8123, workers=3)
    assert argv[1:4] == ["-m", "gunicorn", "daybook.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--access-logfile") + 1] == "-"
    assert gunicorn_argv(host="::1", port=8123, workers=1)[5] == "[::1]:8123"


def test_serve_listens_only_on_this_machine_unless_told(monkeypatch):
    """The demo has published passwords and DEBUG on: by default nobody else can reach it."""
    started = []
    monkeypatch.setattr(os, "execv", lambda program, argv: started.append(argv))
    monkeypatch.delenv("HOST", raising=False)
    call_command("serve", "--port", "8124", stdout=StringIO())
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 - what an operator may ask for
    call_command("serve", "--port", "8125", stdout=StringIO())
    call_command("serve", "--port", "8126", "--host", "192.0.2.7", stdout=StringIO())
    binds = [argv[argv.index("--bind") + 1] for argv in started]
    assert binds == ["127.0.0.1:8124", "0.0.0.0:8125", "192.0.2.7:8126"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
        return response.status, response.read()


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"daybook serve exited with {server.returncode}")
        try:
            return fetch(url)
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"daybook serve did not answer {url} within {seconds} s")


@pytest.mark.slow
def test_serve_answers_health_checks_and_static_files(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "PORT"}
    }
    env |= {
        "DAYBOOK_ENV": "production",
        "DAYBOOK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "only-for-this-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        # This test talks plain HTTP to the server; production otherwise redirects to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
    }
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        done = subprocess.run(  # noqa: S603 - our own command
            [DAYBOOK, *command], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, f"daybook {command[0]} failed:\n{done.stderr[-3000:]}"

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command
        [DAYBOOK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/healthz", server)
        assert (status, body) == (200, b'{"ok": true}')
        css = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
        assert fetch(f"http://127.0.0.1:{port}{css}")[0] == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert b"GET /healthz" in output  # the access log goes to stdout
