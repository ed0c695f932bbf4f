"""Benchmark: gap suggestions for one member-day (issue 16's target: under 20 ms at the large
size), for the member with the longest history and one with the shortest, so a cost that
grows with history shows as a difference between the two rows. Each is timed on the data's
last working day before today twice: looked at the next day (read from its stored day
summary, as My Day does for a past day) and looked at late that same evening (worked out
afresh, as today always is).

    python bench/suggestions_bench.py --sizes 10000 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/suggestions_bench.py --sizes 3300000
"""

import argparse
import statistics
import time
from datetime import timedelta

import data

TARGET_MS = 20


def measure(member, day, now, runs: int) -> tuple[float, float, float, int, int]:
    """Median and worst milliseconds of `runs` calls (after one warm-up), the median of this
    process's CPU milliseconds (on a busy machine the wall clock also counts the time spent
    waiting for a core; on SQLite the CPU time is all the work), the queries of one call and
    the suggestions made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from daybook.timekeeping.suggestions import gap_suggestions

    gap_suggestions(member=member, day=day, now=now)
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        found = gap_suggestions(member=member, day=day, now=now)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        gap_suggestions(member=member, day=day, now=now)
    return statistics.median(times), max(times), statistics.median(cpu), len(queries), len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    data.add_arguments(parser)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(data_set.describe())
        from django.db.models import Count

        from daybook.core.time import local_day_bounds
        from daybook.people.models import Member

        counted = Member.objects.annotate(n=Count("entries")).filter(n__gt=0)
        before = data_set.today - timedelta(days=1)
        while before.weekday() > 4:
            before -= timedelta(days=1)
        print(
            f"{'member':<28}{'entries':>9}{'day':>7}{'median ms':>11}{'max ms':>9}{'cpu ms':>8}"
            f"{'queries':>9}{'found':>7}"
        )
        for member in (counted.order_by("-n", "pk").first(), counted.order_by("n", "pk").first()):
            evening = local_day_bounds(before, member.zone)[1] - timedelta(minutes=30)
            for label, now in (("past", data_set.now), ("today", evening)):
                median, worst, cpu, queries, found = measure(member, before, now, args.runs)
                print(
                    f"{member!s:<28}{member.n:>9,}{label:>7}{median:>11.1f}{worst:>9.1f}"
                    f"{cpu:>8.1f}{queries:>9}{found:>7}"
                )
        print(f"target: under {TARGET_MS} ms a member-day")


if __name__ == "__main__":
    main()
