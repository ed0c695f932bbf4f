"""Test-run rules for the whole repository.

DAYBOOK_ENV=test (tasks run inline, no worker needed) comes from [tool.pytest_env] in
pyproject.toml: settings are read before pytest loads any conftest, so it can't be set here.
"""

import os

import hypothesis
import pytest
from django.conf import settings
from django.db import connection

# Property and API fuzz tests draw the same examples on every run, so a run fails or passes
# the same way each time; bench/schemathesis_bench.py explores at random, at length.
hypothesis.settings.register_profile("daybook", derandomize=True)
hypothesis.settings.load_profile("daybook")

# The `queue` fixture (tests/worker.py), for tests that check what waits for the worker.
pytest_plugins = ["tests.worker"]


def pytest_configure(config: pytest.Config) -> None:
    if settings.ENVIRONMENT != "test":
        raise pytest.UsageError(
            "Tests need DAYBOOK_ENV=test; it is set by pytest-env (requirements/dev.txt). "
            "Run `make venv` to install it."
        )


REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = []
    if connection.vendor != "postgresql":
        skips.append(("postgres", pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")))
    if any(item.get_closest_marker("redis") for item in items) and not redis_reachable():
        reason = f"needs Redis at {REDIS_TEST_URL} (TEST_REDIS_URL)"
        skips.append(("redis", pytest.mark.skip(reason=reason)))
    for item in items:
        for marker, skip in skips:
            if item.get_closest_marker(marker):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """With DAYBOOK_TEST_DB_SUFFIX set (scripts/test-matrix sets it), the PostgreSQL test
    database gets a name of its own, so test runs sharing one server don't collide."""
    suffix = os.environ.get("DAYBOOK_TEST_DB_SUFFIX")
    if not suffix:
        return
    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.postgresql":
            test = db.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{suffix}"
