"""Reviewers deciding about a team's day at the same moment: marking every clean day while
follow-ups go out. Each request gets an answer of its own (done, or refused in a sentence),
never a 500, and the days end in states that agree with what was answered."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from daybook.people.choices import Role
from daybook.review.choices import ReviewState
from daybook.review.models import DayReview, FollowUp
from tests.factories import MemberFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    return client


def run_together(calls) -> list:
    """Run every call on its own thread, all released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_mark_all_clean_and_follow_ups_at_once_answer_every_request(
    team, lead, ticket, after_review_opens
):
    # Two reviewers of one team, both also members of it: every request locks some of the
    # same member rows, and each follow-up points at its reviewer's row as well.
    second = MemberFactory(
        user=UserFactory(username="rae", first_name="Rae"), team=team, role=Role.MANAGER
    )
    team.reviewers.add(second)
    clean, asked = [], []
    for index in range(2 * ROUNDS):
        member = MemberFactory(
            user=UserFactory(username=f"m{index}", first_name=f"M{index}"), team=team
        )
        if index % 2:
            # 12:00-13:00 is an hour-long gap: the day needs a look, so a follow-up goes out.
            log_entry(member, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Work")
            log_entry(member, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Work")
            asked.append(member)
        else:
            log_entry(member, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Work")
            clean.append(member)
    all_clean = reverse("review:mark_all_clean", kwargs={"day": FRIDAY})
    follow_ups = reverse("follow-up-list")
    reviewers = [signed_in(lead), signed_in(second)]

    def mark_all(client: Client):
        return lambda: client.post(all_clean).status_code

    def follow_up(client: Client, member):
        body = {
            "member": member.pk,
            "date": FRIDAY.isoformat(),
            "subject": "The hour after noon",
            "body": "Could you help me place the hour after noon? Which ticket was it?",
        }
        return lambda: client.post(follow_ups, body, content_type="application/json").status_code

    statuses: Counter = Counter()
    for round_ in range(ROUNDS):
        calls = [mark_all(reviewers[0]), mark_all(reviewers[1])]
        calls += [follow_up(reviewers[round_ % 2], asked[round_])]
        calls += [follow_up(reviewers[(round_ + 1) % 2], asked[(round_ + 1) % ROUNDS])]
        statuses.update(run_together(calls))

    assert not [code for code in statuses if code >= 500], statuses
    # mark-all-clean always lands on the daily review; follow-ups are sent, or refused in a
    # sentence when the day was already followed up by the other reviewer.
    assert set(statuses) <= {302, 201, 400}, statuses
    assert statuses[302] == 2 * ROUNDS
    states = dict(DayReview.objects.values_list("member_id", "state"))
    for member in clean:
        assert states[member.pk] == ReviewState.CLEAN
    for member in asked:
        assert states[member.pk] == ReviewState.FOLLOWED_UP
        assert FollowUp.objects.filter(member=member, date=FRIDAY).exists()
    assert FollowUp.objects.count() == statuses[201]
