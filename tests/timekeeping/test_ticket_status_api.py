"""One door, one rule for timers: moving a ticket to In Progress through the API starts the
member's timer exactly as the ticket page's button does, with the same refusals."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.people.models import Member
from daybook.service.choices import TicketStatus
from daybook.service.models import TicketStatusChange
from daybook.timekeeping.models import Timer
from daybook.timekeeping.services import timer_busy_message, work_start
from tests.factories import TicketFactory, UserFactory, WorkTypeFactory
from tests.zones import CHICAGO

# Monday 10 March 2025, the first working day after the US clocks went forward.
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(db):
    board_type = WorkTypeFactory(name="Remote Support")
    return TicketFactory(summary="VPN drops", opened_at=NOW, work_type=board_type)


@pytest.fixture
def api(tech):
    client = APIClient()
    client.force_login(tech.user)
    return client


@pytest.fixture
def web(client, tech):
    client.force_login(tech.user)
    return client


def move(api, ticket, status):
    return api.post(f"/api/tickets/{ticket.pk}/status/", {"status": status}, format="json")


def test_in_progress_through_the_api_starts_my_timer(api, tech, ticket):
    response = move(api, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    timer = Timer.objects.get(member=tech)
    assert (timer.ticket, timer.started_at) == (ticket, NOW)


def test_the_api_and_the_page_leave_the_same_trace(api, web, tech, ticket):
    other = TicketFactory(summary="Printer jam", opened_at=NOW)
    move(api, ticket, TicketStatus.IN_PROGRESS)
    through_api = (Timer.objects.get(member=tech).ticket_id, ticket.status_changes.count())
    Timer.objects.all().delete()
    web.post(reverse("tickets:ticket_status", args=[other.pk]), {"status": "in_progress"})
    through_web = (Timer.objects.get(member=tech).ticket_id, other.status_changes.count())
    assert (through_api[1], through_web[1]) == (1, 1)
    assert (through_api[0], through_web[0]) == (ticket.pk, other.pk)


def test_a_timer_running_elsewhere_is_refused_with_the_pages_words(api, web, tech, ticket):
    busy = TicketFactory(summary="Mail not syncing", opened_at=NOW)
    running = work_start(member=tech, ticket=busy, at=NOW)
    expected = timer_busy_message(running)
    # 09:30 in Chicago, told on Tess's own clock: she works in New York, an hour ahead.
    assert f"#{busy.pk} Mail not syncing since 10:30" in expected
    response = move(api, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 409
    assert response.json() == {"timer": [expected]}
    page = web.post(reverse("tickets:ticket_status", args=[ticket.pk]), {"status": "in_progress"})
    assert page.status_code == 409
    assert expected in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert not TicketStatusChange.objects.filter(ticket=ticket).exists()
    assert Timer.objects.get(member=tech).ticket == busy


def test_a_timer_already_on_this_ticket_keeps_running(api, tech, ticket):
    work_start(member=tech, ticket=ticket, at=NOW)
    move(api, ticket, TicketStatus.WAITING_CLIENT)
    assert Timer.objects.get(member=tech).ticket == ticket
    response = move(api, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert Timer.objects.filter(member=tech).count() == 1


def test_a_closed_ticket_is_refused_the_same_way_at_both_doors(api, web, tech, ticket):
    move(api, ticket, TicketStatus.CLOSED)
    response = move(api, ticket, TicketStatus.IN_PROGRESS)
    assert response.status_code == 400
    [said] = response.json()["status"]
    assert said == (
        f"A ticket cannot go from Closed to In Progress. #{ticket.pk} is closed, and a "
        "closed ticket stays closed."
    )
    page = web.post(
        reverse("tickets:ticket_status", args=[ticket.pk]), {"status": "in_progress"}, follow=True
    )
    assert said in page.content.decode()
    assert not Timer.objects.exists()


def test_other_statuses_just_move_the_ticket(api, tech, ticket):
    response = move(api, ticket, TicketStatus.NEEDS_SCHEDULING)
    assert response.status_code == 200
    assert response.json()["status"] == "needs_scheduling"
    assert not Timer.objects.exists()


def test_the_api_needs_the_right_to_change_tickets(ticket, db):
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = APIClient()
    client.force_login(outsider.user)
    assert move(client, ticket, TicketStatus.IN_PROGRESS).status_code == 403
    assert move(APIClient(), ticket, TicketStatus.IN_PROGRESS).status_code in {401, 403}
    assert not Timer.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
