"""URL converters every app's routes use."""

from datetime import date


class IsoDateConverter:
    """`<isodate:day>`: a calendar date written 2025-03-14."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value: date) -> str:
        return value.isoformat()
