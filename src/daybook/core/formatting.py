"""Numbers put into words the same way on every page, message and admin list."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal


def duration_text(value: float | timedelta, *, compact: bool = False, days: bool = False) -> str:
    """A length of time in whole minutes, as people read it: "25 min", "1 h 05 min".

    `value` is minutes or a timedelta, rounded to the minute. `compact` is for sentences:
    "1 h 5 min" and "2 h" rather than "2 h 00 min". `days` folds 24 hours and more into days
    and hours ("4 d 2 h"), for spans that can run long, such as a forgotten timer.
    """
    minutes = round(value.total_seconds() / 60 if isinstance(value, timedelta) else value)
    sign = "-" if minutes < 0 else ""
    hours, minutes = divmod(abs(minutes), 60)
    whole_days, hours = divmod(hours, 24) if days else (0, hours)
    if whole_days:
        return f"{sign}{whole_days} d {hours} h"
    if not hours:
        return f"{sign}{minutes} min"
    if compact:
        return f"{sign}{hours} h {minutes} min" if minutes else f"{sign}{hours} h"
    return f"{sign}{hours} h {minutes:02d} min"


def hours_text(value: Decimal | float | None) -> str:
    """Decimal hours as a length of time: 7.4166 → "7 h 25 min". None reads as a dash."""
    if value is None:
        return "—"
    return duration_text(float(value) * 60)


def money_text(value: Decimal | None, symbol: str = "") -> str:
    """An amount with its currency, rounded to the cent once, here: "$ 1,250.00", "-$ 12.50"."""
    if value is None:
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol} {abs(amount):,}".strip() if symbol else f"{amount:,}"


def percent_text(value: Decimal | float | None) -> str:
    """A percentage with one decimal: 79.2857 → "79.3 %". None (nothing to divide by) is a dash."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"
