"""What every PostgreSQL session of Daybook runs with."""

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
