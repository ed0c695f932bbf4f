"""Benchmark: the end-of-day review of many members for one day, and how it grows.

Times `review_days` for one working day near the end of each data set from bench/data.py
(the demo generator, about `size` time entries each, loaded once and kept): first for the
demo's own fifteen people, whose history grows with the size, then for everyone, whose number
grows with it. The query count should stay the same across sizes, members and history.

Each group is timed twice: "entries" with the day's stored summaries removed before every run,
so the review works every member-day out from the entries and stores it (the first read of a
day, and how every read went before summaries), and "summaries" reading the stored rows (every
later read; the worker fills them as each day's review opens). Target: under 100 ms for 500
members from summaries. The benchmark writes the day's summaries into the data set.

    python bench/review_bench.py --sizes 10000 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/review_bench.py --sizes 100000 1000000

Options besides the data's: --runs 5 (median of that many reviews), --explain (print the
database's plan for the entries query).
"""

import argparse
import os
import statistics
import sys
import time as clock
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import data

# The reviewer: Finance sees everyone, so the permission lookups are part of the count.
VIEWER = "finance"
WEDNESDAY = 2


def review_day(data_set: data.DataSet) -> date:
    """The last Wednesday whose review has opened for everyone by the data's now."""
    day = data_set.today - timedelta(days=2)
    while day.weekday() != WEDNESDAY:
        day -= timedelta(days=1)
    return day


def viewer():
    """A fresh user object each time: no permissions cached from the run before."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=VIEWER)


def measure(
    day: date, ids: list[int], now, runs: int, *, stored: bool
) -> tuple[float, float, int, int, int]:
    """Median wall and CPU seconds of `runs` reviews (after one warm-up), the query count,
    the days listed (a member on holiday is not) and the gaps found. CPU is this process only:
    on PostgreSQL the server's share is in the wall time, not here. Without `stored`, the
    day's summaries are removed before each run (not timed), so it computes them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from daybook.people.models import Member
    from daybook.review.selectors import review_days
    from daybook.timekeeping.models import DaySummary

    def forget() -> None:
        if not stored:
            DaySummary.objects.filter(date=day, member_id__in=ids).delete()

    members = Member.objects.filter(pk__in=ids)
    review_days(day=day, members=members, viewer=viewer(), now=now)  # warm up
    walls, cpus = [], []
    for _ in range(runs):
        forget()
        user = viewer()
        wall, cpu = clock.perf_counter(), clock.process_time()
        views = review_days(day=day, members=members, viewer=user, now=now)
        walls.append(clock.perf_counter() - wall)
        cpus.append(clock.process_time() - cpu)
    forget()
    user = viewer()
    with CaptureQueriesContext(connection) as captured:
        review_days(day=day, members=members, viewer=user, now=now)
    gaps = sum(len(v.gaps) for v in views)
    return statistics.median(walls), statistics.median(cpus), len(captured), len(views), gaps


def report(data_set: data.DataSet, runs: int) -> None:
    from daybook.people.models import Member

    day = review_day(data_set)
    everyone = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    groups = [("demo staff", everyone[: data.MIN_MEMBERS])]
    if len(everyone) > data.MIN_MEMBERS:
        groups.append(("everyone", everyone))
    print(f"\n{data_set.describe()}")
    print(f"Review of {day:%a %Y-%m-%d}, seen by {VIEWER}:")
    heads = [("who", 10), ("members", 8), ("from", 9), ("seconds", 8), ("cpu s", 7)]
    tail = [("ms/member", 9), ("queries", 7), ("listed", 6), ("gaps", 5)]
    print("  ".join(f"{name:>{width}}" for name, width in [*heads, *tail]))
    for label, ids in groups:
        for stored in (False, True):
            seconds, cpu, queries, listed, gaps = measure(
                day, ids, data_set.now, runs, stored=stored
            )
            source = "summaries" if stored else "entries"
            print(
                f"{label:>10}  {len(ids):>8}  {source:>9}  {seconds:>8.3f}  {cpu:>7.3f}  "
                f"{1000 * seconds / len(ids):>9.2f}  {queries:>7}  {listed:>6}  {gaps:>5}"
            )
    print("(target: under 0.100 s for 500 members from summaries)")
    print(
        f"(median of {runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


def explain(data_set: data.DataSet) -> None:
    from daybook.core.time import local_day_bounds
    from daybook.people.models import Member
    from daybook.timekeeping.day_figures import entries_touching

    day = review_day(data_set)
    bounds = {m.pk: local_day_bounds(day, ZoneInfo(m.time_zone)) for m in Member.objects.all()}
    print("\nPlan for the entries query:\n" + entries_touching(bounds).explain())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_arguments(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        report(data_set, args.runs)
        if args.explain:
            explain(data_set)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
