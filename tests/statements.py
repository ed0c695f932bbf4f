"""What a piece of code sends to the database, with its parameters, for tests that ask the
database how it would run each statement (EXPLAIN)."""

from collections.abc import Callable

from django.db import connection


def statements_sent(run: Callable[[], object]) -> list[tuple[str, tuple]]:
    """Each statement `run` sends, with its parameters, in order."""
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        run()
    return sent
