"""Members, their schedules and teams, set up from the admin."""

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from daybook.people.models import Member
from tests.factories import UserFactory

ADD_URL = reverse("admin:people_member_add")


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin.user)
    return client


def member_data(user, *blocks) -> dict:
    data = {
        "user": user.pk,
        "team": "",
        "time_zone": "Europe/Berlin",
        "expected_hours_per_day": "7.50",
        "cost_rate": "45.00",
        "default_work_role": "",
        "schedule-TOTAL_FORMS": str(len(blocks)),
        "schedule-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    for i, (weekday, start, end) in enumerate(blocks):
        data |= {
            f"schedule-{i}-weekday": weekday,
            f"schedule-{i}-start": start,
            f"schedule-{i}-end": end,
        }
    return data


def test_a_member_with_a_split_shift_is_added_for_an_existing_login(signed_in):
    user = UserFactory(username="sam")

    response = signed_in.post(
        ADD_URL, member_data(user, (0, "08:00", "12:00"), (0, "16:00", "20:00"))
    )

    assert response.status_code == 302
    member = Member.objects.get(user=user)
    assert member.expected_hours_per_day == Decimal("7.50")
    assert [(b.weekday, b.start, b.end) for b in member.schedule.all()] == [
        (0, time(8), time(12)),
        (0, time(16), time(20)),
    ]


def test_overlapping_windows_on_one_day_are_refused(signed_in):
    user = UserFactory(username="sam")

    response = signed_in.post(
        ADD_URL, member_data(user, (2, "08:00", "12:00"), (2, "11:00", "15:00"))
    )

    assert response.status_code == 200
    assert "overlap" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not Member.objects.filter(user=user).exists()


def test_an_unknown_time_zone_is_refused(signed_in):
    user = UserFactory(username="sam")
    data = member_data(user) | {"time_zone": "Mars/Olympus"}

    response = signed_in.post(ADD_URL, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"]


def test_teams_list_their_size_and_reviewers(signed_in, tech, lead):
    response = signed_in.get(reverse("admin:people_team_changelist"))

    team = response.context["cl"].result_list[0]
    assert team.member_count == 2
    assert "Lena" in response.content.decode()
