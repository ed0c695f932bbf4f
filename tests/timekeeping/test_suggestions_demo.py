"""On the demo, a technician's gaps of yesterday and today come with suggestions and reasons
(demo/gap_traces.py writes notes into them)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from daybook.core.time import local_date
from daybook.demo.generator import build_demo
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.suggestions import suggestions_offered

TODAY = date(2025, 11, 20)  # a Thursday
NOW = datetime.combine(TODAY, time(12), tzinfo=UTC)


@pytest.fixture
def demo(db):
    return build_demo(seed=7, today=TODAY, days=7)


def test_every_technicians_gap_comes_with_a_reason(demo):
    assert demo.counts["notes in gaps"] > 0
    gaps, notes = 0, 0
    for member in Member.objects.filter(user__groups__name=Role.TECHNICIAN):
        today = local_date(NOW, member.zone)
        for day in (today - timedelta(days=1), today):
            found = suggestions_offered(member=member, day=day, now=NOW)
            for gap in day_figures(day=day, members=[member], now=NOW)[member.pk].gaps:
                gaps += 1
                reasons = [s.reason for s in found if s.gap == gap and s.source == "activity"]
                assert reasons, f"{member} {gap}"
                assert reasons[0].startswith("You ")
                notes += any("wrote an internal note on #" in r for r in reasons)
    assert gaps > 0
    # The seeded notes are in the reasons (some gaps had status changes in them already).
    assert notes > 0
