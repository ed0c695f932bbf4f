"""`daybook serve`: run Daybook under gunicorn; WhiteNoise serves the static files."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from daybook.core.env import env_int


def gunicorn_argv(*, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "daybook.wsgi:application",
        "--bind",
        f"0.0.0.0:{port}",
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
        parser.add_argument("--port", type=int, help="TCP port (default: $PORT or 8000)")
        parser.add_argument(
            "--workers", type=int, help="worker processes (default: $WEB_CONCURRENCY or 2)"
        )

    def handle(self, *args, port: int | None, workers: int | None, **options) -> None:
        try:
            port = env_int("PORT", 8000) if port is None else port
            workers = env_int("WEB_CONCURRENCY", 2) if workers is None else workers
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if not 0 < port < 65536:
            raise CommandError(f"The port must be between 1 and 65535, not {port}.")
        if workers < 1:
            raise CommandError(f"At least one worker is needed, not {workers}.")
        self.stdout.write(f"Daybook on http://127.0.0.1:{port}/ ({workers} workers); Ctrl+C stops.")
        self.stdout.flush()
        argv = gunicorn_argv(port=port, workers=workers)
        # gunicorn takes over this process, so signals (Ctrl+C, SIGTERM) go straight to it.
        os.execv(argv[0], argv)  # noqa: S606 - fixed program, arguments built above
