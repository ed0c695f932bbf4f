"""Benchmark of file imports: a ConnectWise time export of growing size, previewed and then
imported, on a fresh SQLite file (or the empty PostgreSQL database in DATABASE_URL).

Not a test: for each phase it prints wall seconds and rows per second, the CPU seconds of this
process and of the database server's backend (PostgreSQL on this machine; on a busy machine
the CPU seconds say more than the wall clock), and this process's memory (resident set
before the phase and its high-water mark during it, from Linux). Flat memory means the file
is streamed: the peak should not grow with the number of rows.
`--tracemalloc` adds the peak of Python's own allocations, at the price of a much slower run.

    python bench/import_bench.py --sizes 1000 10000 100000
    createdb -h 127.0.0.1 -U postgres bench_import && \
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \
        python bench/import_bench.py --sizes 10000
"""

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
os.environ.setdefault("DEBUG", "false")
if "DATABASE_URL" not in os.environ:
    folder = Path(os.environ.get("DAYBOOK_BENCH_DIR", tempfile.gettempdir())) / "daybook-bench"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "import-bench.sqlite3"
    target.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{target}"

import django  # noqa: E402

django.setup()

MEMBERS = 50
FIRST_DAY = date(2023, 1, 2)


def setup() -> None:
    from django.core.management import call_command

    from daybook.catalogue.models import WorkRole, WorkType
    from daybook.clients.models import Company
    from daybook.interchange.models import ImportLink, LinkKind
    from daybook.people.services import member_create
    from daybook.service.models import Board, Ticket

    call_command("migrate", verbosity=0)
    from daybook.people.models import Member

    if Member.objects.exists():
        sys.exit("The database already has members: give the benchmark an empty one.")
    role = WorkRole.objects.get_or_create(name="Help Desk", defaults={"rate": 100})[0]
    WorkType.objects.get_or_create(name="Remote Support")
    for n in range(MEMBERS):
        member_create(
            username=f"tech{n}",
            time_zone="America/New_York",
            default_work_role=role,
            start_date=FIRST_DAY,
        )
    company = Company.objects.create(name="Bench Client", identifier="bench")
    board = Board.objects.get_or_create(name="Help Desk")[0]
    from django.utils import timezone

    for n in range(20):
        ticket = Ticket.objects.create(
            board=board, company=company, summary=f"Ticket {n}", opened_at=timezone.now()
        )
        ImportLink.objects.create(
            kind=LinkKind.TICKET,
            source="connectwise",
            external_id=str(90000 + n),
            object_id=ticket.pk,
        )


def connectwise_file(rows: int, offset: int) -> bytes:
    """Rows of a ConnectWise time export: each member works 30-minute slots, 16 a day."""
    out = io.StringIO()
    out.write("Time RecId,Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n")
    for i in range(rows):
        n = offset + i
        member, slot = n % MEMBERS, n // MEMBERS
        day = FIRST_DAY + timedelta(days=slot // 16)
        start = 6 * 60 + (slot % 16) * 30
        out.write(
            f"{n},tech{member},{day:%m/%d/%Y},{start // 60:02d}:{start % 60:02d},"
            f"{(start + 25) // 60:02d}:{(start + 25) % 60:02d},{90000 + n % 20},"
            f"Remote Support,Worked ticket {n % 20}.\n"
        )
    return out.getvalue().encode()


def _resident() -> tuple[int, int]:
    """This process's resident memory and its high-water mark, in bytes (Linux)."""
    now = peak = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return now, peak


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets the high-water mark to the current resident size.
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _database_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (0 for SQLite, which runs in
    this process and is counted there)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label: str, run, *, trace: bool) -> None:
    import gc

    gc.collect()
    _reset_peak()
    before = _resident()[0]
    if trace:
        tracemalloc.start()
    db_before = _database_cpu()
    cpu_before = time.process_time()
    began = time.perf_counter()
    outcome = run()
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_before
    db_cpu = _database_cpu() - db_before
    peak = _resident()[1]
    traced = ""
    if trace:
        traced = f" traced {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} MiB"
        tracemalloc.stop()
    rate = outcome.rows / elapsed if elapsed else 0
    print(
        f"  {label:<8} {outcome.rows:7d} rows {elapsed:7.1f} s {rate:6.0f} rows/s  "
        f"cpu {cpu:6.1f} s + db {db_cpu:5.1f} s "
        f"({outcome.rows / (cpu + db_cpu):5.0f} rows/cpu-s)  "
        f"rss {before / 2**20:5.0f} MiB, peak {peak / 2**20:5.0f} MiB{traced}  "
        f"new {outcome.new} problems {outcome.problem_count}"
    )
    sys.stdout.flush()


def main() -> None:
    from daybook.interchange.files.importing import run_import

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python's allocations (slow)"
    )
    args = parser.parse_args()
    setup()
    offset = 0
    for size in args.sizes:
        content = connectwise_file(size, offset)
        offset += size
        print(f"\n{size} rows ({len(content) / 2**20:.1f} MiB); load {os.getloadavg()[0]:.1f}")
        for label, commit in (("preview", False), ("commit", True)):
            measure(
                label,
                lambda commit=commit, content=content: run_import(
                    kind="connectwise",
                    stream=io.BytesIO(content),
                    filename="cw.csv",
                    by=None,
                    commit=commit,
                ),
                trace=args.tracemalloc,
            )


if __name__ == "__main__":
    main()
