"""The `daybook` command: one entry point for running and operating Daybook."""

import os
import sys

USAGE = """usage: daybook <command> [options]

Commands:
  demo         load the demo MSP (seeded, idempotent); --size large for bench data
  serve        run the web server (gunicorn, static files via WhiteNoise)
  migrate      apply database migrations
  createadmin  create an administrator login
  worker       run the background worker (notifications, digests) with
               DAYBOOK_WORKER_THREADS threads (default 4; --workers N for one run)
  review       print a day's review: review --date D [--team T] [--format table|json|csv]
  tone         the follow-up tone check: tone check "message", tone train
  gaps         a member's gaps over any range: gaps --member M --from D1 --to D2
  summaries    rebuild stored day summaries: summaries --from D1 --to D2 [--member M]
  import       import a CSV/XLSX file: import KIND FILE [--commit] (a preview without it)
  export       entries for payroll or accounting: export --from D1 --to D2 [--format xlsx]
  sync         a PSA connection's sync: sync CONNECTION [--dry-run] [--since DATE]
  rerate       apply changed rates to open entries: rerate --start D1 --end D2 --reason R
  totals       the reports' monthly totals: totals --rebuild [--from M1 --to M2], totals --check
  <other>      any Django management command (check, shell, dbshell, ...)

Run `daybook <command> --help` for a command's options."""

# Commands whose management-command name differs from the CLI verb. `worker` gets its threads
# from settings.HUEY["consumer"] (DAYBOOK_WORKER_THREADS), which run_huey reads.
ALIASES = {"demo": "load_demo", "serve": "serve", "worker": "run_huey"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
    from django.core.management import execute_from_command_line

    command = ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["daybook", command, *argv[1:]])


if __name__ == "__main__":
    main()
