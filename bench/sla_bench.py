"""Benchmark of the SLA report and the projects report as their pages read them.

Not a test: it prints the median and slowest of `--repeat` runs and the query count, per
size, next to the targets of issue 15 (each under 0.3 s). The SLA row covers a quarter and
reads what the page shows: the grouped tallies, the weeks and the first page of breaches
(the breach list is read a page at a time). The projects row is every project to date.

    python bench/sla_bench.py --sizes 10000 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/sla_bench.py --sizes 1000000

The data sets come from bench/data.py (about `size` time entries each, loaded once and kept).
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import data

TARGET_SECONDS = 0.3
PAGE = 50


def reports(data_set: data.DataSet) -> dict[str, Callable[[], object]]:
    from daybook.core.periods import Period
    from daybook.insights.selectors import projects_report, sla_compliance

    last_day = data_set.today - timedelta(days=1)
    month_start = last_day.replace(day=1)
    index = month_start.year * 12 + month_start.month - 1 - 2
    quarter = Period(month_start.replace(year=index // 12, month=index % 12 + 1), last_day)

    def sla_page():
        report = sla_compliance(period=quarter, now=data_set.now)
        return len(report.breaches), list(report.breaches[:PAGE])

    return {
        "SLA, a quarter (+ breaches page 1)": sla_page,
        "projects, to date": lambda: projects_report(as_of=last_day),
    }


def timed(run: Callable[[], object], repeat: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm up: connections, caches, plans
    seconds = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - began)
    return seconds, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=5, help="runs per report")
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(f"\n{data_set.describe()}; load average {os.getloadavg()[0]:.1f}")
        print(f"  {'report':<36} {'median':>8} {'max':>8} {'queries':>8} {'target':>8}")
        for name, run in reports(data_set).items():
            seconds, queries = timed(run, args.repeat)
            print(
                f"  {name:<36} {statistics.median(seconds):7.3f}s {max(seconds):7.3f}s "
                f"{queries:8d} {TARGET_SECONDS:7.1f}s"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
