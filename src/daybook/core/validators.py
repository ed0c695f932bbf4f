from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


@cache
def _known_zones() -> frozenset[str]:
    # Listing the zones walks the tz database on disk (~20 ms); once per process is enough.
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    """Accept only IANA zone names (Europe/Berlin), never abbreviations or offsets."""
    if value not in _known_zones():
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as Europe/Berlin.",
            params={"value": value},
            code="invalid_time_zone",
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "%(value)s is not a known time zone.", params={"value": value}, code="invalid"
        ) from None
