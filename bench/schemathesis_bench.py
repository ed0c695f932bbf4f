"""Benchmark: a long schemathesis run against the whole API, as every role.

The same machinery as tests/api/test_schemathesis.py (tests/api/fuzz.py: the schema the app
serves, one API token per role, the checks for server errors, undocumented status codes and
answers that do not match the schema), with many more examples per operation and a longer
stateful phase. It runs in a fresh test database of its own (in memory on SQLite; on
PostgreSQL, one named for this run on the server in DATABASE_URL, dropped at the end), so it
needs none of bench/data.py's data sets.

    python bench/schemathesis_bench.py                      # 25 examples, every role
    python bench/schemathesis_bench.py --examples 100 --roles Technician Finance
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/schemathesis_bench.py

Prints, per role and in total, the operations tried, the requests sent by status, the
failures (each with its first example) and the time taken; exits 1 when anything failed.
`--sizes` is accepted and ignored, so `make bench BENCH_ARGS="--sizes ..."` runs it too.
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")
# As under pytest: background tasks run inline, so a run needs no worker.
os.environ.setdefault("DAYBOOK_ENV", "test")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="per operation and mode")
    parser.add_argument("--scenarios", type=int, default=20, help="stateful scenarios per role")
    parser.add_argument("--steps", type=int, default=15, help="calls per stateful scenario")
    parser.add_argument("--roles", nargs="+", help="roles to run as (default: all five)")
    parser.add_argument("--sizes", nargs="*", help=argparse.SUPPRESS)  # for make bench
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment
    from tests.api import fuzz

    roles = [r for r in fuzz.ROLES if not args.roles or r.value in args.roles]
    if not roles:
        print(f"No such role; choose from {', '.join(r.value for r in fuzz.ROLES)}.")
        return 2
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_fuzz{os.getpid()}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(
        f"Schemathesis on {connection.vendor}: {args.examples} examples per operation and mode, "
        f"{args.scenarios} stateful scenarios of {args.steps} calls, as {len(roles)} roles"
    )
    # Every follow-up's email would be printed.
    quiet = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Logins made for the run need no strong password hashing.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    total = fuzz.Tally()
    try:
        with quiet, fuzz.connection_kept():
            world = fuzz.build_world()
            tokens = fuzz.Tokens()
            schema = fuzz.load_schema(tokens, world.members[roles[0]])
            # Every refused request would be logged. Set now: loading the WSGI app (above)
            # configures logging again.
            for name in ("django.request", "huey", "axes"):
                logging.getLogger(name).setLevel(logging.ERROR)
            for role in roles:
                tally = fuzz.Tally()
                started = time.perf_counter()
                fuzz.run_stateless(
                    schema,
                    world=world,
                    tokens=tokens,
                    tally=tally,
                    examples=args.examples,
                    roles=[role],
                )
                fuzz.run_stateful(
                    schema,
                    world=world,
                    role=role,
                    tokens=tokens,
                    tally=tally,
                    scenarios=args.scenarios,
                    steps=args.steps,
                )
                print(
                    f"{role.value:<11} {tally.summary()} in {time.perf_counter() - started:.0f} s"
                )
                total.operations |= tally.operations
                total.statuses += tally.statuses
                total.failures.update(tally.failures)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"{'Total':<11} {total.report()}")
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
