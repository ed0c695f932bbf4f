"""What every page asks about the member behind it (the review link, open requests, the process
waiting to be read), in one read shared by the navigation and the process check."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daybook.home.selectors import MemberNav, member_nav
from daybook.home.services import process_acknowledge, process_publish
from daybook.review.choices import FollowUpState
from daybook.review.models import FollowUp

pytestmark = pytest.mark.django_db

MY_DAY = reverse("timekeeping:my_day")
REVIEW_LINK = f'href="{reverse("review:daily")}">Review</a>'


def ask(member, state, day=date(2025, 3, 14)) -> FollowUp:
    return FollowUp.objects.create(
        member=member, date=day, subject="About Friday", body="?", state=state
    )


def page_for(member) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(MY_DAY)
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_with_nothing_waiting(tech, django_assert_num_queries):
    with django_assert_num_queries(1):
        facts = member_nav(tech)
    assert facts == MemberNav(reviews_a_team=False, open_requests=0, process_pending=None)


def test_open_and_answered_requests_count_resolved_ones_and_others_do_not(tech, lead):
    ask(tech, FollowUpState.OPEN)
    ask(tech, FollowUpState.ANSWERED, day=date(2025, 3, 13))
    ask(tech, FollowUpState.RESOLVED, day=date(2025, 3, 12))
    ask(lead, FollowUpState.OPEN)
    assert member_nav(tech).open_requests == 2
    assert member_nav(lead).open_requests == 1


def test_only_a_teams_reviewer_reviews_a_team(tech, lead, finance):
    assert member_nav(lead).reviews_a_team
    assert not member_nav(tech).reviews_a_team
    # Finance reviews everyone by permission, not as a team's reviewer.
    assert not member_nav(finance).reviews_a_team


def test_the_process_waits_for_the_latest_version_only(tech, admin):
    process_publish(title="How we log time", text="One.", by=admin)
    assert member_nav(tech).process_pending == 1
    process_acknowledge(member=tech, version_number=1)
    assert member_nav(tech).process_pending is None
    process_publish(title="How we log time", text="Two.", by=admin, based_on=1)
    assert member_nav(tech).process_pending == 2
    assert member_nav(admin).process_pending is None  # its author has read it


def test_the_review_link_shows_to_reviewers_and_to_those_who_see_everyones_time(
    tech, lead, finance
):
    assert REVIEW_LINK not in page_for(tech)
    assert REVIEW_LINK in page_for(lead)
    assert REVIEW_LINK in page_for(finance)


def test_one_read_serves_the_navigation_and_the_process_check(tech, admin):
    process_publish(title="How we log time", text="One.", by=admin)
    process_acknowledge(member=tech, version_number=1)
    client = Client()
    client.force_login(tech.user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(MY_DAY).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    nav = [q for q in sql if "home_processversion" in q or "review_followup" in q]
    assert len(nav) == 1
    assert "people_team_reviewers" in nav[0]
