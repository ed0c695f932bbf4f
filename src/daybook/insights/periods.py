"""Which period a report opens on, the presets of the period picker, and whether a period is
still running.

A report opens on the last complete period, so that on the 1st of a month it shows the month
that just ended rather than a day with nothing in it yet.
"""

from datetime import date, timedelta

from daybook.core.periods import Period, month_period, quarter_period

LAST_MONTH = "last-month"
THIS_MONTH = "this-month"
LAST_QUARTER = "last-quarter"
LAST_12_MONTHS = "last-12-months"
CUSTOM = "custom"
PRESETS = (
    (LAST_MONTH, "Last month"),
    (THIS_MONTH, "This month so far"),
    (LAST_QUARTER, "Last quarter"),
    (LAST_12_MONTHS, "Last 12 months"),
    (CUSTOM, "Custom dates"),
)


def _month_before(day: date) -> Period:
    previous = day.replace(day=1) - timedelta(days=1)
    return month_period(previous.year, previous.month)


def default_period(today: date) -> Period:
    """The period a report opens on: the last complete calendar month before ``today``."""
    return _month_before(today)


def preset_period(preset: str, today: date) -> Period:
    """The dates a preset of the period picker stands for, seen from ``today``."""
    if preset == THIS_MONTH:
        return Period(today.replace(day=1), today)
    if preset == LAST_QUARTER:
        quarter = (today.month - 1) // 3  # 0-3: this quarter's index, so the last one is it
        year = today.year if quarter else today.year - 1
        return quarter_period(year, quarter or 4)
    if preset == LAST_12_MONTHS:
        last = _month_before(today)
        year, month = last.start.year, last.start.month
        first = date(year, 1, 1) if month == 12 else date(year - 1, month + 1, 1)
        return Period(first, last.end)
    return default_period(today)


def matching_preset(period: Period, today: date) -> str:
    """The preset whose dates are exactly these, else CUSTOM: what the picker shows."""
    for preset, _ in PRESETS[:-1]:
        if preset_period(preset, today) == period:
            return preset
    return CUSTOM


def partial_until(period: Period, today: date) -> date | None:
    """``today`` when the period has not ended yet (its figures are still growing), else
    None. A period wholly in the future is partial too: nothing in it has happened."""
    return today if period.end >= today else None


def last_complete_weeks(today: date, weeks: int) -> date:
    """The Monday starting ``weeks`` whole weeks (Monday to Sunday) that end before the week
    ``today`` is in."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(weeks=weeks)
