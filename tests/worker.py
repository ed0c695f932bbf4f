"""The background worker's queue for tests that check what waits in it.

Tests run Huey in immediate mode (tasks run inline). The `queue` fixture gives it a real,
in-memory queue instead: tasks wait until the test runs them with `run_queued`."""

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage


@pytest.fixture
def queue(monkeypatch):
    """Huey with a queue. Out of immediate mode Huey closes the database connection around
    each task, as a worker should; here that connection holds the test's transaction, so it
    stays open."""
    monkeypatch.setattr("huey.contrib.djhuey.close_old_connections", lambda: None)
    HUEY.immediate_use_memory = False
    HUEY.immediate = False
    HUEY.storage = MemoryStorage(HUEY.name)
    yield HUEY
    HUEY.immediate = True
    HUEY.immediate_use_memory = True
    HUEY.storage = MemoryStorage(HUEY.name)


def run_queued(huey) -> int:
    """Run every task waiting in the queue; how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran
