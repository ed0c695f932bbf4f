"""Filter fields shared by every app's FilterSets (used by pages and the API alike)."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField

from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window

MALFORMED_TIME = "Give a date and time in ISO 8601 with its offset, e.g. 2025-03-10T09:00:00-05:00."
NAIVE_TIME = (
    "This time has no zone or offset, so it is ambiguous; add one, e.g. 2025-03-10T09:00:00-05:00."
)


class AwareIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with an offset, on a date in the accepted window (core/time.py); a time
    without an offset is refused instead of read as UTC."""

    default_error_messages = {
        "invalid": MALFORMED_TIME,
        "naive": NAIVE_TIME,
        "date_window": DATE_WINDOW_MESSAGE,
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
            if parsed is not None and timezone.is_naive(parsed):
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
            # Before the field converts it to the current zone, which overflows at the ends.
            if parsed is not None and not in_date_window(parsed):
                raise forms.ValidationError(self.error_messages["date_window"], code="date_window")
        return super().to_python(value)


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeField
