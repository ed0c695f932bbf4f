"""The benchmarks' data: a made-up MSP of a given size, built by the demo generator.

Every benchmark gets its data from `data_set(size)`, so they all run on the same kind of MSP
that `daybook demo --size large` builds: the demo's people, clients, agreements, tickets,
projects and time, for as many members and days as it takes to reach about `size` time
entries. Each size lives in a database of its own, loaded once and reused by every
benchmark and every later run; `--fresh` builds it again (after a change to the generator,
say).

    python bench/data.py --sizes 10000 100000          # load ahead of a benchmark run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/data.py --sizes 1000000

Where the data sets live:
- SQLite: one file per size in $DAYBOOK_BENCH_DIR (default: daybook-bench in the temporary
  directory), e.g. data-100000.sqlite3;
- PostgreSQL: one database per size on the server in DATABASE_URL, named after the database
  there with the size added, e.g. daybook_bench_100000 (created when missing).
A seed other than the default adds it to the name (data-100000-seed7.sqlite3).
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
# Measure what production runs: no debug pages, no query log growing with every statement.
os.environ.setdefault("DEBUG", "false")

# The generator's "today": time runs up to the day before, so every run of a seed is the same.
TODAY = date(2025, 12, 1)
DEFAULT_SIZES = [10_000, 100_000]
DEFAULT_SEED = 42
# What the generator writes on average: weekends, time off and the office staff included.
ENTRIES_PER_MEMBER_DAY = 5.8
# The demo's own fifteen people come first, so every data set has every demo login (the
# finance one reviews everyone); members grow to a year of time each, then years grow.
MIN_MEMBERS = 15
MAX_MEMBERS = 500
YEAR = 365
RESULTS = ROOT / "bench" / "results" / "data.csv"


@dataclass(frozen=True)
class Shape:
    members: int
    days: int


def shape(size: int) -> Shape:
    """How many members and days of time make about `size` entries."""
    if size < 1:
        raise ValueError(f"A data set needs at least one entry, not {size}.")
    member_days = size / ENTRIES_PER_MEMBER_DAY
    members = min(MAX_MEMBERS, max(MIN_MEMBERS, round(member_days / YEAR)))
    return Shape(members=members, days=max(1, round(member_days / members)))


@dataclass(frozen=True)
class DataSet:
    size: int  # the time entries asked for; `entries` is what the generator made
    shape: Shape
    seed: int
    database: str
    entries: int
    loaded_seconds: float | None  # None: kept from an earlier run

    @property
    def today(self) -> date:
        return TODAY

    @property
    def now(self) -> datetime:
        """The moment the data was generated at: noon UTC on TODAY."""
        return datetime.combine(TODAY, clock_time(12), tzinfo=UTC)

    def describe(self) -> str:
        from django.db import connection

        how = (
            f"loaded in {self.loaded_seconds:.0f} s"
            if self.loaded_seconds is not None
            else "kept from an earlier run"
        )
        return (
            f"{connection.vendor} {self.database}: {self.entries:,} time entries, "
            f"{self.shape.members} members x {self.shape.days} days up to {TODAY} ({how})\n"
            f"{machine_speed()}"
        )


def machine_speed() -> str:
    """How fast and how busy this machine is, so figures from different machines (or the
    same one under load) can be compared: the CPU time of a plain Python loop and the load
    average."""
    began, total = time.process_time(), 0
    for step in range(2_000_000):
        total += step
    loop = (time.process_time() - began) * 5
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"machine: a 10-million-step Python loop takes {loop:.2f} s of CPU; load {load}"


def months_back(first: date, months: int) -> date:
    """The first day of the month `months` before the month starting on `first`."""
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def add_arguments(parser: argparse.ArgumentParser, sizes: list[int] = DEFAULT_SIZES) -> None:
    """The options every benchmark takes for its data."""
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=sizes,
        help=f"about how many time entries in each data set ({' '.join(map(str, sizes))})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--fresh", action="store_true", help="build the data sets again, even if kept"
    )


_ready = False
# The PostgreSQL database DATABASE_URL names: the data sets' databases are named after it.
_base_database: str | None = None


def _setup() -> None:
    global _ready
    if not _ready:
        import django

        django.setup()
        _ready = True


def data_set(size: int, *, seed: int = DEFAULT_SEED, fresh: bool = False) -> DataSet:
    """Point Django's database at the data set of this size, loading it first if needed."""
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from daybook.timekeeping.models import TimeEntry

    wanted = shape(size)
    name = _name(size, seed)
    database = _use_database(name, fresh=fresh)
    call_command("migrate", verbosity=0)
    loaded = None
    if not _complete(wanted):
        if _loaded():
            print(f"{database} holds an unfinished or different load; building it again.")
            database = _use_database(name, fresh=True)
            call_command("migrate", verbosity=0)
        loaded = _load(wanted, seed)
        _log(size, seed, wanted, loaded)
    count = TimeEntry.objects.count()
    connection.close()  # a clean start for whatever measures next
    return DataSet(size, wanted, seed, database, count, loaded[1] if loaded else None)


def _name(size: int, seed: int) -> str:
    return f"{size}" if seed == DEFAULT_SEED else f"{size}-seed{seed}"


def _use_database(name: str, *, fresh: bool) -> str:
    """Switch the default connection to the data set's database, creating (or, when fresh,
    recreating) it; returns where it is."""
    from django.db import connection

    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        folder = Path(
            os.environ.get("DAYBOOK_BENCH_DIR", Path(tempfile.gettempdir()) / "daybook-bench")
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"data-{name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings["NAME"] = path
        return str(path)
    global _base_database
    _base_database = _base_database or settings["NAME"]
    database = f"{_base_database}_{name.replace('-', '_')}"
    _create_postgres_database(settings, database, fresh=fresh)
    settings["NAME"] = database
    return database


def _create_postgres_database(settings: dict, database: str, *, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as server:
        if fresh:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        exists = server.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _loaded() -> bool:
    from daybook.demo.generator import demo_loaded

    return demo_loaded()


def _complete(wanted: Shape) -> bool:
    """A finished load of this shape: every member there, and the last step (the projects'
    estimates) done. A load cut short counts as loaded to the generator, not here."""
    from daybook.people.models import Member
    from daybook.service.models import Phase

    return (
        _loaded()
        and Member.objects.count() == wanted.members
        and not Phase.objects.filter(estimated_hours=0).exists()
    )


def _load(wanted: Shape, seed: int) -> tuple[int, float]:
    """Run the large demo loader; returns the rows written and the seconds it took."""
    from django.db import connection

    from daybook.demo.generator import build_demo

    print(
        f"Loading {wanted.members} members x {wanted.days} days into {connection.vendor} "
        f"{connection.settings_dict['NAME']} ...",
        flush=True,
    )
    summary = build_demo(
        seed=seed,
        size="large",
        members=wanted.members,
        days=wanted.days,
        today=TODAY,
        progress=True,
        out=sys.stderr,
    )
    print(
        f"{summary.rows:,} rows in {summary.seconds:.0f} s ({summary.rows_per_second:,.0f} rows/s)",
        flush=True,
    )
    return summary.rows, summary.seconds


def _log(size: int, seed: int, wanted: Shape, loaded: tuple[int, float]) -> None:
    """One line per load in bench/results/data.csv, to compare engines or versions."""
    from django.db import connection

    rows, seconds = loaded
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new_file = not RESULTS.exists()
    with RESULTS.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(
                ["when", "database", "size", "seed", "members", "days", "rows", "seconds", "rows_s"]
            )
        writer.writerow(
            [
                datetime.now(UTC).isoformat(timespec="seconds"),
                connection.vendor,
                size,
                seed,
                wanted.members,
                wanted.days,
                rows,
                round(seconds, 1),
                round(rows / seconds) if seconds else 0,
            ]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    for size in args.sizes:
        print(data_set(size, seed=args.seed, fresh=args.fresh).describe())


if __name__ == "__main__":
    main()
