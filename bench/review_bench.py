"""Benchmark: the end-of-day review of many members for one day, and how it grows.

Builds its own dataset in a separate database (rows written with bulk_create, independent of
the demo generator), then times `review_days` for the first 50, 200 and 500 members, first
with only the reviewed week of entries and again after adding a year of history per member.
The query count should stay the same across sizes and history.

    python bench/review_bench.py                                  # SQLite file in bench/results/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/review_h python bench/review_bench.py

Options: --sizes 50,200,500  --history-days 365  --runs 5  --keep (reuse the database next
time)  --explain (print the database's plan for the entries query).

The database is "<name>_bench" on PostgreSQL and bench/results/review_bench.sqlite3 on SQLite;
it is dropped at the end unless --keep is given.
"""

import argparse
import os
import random
import statistics
import sys
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from daybook.catalogue.choices import BillableOption  # noqa: E402
from daybook.catalogue.models import WorkRole, WorkType  # noqa: E402
from daybook.clients.choices import AgreementType  # noqa: E402
from daybook.clients.models import Agreement, Company  # noqa: E402
from daybook.core.time import local_day_bounds  # noqa: E402
from daybook.people.choices import Role  # noqa: E402
from daybook.people.models import Member, ScheduleBlock, Team  # noqa: E402
from daybook.review.models import DayReview  # noqa: E402
from daybook.review.selectors import review_days  # noqa: E402
from daybook.service.models import Board, Ticket  # noqa: E402
from daybook.timekeeping.choices import EntrySource  # noqa: E402
from daybook.timekeeping.day_figures import entries_touching  # noqa: E402
from daybook.timekeeping.models import TimeEntry, Timer  # noqa: E402

DAY = date(2025, 3, 12)  # a Wednesday
PREFIX = "bench-"
ZONES = ["America/New_York", "America/Los_Angeles", "Europe/Berlin", "Europe/London"]
TEAM_SIZE = 50
BATCH = 20_000


def use_bench_database(keep: bool) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        settings_dict["TEST"]["NAME"] = str(results / "review_bench.sqlite3")
    else:
        settings_dict["TEST"]["NAME"] = f"{settings_dict['NAME']}_bench"
    original = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
    return original


class Setup:
    """The shared rows every member's entries point at."""

    def __init__(self) -> None:
        self.role, _ = WorkRole.objects.get_or_create(name="Help Desk", defaults={"rate": 120})
        self.remote, _ = WorkType.objects.get_or_create(name="Remote Support")
        self.onsite, _ = WorkType.objects.get_or_create(name="Onsite")
        self.wrap, _ = WorkType.objects.get_or_create(
            name="Admin", defaults={"is_payroll_wrap": True}
        )
        board, _ = Board.objects.get_or_create(name="Help Desk")
        self.tickets = list(Ticket.objects.filter(summary__startswith=PREFIX))
        if not self.tickets:
            tickets = []
            for n in range(40):
                company = Company.objects.create(name=f"{PREFIX}client {n}", identifier=f"bc{n}")
                agreement = Agreement.objects.create(
                    company=company,
                    name="Managed",
                    type=AgreementType.MANAGED if n % 2 else AgreementType.TIME_AND_MATERIALS,
                    start_date=date(2020, 1, 1),
                    end_date=date(2025, 3, 1) if n == 7 else None,  # one expired agreement
                )
                if n % 2:
                    agreement.covered_work_types.add(self.remote)
                for k in range(5):
                    tickets.append(
                        Ticket(
                            board=board,
                            company=company,
                            agreement=agreement,
                            summary=f"{PREFIX}ticket {n}-{k}",
                            opened_at=datetime(2024, 1, 1, tzinfo=UTC),
                        )
                    )
            Ticket.objects.bulk_create(tickets)
            self.tickets = list(Ticket.objects.filter(summary__startswith=PREFIX))


def build_members(count: int) -> None:
    existing = Member.objects.filter(user__username__startswith=PREFIX).count()
    if existing >= count:
        return
    User = get_user_model()
    technician = Group.objects.get(name=Role.TECHNICIAN)
    teams = [
        Team.objects.get_or_create(name=f"Bench team {n:02d}")[0] for n in range(count // 50 + 1)
    ]
    users = User.objects.bulk_create(
        User(username=f"{PREFIX}{n:04d}", first_name=f"Tech{n:04d}", password="!")
        for n in range(existing, count)
    )
    technician.user_set.add(*users)
    members = Member.objects.bulk_create(
        Member(
            user=user,
            team=teams[(existing + i) // TEAM_SIZE],
            time_zone=ZONES[(existing + i) % len(ZONES)],
            expected_hours_per_day=Decimal("8"),
        )
        for i, user in enumerate(users)
    )
    blocks = []
    for i, member in enumerate(members):
        for weekday in range(5):
            if i % 5 == 0:  # every fifth member works a split shift
                blocks.append(
                    ScheduleBlock(member=member, weekday=weekday, start=time(8), end=time(12))
                )
                blocks.append(
                    ScheduleBlock(member=member, weekday=weekday, start=time(13), end=time(17))
                )
            else:
                blocks.append(
                    ScheduleBlock(member=member, weekday=weekday, start=time(9), end=time(17))
                )
    ScheduleBlock.objects.bulk_create(blocks)


def day_entries(member: Member, day: date, setup: Setup, rng: random.Random) -> Iterator[dict]:
    """A plausible working day: mostly back-to-back work, some small gaps, a few big ones."""
    zone = ZoneInfo(member.time_zone)
    cursor = datetime.combine(day, time(9), tzinfo=zone).astimezone(UTC)
    stop = datetime.combine(day, time(17), tzinfo=zone).astimezone(UTC)
    while cursor < stop:
        roll = rng.random()
        cursor += timedelta(
            minutes=rng.choice([0, 2, 5, 10])
            if roll < 0.7
            else rng.randint(15, 40)
            if roll < 0.9
            else rng.randint(45, 90)
        )
        length = timedelta(minutes=rng.randint(20, 120))
        start, end = cursor, min(cursor + length, stop + timedelta(minutes=30))
        if start >= end:
            break
        wrap = rng.random() < 0.15
        ticket = None if wrap else rng.choice(setup.tickets)
        lag = timedelta(minutes=rng.randint(0, 10) if rng.random() < 0.9 else rng.randint(20, 300))
        yield {
            "member_id": member.pk,
            "start": start,
            "end": end,
            "ticket_id": ticket.pk if ticket else None,
            "agreement_id": ticket.agreement_id if ticket else None,
            "work_role_id": setup.role.pk,
            "work_type_id": (
                setup.wrap if wrap else rng.choice([setup.remote] * 5 + [setup.onsite])
            ).pk,
            "billable": BillableOption.DO_NOT_BILL if wrap else BillableOption.BILLABLE,
            "bill_rate": Decimal("0") if wrap else Decimal("120"),
            "cost_rate": Decimal("45"),
            "notes": "" if rng.random() < 0.05 else "Worked the ticket and wrote it up.",
            "source": EntrySource.WRAP if wrap else EntrySource.TIMER,
            "created_at": end + lag,
            "updated_at": end + lag,
        }
        cursor = end


def insert(entries: Iterator[dict]) -> int:
    """Plain INSERTs with executemany: a year of history is too much for model instances.
    Columns the generator leaves out get the model's defaults, so new fields don't break it."""
    fields = [f for f in TimeEntry._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(TimeEntry._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    defaults = {f.attname: f.get_default() for f in fields}
    moments = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
    adapt = connection.ops.adapt_datetimefield_value

    def row(entry: dict) -> list:
        values = {**defaults, **entry}
        return [
            adapt(values[f.attname]) if f.attname in moments else values[f.attname] for f in fields
        ]

    written = 0
    chunk: list[list] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for entry in entries:
            chunk.append(row(entry))
            if len(chunk) >= BATCH:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def weekdays(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def build_week(members: list[Member], setup: Setup) -> int:
    """The reviewed day and the days around it, plus timers and a few decisions."""
    if TimeEntry.objects.filter(member__in=members, start__date=DAY).exists():
        return 0
    rng = random.Random(42)
    days = list(weekdays(DAY - timedelta(days=2), DAY + timedelta(days=2)))
    written = insert(e for m in members for d in days for e in day_entries(m, d, setup, rng))
    Timer.objects.bulk_create(
        Timer(member=m, started_at=datetime.combine(DAY, time(16), tzinfo=UTC))
        for m in members[::10]
    )
    DayReview.objects.bulk_create(
        DayReview(member=m, date=DAY, state="clean") for m in members[::7]
    )
    return written


def build_history(members: list[Member], setup: Setup, history_days: int) -> int:
    first = DAY - timedelta(days=history_days)
    last = DAY - timedelta(days=3)
    if TimeEntry.objects.filter(member__in=members[:1], start__lt=local_bounds(first)).exists():
        return 0
    rng = random.Random(7)
    written = 0
    for d in weekdays(first, last):
        written += insert(e for m in members for e in day_entries(m, d, setup, rng))
    return written


def local_bounds(day: date) -> datetime:
    return local_day_bounds(day, ZoneInfo("UTC"))[1]


def viewer():
    """A Finance login: sees everyone, so the permission lookups are part of the count."""
    user, created = get_user_model().objects.get_or_create(username=f"{PREFIX}finance")
    if created:
        user.groups.add(Group.objects.get(name=Role.FINANCE))
        Member.objects.create(user=user)
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


def measure(ids: list[int], runs: int) -> tuple[float, float, int, int]:
    """Median wall and CPU seconds of `runs` reviews (after one warm-up), the query count and
    the number of gaps found. CPU is this process only: on PostgreSQL the server's share is
    in the wall time, not here."""
    now = datetime.combine(DAY + timedelta(days=2), time(12), tzinfo=UTC)
    members = Member.objects.filter(pk__in=ids)
    review_days(day=DAY, members=members, viewer=viewer(), now=now)  # warm up
    walls, cpus = [], []
    for _ in range(runs):
        user = viewer()
        wall, cpu = clock.perf_counter(), clock.process_time()
        views = review_days(day=DAY, members=members, viewer=user, now=now)
        walls.append(clock.perf_counter() - wall)
        cpus.append(clock.process_time() - cpu)
    user = viewer()
    with CaptureQueriesContext(connection) as captured:
        review_days(day=DAY, members=members, viewer=user, now=now)
    assert len(views) == len(ids)
    gaps = sum(len(v.gaps) for v in views)
    return statistics.median(walls), statistics.median(cpus), len(captured), gaps


def report(label: str, sizes: list[int], members: list[Member], runs: int) -> None:
    entries = TimeEntry.objects.count()
    print(f"\n{label}: {entries:,} entries in the database")
    heads = [("members", 8), ("seconds", 8), ("cpu s", 7), ("ms/member", 9), ("queries", 7)]
    print("  ".join(f"{name:>{width}}" for name, width in [*heads, ("gaps", 5)]))
    for size in sizes:
        seconds, cpu, queries, gaps = measure([m.pk for m in members[:size]], runs)
        print(
            f"{size:>8}  {seconds:>8.3f}  {cpu:>7.3f}  {1000 * seconds / size:>9.2f}  "
            f"{queries:>7}  {gaps:>5}"
        )
    print(
        f"(median of {runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


def explain(members: list[Member]) -> None:
    bounds = {m.pk: local_day_bounds(DAY, ZoneInfo(m.time_zone)) for m in members}
    print("\nPlan for the entries query:\n" + entries_touching(bounds).explain())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    original = use_bench_database(args.keep)
    try:
        print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = clock.perf_counter()
        setup = Setup()
        build_members(max(sizes))
        members = list(
            Member.objects.filter(user__username__startswith=PREFIX)
            .exclude(user__username=f"{PREFIX}finance")
            .order_by("pk")[: max(sizes)]
        )
        reused_history = TimeEntry.objects.filter(start__lt=local_bounds(DAY - timedelta(days=4)))
        reused_history = reused_history.exists()
        written = build_week(members, setup)
        took = clock.perf_counter() - started
        if written:
            print(f"Built the reviewed week ({written:,} entries) in {took:.1f} s")
        else:
            print("Reusing the dataset kept by an earlier --keep run")
        if not reused_history:  # a kept database already holds its history
            report("Reviewed week only", sizes, members, args.runs)
        if args.history_days:
            started = clock.perf_counter()
            written = build_history(members, setup, args.history_days)
            if written:
                print(
                    f"\nAdded {args.history_days} days of history ({written:,} entries) in "
                    f"{clock.perf_counter() - started:.1f} s"
                )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            report(f"With {args.history_days} days of history", sizes, members, args.runs)
        if args.explain:
            explain(members)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
