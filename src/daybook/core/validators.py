from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


def validate_time_zone(value: str) -> None:
    """Accept only IANA zone names (Europe/Berlin), never abbreviations or offsets."""
    if value not in available_timezones():
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
