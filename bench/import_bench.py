"""Benchmark of file imports: a ConnectWise time export of growing size, previewed and then
imported, on a fresh SQLite file (or the PostgreSQL database in DATABASE_URL).

Not a test: it prints seconds, rows per second and the peak of Python memory (tracemalloc) for
each phase, so growth can be compared across sizes. Flat memory means the file is streamed:
the peak should not grow with the number of rows beyond the per-member spans kept to name
overlapping lines.

    python bench/import_bench.py --sizes 1000 10000 100000
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


def measure(label: str, run) -> None:
    tracemalloc.start()
    began = time.perf_counter()
    outcome = run()
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rate = outcome.rows / elapsed if elapsed else 0
    print(
        f"  {label:<8} {outcome.rows:7d} rows {elapsed:8.2f} s {rate:8.0f} rows/s "
        f"peak {peak / 2**20:7.1f} MiB  new {outcome.new} problems {outcome.problem_count}"
    )
    sys.stdout.flush()


def main() -> None:
    from daybook.interchange.files.importing import run_import

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
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
            )


if __name__ == "__main__":
    main()
