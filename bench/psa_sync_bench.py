"""First sync from a local fake ConnectWise PSA, at growing sizes.

For each size N (tickets), the fake server holds N tickets on N/10 companies and agreements,
one member, and 5 x N time entries. The benchmark times, in a fresh test database:

- the first full sync (`psa.sync.sync_run`): mappings, companies, members, agreements and
  tickets pulled through the ConnectWise connector into Daybook, each through the services;
- reading the 5 x N time entries through the connector (pages of 1000, a generator: streamed).

Then every ticket moves to Waiting Client in the PSA and an incremental sync takes the moves:
the page's links, tickets and timers are read at once and the moves written together
(service.tickets_set_status_many); its time and query count are printed (`--one-by-one`
takes each ticket through take, as the pull did before, to compare).

It also prints the time spent on each record kind and per record: the tickets new to Daybook
go through service.tickets_create_many a page at a time (the same checks as ticket_create,
then one insert of the page's tickets, history records and links), and the companies and
agreements new to Daybook likewise through clients.companies_create_many and
agreements_create_many (`--one-by-one` takes all three kinds one at a time, to compare).

and prints records per second and the process's peak memory after each, which must stay flat
as the size grows. 10,000 tickets + 50,000 entries is the target:

    .venv/bin/python bench/psa_sync_bench.py --sizes 1000 3000 10000
"""

import argparse
import contextlib
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
os.environ.setdefault("DAYBOOK_ENV", "test")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="take every company, agreement and ticket on its own (company_create, "
        "agreement_create, ticket_create each), as before the batch paths, to compare",
    )
    return parser.parse_args()


def fill(app, tickets: int, tag: str) -> None:
    """Companies, agreements and tickets named after `tag` (so sizes never meet), one member
    (bench-<tag>@example.test) and five time entries per ticket."""
    import datetime as dt

    from daybook.psa.connectors.connectwise import cw_time

    member = app.add_member(f"bench-{tag}@example.test", "Bench", "Tech")
    companies = []
    for n in range(max(1, tickets // 10)):
        company = app.add_company(f"Client {tag}-{n:05}")
        agreement = app.add_agreement(company, f"Managed {n:05}")
        agreement["billAmount"] = 1000
        companies.append((company, agreement))
    for n in range(tickets):
        company, agreement = companies[n % len(companies)]
        app.add_ticket(company, f"Ticket {n:06}", owner=member, agreement=agreement)
    start = dt.datetime(2025, 1, 6, 8, tzinfo=dt.UTC)
    ticket_ids = list(app.tickets)
    for n in range(tickets * 5):
        begin = start + dt.timedelta(minutes=30 * n)
        app.add(
            app.entries,
            {
                "chargeToId": ticket_ids[n % len(ticket_ids)],
                "chargeToType": "ServiceTicket",
                "member": {"id": member["id"]},
                "timeStart": cw_time(begin),
                "timeEnd": cw_time(begin + dt.timedelta(minutes=25)),
                "notes": "Worked on it",
                "workType": {"id": 31},
                "billableOption": "Billable",
            },
        )


@contextlib.contextmanager
def pull_timed():
    """Seconds spent pulling each record kind (companies, members, agreements, tickets)."""
    from daybook.psa.sync import Runner

    seconds: dict[str, float] = {}
    pull = Runner.pull

    def timed(self, kind, since):
        started = time.perf_counter()
        try:
            return pull(self, kind, since)
        finally:
            seconds[kind] = seconds.get(kind, 0.0) + time.perf_counter() - started

    Runner.pull = timed
    try:
        yield seconds
    finally:
        Runner.pull = pull


def measure(label: str, count: int, work) -> None:
    """Time `work` and print the process's peak memory after it (ru_maxrss): flat across
    sizes when the records are streamed rather than held."""
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  {label:<34} {count:>7} records {seconds:7.1f} s {count / seconds:8.0f}/s "
        f"peak RSS {peak_mb:6.0f} MB"
    )


def one_size(size: int) -> None:
    from django.db import connection
    from tests.factories import MemberFactory, UserFactory
    from tests.psa.fakes.connectwise import CREDENTIALS, FakeConnectWise
    from tests.psa.fakes.server import FakeServer

    from daybook.catalogue.models import WorkRole, WorkType
    from daybook.people.choices import Role
    from daybook.psa.services import connection_create, connector_for
    from daybook.psa.sync import sync_run
    from daybook.service.models import Board

    Board.objects.get_or_create(name="Help Desk")
    WorkType.objects.get_or_create(name="Remote Support")
    WorkRole.objects.get_or_create(name="Help Desk", defaults={"rate": 100})
    tag = f"s{size}"
    admin = MemberFactory(user=UserFactory(username=f"admin-{tag}"), role=Role.ADMIN)
    MemberFactory(user=UserFactory(username=f"bench-{tag}", email=f"bench-{tag}@example.test"))
    app = FakeConnectWise()
    app.seed_basics()
    fill(app, size, tag)
    server = FakeServer(app)
    try:
        conn = connection_create(
            by=admin,
            kind="connectwise",
            name=f"Bench {size}",
            base_url=f"{server.url}/v4_6_release/apis/3.0",
            credentials=CREDENTIALS,
        )
        print(f"{size} tickets, {size * 5} time entries:")
        counts = {
            "companies": len(app.companies),
            "members": len(app.members),
            "agreements": len(app.agreements),
            "tickets": size,
        }
        runs = []
        with pull_timed() as seconds:
            measure(
                "first sync (into Daybook)",
                sum(counts.values()),
                lambda: runs.append(sync_run(connection=conn)),
            )
        print(f"    {runs[0].outcome}")
        for kind, count in counts.items():
            taken = seconds.get(kind, 0.0)
            print(
                f"    {kind:<12} {count:>7} in {taken:6.1f} s, "
                f"{1000 * taken / max(count, 1):6.2f} ms each"
            )
        app.tick(60)
        for ticket in list(app.tickets.values()):
            app.set_status(ticket, "Waiting Client")
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            measure(
                "status moves (incremental sync)",
                size,
                lambda: runs.append(sync_run(connection=conn, kinds=("tickets",), push=False)),
            )
        print(f"    {runs[-1].outcome} {len(queries)} queries")
        connector = connector_for(conn)
        measure(
            "time entries read (streamed)",
            size * 5,
            lambda: sum(1 for _ in connector.time_entries()),
        )
    finally:
        server.stop()


def main() -> int:
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_psa{os.getpid()}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    quiet = override_settings(
        DAYBOOK_OUTBOUND_HOSTS=["127.0.0.1"],
        DAYBOOK_OUTBOUND_ALLOW_HTTP=True,
        DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK=True,
        DAYBOOK_OUTBOUND_TIMEOUT_SECONDS=120,
        DAYBOOK_PSA_KEY=__import__("daybook.psa.crypto", fromlist=["x"]).new_key(),
        DAYBOOK_PSA_REQUESTS_PER_SECOND=0,
        DAYBOOK_AFTER_ENTRY_CHANGE=[],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    try:
        with quiet:
            print(f"First PSA sync from a local fake ConnectWise, on {connection.vendor}")
            if args.one_by_one:
                from daybook.psa.sync import Runner

                def one_by_one(kind):
                    def take_all(self, records, links):
                        for record in records:
                            self.take(kind, record, links, {})

                    return take_all

                Runner.take_tickets = one_by_one("tickets")
                Runner.take_companies = one_by_one("companies")
                Runner.take_agreements = one_by_one("agreements")
                print("One by one (company_create, agreement_create, ticket_create each)")
            for size in args.sizes:
                one_size(size)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
