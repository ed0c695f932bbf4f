"""Benchmark: many people using Daybook at once over HTTP, with and without a report running.

Starts Daybook's own server (`daybook serve`, gunicorn) on 127.0.0.1 over a data set from
bench/data.py, signs in a number of demo people through the sign-in page, and has each of
them click through their pages for a fixed time, one request after another (no think time):
technicians open My Day and their tickets, team leads the daily review. Prints requests per
second and the median and p95 latency per page, then runs the same with one person asking for
a heavy report over and over, to show whether a slow report starves the other pages.

    python bench/http_load_bench.py --sizes 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/http_load_bench.py --sizes 3300000 --users 20 --seconds 30

The people it signs in are given the demo's password in the data set (most generated people
have no login). Bounded on purpose: the server listens on 127.0.0.1 only, the load goes nowhere
else, at most 50 people for at most 300 seconds. Targets (issue 15): >= 60 req/s with p95 under
400 ms for 20 people; with a report in the mix, the other pages' p95 stays under 400 ms.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import httpx

import data

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_USERS = 50
MAX_SECONDS = 300
TARGET_RATE = 60
TARGET_P95_MS = 400
REPORT_VIEWER = "finance"  # the demo's finance login: sees every report with money


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def database_url(data_set: data.DataSet) -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{data_set.database}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or HOST
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{data_set.database}"


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "PORT": str(port)}
    command = [str(ROOT / ".venv" / "bin" / "daybook"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/accounts/login/", timeout=30)
            return server
        except httpx.HTTPError:
            if server.poll() is not None:
                raise SystemExit(f"The server did not start:\n{server.stderr.read()}") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("The server did not answer within 120 seconds.")


def sign_in(base: str, username: str) -> httpx.Client:
    from daybook.demo.catalog import DEMO_PASSWORD

    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("No sign-in form at /accounts/login/.")
    answer = client.post(
        "/accounts/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if answer.status_code != 302:
        raise SystemExit(f"{username} could not sign in (HTTP {answer.status_code}).")
    return client


def people(count: int) -> list[tuple[str, list[str]]]:
    """(username, pages) for `count` people: about one reviewer (of a team) for every three
    technicians."""
    from django.urls import reverse

    from daybook.people.choices import Role
    from daybook.people.models import Member

    technician_pages = [reverse("timekeeping:my_day"), reverse("tickets:ticket_list")]
    lead_pages = [reverse("review:daily"), reverse("timekeeping:my_day")]
    members = Member.objects.filter(user__isnull=False, user__is_active=True).select_related("user")
    reviewers = members.filter(reviewed_teams__isnull=False).distinct().order_by("pk")
    leads = [m.user.username for m in reviewers[: max(1, count // 4)]]
    doers = members.filter(user__groups__name=Role.TECHNICIAN, reviewed_teams__isnull=True)
    technicians = [m.user.username for m in doers.order_by("pk")[: count - len(leads)]]
    # Most generated people have no login: give the chosen ones the demo's password.
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from daybook.demo.catalog import DEMO_PASSWORD

    get_user_model().objects.filter(username__in=[*leads, *technicians, REPORT_VIEWER]).update(
        password=make_password(DEMO_PASSWORD)
    )
    return [(u, lead_pages) for u in leads] + [(u, technician_pages) for u in technicians]


def run_load(base: str, crowd, seconds: float, report: tuple | None) -> dict:
    """Each person requests their pages in turn until the time is up; `report`, when given,
    is one more (client, [report page]) asking over and over. Latencies by page, in ms."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def walk(client: httpx.Client, pages: list[str]) -> None:
        turn = 0
        while time.monotonic() < stop:
            page = pages[turn % len(pages)]
            turn += 1
            began = time.perf_counter()
            try:
                status = client.get(page).status_code
            except httpx.HTTPError:
                status = 0
            took = (time.perf_counter() - began) * 1000
            with lock:
                # 202: a report the worker is preparing, the page's right and quick answer.
                if status in (200, 202):
                    timings[page].append(took)
                else:
                    errors[page] += 1

    threads = [threading.Thread(target=walk, args=(client, pages)) for client, pages in crowd]
    if report:
        threads.append(threading.Thread(target=walk, args=report))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings": timings, "errors": errors, "seconds": seconds}


def show(title: str, result: dict, report: str | None) -> None:
    timings, seconds = result["timings"], result["seconds"]
    others = [t for page, ts in timings.items() if page != report for t in ts]
    rate = len(others) / seconds
    p95 = statistics.quantiles(others, n=20)[-1] if len(others) >= 20 else float("nan")
    print(f"\n{title}")
    print(f"{'page':<34}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'errors':>8}")
    for page in sorted(set(timings) | set(result["errors"])):
        ts = timings.get(page, [])
        median = statistics.median(ts) if ts else float("nan")
        page_p95 = statistics.quantiles(ts, n=20)[-1] if len(ts) >= 20 else float("nan")
        print(f"{page:<34}{len(ts):>9}{median:>11.0f}{page_p95:>9.0f}{result['errors'][page]:>8}")
    verdict = "met" if rate >= TARGET_RATE and p95 < TARGET_P95_MS else "NOT met"
    print(
        f"pages other than the report: {rate:.1f} req/s, p95 {p95:.0f} ms "
        f"(target >= {TARGET_RATE} req/s, p95 < {TARGET_P95_MS} ms: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    data.add_arguments(parser, sizes=[100_000])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--users 1-{MAX_USERS} and --seconds 1-{MAX_SECONDS}")
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(data_set.describe())
        from django.urls import reverse

        # The quarter before the data's today: short enough to be computed in the request
        # (longer ranges go to the worker), so each ask holds a web worker for its length.
        last_day = data_set.today - timedelta(days=1)
        first_day = data.months_back(last_day.replace(day=1), 2)
        report = f"{reverse('insights:profitability')}?start={first_day}&end={last_day}"
        crowd_plan = people(args.users)
        port = free_port()
        server = start_server(database_url(data_set), port, args.workers)
        base = f"http://{HOST}:{port}"
        try:
            crowd = [(sign_in(base, username), pages) for username, pages in crowd_plan]
            reporter = (sign_in(base, REPORT_VIEWER), [report])
            print(
                f"{len(crowd)} people, {args.seconds:.0f} s each run, "
                f"{args.workers} server workers on {os.cpu_count()} cores"
            )
            show("Pages only", run_load(base, crowd, args.seconds, None), None)
            show(
                f"With one person asking for {report} again and again",
                run_load(base, crowd, args.seconds, reporter),
                report,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
