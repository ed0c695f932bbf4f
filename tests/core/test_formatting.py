from datetime import timedelta

import pytest

from daybook.core.formatting import duration_text


@pytest.mark.parametrize(
    ("value", "options", "text"),
    [
        (0, {}, "0 min"),
        (25, {}, "25 min"),
        (65, {}, "1 h 05 min"),
        (120, {}, "2 h 00 min"),
        (timedelta(minutes=89, seconds=31), {}, "1 h 30 min"),  # rounded to the minute
        (125, {"compact": True}, "2 h 5 min"),
        (120, {"compact": True}, "2 h"),
        (44.6, {"compact": True}, "45 min"),
        (timedelta(days=4, hours=2, minutes=10), {"days": True}, "4 d 2 h"),
        (timedelta(hours=23, minutes=59), {"days": True}, "23 h 59 min"),
        (timedelta(days=4, hours=2), {}, "98 h 00 min"),  # without days, hours keep counting
        (timedelta(minutes=-3), {}, "-3 min"),  # saved a moment before the end it states
        (timedelta(hours=-1, minutes=-5), {}, "-1 h 05 min"),
    ],
)
def test_duration_text(value, options, text):
    assert duration_text(value, **options) == text
