"""The demo's bulk loader writes entries past the services, then sums the monthly totals at
the end of the load: they must equal a scan of what it wrote."""

from datetime import date

from daybook.demo.generator import build_demo
from daybook.timekeeping.models import MonthlyTotal
from daybook.timekeeping.totals import monthly_totals_differences

from .test_totals import scan, stored


def test_the_bulk_loader_leaves_totals_equal_to_its_entries(db):
    summary = build_demo(
        seed=11, size="large", members=12, days=21, today=date(2025, 6, 18), batch_size=250
    )
    assert summary.counts["monthly totals"] == MonthlyTotal.objects.count() > 0
    assert stored() == scan()
    assert monthly_totals_differences() == 0
