"""/api/follow-ups/: the same services and guardrails as the review page."""

import pytest
from rest_framework.test import APIClient

from daybook.review.choices import FollowUpState
from daybook.review.models import FollowUp

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

URL = "/api/follow-ups/"
FRIENDLY = "Could you help me place the hour after noon? Which ticket was it?"


def client_for(member=None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.force_authenticate(member.user)
    return client


@pytest.fixture
def tess(tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Server")
    return tech


def ask(tess, **extra):
    return {
        "member": tess.pk,
        "date": "2025-03-14",
        "subject": "About Friday",
        "body": FRIENDLY,
        "gap_start": at(FRIDAY, 12).isoformat(),
        "gap_end": at(FRIDAY, 13).isoformat(),
        **extra,
    }


def test_reviewer_sends_and_both_sides_see_it(lead, tess, other_team_tech, after_review_opens):
    response = client_for(lead).post(URL, ask(tess), format="json")
    assert response.status_code == 201, response.json()
    sent = response.json()
    assert (sent["member"], sent["state"], sent["gap_start"]) == (
        tess.pk,
        "open",
        "2025-03-14T16:00:00Z",  # the API speaks UTC
    )
    assert [f["id"] for f in client_for(tess).get(URL).json()["results"]] == [sent["id"]]
    assert [f["id"] for f in client_for(lead).get(URL).json()["results"]] == [sent["id"]]
    assert client_for(other_team_tech).get(URL).json()["results"] == []
    assert client_for(other_team_tech).get(f"{URL}{sent['id']}/").status_code == 404


def test_the_tone_check_answers_400_until_confirmed(lead, tess, after_review_opens):
    harsh = ask(tess, body="Where were you at noon? Explain yourself.")
    response = client_for(lead).post(URL, harsh, format="json")
    assert response.status_code == 400
    assert any("may read as blame" in m for m in response.json()["body"])
    assert not FollowUp.objects.exists()
    response = client_for(lead).post(URL, {**harsh, "tone_confirmed": True}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"gap_start": "2025-03-14T12:00:00"}, "gap_start", "no zone or offset"),
        ({"gap_end": None}, "non_field_errors", "both gap_start and gap_end"),
        ({"member": 9999}, "member", "no member with id 9999"),
        ({"date": "14/03/2025"}, "date", "Date has wrong format"),
        ({"finding": "lazy"}, "finding", "not a valid choice"),
        ({"subject": ""}, "subject", "may not be blank"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_sent(
    lead, tess, after_review_opens, change, field, message
):
    response = client_for(lead).post(URL, ask(tess, **change), format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("who", ["tech", "dispatcher", "other_manager"])
def test_only_the_members_reviewers_may_send(who, request, tess, after_review_opens):
    response = client_for(request.getfixturevalue(who)).post(URL, ask(tess), format="json")
    assert response.status_code == 403
    assert not FollowUp.objects.exists()


def test_anonymous_requests_are_refused(tess):
    assert client_for().get(URL).status_code in {401, 403}
    assert client_for().post(URL, ask(tess), format="json").status_code in {401, 403}


def test_only_the_member_answers(lead, tess, other_team_tech, after_review_opens):
    sent = client_for(lead).post(URL, ask(tess), format="json").json()
    reply_url = f"{URL}{sent['id']}/reply/"
    assert client_for(lead).post(reply_url, {"reply": "x"}, format="json").status_code == 403
    assert client_for(other_team_tech).post(reply_url, {"reply": "x"}).status_code == 404
    assert client_for(tess).post(reply_url, {"reply": ""}, format="json").status_code == 400
    response = client_for(tess).post(reply_url, {"reply": "Client lunch"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["reply"]) == ("answered", "Client lunch")
    assert FollowUp.objects.get().state == FollowUpState.ANSWERED
