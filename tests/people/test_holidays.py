"""The holiday calendar (organisation and per team) and members' start and end dates: the
services, the selectors the day engine reads, the admin and the holidays page."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from daybook.people.choices import Role
from daybook.people.models import Holiday, Member
from daybook.people.selectors import holidays_on, with_holidays
from daybook.people.services import holiday_add, holiday_delete, member_create
from tests.admin_support import form_data
from tests.factories import MemberFactory, TeamFactory, UserFactory

# 02:30 UTC on Tuesday 11 March 2025 is still Monday 10 March in New York (UTC-4 since the
# clocks went forward on the 9th) and already Tuesday in Berlin.
NOW = datetime(2025, 3, 11, 2, 30, tzinfo=UTC)
GOOD_FRIDAY = date(2025, 4, 18)
URL = reverse("people:holidays")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# --- members' start and end dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "today"),
    [("America/New_York", date(2025, 3, 10)), ("Europe/Berlin", date(2025, 3, 11))],
)
def test_a_new_member_starts_today_in_their_own_zone(db, zone, today):
    member = member_create(username="newbie", time_zone=zone)
    assert member.start_date == today
    assert member.end_date is None


def test_a_start_date_can_be_given(db):
    member = member_create(username="joined", start_date=date(2024, 9, 2))
    assert member.start_date == date(2024, 9, 2)
    assert member.works_on(date(2024, 9, 2))
    assert not member.works_on(date(2024, 9, 1))


def test_nobody_leaves_before_they_start(db):
    with pytest.raises(ValidationError, match="cannot leave before their start date"):
        member_create(username="brief", start_date=date(2025, 3, 3), end_date=date(2025, 3, 2))
    assert not Member.objects.filter(user__username="brief").exists()


def test_the_database_keeps_end_after_start(tech):
    tech.end_date = date(2019, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        tech.save()


def test_a_member_works_from_start_to_end_date_inclusive(tech):
    tech.start_date, tech.end_date = date(2025, 1, 6), date(2025, 3, 7)
    assert [tech.works_on(d) for d in (date(2025, 1, 5), date(2025, 1, 6))] == [False, True]
    assert [tech.works_on(d) for d in (date(2025, 3, 7), date(2025, 3, 8))] == [True, False]


def test_the_admin_fills_an_empty_start_date_with_today_in_the_members_zone(client, admin):
    client.force_login(admin.user)
    user = UserFactory(username="sam")
    data = {
        "user": user.pk,
        "team": "",
        "time_zone": "Europe/Berlin",
        "expected_hours_per_day": "8",
        "cost_rate": "40",
        "default_work_role": "",
        "start_date": "",
        "end_date": "",
        "schedule-TOTAL_FORMS": "0",
        "schedule-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:people_member_add"), data)
    assert response.status_code == 302
    assert Member.objects.get(user=user).start_date == date(2025, 3, 11)


# --- holidays: services ------------------------------------------------------------------------


def test_an_administrator_adds_organisation_and_team_holidays(admin, team, other_team):
    everyone = holiday_add(day=GOOD_FRIDAY, name=" Good Friday ", team=None, by=admin)
    theirs = holiday_add(day=date(2025, 4, 21), name="Easter Monday", team=other_team, by=admin)
    assert (everyone.name, everyone.team) == ("Good Friday", None)
    assert theirs.team == other_team
    assert str(theirs) == "Easter Monday (2025-04-21, Projects)"


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "finance"])
def test_only_administrators_keep_the_calendar(request, admin, who):
    member = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=member)
    holiday = holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    with pytest.raises(PermissionDenied):
        holiday_delete(holiday=holiday, by=member)
    assert Holiday.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "Give the holiday a name"), ("x" * 101, "100 characters or fewer")],
)
def test_a_holiday_needs_a_short_name(admin, name, message):
    with pytest.raises(ValidationError, match=message):
        holiday_add(day=GOOD_FRIDAY, name=name, team=None, by=admin)
    assert not Holiday.objects.exists()


def test_one_holiday_per_team_and_date(admin, team, other_team):
    holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    holiday_add(day=GOOD_FRIDAY, name="Karfreitag", team=team, by=admin)
    with pytest.raises(ValidationError, match="organisation already has a holiday"):
        holiday_add(day=GOOD_FRIDAY, name="Again", team=None, by=admin)
    with pytest.raises(ValidationError, match="Service Desk already has a holiday"):
        holiday_add(day=GOOD_FRIDAY, name="Again", team=team, by=admin)
    holiday_add(day=GOOD_FRIDAY, name="Karfreitag", team=other_team, by=admin)
    assert Holiday.objects.count() == 3


def test_the_database_refuses_a_second_organisation_holiday_on_a_date(db):
    Holiday.objects.create(date=GOOD_FRIDAY, name="Good Friday")
    with pytest.raises(IntegrityError), transaction.atomic():
        Holiday.objects.create(date=GOOD_FRIDAY, name="Twice")


# --- holidays: what the day engine reads ---------------------------------------------------------


def test_holidays_on_a_date_by_team(admin, team, other_team):
    lonely = TeamFactory(name="Night shift")
    holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    holiday_add(day=GOOD_FRIDAY, name="Karfreitag", team=other_team, by=admin)
    holiday_add(day=date(2025, 4, 21), name="Easter Monday", team=other_team, by=admin)
    found = holidays_on(day=GOOD_FRIDAY, team_ids=[team.pk, other_team.pk, lonely.pk, None])
    assert found == {
        None: "Good Friday",
        team.pk: "Good Friday",
        lonely.pk: "Good Friday",
        other_team.pk: "Karfreitag",  # the team's own name for the day
    }
    only_theirs = holidays_on(day=date(2025, 4, 21), team_ids=[team.pk, other_team.pk, None])
    assert only_theirs == {other_team.pk: "Easter Monday"}


def test_members_come_with_their_holiday_in_one_query(
    admin, tech, other_team_tech, django_assert_num_queries
):
    loner = MemberFactory(user=UserFactory(username="lone"), team=None)
    holiday_add(day=date(2025, 4, 21), name="Easter Monday", team=other_team_tech.team, by=admin)
    holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    members = Member.objects.filter(pk__in=[tech.pk, other_team_tech.pk, loner.pk]).order_by("pk")
    with django_assert_num_queries(1):
        easter = with_holidays(members, date(2025, 4, 21))
    assert [(m.holiday_name, m.holiday_day) for m in easter] == [
        (None, date(2025, 4, 21)),
        ("Easter Monday", date(2025, 4, 21)),
        (None, date(2025, 4, 21)),
    ]
    assert {m.holiday_name for m in with_holidays(members, GOOD_FRIDAY)} == {"Good Friday"}


# --- the holidays page ------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client, db):
    for response in (client.get(URL), client.post(URL, {"date": "2025-04-18", "name": "x"})):
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert not Holiday.objects.exists()


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "finance"])
def test_the_page_is_for_administrators_only(client, request, admin, who):
    holiday = holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"date": "2025-12-25", "name": "Christmas"}).status_code == 403
    delete = reverse("people:holiday_delete", args=[holiday.pk])
    assert client.post(delete).status_code == 403
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Good Friday"]


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


def test_an_administrator_lists_and_adds_holidays(admin_client, admin, other_team):
    holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    holiday_add(day=date(2024, 1, 1), name="Long ago", team=None, by=admin)
    page = admin_client.get(URL).content.decode()
    assert "Good Friday" in page
    assert "Long ago" not in page  # only the recent past and what is ahead
    response = admin_client.post(
        URL, {"date": "2025-04-21", "name": "Easter Monday", "team": other_team.pk}
    )
    assert response.status_code == 302
    added = Holiday.objects.get(name="Easter Monday")
    assert (added.date, added.team) == (date(2025, 4, 21), other_team)
    shown = admin_client.get(response["Location"]).content.decode()
    assert "Added Easter Monday on Mon 21 Apr 2025" in shown
    assert "Projects" in shown


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "", "name": "Nameless"}, "Pick the date of the holiday."),
        ({"date": "18/04/2025", "name": "Good Friday"}, "Give the date as YYYY-MM-DD."),
        ({"date": "2025-04-18", "name": ""}, "Give the holiday a name"),
        ({"date": "2025-04-18", "name": "Good Friday", "team": "999"}, "Pick one of the teams"),
        ({"date": "2025-12-25", "name": "Christmas again"}, "already has a holiday"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(admin_client, admin, data, message):
    holiday_add(day=date(2025, 12, 25), name="Christmas", team=None, by=admin)
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Christmas"]


def test_an_administrator_removes_a_holiday(admin_client, admin):
    holiday = holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    response = admin_client.post(reverse("people:holiday_delete", args=[holiday.pk]))
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert admin_client.post(reverse("people:holiday_delete", args=[holiday.pk])).status_code == 404


def test_removing_needs_a_post(admin_client, admin):
    holiday = holiday_add(day=GOOD_FRIDAY, name="Good Friday", team=None, by=admin)
    response = admin_client.get(reverse("people:holiday_delete", args=[holiday.pk]))
    assert response.status_code == 405
    assert Holiday.objects.exists()


# --- the admin --------------------------------------------------------------------------------


def test_holidays_in_the_admin(admin_client, team):
    Holiday.objects.create(date=GOOD_FRIDAY, name="Good Friday")
    Holiday.objects.create(date=GOOD_FRIDAY, name="Karfreitag", team=team)
    page = admin_client.get(reverse("admin:people_holiday_changelist")).content.decode()
    assert "Karfreitag" in page
    assert "Everyone" in page
    add = reverse("admin:people_holiday_add")
    data = form_data(admin_client.get(add), "holiday")
    assert "csrfmiddlewaretoken" in data
    data.update({"date": "2025-04-18", "name": "Duplicate", "team": ""})
    response = admin_client.post(add, data)
    assert response.status_code == 200
    assert "The organisation already has a holiday on that date." in response.content.decode()
    assert Holiday.objects.count() == 2


def test_a_technician_has_no_holiday_admin(client, db):
    member = MemberFactory(role=Role.TECHNICIAN)
    client.force_login(member.user)
    assert client.get(reverse("admin:people_holiday_changelist")).status_code == 302
