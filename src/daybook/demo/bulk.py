"""Fast inserts for the demo's millions of rows.

bulk_create spends most of its time preparing every value of every row through its field. The
demo's rows are plain tuples of ints, strings, decimals and aware datetimes, which the database
drivers take as they are, so this writes them with one executemany (SQLite) or COPY
(PostgreSQL). Only datetimes need preparing, and only for SQLite, which stores them as naive
text in the connection's zone, exactly as Django's backend does.

A model with an audit history (django-simple-history) gets its history rows in the same pass:
the "created" record a save through the services leaves, so a bulk-loaded row's first edit
shows what changed, like any other row's.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

Row = Sequence[Any]
# Fields whose values the drivers take unchanged (ints, strings, decimals, None).
AS_IS = (
    models.ForeignKey,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.DecimalField,
)
# What django-simple-history writes for a row saved for the first time, outside a request:
# a "+" record at the time of the save, by nobody, without a reason.
HISTORY_FIELDS = ["history_date", "history_type", "history_user", "history_change_reason"]
CREATED = "+"


class FastInsert:
    """Insert rows (tuples in the order of `fields`) into one model's table.

    Every column the database needs a value for must be listed, so a field added to the model
    later fails here, loudly, rather than in the middle of a load. With `history_date` (the
    name of one of `fields`), each row also gets its history record, dated by that field;
    the rows must then carry their ids, since the record points at its row by id.
    """

    def __init__(
        self, model: type[models.Model], fields: Sequence[str], *, history_date: str | None = None
    ) -> None:
        meta = model._meta
        chosen = [meta.get_field(name) for name in fields]
        required = {
            f.name
            for f in meta.concrete_fields
            if not f.null
            and not f.primary_key
            and not f.generated  # the database writes it
            and f.db_default is models.NOT_PROVIDED
        }
        missing = required - {f.name for f in chosen}
        if missing:
            raise ValueError(f"FastInsert for {meta.label} needs values for {sorted(missing)}.")
        quote = connection.ops.quote_name
        self.model = model
        self.table = quote(meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in chosen)
        self.width = len(chosen)
        self.convert = [
            (index, convert)
            for index, field in enumerate(chosen)
            if (convert := _converter(field)) is not None
        ]
        self.history: FastInsert | None = None
        self.history_date_index = 0
        if history_date is not None:
            self.history, self.history_date_index = _history_insert(model, fields, history_date)

    def insert(self, rows: Sequence[Row]) -> int:
        """Insert the rows (and their history records); returns how many rows."""
        if not rows:
            return 0
        prepared: Sequence[Row] = rows
        if self.convert:
            prepared = []
            for row in rows:
                values = list(row)
                for index, convert in self.convert:
                    values[index] = convert(values[index])
                prepared.append(values)
        with connection.cursor() as cursor:
            self._write(cursor, prepared)
            if self.history is not None:
                # The history table has the same columns, prepared the same way, so the
                # prepared values serve it as they are.
                at = self.history_date_index
                self.history._write(
                    cursor, [(*row, row[at], CREATED, None, None) for row in prepared]
                )
        return len(rows)

    def _write(self, cursor: Any, prepared: Sequence[Row]) -> None:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * self.width)
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, prepared)

    def reset_sequence(self) -> None:
        """After inserting ids we chose, move the id sequence past them (PostgreSQL)."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


def _history_insert(
    model: type[models.Model], fields: Sequence[str], history_date: str
) -> tuple[FastInsert, int]:
    """The inserter for a model's history table, and where the history date sits in a row."""
    history = getattr(model, "history", None)
    if history is None or not hasattr(history, "model"):
        raise ValueError(f"{model._meta.label} keeps no history to write.")
    if model._meta.pk.name not in fields:
        raise ValueError(
            f"History rows for {model._meta.label} need the ids of their rows: "
            f"list {model._meta.pk.name!r} among the fields."
        )
    if history_date not in fields:
        raise ValueError(f"The history date {history_date!r} is not among the fields.")
    return FastInsert(history.model, [*fields, *HISTORY_FIELDS]), list(fields).index(history_date)


def analyze() -> None:
    """Give the query planner statistics for what was just loaded.

    PostgreSQL's autovacuum would get there in its own time; until it does, the planner
    guesses row counts from empty tables and picks plans for them, and index-only scans
    still visit the table for every row (its visibility map is empty until a vacuum). So
    PostgreSQL gets VACUUM ANALYZE, or ANALYZE alone inside a transaction (a dry run), where
    VACUUM cannot run. SQLite keeps no statistics until asked (sqlite_stat1), and then picks
    between indexes by what the tables hold.
    """
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, AS_IS) or field.primary_key:
        return None
    if isinstance(field, models.DateTimeField):
        if connection.vendor != "sqlite":
            return None
        zone = connection.timezone

        def naive_text(value: datetime | None) -> str | None:
            # What DatabaseOperations.adapt_datetimefield_value does, without its per-call
            # settings lookups: aware -> the connection's zone -> naive -> text.
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError(f"{field.name} needs an aware datetime, not {value}.")
            return str(value.astimezone(zone).replace(tzinfo=None))

        return naive_text
    cache: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        if value not in cache:
            cache[value] = field.get_db_prep_save(value, connection)
        return cache[value]

    return prepare
