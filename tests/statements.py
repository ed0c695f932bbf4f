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


def plans_of(sent: list[tuple[str, tuple]], *, table: str = "") -> list[str]:
    """SQLite's plan for each statement, its steps joined by " / ", with statistics taken
    first (ANALYZE), as the demo loader leaves them. `table`: only the steps that name it."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for sql, params in sent:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            found.append(" / ".join(row[-1] for row in cursor.fetchall() if table in row[-1]))
    return found
