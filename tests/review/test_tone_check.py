"""The tone check wherever a reviewer writes: POST /api/tone-check/, the composer's live check
as the reviewer types, and the warning (with the quote marked and a curious rewrite) when a
follow-up is sent anyway."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.review.composer import highlighted
from daybook.review.models import FollowUp
from daybook.review.services import MAX_BODY_LENGTH

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

API = "/api/tone-check/"
LIVE = reverse("review:tone_check")
HARSH = "Why is there a gap on your calendar?"
CURIOUS = "Could you help me place the hour after noon? Which ticket was it?"


def api_for(member=None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.force_authenticate(member.user)
    return client


def web_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def tess(tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Server")
    return tech


# --- the API ------------------------------------------------------------------------------------


def test_an_accusing_question_gets_the_quote_why_advice_and_a_curious_rewrite(lead):
    response = api_for(lead).post(API, {"message": HARSH}, format="json")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"warnings", "suggestion"}
    [warning] = data["warnings"]
    assert set(warning) == {"quote", "why", "advice"}
    assert warning["quote"] in HARSH
    assert warning["why"]
    assert warning["advice"]
    assert data["suggestion"]
    assert data["suggestion"] != HARSH


def test_a_curious_message_gets_no_warning(lead):
    response = api_for(lead).post(API, {"message": CURIOUS}, format="json")

    assert response.status_code == 200
    assert response.json() == {"warnings": [], "suggestion": ""}


def test_the_suggestion_itself_reads_as_curious(lead):
    suggestion = api_for(lead).post(API, {"message": HARSH}, format="json").json()["suggestion"]

    again = api_for(lead).post(API, {"message": suggestion}, format="json").json()

    assert again["warnings"] == []


@pytest.mark.parametrize("who", ["finance", "admin", "other_manager"])
def test_everyone_who_may_write_follow_ups_may_check(who, request):
    response = api_for(request.getfixturevalue(who)).post(API, {"message": HARSH}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["tech", "dispatcher", "other_team_tech"])
def test_members_who_review_nobody_are_refused(who, request):
    response = api_for(request.getfixturevalue(who)).post(API, {"message": HARSH}, format="json")

    assert response.status_code == 403
    assert "reviewers" in response.json()["detail"]


def test_anonymous_callers_are_refused(db):
    assert api_for().post(API, {"message": HARSH}, format="json").status_code in {401, 403}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"message": 42}, "Give the message as text."),
        ({"message": ["Why?"]}, "Give the message as text."),
        ({"message": None}, "may not be null"),
        ({"message": "x" * (MAX_BODY_LENGTH + 1)}, f"no more than {MAX_BODY_LENGTH} characters"),
    ],
)
def test_a_missing_non_text_or_overlong_message_is_a_400(lead, body, message):
    response = api_for(lead).post(API, body, format="json")

    assert response.status_code == 400
    assert message in " ".join(response.json()["message"])


def test_only_post_is_offered(lead):
    assert api_for(lead).get(API).status_code == 405


def test_the_schema_describes_the_endpoint(lead):
    schema = api_for(lead).get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/tone-check/"]["post"]
    assert "requestBody" in operation
    result = schema["components"]["schemas"]["ToneResult"]
    assert set(result["properties"]) == {"warnings", "suggestion"}


# --- the follow-ups API keeps the same check ------------------------------------------------


def test_a_follow_up_that_reads_as_blame_comes_back_with_the_tone_findings(
    lead, tess, after_review_opens
):
    ask = {
        "member": tess.pk,
        "date": "2025-03-14",
        "subject": "About Friday",
        "body": HARSH,
        "gap_start": at(FRIDAY, 12).isoformat(),
        "gap_end": at(FRIDAY, 13).isoformat(),
    }
    response = api_for(lead).post("/api/follow-ups/", ask, format="json")

    assert response.status_code == 400
    data = response.json()
    assert any("may read as blame" in m for m in data["body"])
    assert [w["quote"] for w in data["tone"]["warnings"]] == [HARSH]
    assert data["tone"]["suggestion"]
    assert not FollowUp.objects.exists()
    confirmed = api_for(lead).post(
        "/api/follow-ups/", {**ask, "tone_confirmed": True}, format="json"
    )
    assert confirmed.status_code == 201


# --- the composer as the reviewer types ------------------------------------------------------


def test_the_live_check_marks_the_quote_and_offers_the_rewrite(lead):
    response = web_for(lead).post(LIVE, {"subject": "About Friday", "body": HARSH})

    assert response.status_code == 200
    page = response.content.decode()
    assert "may read as blame" in page
    assert f"<mark>{HARSH}</mark>" in page
    assert "Use this wording" in page
    assert "data-use-wording=" in page


def test_the_live_check_stays_quiet_for_curious_words(lead):
    response = web_for(lead).post(LIVE, {"subject": "About Friday", "body": CURIOUS})

    assert response.status_code == 200
    assert "may read as blame" not in response.content.decode()
    assert "<mark>" not in response.content.decode()


def test_the_live_check_refuses_an_overlong_draft(lead):
    response = web_for(lead).post(LIVE, {"body": "x" * (MAX_BODY_LENGTH + 1)})

    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()


@pytest.mark.parametrize("who", ["tech", "dispatcher"])
def test_the_live_check_is_for_reviewers_only(who, request):
    assert web_for(request.getfixturevalue(who)).post(LIVE, {"body": HARSH}).status_code == 403


def test_the_live_check_asks_anonymous_visitors_to_sign_in(db):
    response = Client().post(LIVE, {"body": HARSH})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_live_check_takes_no_get(lead):
    assert web_for(lead).get(LIVE).status_code == 405


def test_the_composer_checks_as_the_reviewer_types_without_inline_script(
    lead, tess, after_review_opens
):
    url = reverse("review:member_day", kwargs={"member_id": tess.pk, "day": FRIDAY})
    page = web_for(lead).get(url).content.decode()

    assert f'hx-post="{LIVE}"' in page
    assert 'hx-trigger="keyup changed delay:400ms' in page
    assert 'hx-target="#tone-live"' in page
    assert 'id="tone-live"' in page
    assert "review/composer.js" in page
    assert "onchange=" not in page
    assert "hx-on" not in page


def test_sending_anyway_shows_the_marked_quote_and_the_rewrite(lead, tess, after_review_opens):
    url = reverse("review:follow_up", kwargs={"member_id": tess.pk, "day": FRIDAY})
    data = {
        "subject": "About Friday",
        "body": HARSH,
        "gap_start": at(FRIDAY, 12).isoformat(),
        "gap_end": at(FRIDAY, 13).isoformat(),
    }

    response = web_for(lead).post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="tone-warnings"' in page
    assert f"<mark>{HARSH}</mark>" in page
    assert 'data-form="follow-up-form"' in page
    assert "Send as it is" in page
    assert not FollowUp.objects.exists()


# --- marking quotes -------------------------------------------------------------------------


def test_marks_escape_the_text_and_join_overlapping_quotes():
    text = "<b>Hi</b> Why the gap? Why the gap? Thanks"

    marked = highlighted(text, ["Why the gap?", "the gap? Why"])

    assert marked == "&lt;b&gt;Hi&lt;/b&gt; <mark>Why the gap? Why the gap?</mark> Thanks"


def test_a_quote_that_is_not_in_the_text_marks_nothing():
    assert highlighted("Hello & welcome", ["missing"]) == "Hello &amp; welcome"
