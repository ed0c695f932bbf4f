"""Benchmark: finding a ticket by what one remembers of it, and the admin's lists, at the
size of a whole MSP's history (the large size holds about a million tickets).

- The entry form's ticket suggestions (what a technician types to log time): a word found in
  few summaries, one found in many, a word of a company's name with one of a summary, a
  ticket number.
- The admin, signed in as a superuser: the lists of time entries, tickets and boards, a
  search of the tickets, the ticket picker of the entry form (its autocomplete) and the form
  of a member's notification setting.

Each is timed through Django's test client or the selector itself, in process, after one
warm-up; the median of `--runs` and the queries of one call are printed next to the target.

    python bench/search_bench.py --sizes 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/search_bench.py --sizes 3300000
"""

import argparse
import statistics
import time
from collections.abc import Callable

import data

SEARCH_TARGET_MS = 300
PAGE_TARGET_MS = 1000


def timed(call: Callable[[], object], runs: int) -> tuple[float, int]:
    """Median milliseconds of `runs` calls after a warm-up, and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    return statistics.median(times), len(queries)


def searches() -> dict[str, Callable[[], object]]:
    from daybook.clients.models import Company
    from daybook.service.models import Ticket
    from daybook.timekeeping.ticket_search import ticket_suggestions

    company = Company.objects.order_by("pk").first()
    ticket = Ticket.objects.order_by("-pk").first()
    company_word = max(company.name.split(), key=len)
    return {
        'suggestions, a rare word ("bounces")': lambda: list(ticket_suggestions("bounces")),
        'suggestions, a common word ("printer")': lambda: list(ticket_suggestions("printer")),
        f'suggestions, company and summary ("{company_word} backup")': lambda: list(
            ticket_suggestions(f"{company_word} backup")
        ),
        "suggestions, a ticket number": lambda: list(ticket_suggestions(f"#{ticket.pk}")),
    }


def admin_pages() -> dict[str, str]:
    ticket_picker = "app_label=timekeeping&model_name=timeentry&field_name=ticket"
    return {
        "admin: time entries": "/admin/timekeeping/timeentry/",
        "admin: tickets": "/admin/service/ticket/",
        'admin: tickets, search "printer"': "/admin/service/ticket/?q=printer",
        "admin: boards": "/admin/service/board/",
        'admin: ticket picker, "print"': f"/admin/autocomplete/?{ticket_picker}&term=print",
        "admin: new notification setting": "/admin/review/notificationsetting/add/",
    }


def verdict(ms: float, target: int) -> str:
    return f"(target < {target} ms: {'met' if ms < target else 'NOT met'})"


def run(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from daybook.service.models import Ticket

    print(f"{Ticket.objects.count():,} tickets; median of {runs} runs")
    for name, call in searches().items():
        ms, queries = timed(call, runs)
        print(f"  {name:<52} {ms:8.1f} ms {queries:4d} queries  {verdict(ms, SEARCH_TARGET_MS)}")
    superuser = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    # localhost is an allowed host in development settings; the default "testserver" isn't.
    client = Client(SERVER_NAME="localhost")
    client.force_login(superuser)
    for name, url in admin_pages().items():

        def page(url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        ms, queries = timed(page, runs)
        print(f"  {name:<52} {ms:8.1f} ms {queries:4d} queries  {verdict(ms, PAGE_TARGET_MS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    data.add_arguments(parser)
    parser.add_argument("--runs", type=int, default=5, help="runs of each; the median (5)")
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(f"\n{data_set.describe()}")
        run(args.runs)


if __name__ == "__main__":
    main()
