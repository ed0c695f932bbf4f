"""The one window of dates Daybook accepts (core/time.py) and the URL converter that keeps
addresses inside it."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError

from daybook.core.converters import IsoDateConverter
from daybook.core.time import (
    DATE_WINDOW_MESSAGE,
    EARLIEST_DATE,
    LATEST_DATE,
    in_date_window,
    validate_date_window,
    year_in_window,
)


def test_the_window_is_1970_to_2100():
    assert (date(1970, 1, 1), date(2100, 12, 31)) == (EARLIEST_DATE, LATEST_DATE)
    assert in_date_window(EARLIEST_DATE)
    assert in_date_window(LATEST_DATE)
    assert not in_date_window(EARLIEST_DATE - timedelta(days=1))
    assert not in_date_window(LATEST_DATE + timedelta(days=1))


def test_a_moment_counts_by_its_date_as_written():
    late = timezone(timedelta(hours=-12))
    assert in_date_window(datetime(2100, 12, 31, 23, 59, tzinfo=late))  # 2101 in UTC
    assert not in_date_window(datetime(1969, 12, 31, 23, 59, tzinfo=UTC))


def test_every_day_in_the_window_can_be_moved_a_day_and_to_any_zone():
    for day in (EARLIEST_DATE, LATEST_DATE):
        for hours in (-12, 14):
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone(timedelta(hours=hours)))
            assert (moment + timedelta(days=1)).astimezone(UTC)
            assert (moment - timedelta(days=1)).astimezone(UTC)


def test_the_validator_says_what_to_give():
    validate_date_window(date(2025, 3, 14))
    validate_date_window(None)  # an empty optional field is the field's own business
    with pytest.raises(ValidationError) as refused:
        validate_date_window(date(9999, 12, 31))
    assert refused.value.messages == [DATE_WINDOW_MESSAGE]


def test_years_of_months_and_quarters():
    assert year_in_window(1970)
    assert year_in_window(2100)
    assert not year_in_window(0)
    assert not year_in_window(9999)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1969-12-31", "2101-01-01"])
def test_the_converter_matches_no_date_outside_the_window(value):
    with pytest.raises(ValueError, match="outside"):
        IsoDateConverter().to_python(value)


def test_the_converter_matches_no_date_that_does_not_exist():
    with pytest.raises(ValueError):
        IsoDateConverter().to_python("2025-02-30")


def test_the_converter_reads_and_writes_dates_in_the_window():
    converter = IsoDateConverter()
    assert converter.to_python("1970-01-01") == EARLIEST_DATE
    assert converter.to_python("2100-12-31") == LATEST_DATE
    assert converter.to_url(date(2025, 3, 14)) == "2025-03-14"
