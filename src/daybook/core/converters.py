"""URL converters every app's routes use."""

from datetime import date

from daybook.core.time import in_date_window


class IsoDateConverter:
    """`<isodate:day>`: a calendar date written 2025-03-14, inside the accepted window
    (core/time.py). A date that does not exist, or lies outside the window, matches no route,
    so the address is a 404 rather than a page that cannot count its days."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        day = date.fromisoformat(value)  # ValueError for 2025-02-30: no match
        if not in_date_window(day):
            raise ValueError(f"{value} is outside the dates Daybook accepts.")
        return day

    def to_url(self, value: date) -> str:
        return value.isoformat()
