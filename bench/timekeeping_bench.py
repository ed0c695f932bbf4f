"""Benchmark of the technician's hot paths on the demo-generated data sets.

Not a test: it prints server time (median, p95, max in ms), the median CPU time of the
Django process alone (ms; without the database server's share) and query counts for
- My Day (GET /time/day/) today, and on the member's last day with entries ("busy day"),
- timer start (POST a ticket's status to In Progress) and stop (POST the stop form),
- entry save (POST the manual entry form),
- the same timer start and stop over the API (POST /api/timer/start/ and /api/timer/stop/),
for the member with the longest history and for one with a short history, so a query count
that grows with history shows up as a difference between the two rows.

Requests go through Django's test client in-process: the times are the server's own work
(routing, sessions, templates, queries), without network or browser.

    python bench/timekeeping_bench.py --sizes 10000 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/timekeeping_bench.py --sizes 1000000

The data sets come from bench/data.py (about `size` time entries each, loaded once and kept).
The entries this benchmark logs are deleted at the end; the ticket it starts timers on stays
In Progress.
"""

import argparse
import statistics
import time
from datetime import timedelta

import data

BENCH_NOTE = "timekeeping bench"
# Median and p95 in ms (issue 15).
TARGETS = {"My Day": (20, 30), "timer stop": (20, 30)}
JSON = {"content_type": "application/json"}


def pick_members():
    """The member with the most entries, and the one with the fewest (but some)."""
    from django.db.models import Count

    from daybook.people.models import Member

    counted = Member.objects.annotate(n=Count("entries")).filter(n__gt=0).order_by("-n", "pk")
    longest = counted.first()
    shortest = counted.order_by("n", "pk").first()
    return [(longest, longest.n), (shortest, shortest.n)]


def clear_timer(member) -> None:
    from daybook.timekeeping.models import DraftEntry, Timer

    Timer.objects.filter(member=member).delete()
    DraftEntry.objects.filter(member=member).delete()


def measure(label: str, runs: list[tuple[float, float, int, int]]) -> dict:
    times = sorted(ms for ms, _, _, _ in runs)
    queries = sorted(q for _, _, q, _ in runs)
    bad = [code for _, _, _, code in runs if code >= 400]
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "label": label,
        "median": statistics.median(times),
        "p95": p95,
        "max": times[-1],
        "cpu": statistics.median(cpu for _, cpu, _, _ in runs),
        "queries": statistics.median(queries),
        "query_range": (queries[0], queries[-1]),
        "errors": len(bad),
    }


def timed(
    client, method: str, url: str, data: dict | None = None, **kwargs
) -> tuple[float, float, int, int]:
    """(server ms, this process's CPU ms, queries, status). The CPU time leaves out the
    database server's work and time waiting for a core, so it moves less than the wall
    time when the machine is busy."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, data or {}, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu) * 1000
    return elapsed, cpu, len(queries.captured_queries), response.status_code


def bench_member(member, repeat: int) -> list[dict]:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from daybook.service.choices import TicketStatus
    from daybook.service.models import Ticket
    from daybook.timekeeping.defaults import billable_for, default_work_type
    from daybook.timekeeping.models import TimeEntry

    # localhost is an allowed host in development settings; the default "testserver" isn't.
    client = Client(SERVER_NAME="localhost")
    client.force_login(member.user)
    clear_timer(member)
    ticket = (
        Ticket.objects.exclude(status=TicketStatus.CLOSED)
        .filter(company__agreements__isnull=False)
        .select_related("board__default_work_type")
        .order_by("pk")
        .first()
    )
    work_type = default_work_type(ticket=ticket) or _any_client_work_type()
    # What the form would offer: work a managed agreement covers is No Charge, and an
    # explicit Billable on it is refused.
    today = timezone.localdate(timezone.now(), member.zone)
    billable = billable_for(work_type=work_type, ticket=ticket, phase=None, on=today)
    base = {
        "work_type": work_type.pk,
        "work_role": member.default_work_role_id,
        "billable": billable,
        "notes": BENCH_NOTE,
        "internal_notes": "",
        "next_status": "",
    }
    day_url = reverse("timekeeping:my_day")
    # The member's last day with entries: a full day on the timeline, not an empty today.
    last = TimeEntry.objects.filter(member=member).order_by("-start").first()
    busy_url = reverse(
        "timekeeping:my_day_on", kwargs={"day": last.start.astimezone(member.zone).date()}
    )
    status_url = reverse("tickets:ticket_status", args=[ticket.pk])
    stop_url = reverse("timekeeping:timer_stop")
    new_url = reverse("timekeeping:entry_new")

    # Warm up: templates compiled, connections open, caches filled.
    for _ in range(3):
        client.get(day_url)

    my_day = [timed(client, "get", day_url) for _ in range(repeat)]
    busy_day = [timed(client, "get", busy_url) for _ in range(repeat)]

    starts, stops = [], []
    for _ in range(repeat):
        starts.append(timed(client, "post", status_url, {"status": TicketStatus.IN_PROGRESS}))
        stops.append(timed(client, "post", stop_url, base))
        clear_timer(member)  # a refused stop must not block the next start

    api_starts, api_stops = [], []
    for _ in range(repeat):
        start = {"ticket": ticket.pk}
        api_starts.append(timed(client, "post", "/api/timer/start/", start, **JSON))
        api_stops.append(timed(client, "post", "/api/timer/stop/", base, **JSON))
        clear_timer(member)

    # Manual entries in one-minute slots just before the timer entries above.
    zone = member.zone
    first_slot = timezone.now() - timedelta(minutes=2 * repeat + 90)
    saves = []
    for i in range(repeat):
        start = (first_slot + timedelta(minutes=2 * i)).astimezone(zone)
        end = start + timedelta(minutes=1)
        data = {
            **base,
            "ticket": ticket.pk,
            "phase": "",
            "start": f"{start:%Y-%m-%dT%H:%M}",
            "end": f"{end:%Y-%m-%dT%H:%M}",
        }
        saves.append(timed(client, "post", new_url, data))
    return [
        measure("My Day", my_day),
        measure("busy day", busy_day),
        measure("timer start", starts),
        measure("timer stop", stops),
        measure("entry save", saves),
        measure("API start", api_starts),
        measure("API stop", api_stops),
    ]


def _any_client_work_type():
    from daybook.catalogue.models import WorkType

    return WorkType.objects.filter(is_payroll_wrap=False, is_active=True).order_by("pk").first()


def verdict(row: dict) -> str:
    if row["label"] not in TARGETS:
        return ""
    median, p95 = TARGETS[row["label"]]
    met = row["median"] < median and row["p95"] < p95
    return f"  (target < {median} ms, p95 < {p95}: {'met' if met else 'NOT met'})"


def clean_up() -> None:
    from daybook.timekeeping.models import TimeEntry

    TimeEntry.objects.filter(notes=BENCH_NOTE).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=40, help="requests per operation")
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(f"\n{data_set.describe()}")
        run(args.repeat)


def run(repeat: int) -> None:
    print(f"{repeat} requests per operation; server time in ms.")
    header = f"{'member history':>16}  {'operation':<12} {'median':>7} {'p95':>7} {'max':>7}"
    print(f"{header} {'cpu':>6} {'queries':>8} {'errors':>6}")
    try:
        for member, entries in pick_members():
            for row in bench_member(member, repeat):
                low, high = row["query_range"]
                spread = f"{low}" if low == high else f"{low}-{high}"
                print(
                    f"{entries:>8,} entries  {row['label']:<12} {row['median']:7.1f} "
                    f"{row['p95']:7.1f} {row['max']:7.1f} {row['cpu']:6.1f} {spread:>8} "
                    f"{row['errors']:>6}{verdict(row)}"
                )
            clear_timer(member)
    finally:
        clean_up()


if __name__ == "__main__":
    main()
