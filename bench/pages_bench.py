"""Benchmark: every page of the web interface whose address takes no argument, opened by each
of the demo's roles, at the size of a whole MSP's history.

A page that reads a table whole shows up here before a user meets it: the dispatch board read
every one of a million tickets on SQLite, and the entry form wrote a thousand project phases
one template at a time. Each page is opened through Django's test client, in process, once to
warm up and then `--runs` times; the median is printed for the slowest pages of each role,
then every page over the target, whoever opened it.

    python bench/pages_bench.py --sizes 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/daybook_bench \\
        python bench/pages_bench.py --sizes 3300000

Not opened: the admin (search_bench.py times its heavy lists), the API, the account pages
(signing out, two-factor set-up) and addresses with arguments (a ticket, a member's day).
"""

import argparse
import logging
import statistics
import time

import data

ROLES = ("tech", "dispatcher", "manager", "finance", "admin")
# Any page, at the large size: a person waits for it.
PAGE_TARGET_MS = 300
SKIPPED = ("admin/", "api/", "accounts/", "static/", "__")


def page_addresses() -> list[str]:
    """Every route of the site without arguments, as an address."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    routes = {
        route
        for route in walk(get_resolver().url_patterns)
        if not any(mark in route for mark in "<(^$") and not route.startswith(SKIPPED)
    }
    return sorted("/" + route for route in routes)


def opened(client, url: str) -> tuple[int, int]:
    """Status and size of the page, read to its end (exports stream)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, len(body)


def run(runs: int, slowest: int) -> None:
    from django.test import Client

    from daybook.people.models import Member

    # Refusals are expected here (each role opens every page); their log lines are not news.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    addresses = page_addresses()
    print(f"{len(addresses)} pages for each of {', '.join(ROLES)}; median of {runs} runs")
    over = []
    for role in ROLES:
        member = Member.objects.select_related("user").get(user__username=role)
        # localhost is an allowed host in development settings; the default "testserver" isn't.
        client = Client(SERVER_NAME="localhost")
        client.force_login(member.user)
        timings, refused = [], 0
        for url in addresses:
            status, _ = opened(client, url)
            if status != 200:
                refused += 1  # not this role's page, or a form that answers POST only
                continue
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                _, size = opened(client, url)
                times.append((time.perf_counter() - began) * 1000)
            timings.append((statistics.median(times), url, size))
        timings.sort(reverse=True)
        print(f"  {role}: {len(timings)} pages opened, {refused} refused or not a page")
        for ms, url, size in timings[:slowest]:
            print(f"    {url:<44} {ms:8.1f} ms {size / 1024:7.0f} KB")
        over += [(ms, role, url) for ms, url, _ in timings if ms >= PAGE_TARGET_MS]
    print(f"  pages over {PAGE_TARGET_MS} ms: {len(over)}")
    for ms, role, url in sorted(over, reverse=True):
        print(f"    {url:<44} {ms:8.1f} ms  as {role}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    data.add_arguments(parser)
    parser.add_argument("--runs", type=int, default=3, help="runs of each page; the median (3)")
    parser.add_argument("--slowest", type=int, default=5, help="pages shown for each role (5)")
    args = parser.parse_args()
    for size in args.sizes:
        data_set = data.data_set(size, seed=args.seed, fresh=args.fresh)
        print(f"\n{data_set.describe()}")
        run(args.runs, args.slowest)


if __name__ == "__main__":
    main()
