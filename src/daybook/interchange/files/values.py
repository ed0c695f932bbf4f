"""Reading one cell: dates, times, hours, yes/no and billable options, as spreadsheets and
PSA exports write them. Each reader returns the value or raises CellProblem with a sentence
saying what was expected."""

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from daybook.catalogue.choices import BillableOption
from daybook.core.csv import FORMULA_STARTS
from daybook.core.time import in_date_window


class CellProblem(ValueError):
    """A cell that cannot be read; the message says what was expected."""


DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M%p")
TRUE = {"yes", "y", "true", "1", "x", "on"}
FALSE = {"no", "n", "false", "0", "", "off"}


@functools.lru_cache(maxsize=4096)
def _first_format(raw: str, formats: tuple[str, ...]) -> datetime | None:
    """`raw` read by the first of `formats` that fits, else None. Files repeat the same dates
    and times row after row, and a failed strptime is slow: each string is tried once."""
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt)  # noqa: DTZ007 - wall clock, zoned by the caller
        except ValueError:
            continue
    return None


def text(value: Any) -> str:
    """A cell as text. The quote Daybook's exports put before a cell that a spreadsheet would
    run as a formula (core/csv.py) is taken off again, so an export reads back as it was."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    value = str(value).strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def shown(value: Any) -> str:
    """A cell as a message quotes it."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return text(value)


def _checked(moment: datetime) -> datetime:
    if not in_date_window(moment.date()):
        raise CellProblem("Dates must fall between 1970 and 2100.")
    return moment


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone`. A time the clocks skip (spring forward) is refused; a
    time they repeat (fall back) is read as the first of the two."""
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise CellProblem(
            f"{naive:%Y-%m-%d %H:%M} doesn't exist in {zone.key}: the clocks skip that hour."
        )
    return aware


def read_datetime(value: Any) -> datetime:
    """A date and time, aware when the cell gives an offset, otherwise naive (wall clock)."""
    if isinstance(value, datetime):
        return _checked(value)
    if isinstance(value, date):
        raise CellProblem("Give a time of day as well as the date.")
    raw = text(value)
    if not raw:
        raise CellProblem("This cell is empty; give a date and time.")
    try:
        return _checked(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        pass
    moment = _first_format(raw, DATETIME_FORMATS)
    if moment is not None:
        return _checked(moment)
    raise CellProblem(
        "Not a date and time Daybook can read. Write it like 2025-03-14 09:30 (or "
        "2025-03-14T09:30:00-04:00, or 03/14/2025 9:30 AM)."
    )


def read_date(value: Any) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if not in_date_window(value):
            raise CellProblem("Dates must fall between 1970 and 2100.")
        return value
    moment = _first_format(text(value), DATE_FORMATS)
    if moment is not None:
        if not in_date_window(moment.date()):
            raise CellProblem("Dates must fall between 1970 and 2100.")
        return moment.date()
    raise CellProblem("Not a date Daybook can read. Write it like 2025-03-14 (or 03/14/2025).")


def read_time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    moment = _first_format(text(value).upper(), TIME_FORMATS)
    if moment is not None:
        return moment.time()
    raise CellProblem("Not a time of day Daybook can read. Write it like 09:30 or 9:30 AM.")


def read_hours(value: Any) -> Decimal:
    """Hours as a number (1.5) or hours and minutes (1:30)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        hours = Decimal(str(value))
    else:
        raw = text(value)
        match = re.fullmatch(r"(\d+):([0-5]\d)", raw)
        try:
            hours = (
                Decimal(match[1]) + Decimal(match[2]) / 60
                if match
                else Decimal(raw.replace(",", "."))
            )
        except InvalidOperation as error:
            raise CellProblem("Not a number of hours. Write it like 1.5 or 1:30.") from error
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise CellProblem("Hours must be more than 0 and at most 24.")
    return hours


def hours_span(start: datetime, hours: Decimal) -> datetime:
    return start + timedelta(seconds=round(hours * 3600))


def read_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).casefold()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise CellProblem("Write yes or no.")


BILLABLE_WORDS = {
    "billable": BillableOption.BILLABLE,
    "b": BillableOption.BILLABLE,
    "donotbill": BillableOption.DO_NOT_BILL,
    "nb": BillableOption.DO_NOT_BILL,
    "nonbillable": BillableOption.DO_NOT_BILL,
    "nocharge": BillableOption.NO_CHARGE,
    "nc": BillableOption.NO_CHARGE,
    # ConnectWise's "no default": leave it to the work type and agreement.
    "nodefault": None,
    "": None,
}


def read_billable(value: Any) -> str | None:
    """A billable option by its name in Daybook or ConnectWise (Billable, Do Not Bill, No
    Charge; DoNotBill, NoCharge, NoDefault; B, NB, NC). None: the usual default."""
    key = re.sub(r"[\s_-]", "", text(value).casefold())
    if key not in BILLABLE_WORDS:
        raise CellProblem("Write Billable, Do Not Bill or No Charge.")
    return BILLABLE_WORDS[key]
