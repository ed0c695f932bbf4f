"""The admin's entry form shows and reads start and end in the member's own zone, as the
entry list does, whatever zone the server or the person editing is in."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_log
from tests.admin_support import form_data
from tests.factories import MemberFactory, TicketFactory, UserFactory, WorkTypeFactory

ADD_URL = reverse("admin:timekeeping_timeentry_add")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(datetime(2025, 3, 20, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def berliner(team):
    return MemberFactory(
        user=UserFactory(username="bert", first_name="Bert"), team=team, time_zone="Europe/Berlin"
    )


@pytest.fixture
def ticket(db):
    return TicketFactory()


def change_url(entry: TimeEntry) -> str:
    return reverse("admin:timekeeping_timeentry_change", args=[entry.pk])


def test_the_change_form_shows_and_saves_the_members_wall_clock(client, admin, tech, ticket):
    # 14:00-15:00 UTC is 10:00-11:00 in New York (daylight time since 9 March).
    entry = entry_log(
        member=tech,
        start=datetime(2025, 3, 14, 14, tzinfo=UTC),
        end=datetime(2025, 3, 14, 15, tzinfo=UTC),
        ticket=ticket,
        work_type=WorkTypeFactory(),
        notes="Swapped the toner.",
        by=tech,
    )
    client.force_login(admin.user)

    page = client.get(change_url(entry))
    data = form_data(page, "timeentry")
    assert (data["start_1"], data["end_1"]) == (["10:00:00"], ["11:00:00"])
    assert "America/New_York" in page.content.decode()

    data.update({"start_1": "09:30:00", "_save": "Save"})
    assert client.post(change_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert entry.start == datetime(2025, 3, 14, 13, 30, tzinfo=UTC)
    assert entry.end == datetime(2025, 3, 14, 15, tzinfo=UTC)


def test_adding_for_a_member_in_another_zone_reads_the_times_in_theirs(
    client, admin, berliner, ticket
):
    client.force_login(admin.user)
    body = {
        "member": berliner.pk,
        "start_0": "2025-03-14",
        "start_1": "09:00:00",
        "end_0": "2025-03-14",
        "end_1": "10:00:00",
        "ticket": ticket.pk,
        "phase": "",
        "work_type": WorkTypeFactory().pk,
        "work_role": "",
        "billable": "",
        "notes": "Checked the backups.",
        "internal_notes": "",
        "_save": "Save",
    }

    assert client.post(ADD_URL, body).status_code == 302
    entry = TimeEntry.objects.get(member=berliner)
    # 09:00 in Berlin (UTC+1 in March, before its own change to summer time).
    assert entry.start == datetime(2025, 3, 14, 8, tzinfo=UTC)


def test_a_time_the_clocks_skip_in_the_members_zone_is_refused(client, admin, tech, ticket):
    client.force_login(admin.user)
    body = {
        "member": tech.pk,
        "start_0": "2025-03-09",
        "start_1": "02:30:00",  # New York went from 02:00 straight to 03:00
        "end_0": "2025-03-09",
        "end_1": "03:30:00",
        "ticket": ticket.pk,
        "phase": "",
        "work_type": WorkTypeFactory().pk,
        "work_role": "",
        "billable": "",
        "notes": "Night shift.",
        "internal_notes": "",
        "_save": "Save",
    }

    response = client.post(ADD_URL, body)

    assert response.status_code == 200
    assert "America/New_York" in str(response.context["adminform"].form.errors)
    assert not TimeEntry.objects.exists()
