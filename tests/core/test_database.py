"""PostgreSQL sessions run without JIT compilation, and a block may ask for its GROUP BYs to
hash (core.database)."""

import pytest
from django.db import DataError, connection, connections, transaction
from django.db.models import Count

from daybook.core.database import grouped_by_hashing
from daybook.people.models import Member


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
