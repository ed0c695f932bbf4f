"""`daybook serve`: run Daybook under gunicorn; WhiteNoise serves the static files."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from daybook.core.env import env_int, env_str


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "daybook.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # The control socket is one fixed path per user; two servers on a host would share it.
        "--no-control-socket",
    ]


class Command(BaseCommand):
    help = "Serve Daybook over HTTP with gunicorn (PORT, WEB_CONCURRENCY)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host",
            help="address to listen on (default: $HOST or 127.0.0.1; 0.0.0.0 for every "
            "interface, e.g. behind a proxy on another machine)",
        )
        parser.add_argument("--port", type=int, help="TCP port (default: $PORT or 8000)")
        parser.add_argument(
            "--workers", type=int, help="worker processes (default: $WEB_CONCURRENCY or 2)"
        )

    def handle(
        self, *args, host: str | None, port: int | None, workers: int | None, **options
    ) -> None:
        # Only this machine by default: the demo runs with published passwords.
        host = host or env_str("HOST", "127.0.0.1")
        try:
            port = env_int("PORT", 8000) if port is None else port
            workers = env_int("WEB_CONCURRENCY", 2) if workers is None else workers
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if not 0 < port < 65536:
            raise CommandError(f"The port must be between 1 and 65535, not {port}.")
        if workers < 1:
            raise CommandError(f"At least one worker is needed, not {workers}.")
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - a comparison
        self.stdout.write(
            f"Daybook on http://{shown}:{port}/ (listening on {host}, {workers} workers); "
            "Ctrl+C stops."
        )
        self.stdout.flush()
        argv = gunicorn_argv(host=host, port=port, workers=workers)
        # gunicorn takes over this process, so signals (Ctrl+C, SIGTERM) go straight to it.
        os.execv(argv[0], argv)  # noqa: S606 - fixed program, arguments built above
