"""What every PostgreSQL session of Daybook runs with, and the planner settings a query may
ask for."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver


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
