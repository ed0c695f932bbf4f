"""Benchmark of the insights reports over a generated MSP at growing sizes.

Not a test: it prints each report's median seconds over --repeat runs and its query count, so
growth can be compared across sizes and engines. The data sets come from bench/data.py (the
demo generator, about `size` time entries each, loaded once and kept); the reports cover the
months before the data's last day, with the clock at the data's now (as on that day in
production: the last month is not settled yet, so it is read from the entries through the
visibility rule, not from the monthly totals). A data set kept from before the monthly
totals existed gets them first (timed: it is what `daybook totals --rebuild` costs at that
size). Then the
profitability page as the finance login sees it: one month (computed in the request) and
twelve months (prepared by the worker, then the page that shows the prepared result), with
its size in KB. Each figure is printed next to its target (issue 15) where it has one.

    # SQLite (files under the temporary directory unless DAYBOOK_BENCH_DIR is set)
    python bench/insights_bench.py --sizes 10000 100000
    # PostgreSQL: one database per size, named after the one in DATABASE_URL
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/insights_bench.py --sizes 10000 100000 1000000
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import time_machine

import data

# Seconds (issue 15); the reports without one have no target of their own.
TARGETS = {
    "profitability, 12 months": 0.3,
    "SLA, 3 months": 0.3,
    "projects": 0.3,
    "capacity, 8 weeks + 4": 0.3,
    "forecast, 12 months + 6": 0.3,
}
PAGE_TARGET_MS = 200
VIEWER = "finance"  # the demo's finance login: sees every report with money


def reports(data_set: data.DataSet) -> dict[str, Callable[[], object]]:
    """Each report over the months (or weeks) before the data's today, as its page asks."""
    from daybook.clients.choices import AgreementType
    from daybook.clients.models import Agreement, Company
    from daybook.core.periods import Period
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

    last_day = data_set.today - timedelta(days=1)
    month = Period(last_day.replace(day=1), last_day)
    year = Period(data.months_back(month.start, 11), last_day)
    quarter = Period(data.months_back(month.start, 2), last_day)
    monday = data_set.today - timedelta(days=data_set.today.weekday())
    block = Agreement.objects.filter(type=AgreementType.BLOCK_HOURS).order_by("pk").first()
    company = Company.objects.order_by("pk").first()
    return {
        "profitability, 12 months": lambda: agreement_profitability(
            period=year, target_rate=Decimal("100")
        ),
        "agreement drill-down, 12 months": lambda: agreement_detail(agreement=block, period=year),
        "client statement, 1 month": lambda: client_statement(company=company, period=month),
        "SLA, 3 months": lambda: sla_compliance(period=quarter, now=data_set.now),
        "projects": lambda: projects_report(as_of=last_day),
        "capacity, 8 weeks + 4": lambda: capacity_report(
            first_week=monday - timedelta(weeks=8), weeks=8, target_utilization=Decimal(75)
        ),
        "workload, 1 month": lambda: workload_distribution(
            period=month, members=Member.objects.all()
        ),
        "forecast, 12 months + 6": lambda: financial_forecast(
            last_month=month.start, months_ahead=6
        ),
    }


def ensure_totals() -> None:
    """The reports read the monthly totals: a data set loaded before they existed gets them
    now (timed, since it is what `daybook totals --rebuild` costs at this size)."""
    from daybook.timekeeping.models import MonthlyTotal, TimeEntry
    from daybook.timekeeping.totals import monthly_totals_rebuild

    if MonthlyTotal.objects.exists() or not TimeEntry.objects.exists():
        return
    began = time.perf_counter()
    result = monthly_totals_rebuild()
    elapsed = time.perf_counter() - began
    print(f"  {'monthly totals rebuilt':<34} {elapsed:8.3f} s  {result.rows:,} rows")


def run_reports(
    data_set: data.DataSet, repeat: int = 1, only: list[str] | None = None
) -> list[tuple[str, float, int]]:
    """Each report's median time over `repeat` runs, and its query count (``only``: the
    reports whose name contains one of these words)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for name, run in reports(data_set).items():
        if only and not any(word in name for word in only):
            continue
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                run()
                times.append(time.perf_counter() - began)
        results.append((name, statistics.median(times), len(queries)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_arguments(parser)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each report; the median is shown (3)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="WORD",
        help="only the reports whose name contains one of these words (capacity forecast)",
    )
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(f"\n{data_set.describe()}; load average {os.getloadavg()[0]:.1f}")
        ensure_totals()
        with time_machine.travel(data_set.now, tick=True):
            for name, seconds, queries in run_reports(
                data_set, repeat=max(1, args.repeat), only=args.only
            ):
                print(
                    f"  {name:<34} {seconds:8.3f} s  {queries:4d} queries{verdict(name, seconds)}"
                )
            if not args.only or any(word in "profitability page" for word in args.only):
                page_figures(data_set, repeat=max(1, args.repeat))
        sys.stdout.flush()


def verdict(name: str, seconds: float) -> str:
    target = TARGETS.get(name)
    if target is None:
        return ""
    return f"  (target < {target} s: {'met' if seconds < target else 'NOT met'})"


def page_figures(data_set: data.DataSet, repeat: int) -> None:
    """The profitability page over HTTP's last step (Django's test client, in process): one
    month computed in the request; twelve months prepared by the worker (run here, as the
    worker would), then the page that shows the prepared result."""
    from django.test import Client
    from django.urls import reverse

    from daybook.insights.models import ReportRun, RunState
    from daybook.insights.runs import run_compute
    from daybook.people.models import Member

    viewer = Member.objects.get(user__username=VIEWER).user
    client = Client(SERVER_NAME="localhost")
    client.force_login(viewer)
    last_day = data_set.today - timedelta(days=1)
    first = last_day.replace(day=1)
    url = reverse("insights:profitability")
    year_start = data.months_back(first, 11)
    pages = {
        "profitability page, 1 month": f"{url}?start={first}&end={last_day}",
        "profitability page, 12 months": f"{url}?start={year_start}&end={last_day}",
    }
    for name, address in pages.items():
        client.get(address)  # templates compiled; a long range queues its run
        query = address.split("?", 1)[1]
        prepared = ReportRun.objects.filter(state=RunState.PENDING, viewer=viewer, query=query)
        for run_id in prepared.values_list("pk", flat=True):
            began = time.perf_counter()
            run_compute(run_id=run_id)
            print(f"  {name + ' (worker)':<34} {time.perf_counter() - began:8.3f} s")
        times, size = [], 0
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(address)
            times.append(time.perf_counter() - began)
            size = len(response.content)
            if response.status_code != 200:
                raise SystemExit(f"{address} answered {response.status_code}")
        ms = statistics.median(times) * 1000
        state = "met" if ms < PAGE_TARGET_MS else "NOT met"
        print(
            f"  {name:<34} {ms / 1000:8.3f} s  {size / 1024:6.0f} KB"
            f"  (target < {PAGE_TARGET_MS} ms: {state})"
        )


if __name__ == "__main__":
    main()
