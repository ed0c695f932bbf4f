"""Burnout, not productivity: team trends show the share of hours worked past each person's
expected week (per team and week, never per person), and My Day's week view shows members
their own long weeks, to them alone. Hand-computed in New York, week of Monday 10 March 2025;
everyone is scheduled Monday to Friday, 8 hours a day: 40 hours expected."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.people.models import Holiday
from daybook.review.trends import TeamWeek, team_trends
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.my_day import my_week
from tests.factories import MemberFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

MONDAY = FRIDAY - timedelta(days=4)
SATURDAY = FRIDAY + timedelta(days=1)
WEEK = [MONDAY + timedelta(days=i) for i in range(5)]


def long_and_short_week(tech, lead, ticket) -> None:
    """Tess: nine hours each weekday plus an hour on Saturday, 46 h. Lena: six hours each
    weekday, 30 h."""
    for day in WEEK:
        log_entry(tech, at(day, 9), at(day, 18), ticket=ticket)
        log_entry(lead, at(day, 9), at(day, 15), ticket=ticket)
    log_entry(tech, at(SATURDAY, 10), at(SATURDAY, 11), ticket=ticket)


def service_desk(rows: list[TeamWeek]) -> TeamWeek:
    (row,) = [r for r in rows if r.team == "Service Desk" and r.week == MONDAY]
    return row


def test_hours_past_expected_are_summed_person_by_person(tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)

    week = service_desk(team_trends(viewer=lead.user, weeks=1, end=FRIDAY))

    # Tess 46 - 40 = 6 h over; Lena's 10 h short do not cancel them: 6 of 76 h worked.
    assert week.hours_worked == Decimal(76)
    assert week.expected_hours == Decimal(80)
    assert week.hours_over_expected == Decimal(6)
    assert round(week.over_expected_pct, 2) == Decimal("7.89")


def test_holidays_imports_and_start_dates_are_taken_into_account(
    tech, lead, team, other_team, ticket
):
    long_and_short_week(tech, lead, ticket)
    # Friday is a holiday for everyone: 32 h expected each.
    Holiday.objects.create(date=FRIDAY, name="Founders' Day")
    # Another team's holiday changes nothing here.
    Holiday.objects.create(date=MONDAY, name="Other country", team=other_team)
    # Nico joined on Thursday (one working day, Friday being the holiday): 8 h expected, and
    # an imported 10 h day counts as worked.
    nico = MemberFactory(
        user=UserFactory(username="nico", first_name="Nico"), team=team, start_date=WEEK[3]
    )
    log_entry(nico, at(WEEK[3], 8), at(WEEK[3], 18), ticket=ticket, source=EntrySource.IMPORT)

    week = service_desk(team_trends(viewer=lead.user, weeks=1, end=FRIDAY))

    # Tess 46 - 32 = 14, Lena 30 - 32 = 0, Nico 10 - 8 = 2: 16 of 86 h.
    assert week.expected_hours == Decimal(72)
    assert week.hours_worked == Decimal(86)
    assert week.hours_over_expected == Decimal(16)
    assert round(week.over_expected_pct, 2) == Decimal("18.60")


def test_a_week_nobody_worked_has_no_share(tech, lead):
    week = service_desk(team_trends(viewer=lead.user, weeks=1, end=FRIDAY))

    assert (week.hours_worked, week.hours_over_expected) == (Decimal(0), Decimal(0))
    assert week.expected_hours == Decimal(80)
    assert week.over_expected_pct is None


def test_the_trends_page_shows_the_share_and_never_a_name(client, tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)
    client.force_login(lead.user)

    with time_machine.travel(at(MONDAY + timedelta(weeks=1), 12), tick=False):
        page = client.get(reverse("review:trends"), {"weeks": "2"}).content.decode()

    assert "Hours past expected" in page
    assert (
        '7.9 % <span class="small text-body-secondary">(6 h 00 min of 76 h 00 min)</span>' in page
    )
    for member in (tech, lead):
        assert member.user.first_name not in page


# --- My Day's week view: the member's own long weeks ---------------------------------------


def week_page(member, day: date | None = None) -> str:
    client = Client()
    client.force_login(member.user)
    url = (
        reverse("timekeeping:week_of", kwargs={"day": day}) if day else reverse("timekeeping:week")
    )
    return client.get(url).content.decode()


def test_a_member_sees_their_own_long_week(tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)

    with time_machine.travel(at(SATURDAY, 12), tick=False):
        assert my_week(member=tech, day=FRIDAY).is_long
        page = week_page(tech)
        earlier = week_page(tech, MONDAY)

    assert "This week: 46 h logged against 40 h expected." in page
    assert "Only you see this." in page
    assert 'id="long-week"' in earlier


def test_a_past_long_week_is_named_by_its_monday(tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)

    with time_machine.travel(at(MONDAY + timedelta(weeks=2), 12), tick=False):
        page = week_page(tech, FRIDAY)

    assert "The week of 10 March: 46 h logged against 40 h expected." in page


def test_a_week_within_expected_says_nothing(tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)

    with time_machine.travel(at(SATURDAY, 12), tick=False):
        assert not my_week(member=lead, day=FRIDAY).is_long
        page = week_page(lead)

    assert 'id="long-week"' not in page


def test_nobody_else_sees_a_members_long_week(tech, lead, ticket):
    long_and_short_week(tech, lead, ticket)

    with time_machine.travel(at(SATURDAY, 12), tick=False):
        # The reviewer's own week page is their own; Tess's day under review says nothing.
        lead_week = week_page(lead)
        client = Client()
        client.force_login(lead.user)
        day = client.get(
            reverse("review:member_day", kwargs={"member_id": tech.pk, "day": FRIDAY})
        ).content.decode()

    for page in (lead_week, day):
        assert "46 h logged" not in page
        assert 'id="long-week"' not in page
