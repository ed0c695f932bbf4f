"""Each entry's length in seconds (``duration_seconds``) is worked out by the database from its
start and end, whichever door wrote the row, and every report sums it: here it is checked
against hand-computed lengths across a DST change and midnight, after edits through the
service and a bulk update, and for entries written in a batch (an import)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import F

from daybook.clients.choices import AgreementType
from daybook.timekeeping.batch import EntryRow, entries_log_many
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_edit, entry_log
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def work(db):
    ticket = TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))
    return {"ticket": ticket, "work_type": WorkTypeFactory(name="Remote Support")}


def ny(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, tzinfo=NEW_YORK)


def stored(*entries: TimeEntry) -> list[float]:
    lengths = dict(TimeEntry.objects.values_list("pk", "duration_seconds"))
    return [lengths[entry.pk] for entry in entries]


def test_the_stored_length_is_real_time_across_a_dst_change_and_midnight(tech, work):
    # New York springs forward at 02:00 on March 9th: 01:30 to 03:30 on the clock is one hour.
    spring = entry_log(member=tech, start=ny(9, 1, 30), end=ny(9, 3, 30), notes="Patched.", **work)
    overnight = entry_log(
        member=tech, start=ny(12, 23, 30), end=ny(13, 1, 15), notes="Migrated.", **work
    )
    odd = entry_log(
        member=tech, start=ny(13, 9, 0, 15), end=ny(13, 9, 45, 45), notes="Called.", **work
    )

    assert stored(spring, overnight, odd) == [3600.0, 6300.0, 2730.0]


def test_the_stored_length_follows_every_change_of_the_span(tech, work):
    entry = entry_log(member=tech, start=ny(10, 9), end=ny(10, 10), notes="Patched.", **work)

    entry_edit(entry=entry, by=tech, end=ny(10, 11, 30))
    assert stored(entry) == [9000.0]

    # A bulk update (as the admin's actions and the period tools write) never goes through
    # save(): the database still works the length out again.
    TimeEntry.objects.filter(pk=entry.pk).update(start=F("start") + timedelta(minutes=45))
    assert stored(entry) == [6300.0]


def test_entries_written_in_a_batch_have_their_length(tech, work):
    rows = [
        EntryRow(member=tech, start=ny(11, 8), end=ny(11, 8, 20), notes="One.", **work),
        EntryRow(member=tech, start=ny(11, 22), end=ny(12, 2, 5), notes="Two.", **work),
    ]

    saved = entries_log_many(rows, by=tech)

    assert stored(*saved) == [1200.0, 14700.0]
