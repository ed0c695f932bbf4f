"""Two requests racing for the same member's time: one wins, the other gets a clear answer."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_log
from tests.factories import TicketFactory, WorkTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_concurrent_overlapping_entries_save_only_one(tech):
    ticket = TicketFactory()
    remote = WorkTypeFactory()
    start = datetime(2025, 3, 14, 14, tzinfo=UTC)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(offset: int) -> None:
        try:
            barrier.wait()
            entry_log(
                member=tech,
                ticket=ticket,
                work_type=remote,
                start=start + timedelta(minutes=offset),
                end=start + timedelta(minutes=60 + offset),
                notes="Racing entry",
            )
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append("refused" if "overlaps" in str(error) else str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i * 5,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "saved"]
    assert TimeEntry.objects.filter(member=tech).count() == 1
