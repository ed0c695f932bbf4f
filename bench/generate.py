"""Generate the benchmark data set: a large MSP with years of time entries.

    python bench/generate.py --members 500 --years 3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench python bench/generate.py

A thin wrapper over `daybook demo --size large`: it migrates the database, loads the data and
appends the timing to bench/results/generate.csv, so runs on SQLite and PostgreSQL (or before
and after a change) can be compared. Load into an empty database; a second run does nothing.
"""

import argparse
import csv
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "generate.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--days", type=int, help="days of time instead of --years")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from daybook.demo.generator import build_demo

    call_command("migrate", verbosity=0)
    summary = build_demo(
        seed=args.seed,
        size="large",
        members=args.members,
        years=args.years,
        days=args.days,
        progress=True,
        out=sys.stderr,
    )
    if not summary.created:
        print("The database already holds demo data; use an empty one.")
        return 1
    for name, count in summary.counts.items():
        print(f"{count:>12,}  {name}")
    print(
        f"{summary.rows:,} rows in {summary.seconds:.0f} s "
        f"({summary.rows_per_second:,.0f} rows/s) on {connection.vendor}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    new_file = not RESULTS.exists()
    with RESULTS.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(["when", "database", "members", "days", "rows", "seconds", "rows_s"])
        writer.writerow(
            [
                datetime.now(UTC).isoformat(timespec="seconds"),
                connection.vendor,
                args.members,
                args.days or round(365 * args.years),
                summary.rows,
                round(summary.seconds, 1),
                round(summary.rows_per_second),
            ]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
