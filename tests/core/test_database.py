"""PostgreSQL sessions run without JIT compilation, a block may ask for its GROUP BYs to hash,
and a query may be sent ahead of the work that waits for it (core.database)."""

from datetime import UTC, datetime

import psycopg
import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import DataError, connection, connections, transaction
from django.db.models import Count, F
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from daybook.core.database import grouped_by_hashing, row_ahead
from daybook.people.models import Member
from daybook.timekeeping.models import TimeEntry
from tests.factories import TimeEntryFactory


def _enable_sort() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_sort")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_new_postgresql_session_has_jit_off():
    session = connections.create_connection("default")
    try:
        with session.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
    finally:
        session.close()


@pytest.mark.postgres
@pytest.mark.django_db
def test_grouping_hashes_inside_the_block_and_the_setting_comes_back_after_it():
    grouped = Member.objects.order_by().values("time_zone", "team_id").annotate(n=Count("pk"))
    with transaction.atomic():  # inside another transaction the setting must end with the block
        with grouped_by_hashing():
            assert _enable_sort() == "off"
            assert "HashAggregate" in grouped.explain()
        assert _enable_sort() == "on"


def _fail_inside_the_block() -> None:
    with grouped_by_hashing():
        assert _enable_sort() == "off"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the database's own error aborts its work


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_error_inside_the_block_leaves_the_setting_as_it_was():
    with pytest.raises(DataError), transaction.atomic():
        _fail_inside_the_block()
    assert _enable_sort() == "on"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_block_makes_its_own():
    # In autocommit a transaction-local setting would vanish with its own statement.
    with grouped_by_hashing():
        assert _enable_sort() == "off"
    assert _enable_sort() == "on"


@pytest.mark.django_db
def test_a_row_sent_ahead_is_the_orm_s_row_read_in_the_same_transaction(tech):
    """Read inside the test's transaction, so it sees the member made just now; and logged
    like any other query."""
    members = Member.objects.filter(pk=tech.pk).values_list("pk", "time_zone")
    with CaptureQueriesContext(connection) as captured, row_ahead(members) as read:
        row = read()
    assert row == (tech.pk, tech.time_zone) == members.get()
    assert len(captured) == 1


@pytest.mark.django_db
def test_a_row_sent_ahead_and_never_read_leaves_the_connection_as_it_was(tech):
    with row_ahead(Member.objects.values_list("pk")):
        pass
    assert Member.objects.get().pk == tech.pk


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_row_sent_ahead_brings_timestamp_arrays_to_the_microsecond(tech):
    """The row comes in the binary format: an array of timestamps comes back as aware
    datetimes, to the microsecond, across the night the clocks change."""
    starts = [datetime(2025, 3, 9, 6, 59, 59, 999_999, UTC), datetime(2025, 3, 9, 7, tzinfo=UTC)]
    for start in starts:
        TimeEntryFactory(member=tech, start=start, end=start.replace(hour=9))
    read = (
        TimeEntry.objects.filter(member=tech)
        .values(one=F("member_id"))
        .annotate(starts=ArrayAgg("start", order_by="start"))
        .values_list("starts")
    )
    with row_ahead(read) as row:
        (got,) = row()
    assert got == starts


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_failing_query_sent_ahead_raises_django_s_error_and_nothing_else_breaks(
    tech,
):
    failing = Member.objects.annotate(boom=RawSQL("1 / 0", [])).values_list("boom")
    with pytest.raises(DataError), transaction.atomic(), row_ahead(failing) as read:
        read()
    assert Member.objects.values_list("pk", flat=True).get() == tech.pk


@pytest.mark.postgres
@pytest.mark.django_db
def test_without_pipeline_mode_a_row_sent_ahead_is_read_all_the_same(tech, monkeypatch):
    """An older libpq (before 14) has no pipeline mode, and psycopg refuses to enter it; the
    query then simply runs."""

    def refused(connection):
        raise psycopg.NotSupportedError("pipeline mode not supported")

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    monkeypatch.setattr(psycopg.Connection, "pipeline", refused)
    with row_ahead(Member.objects.values_list("pk")) as read:
        assert read() == (tech.pk,)
