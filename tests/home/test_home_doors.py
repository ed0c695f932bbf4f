"""The home pages keep the trust rule: the whole-site door scan (tests/test_doors.py) run on
the home app's doors alone, so they are checked even while other doors are still being built."""

import pytest
import time_machine

from tests.test_doors import (  # people, planted: the scan's fixtures
    OPEN,
    OTHERS,
    UNDER_WAY,
    _report,
    _scan,
    people,  # noqa: F401
    planted,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def home_door(door) -> bool:
    return door.name == "home" or door.name.startswith("home:")


@pytest.mark.parametrize("role", OTHERS)
def test_no_home_page_shows_anyone_elses_day_before_it_opens(role, people, planted):  # noqa: F811
    with time_machine.travel(UNDER_WAY, tick=False):
        result = _scan(role, people, planted, only=home_door)
    assert not result.unfilled, "\n".join(result.unfilled)
    assert len(result.fetched) >= 4
    assert not result.showing, f"{role} sees the canary through:\n{_report(result)}"


@pytest.mark.parametrize("role", ["another technician", "dispatcher"])
def test_no_home_page_shows_a_day_to_those_who_may_not_see_it(role, people, planted):  # noqa: F811
    with time_machine.travel(OPEN, tick=False):
        result = _scan(role, people, planted, only=home_door)
    assert not result.showing, f"{role} sees the canary through:\n{_report(result)}"


def test_the_member_sees_their_own_day_at_home(people, planted):  # noqa: F811
    """So the scans above are not passing by looking at pages that show nothing."""
    with time_machine.travel(UNDER_WAY, tick=False):
        result = _scan("member", people, planted, only=home_door, until_seen=True)
    assert result.showing
