"""Benchmark of the insights reports over a generated MSP at growing sizes.

Not a test: it prints seconds and query counts per report, so growth can be compared across
sizes and engines. Data is added cumulatively (10k, then up to 100k, then up to 1M entries
over the same 24 months), written with bulk_create.

    # SQLite (a throwaway file under /tmp unless DATABASE_URL is set)
    python bench/insights_bench.py --sizes 10000 100000
    # PostgreSQL: an empty database of your own; everything in it is flushed first
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insights_bench \
        python bench/insights_bench.py --sizes 10000 100000 1000000
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")

START = date(2024, 1, 1)
DAYS = 731  # 2024-01-01 .. 2025-12-31
ZONES = ["America/New_York", "America/Chicago", "Europe/London", "Australia/Sydney"]


def setup(database_url: str | None, *, keep: bool = False) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if keep:
        return
    call_command("flush", interactive=False, verbosity=0)
    from daybook.people.roles import roles_sync

    roles_sync()


class World:
    """The fixed part of the MSP: people, clients, agreements, work types."""

    def __init__(self, rng: random.Random, n_members: int, n_companies: int):
        from django.contrib.auth import get_user_model

        from daybook.catalogue.models import WorkRole, WorkType
        from daybook.clients.choices import AgreementType
        from daybook.clients.models import Agreement, Company
        from daybook.people.models import Member, Team
        from daybook.service.models import Board, SlaTarget

        self.rng = rng
        self.role = WorkRole.objects.create(name="Help Desk", rate=Decimal("100"))
        self.work_types = [
            WorkType.objects.create(name="Remote Support"),
            WorkType.objects.create(name="Onsite", rate_multiplier=Decimal("1.25")),
            WorkType.objects.create(name="After Hours", rate_multiplier=Decimal("1.5")),
        ]
        self.boards = [Board.objects.create(name=n) for n in ("Help Desk", "Alerts", "Projects")]
        teams = [Team.objects.create(name=f"Team {i}") for i in range(max(2, n_members // 15))]
        User = get_user_model()
        users = User.objects.bulk_create(User(username=f"m{i}") for i in range(n_members))
        self.members = Member.objects.bulk_create(
            Member(
                user=u,
                team=teams[i % len(teams)],
                time_zone=ZONES[i % len(ZONES)] if i % 5 == 0 else ZONES[0],
                cost_rate=Decimal(rng.choice(["35", "42.50", "55", "70"])),
                default_work_role=self.role,
            )
            for i, u in enumerate(users)
        )
        companies = Company.objects.bulk_create(
            Company(name=f"Client {i}", identifier=f"client-{i}", time_zone=ZONES[i % 2])
            for i in range(n_companies)
        )
        types = [
            AgreementType.MANAGED,
            AgreementType.BLOCK_HOURS,
            AgreementType.TIME_AND_MATERIALS,
            AgreementType.PROJECT,
        ]
        self.agreements = Agreement.objects.bulk_create(
            Agreement(
                company=c,
                name=f"{t} {c.pk}",
                type=t,
                start_date=START,
                monthly_fee=Decimal("2500") if t == AgreementType.MANAGED else Decimal(0),
                prepaid_hours=Decimal("100") if t == AgreementType.BLOCK_HOURS else None,
                prepaid_amount=Decimal("9500")
                if t == AgreementType.BLOCK_HOURS
                else (Decimal("20000") if t == AgreementType.PROJECT else None),
                estimated_hours=Decimal("150") if t == AgreementType.PROJECT else None,
            )
            for c in companies
            for t in types
        )
        self.companies = companies
        for p in (1, 2, 3, 4):
            SlaTarget.objects.create(priority=p, respond_minutes=30 * p, resolve_minutes=480 * p)

    def add_entries(self, count: int) -> None:
        from daybook.service.models import Ticket
        from daybook.timekeeping.models import TimeEntry

        rng = self.rng
        tickets = []
        for _ in range(max(1, count // 4)):
            agreement = rng.choice(self.agreements)
            opened = datetime.combine(
                START + timedelta(days=rng.randrange(DAYS)), dtime(13), tzinfo=UTC
            ) + timedelta(minutes=rng.randrange(600))
            responded = opened + timedelta(minutes=rng.randrange(5, 240))
            tickets.append(
                Ticket(
                    board=rng.choice(self.boards),
                    company_id=agreement.company_id,
                    agreement=agreement,
                    summary="Generated",
                    priority=rng.randint(1, 4),
                    status="resolved",
                    assignee=rng.choice(self.members),
                    opened_at=opened,
                    first_response_at=responded,
                    resolved_at=responded + timedelta(minutes=rng.randrange(10, 4000)),
                )
            )
        tickets = Ticket.objects.bulk_create(tickets, batch_size=5000)
        batch = []
        for _ in range(count):
            ticket = rng.choice(tickets)
            start = ticket.opened_at + timedelta(
                days=rng.randrange(0, 20), minutes=15 * rng.randrange(0, 40)
            )
            billable = rng.choice(["billable", "billable", "billable", "no_charge", "do_not_bill"])
            member = rng.choice(self.members)
            batch.append(
                TimeEntry(
                    member=member,
                    start=start,
                    end=start + timedelta(minutes=15 * rng.randint(1, 12)),
                    ticket=ticket,
                    agreement_id=ticket.agreement_id,
                    work_role=self.role,
                    work_type=rng.choice(self.work_types),
                    billable=billable,
                    bill_rate=Decimal("100") if billable == "billable" else Decimal(0),
                    cost_rate=member.cost_rate,
                    notes="Generated work",
                )
            )
            if len(batch) == 10_000:
                TimeEntry.objects.bulk_create(batch)
                batch = []
        if batch:
            TimeEntry.objects.bulk_create(batch)


class ExistingWorld:
    """The data a previous run left, to time the reports again without regenerating it."""

    def __init__(self):
        from daybook.clients.models import Agreement, Company

        self.agreements = list(Agreement.objects.order_by("pk"))
        self.companies = list(Company.objects.order_by("pk"))


def run_reports(world: World | ExistingWorld) -> list[tuple[str, float, int]]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from daybook.clients.choices import AgreementType
    from daybook.core.periods import Period, month_period
    from daybook.insights.selectors import (
        agreement_detail,
        agreement_profitability,
        capacity_report,
        client_statement,
        financial_forecast,
        projects_report,
        sla_compliance,
        workload_distribution,
    )
    from daybook.people.models import Member

    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    block = next(a for a in world.agreements if a.type == AgreementType.BLOCK_HOURS)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    reports = {
        "profitability, 12 months": lambda: agreement_profitability(
            period=year, target_rate=Decimal("100")
        ),
        "agreement drill-down, 12 months": lambda: agreement_detail(agreement=block, period=year),
        "client statement, 1 month": lambda: client_statement(
            company=world.companies[0], period=month_period(2025, 6)
        ),
        "SLA, 3 months": lambda: sla_compliance(
            period=Period(date(2025, 4, 1), date(2025, 6, 30)), now=now
        ),
        "projects": lambda: projects_report(as_of=date(2025, 6, 30)),
        "capacity, 8 weeks + 4": lambda: capacity_report(
            first_week=date(2025, 5, 5), weeks=8, target_utilization=Decimal(75)
        ),
        "workload, 1 month": lambda: workload_distribution(
            period=month_period(2025, 6), members=Member.objects.all()
        ),
        "forecast, 12 months + 6": lambda: financial_forecast(
            last_month=date(2025, 12, 1), months_ahead=6
        ),
    }
    results = []
    for name, run in reports.items():
        reset_queries()  # bulk inserts may have filled the query log; counts need room
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            run()
            elapsed = time.perf_counter() - began
        results.append((name, elapsed, len(queries)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="time the reports on the data already in DATABASE_URL; generate nothing",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(Path(tempfile.gettempdir()) / "daybook_insights_bench.sqlite3")
        if not args.existing:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    setup(url, keep=args.existing)
    from django.db import connection

    if args.existing:
        from daybook.timekeeping.models import TimeEntry

        world = ExistingWorld()
        count = TimeEntry.objects.count()
        print(f"\n{connection.vendor}: {count:,} existing entries, load {os.getloadavg()[0]:.1f}")
        for name, seconds, queries in run_reports(world):
            print(f"  {name:<34} {seconds:8.3f} s  {queries:4d} queries")
        return

    rng = random.Random(args.seed)
    largest = max(args.sizes)
    world = World(rng, n_members=min(300, max(20, largest // 3000)),
                  n_companies=min(500, max(20, largest // 2500)))  # fmt: skip
    engine = connection.vendor
    print(f"engine={engine} members={len(world.members)} agreements={len(world.agreements)}")
    have = 0
    for size in sorted(args.sizes):
        began = time.perf_counter()
        world.add_entries(size - have)
        have = size
        if engine == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        built = time.perf_counter() - began
        load = os.getloadavg()[0]
        print(f"\n{engine}: {size:,} entries (generated in {built:.0f}s, load {load:.1f})")
        for name, seconds, queries in run_reports(world):
            print(f"  {name:<34} {seconds:8.3f} s  {queries:4d} queries")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
