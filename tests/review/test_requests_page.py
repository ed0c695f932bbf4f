"""Requests, the member's list of open questions: paged on the server, latest day first unless
the member asks for the earliest first, and never refused for an order it does not offer."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from daybook.review import views
from daybook.review.models import FollowUp


@pytest.fixture
def asked_about_three_days(tech, lead):
    first = date(2025, 3, 10)
    for n in range(3):
        FollowUp.objects.create(
            member=tech,
            date=first + timedelta(days=n),
            sent_by=lead,
            subject=f"About day {n + 1}",
            body="Where did this time go?",
        )


def subjects(response) -> list[str]:
    return re.findall(r'<h2 class="h6 mb-0">(About day \d)</h2>', response.content.decode())


def requests_page(member, **query):
    client = Client()
    client.force_login(member.user)
    return client.get(reverse("review:requests"), query)


def test_the_second_page_of_requests_shows_the_rest(tech, asked_about_three_days, monkeypatch):
    monkeypatch.setattr(views, "REQUESTS_PAGE_SIZE", 2)
    assert subjects(requests_page(tech)) == ["About day 3", "About day 2"]
    second = requests_page(tech, page=2)
    assert subjects(second) == ["About day 1"]
    assert "3\N{EN DASH}3 of 3" in second.content.decode()


def test_requests_can_be_read_earliest_day_first(tech, asked_about_three_days):
    earliest_first = subjects(requests_page(tech, sort="day"))
    assert earliest_first == ["About day 1", "About day 2", "About day 3"]


@pytest.mark.parametrize("sort", ["created_at", "-state", "bogus"])
def test_an_unknown_order_gives_the_latest_day_first(tech, asked_about_three_days, sort):
    response = requests_page(tech, sort=sort)
    assert response.status_code == 200
    assert subjects(response) == ["About day 3", "About day 2", "About day 1"]


def test_nobody_pages_into_someone_elses_requests(other_team_tech, asked_about_three_days):
    assert subjects(requests_page(other_team_tech, page=2)) == []
