"""Database expressions the reports share.

Durations are summed in the database as seconds in double precision — exact for whole
seconds far beyond any real total (2**53 s), and several times faster than PostgreSQL's
numeric arithmetic over millions of rows — and turned into hours and money in Python with
Decimal, so 90 minutes is exactly 1.5 hours on both engines.
"""

from decimal import Decimal

from django.db.models import F, FloatField, Func, Sum
from django.db.models.expressions import Combinable

SECONDS_PER_HOUR = Decimal(3600)


class Seconds(Func):
    """Seconds from one datetime column to another, as a float, on PostgreSQL and SQLite.

    PostgreSQL subtracts the two into an interval and takes ``date_part('epoch', ...)`` (a
    double). SQLite has no interval type: the difference of two Julian day numbers times
    86,400, rounded to the millisecond so whole-second spans come out whole despite floating
    point.
    """

    output_field = FloatField()

    def __init__(self, start: str | Combinable = "start", end: str | Combinable = "end"):
        start_expr = F(start) if isinstance(start, str) else start
        end_expr = F(end) if isinstance(end, str) else end
        super().__init__(end_expr, start_expr, output_field=FloatField())

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s)) * 86400.0, 3)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def sum_seconds(**filter_kwargs) -> Sum:
    """Sum of entry durations in seconds (the entry's stored ``duration_seconds``),
    optionally only over rows matching ``filter``."""
    return Sum("duration_seconds", output_field=FloatField(), **filter_kwargs)


def sum_seconds_of_times(**filter_kwargs) -> Sum:
    """Sum of entry durations worked out from ``start`` and ``end``, for reads that an index
    holding both answers alone: SQLite (3.40) does not count a generated column such as
    ``duration_seconds`` as held by an index, so reading it sends every row back to the table."""
    return Sum(Seconds(), output_field=FloatField(), **filter_kwargs)


def sum_seconds_times(rate_field: str, **filter_kwargs) -> Sum:
    """Sum of seconds x a rate column (divide by 3,600 for money)."""
    return Sum(F("duration_seconds") * F(rate_field), output_field=FloatField(), **filter_kwargs)


def to_decimal(value: Decimal | float | int | None) -> Decimal:
    """A database sum as a Decimal: floats through their shortest text, so 5400.0 is 5400."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def to_hours(seconds: Decimal | float | int | None) -> Decimal:
    """Seconds from an aggregate to hours, exactly."""
    return to_decimal(seconds) / SECONDS_PER_HOUR


class Epoch(Func):
    """A datetime column as seconds since 1970-01-01 UTC (a float): cheaper to fetch and to
    subtract than datetimes when a report handles many rows."""

    output_field = FloatField()

    def __init__(self, column: str | Combinable):
        super().__init__(F(column) if isinstance(column, str) else column)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date_part('epoch', %(expressions)s)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)",
            **extra_context,
        )


HUNDRED = Decimal(100)


def safe_ratio(numerator: Decimal, denominator: Decimal, scale: Decimal = Decimal(1)):
    if not denominator:
        return None
    return numerator * scale / denominator
