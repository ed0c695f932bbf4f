"""Members (invited by mail), their schedules and teams, set up in the app."""

import re
from datetime import date, time
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from daybook.people.choices import Role
from daybook.people.models import Member, MemberCostRate, ScheduleBlock, Team
from daybook.people.services import member_invite, member_role, team_create
from tests.factories import MemberFactory, TeamFactory, UserFactory

NOW = "2025-03-11T14:00:00Z"  # a Tuesday


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def invite_post(**overrides) -> dict:
    data = {
        "email": "sam@example.test",
        "username": "",
        "first_name": "Sam",
        "last_name": "Rivera",
        "role": Role.TECHNICIAN,
        "team": "",
        "time_zone": "Europe/Berlin",
        "start_date": "2025-03-17",
        "expected_hours_per_day": "7.5",
        "default_work_role": "",
        "cost_rate": "42.50",
        "cost_rate_from": "",
    }
    data.update(overrides)
    return data


def test_admin_invites_a_member_who_sets_a_password_from_the_mail(admin, team, client_for):
    reviewed = TeamFactory(name="Projects")
    response = client_for(admin).post(
        reverse("setup:member_invite"),
        invite_post(team=team.pk, reviewed_teams=[reviewed.pk], role=Role.MANAGER),
    )
    member = Member.objects.get(user__email="sam@example.test")
    assert response.status_code == 302
    assert response.url == reverse("setup:member_schedule", args=[member.pk])
    assert member.user.username == "sam@example.test"
    assert not member.user.has_usable_password()
    assert member.team == team
    assert list(member.reviewed_teams.all()) == [reviewed]
    assert member_role(member) == Role.MANAGER
    assert member.time_zone == "Europe/Berlin"
    assert member.start_date == date(2025, 3, 17)
    assert member.expected_hours_per_day == Decimal("7.5")
    assert member.cost_rate == Decimal("42.50")

    [message] = mail.outbox
    assert message.to == ["sam@example.test"]
    assert "choose a password" in message.subject
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    form_page = browser.get("/" + path, follow=True)
    assert form_page.status_code == 200
    browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long new secret 42", "new_password2": "a long new secret 42"},
    )
    assert Client().login(username="sam@example.test", password="a long new secret 42")


def test_a_cost_rate_can_start_on_a_date(admin):
    member = member_invite(
        by=admin,
        email="kim@example.test",
        first_name="Kim",
        time_zone="UTC",
        cost_rate=Decimal("50"),
        cost_rate_from=date(2025, 4, 1),
    )
    assert MemberCostRate.objects.filter(
        member=member, effective_from=date(2025, 4, 1), rate=Decimal("50")
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": ""}, "Give the email address"),
        ({"email": "not-an-address"}, "name@example.com"),
        ({"email": "taken@example.test"}, "Someone already signs in with taken@example.test"),
        ({"first_name": ""}, "Give the first name"),
        ({"time_zone": "Europe/Atlantis"}, "is not a time zone in the list"),
        ({"time_zone": "EST5EDT "}, "is not a time zone in the list"),
        ({"role": "Overlord"}, "Pick one of the roles"),
        ({"team": "999999"}, "Pick one of the teams"),
        ({"expected_hours_per_day": "25"}, "Expected hours a day run from 0 to 24."),
        ({"cost_rate": "-1"}, "The cost rate cannot be negative."),
        ({"start_date": "next monday"}, "Give the start date as YYYY-MM-DD."),
        ({"username": "taken"}, "already taken"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_saved(admin, client_for, overrides, message):
    UserFactory(username="taken", email="taken@example.test")
    users = get_user_model().objects.count()
    response = client_for(admin).post(reverse("setup:member_invite"), invite_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert get_user_model().objects.count() == users
    assert not mail.outbox


def test_an_invitation_that_cannot_be_mailed_saves_nothing(admin, client_for, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = client_for(admin).post(reverse("setup:member_invite"), invite_post())
    assert response.status_code == 400
    assert "could not be sent to sam@example.test" in response.content.decode()
    assert not Member.objects.filter(user__email="sam@example.test").exists()


def test_the_invitation_can_be_sent_again(admin, client_for):
    member = member_invite(by=admin, email="lee@example.test", first_name="Lee", time_zone="UTC")
    mail.outbox.clear()
    client = client_for(admin)
    page = client.get(reverse("setup:member", args=[member.pk])).content.decode()
    assert "has not chosen a password yet" in page
    response = client.post(reverse("setup:member_resend", args=[member.pk]), follow=True)
    assert "Sent Lee a new invitation." in response.content.decode()
    assert mail.outbox[0].to == ["lee@example.test"]


def test_the_invite_service_checks_permission_itself(finance):
    with pytest.raises(PermissionDenied):
        member_invite(by=finance, email="x@example.test", first_name="X", time_zone="UTC")
    assert not get_user_model().objects.filter(email="x@example.test").exists()


def edit_post(member, **overrides) -> dict:
    data = {
        "email": member.user.email,
        "first_name": member.user.first_name,
        "last_name": member.user.last_name,
        "role": member_role(member),
        "team": member.team_id or "",
        "time_zone": member.time_zone,
        "start_date": member.start_date.isoformat(),
        "end_date": "",
        "expected_hours_per_day": str(member.expected_hours_per_day),
        "default_work_role": member.default_work_role_id or "",
        "cost_rate": str(member.cost_rate),
        "cost_rate_from": "2025-03-11",
    }
    data.update(overrides)
    return data


def test_admin_changes_a_members_role_zone_and_cost_rate_from_a_date(admin, tech, client_for):
    response = client_for(admin).post(
        reverse("setup:member", args=[tech.pk]),
        edit_post(
            tech,
            role=Role.DISPATCHER,
            time_zone="Asia/Tokyo",
            cost_rate="55.00",
            cost_rate_from="2025-03-01",
        ),
    )
    assert response.status_code == 302
    tech.refresh_from_db()
    assert member_role(tech) == Role.DISPATCHER
    assert tech.time_zone == "Asia/Tokyo"
    assert tech.cost_rate == Decimal("55.00")
    rates = dict(tech.cost_rates.values_list("effective_from", "rate"))
    assert rates[date(2025, 3, 1)] == Decimal("55.00")
    assert Decimal("40.00") in rates.values()  # the old rate stays for earlier dates


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2019-01-01"}, "cannot leave before their start date"),
        ({"cost_rate": "60", "cost_rate_from": ""}, "Say from which date the new cost rate"),
        ({"email": "lena@example.test"}, "Someone already signs in with lena@example.test"),
        ({"reviewed_teams": ["999999"]}, "Pick teams from the list."),
    ],
)
def test_bad_member_edits_are_refused_and_nothing_saved(
    admin, tech, lead, client_for, overrides, message
):
    before = (tech.user.email, tech.cost_rate, tech.end_date)
    response = client_for(admin).post(
        reverse("setup:member", args=[tech.pk]), edit_post(tech, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    tech.refresh_from_db()
    tech.user.refresh_from_db()
    assert (tech.user.email, tech.cost_rate, tech.end_date) == before


def test_an_admin_cannot_drop_their_own_admin_role(admin, client_for):
    response = client_for(admin).post(
        reverse("setup:member", args=[admin.pk]), edit_post(admin, role=Role.TECHNICIAN)
    )
    assert response.status_code == 400
    assert "cannot take the Admin role from yourself" in response.content.decode()
    assert member_role(admin) == Role.ADMIN


def test_member_list_shows_role_team_and_schedule(admin, tech, client_for):
    page = client_for(admin).get(reverse("setup:members")).content.decode()
    assert "Tess" in page
    assert "Technician" in page
    assert "5 windows" in page


# --- schedules ---------------------------------------------------------------------------------


def schedule_post(rows: list[tuple[int, str, str]], **extra) -> dict:
    data = {
        "blocks-TOTAL_FORMS": str(len(rows)),
        "blocks-INITIAL_FORMS": "0",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "70",
    }
    for i, (day, start, end) in enumerate(rows):
        data[f"blocks-{i}-weekday"] = str(day)
        data[f"blocks-{i}-start"] = start
        data[f"blocks-{i}-end"] = end
    data.update(extra)
    return data


def windows(member) -> list[tuple[int, time, time]]:
    return [(b.weekday, b.start, b.end) for b in ScheduleBlock.objects.filter(member=member)]


def test_admin_sets_a_split_shift_schedule(admin, tech, client_for):
    url = reverse("setup:member_schedule", args=[tech.pk])
    rows = [(0, "08:00", "12:00"), (0, "16:00", "20:00"), (2, "09:00", "17:00"), (3, "", "")]
    response = client_for(admin).post(url, schedule_post(rows))
    assert response.status_code == 302
    assert windows(tech) == [
        (0, time(8), time(12)),
        (0, time(16), time(20)),
        (2, time(9), time(17)),
    ]


def test_adding_a_window_shows_one_more_empty_slot_and_saves_nothing(admin, tech, client_for):
    url = reverse("setup:member_schedule", args=[tech.pk])
    before = windows(tech)
    response = client_for(admin).post(url, schedule_post([(1, "08:00", "12:00")], add="1"))
    assert response.status_code == 200
    page = response.content.decode()
    grid = page[page.index('id="day-1"') : page.index('id="day-2"')]
    assert grid.count('type="time"') == 4  # the typed window and one empty one, two times each
    assert 'value="08:00"' in grid
    assert windows(tech) == before


def test_a_removed_window_is_left_out(admin, tech, client_for):
    url = reverse("setup:member_schedule", args=[tech.pk])
    data = schedule_post([(0, "09:00", "17:00"), (1, "09:00", "17:00")])
    data["blocks-1-DELETE"] = "on"
    client_for(admin).post(url, data)
    assert windows(tech) == [(0, time(9), time(17))]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0, "08:00", "12:00"), (0, "11:00", "14:00")], "Two windows on Monday overlap at 11:00"),
        ([(4, "17:00", "09:00")], "Friday 17:00-09:00 does not"),
        ([(2, "09:00", "")], "Give both the start and the end"),
        ([(2, "9 o&#x27;clock", "17:00")], "Give the start as HH:MM"),
        ([(9, "09:00", "17:00")], "Pick a day of the week."),
    ],
)
def test_bad_schedules_are_refused_and_nothing_saved(admin, tech, client_for, rows, message):
    before = windows(tech)
    url = reverse("setup:member_schedule", args=[tech.pk])
    response = client_for(admin).post(url, schedule_post(rows))
    assert response.status_code == 400
    assert message.replace("&#x27;", "'") in response.content.decode().replace("&#x27;", "'")
    assert windows(tech) == before


# --- teams -------------------------------------------------------------------------------------


def test_admin_forms_a_team_with_its_reviewer(admin, lead, client_for):
    response = client_for(admin).post(
        reverse("setup:team_new"), {"name": "Field Services", "reviewers": [lead.pk]}
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Field Services")
    assert list(team.reviewers.all()) == [lead]
    page = client_for(admin).get(reverse("setup:teams")).content.decode()
    assert "Field Services" in page
    assert lead.name in page


def test_admin_changes_who_reviews_a_team(admin, lead, tech, team, client_for):
    client_for(admin).post(
        reverse("setup:team", args=[team.pk]), {"name": team.name, "reviewers": [tech.pk]}
    )
    assert list(team.reviewers.all()) == [tech]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the team a name."),
        ({"name": "service desk"}, "already a team called service desk"),
        ({"name": "New", "reviewers": ["999999"]}, "Pick reviewers from the list"),
    ],
)
def test_bad_team_input_is_refused(admin, team, client_for, data, message):
    response = client_for(admin).post(reverse("setup:team_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Team.objects.count() == 1


def test_the_team_service_checks_permission_itself(lead):
    with pytest.raises(PermissionDenied):
        team_create(by=lead, name="Mine")
    assert not Team.objects.filter(name="Mine").exists()


def test_factory_members_are_listed_once(admin, client_for):
    for n in range(3):
        MemberFactory(user=UserFactory(username=f"m{n}"), role=Role.TECHNICIAN)
    page = client_for(admin).get(reverse("setup:members")).content.decode()
    assert len(re.findall(r'id="member-\d+"', page)) == 4


def test_a_flood_of_schedule_rows_is_refused(admin, tech, client_for):
    before = windows(tech)
    rows = [(n % 7, "09:00", "09:30") for n in range(80)]
    response = client_for(admin).post(
        reverse("setup:member_schedule", args=[tech.pk]), schedule_post(rows)
    )
    assert response.status_code == 400
    assert "A week holds at most 70 windows" in response.content.decode()
    assert windows(tech) == before


def test_a_schedule_post_without_its_management_form_is_refused(admin, tech, client_for):
    before = windows(tech)
    response = client_for(admin).post(
        reverse("setup:member_schedule", args=[tech.pk]), {"blocks-0-weekday": "0"}
    )
    assert response.status_code == 400
    assert "arrived incomplete" in response.content.decode()
    assert windows(tech) == before
