"""What every PostgreSQL session of Daybook runs with, the planner settings a query may ask
for, and a query sent ahead of the work that waits for its answer."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import QuerySet
from django.dispatch import receiver


class _BinaryCursor(psycopg.Cursor):
    """Results in the binary format, and never a prepared statement: a connection pooler in
    transaction mode may send the next query to another server session."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=False, binary=True)


@receiver(connection_created)
def postgresql_session(sender, connection, **kwargs) -> None:
    """No JIT compilation. PostgreSQL compiles any query its planner costs above
    `jit_above_cost`, which every report over a few weeks of a large MSP passes; compiling
    took longer than it saved (capacity at the large bench size: 82 ms of JIT in a 237 ms
    query). A SET rather than a startup option, which connection poolers may refuse."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")


@contextmanager
def grouped_by_hashing(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """On PostgreSQL, the GROUP BYs run inside this block group their rows by hashing rather
    than by sorting.

    For a grouping key the planner cannot count (a CASE over zones and weeks, pairs of
    columns it takes as independent) it expects nearly a group per row, so it sorts every
    row, wide with the columns the sums read, and spills the sort to disk; the real groups
    are a few hundred, which a hash table holds in memory. Sorting stays possible where
    nothing else can answer, only costed as a last resort. The setting lasts until the end
    of the transaction, so it is put back as it was on the way out. No savepoint of its own:
    an error inside dooms the transaction around it, and its rollback undoes the setting
    with the rest."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    inside_another = connection.in_atomic_block
    with transaction.atomic(using=using, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)"
            )
            (before, _) = cursor.fetchone()
        yield
        if inside_another:  # else the transaction ends here, and the setting with it
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_sort', %s, true)", [before])


@contextmanager
def row_ahead(queryset: QuerySet) -> Iterator[Callable[[], tuple | None]]:
    """Sends a `values_list` queryset's query and hands back what reads its first row, so
    that the caller's own work runs while the database answers. The values come as the
    driver reads them: Django's converters are skipped, so ask only for columns that need
    none.

    On PostgreSQL the query leaves at once, in pipeline mode, and its row comes in the binary
    format: timestamps as their 8 bytes rather than as text, which the server writes out and
    the driver parses more slowly (the range gap query's read of 15,822 of them: about 7 ms
    against 9 to 13 as text). Django's cursors bind parameters on the client, which allows
    only text results, so the query goes through a cursor that binds them on the server, on
    the same connection and in the same transaction, wrapped as Django wraps its own so that
    query logging and execute wrappers see it. A query run inside the block waits for this
    one's answer first. A libpq older than 14 has no pipeline mode: the query then runs at
    once. Elsewhere the query runs when the row is read."""
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    if connection.vendor != "postgresql":

        def read() -> tuple | None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()

        yield read
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    ahead = connection.connection.pipeline() if psycopg.Pipeline.is_supported() else nullcontext()
    with (
        connection.wrap_database_errors,
        ahead,
        wrap(_BinaryCursor(connection.connection)) as cursor,
    ):
        cursor.execute(sql, params)
        yield cursor.fetchone
