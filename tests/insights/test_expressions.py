"""The duration helper gives the same seconds on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from daybook.core.expressions import Seconds, sum_seconds, sum_seconds_times, to_hours
from daybook.timekeeping.models import TimeEntry
from tests.factories import TimeEntryFactory

START = datetime(2025, 3, 9, 5, 30, tzinfo=UTC)  # spans the New York DST change (07:00 UTC)


def test_seconds_per_row_and_summed(tech):
    spans = [
        timedelta(hours=1, minutes=30),
        timedelta(minutes=20),
        timedelta(hours=3, seconds=1),
        timedelta(seconds=0.5),  # timers stop at any microsecond
    ]
    for i, span in enumerate(spans):
        start = START + timedelta(days=i)
        TimeEntryFactory(member=tech, start=start, end=start + span, bill_rate=Decimal("150.00"))
    rows = TimeEntry.objects.annotate(s=Seconds()).order_by("start").values_list("s", flat=True)
    assert [Decimal(str(s)) for s in rows] == [
        Decimal("5400"),
        Decimal("1200"),
        Decimal("10801"),
        Decimal("0.5"),
    ]
    totals = TimeEntry.objects.aggregate(s=sum_seconds(), money=sum_seconds_times("bill_rate"))
    # 5,400 + 1,200 + 10,801 + 0.5 seconds
    assert to_hours(totals["s"]) == Decimal("17401.5") / 3600
    # x 150.00 / 3,600 = 725.0625
    assert (Decimal(str(totals["money"])) / 3600).quantize(Decimal("0.0001")) == Decimal("725.0625")


def test_entry_across_dst_change_counts_real_hours(tech):
    # 01:00-04:00 New York on 9 March 2025 is two real hours (02:00 does not exist).
    start = datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    TimeEntryFactory(member=tech, start=start, end=start + timedelta(hours=2))
    assert to_hours(TimeEntry.objects.aggregate(s=sum_seconds())["s"]) == Decimal(2)
