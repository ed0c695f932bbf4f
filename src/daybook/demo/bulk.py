"""Fast inserts for the demo's millions of rows.

bulk_create spends most of its time preparing every value of every row through its field. The
demo's rows are plain tuples of ints, strings, decimals and aware datetimes, which the database
drivers take as they are, so this writes them with one executemany (SQLite) or COPY
(PostgreSQL). Only datetimes need preparing, and only for SQLite, which stores them as naive
text in the connection's zone, exactly as Django's backend does.
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


class FastInsert:
    """Insert rows (tuples in the order of `fields`) into one model's table.

    Every column the database needs a value for must be listed, so a field added to the model
    later fails here, loudly, rather than in the middle of a load.
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        chosen = [meta.get_field(name) for name in fields]
        required = {
            f.name
            for f in meta.concrete_fields
            if not f.null and not f.primary_key and f.db_default is models.NOT_PROVIDED
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

    def insert(self, rows: Sequence[Row]) -> int:
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
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * self.width)
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, prepared)
        return len(rows)

    def reset_sequence(self) -> None:
        """After inserting ids we chose, move the id sequence past them (PostgreSQL)."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


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
