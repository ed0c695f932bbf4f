"""A follow-up is a conversation: the member and the reviewers of the member's team write back
and forth until it is resolved, through one service behind Requests, the member's day page
and /api/follow-ups/<id>/replies/. Each message tells the other side; a reviewer's goes
through the tone check like the first one."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.review.choices import FollowUpState, NoticeKind
from daybook.review.composer import Subject
from daybook.review.models import FollowUp, FollowUpMessage, Notice
from daybook.review.services import (
    ToneWarningError,
    follow_up_reply,
    followup_send,
    review_mark_resolved,
)
from tests.factories import MemberFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

AFTER = at(FRIDAY, 18)
FRIENDLY = "Could you help me place the hour after 12:00? Which ticket was it?"
HARSH = "Why is there a gap on your calendar?"


@pytest.fixture
def asked(tech, lead, ticket):
    """Tess left an hour unlogged at noon; Lena asked about it."""
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Server")
    return followup_send(
        member=tech,
        day=FRIDAY,
        by=lead,
        subject="About Friday",
        body=FRIENDLY,
        about=Subject(gap_start=at(FRIDAY, 12), gap_end=at(FRIDAY, 13)),
        now=AFTER,
    )


@pytest.fixture
def co_reviewer(team):
    """A second reviewer of the same team, who did not send the question."""
    member = MemberFactory(user=UserFactory(username="rita", first_name="Rita"), role="Manager")
    team.reviewers.add(member)
    return member


def notices(kind: str) -> list[tuple[str, str]]:
    return [
        (n.recipient.first_name, n.body)
        for n in Notice.objects.filter(kind=kind).order_by("pk").select_related("recipient__user")
    ]


# --- the service ---------------------------------------------------------------------------


def test_member_and_reviewer_write_back_and_forth_and_each_side_hears(asked, tech, lead):
    follow_up_reply(follow_up=asked, by=tech, body="A call with the client, I think.", now=AFTER)
    asked.refresh_from_db()
    assert (asked.state, asked.reply) == (
        FollowUpState.ANSWERED,
        "A call with the client, I think.",
    )
    assert notices(NoticeKind.REPLY) == [("Lena", "A call with the client, I think.")]

    follow_up_reply(follow_up=asked, by=lead, body="Thanks! Which client was it?", now=AFTER)
    asked.refresh_from_db()
    assert asked.state == FollowUpState.OPEN  # waiting for the member again
    [told] = Notice.objects.filter(kind=NoticeKind.MESSAGE)
    assert (told.recipient, told.body, told.link) == (
        tech,
        "Thanks! Which client was it?",
        reverse("review:requests"),
    )
    assert told.follow_up == asked

    follow_up_reply(follow_up=asked, by=tech, body="Contoso, the VPN outage.", now=AFTER)
    thread = [(m.author.first_name, m.from_member, m.body) for m in asked.messages.all()]
    assert thread == [
        ("Tess", True, "A call with the client, I think."),
        ("Lena", False, "Thanks! Which client was it?"),
        ("Tess", True, "Contoso, the VPN outage."),
    ]
    assert FollowUp.objects.get().reply == "Contoso, the VPN outage."


def test_a_reviewer_who_joined_the_conversation_hears_the_members_answers_too(
    asked, tech, lead, co_reviewer
):
    follow_up_reply(follow_up=asked, by=co_reviewer, body="I can help too: was it Contoso?")

    follow_up_reply(follow_up=asked, by=tech, body="Yes, Contoso.")

    assert sorted(name for name, _ in notices(NoticeKind.REPLY)) == ["Lena", "Rita"]
    assert notices(NoticeKind.MESSAGE) == [("Tess", "I can help too: was it Contoso?")]


@pytest.mark.parametrize("outsider", ["other_team_tech", "dispatcher", "other_manager", "finance"])
def test_nobody_but_the_member_and_their_teams_reviewers_may_write(asked, outsider, request):
    with pytest.raises(PermissionDenied, match="reviewers of their team"):
        follow_up_reply(follow_up=asked, by=request.getfixturevalue(outsider), body="Hello?")
    assert not FollowUpMessage.objects.exists()
    assert not Notice.objects.exclude(kind=NoticeKind.FOLLOW_UP).exists()


def test_a_reviewers_reply_that_reads_as_blame_is_held_until_confirmed(asked, lead):
    with pytest.raises(ToneWarningError) as refused:
        follow_up_reply(follow_up=asked, by=lead, body=HARSH)
    assert [w.quote for w in refused.value.warnings] == [HARSH]
    assert refused.value.suggestion
    assert not FollowUpMessage.objects.exists()

    follow_up_reply(follow_up=asked, by=lead, body=HARSH, tone_confirmed=True)
    assert FollowUpMessage.objects.get().body == HARSH


def test_the_members_own_words_are_not_tone_checked(asked, tech):
    follow_up_reply(follow_up=asked, by=tech, body="Why is there a gap? I was on the phones!")
    assert FollowUpMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write a short answer"), ("x" * 2001, "2000 characters or fewer")],
)
def test_empty_or_overlong_messages_are_refused(asked, lead, body, message):
    with pytest.raises(ValidationError, match=message):
        follow_up_reply(follow_up=asked, by=lead, body=body)
    assert not FollowUpMessage.objects.exists()


def test_a_resolved_request_takes_no_more_messages(asked, tech, lead):
    review_mark_resolved(member=tech, day=FRIDAY, by=lead, now=AFTER)
    with pytest.raises(ValidationError, match="already resolved"):
        follow_up_reply(follow_up=asked, by=tech, body="One more thing")
    assert not FollowUpMessage.objects.exists()


# --- the pages -------------------------------------------------------------------------------


def web_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def day_page(member) -> str:
    return reverse("review:member_day", kwargs={"member_id": member.pk, "day": FRIDAY})


def reply_url(member, follow_up) -> str:
    return reverse(
        "review:thread_reply", kwargs={"member_id": member.pk, "day": FRIDAY, "pk": follow_up.pk}
    )


def test_the_conversation_shows_on_requests_and_on_the_reviewers_day_page(
    asked, tech, lead, after_review_opens
):
    follow_up_reply(follow_up=asked, by=tech, body="Lunch with Contoso.")
    follow_up_reply(follow_up=asked, by=lead, body="Lovely, which ticket should it go on?")

    requests = web_for(tech).get(reverse("review:requests")).content.decode()
    assert "Lunch with Contoso." in requests
    assert "Lovely, which ticket should it go on?" in requests
    assert f'id="answer-{asked.pk}" hx-preserve="true"' in requests

    day = web_for(lead).get(day_page(tech)).content.decode()
    assert "Lunch with Contoso." in day
    assert "Lovely, which ticket should it go on?" in day
    assert f'id="reply-form-{asked.pk}"' in day
    assert f'hx-target="#tone-live-{asked.pk}"' in day


def test_the_member_replies_from_requests(asked, tech, lead):
    response = web_for(tech).post(
        reverse("review:reply", args=[asked.pk]), {f"r{asked.pk}-reply": "Contoso call"}
    )
    assert response.status_code == 302
    assert [m.body for m in asked.messages.all()] == ["Contoso call"]
    assert notices(NoticeKind.REPLY) == [("Lena", "Contoso call")]


def test_the_reviewer_replies_from_the_members_day(asked, tech, lead, after_review_opens):
    response = web_for(lead).post(reply_url(tech, asked), {"body": "Thanks, which ticket?"})

    assert response.status_code == 302
    assert response.url.endswith(f"#follow-up-{asked.pk}")
    assert notices(NoticeKind.MESSAGE) == [("Tess", "Thanks, which ticket?")]


def test_a_harsh_reply_from_the_page_is_held_with_the_quote_marked(
    asked, tech, lead, after_review_opens
):
    client = web_for(lead)
    response = client.post(reply_url(tech, asked), {"body": HARSH})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<mark>{HARSH}</mark>" in page
    assert "Use this wording" in page
    assert "Send as it is" in page
    assert not FollowUpMessage.objects.exists()

    response = client.post(reply_url(tech, asked), {"body": HARSH, "tone_confirmed": "on"})
    assert response.status_code == 302
    assert FollowUpMessage.objects.get().body == HARSH


@pytest.mark.parametrize("who", ["other_team_tech", "dispatcher", "tech"])
def test_people_who_review_nobody_cannot_reply_from_the_day_page(who, request, asked, tech):
    response = web_for(request.getfixturevalue(who)).post(reply_url(tech, asked), {"body": "Hi"})

    assert response.status_code == 403
    assert not FollowUpMessage.objects.exists()


def test_a_reviewer_of_another_team_cannot_reach_the_conversation(
    asked, tech, other_manager, after_review_opens
):
    response = web_for(other_manager).post(reply_url(tech, asked), {"body": "Hi"})

    assert response.status_code == 404
    assert not FollowUpMessage.objects.exists()


def test_finance_sees_the_day_but_has_no_reply_box_and_is_refused(
    asked, tech, finance, after_review_opens
):
    page = web_for(finance).get(day_page(tech)).content.decode()
    assert FRIENDLY in page
    assert f'id="reply-form-{asked.pk}"' not in page

    response = web_for(finance).post(reply_url(tech, asked), {"body": "Hi"})
    assert response.status_code == 403


def test_the_reply_box_is_gone_once_the_request_is_resolved(asked, tech, lead, after_review_opens):
    review_mark_resolved(member=tech, day=FRIDAY, by=lead)

    page = web_for(lead).get(day_page(tech)).content.decode()

    assert f'id="reply-form-{asked.pk}"' not in page


# --- the API ---------------------------------------------------------------------------------


def api_for(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def replies(follow_up) -> str:
    return f"/api/follow-ups/{follow_up.pk}/replies/"


def test_both_sides_write_through_the_api_and_read_the_conversation(asked, tech, lead):
    response = api_for(tech).post(replies(asked), {"body": "Contoso call"}, format="json")
    assert response.status_code == 201
    assert (response.json()["from_member"], response.json()["body"]) == (True, "Contoso call")

    response = api_for(lead).post(replies(asked), {"body": "Which ticket?"}, format="json")
    assert response.status_code == 201
    assert response.json()["from_member"] is False

    data = api_for(tech).get(f"/api/follow-ups/{asked.pk}/").json()
    assert [(m["author"], m["body"]) for m in data["messages"]] == [
        (tech.pk, "Contoso call"),
        (lead.pk, "Which ticket?"),
    ]
    assert (data["state"], data["reply"]) == ("open", "Contoso call")


def test_the_api_holds_a_harsh_reply_with_the_tone_findings(asked, lead):
    response = api_for(lead).post(replies(asked), {"body": HARSH}, format="json")

    assert response.status_code == 400
    data = response.json()
    assert any("may read as blame" in m for m in data["body"])
    assert [w["quote"] for w in data["tone"]["warnings"]] == [HARSH]
    response = api_for(lead).post(
        replies(asked), {"body": HARSH, "tone_confirmed": True}, format="json"
    )
    assert response.status_code == 201


def test_outsiders_are_refused_by_the_api(asked, other_team_tech, other_manager, dispatcher):
    assert api_for(other_team_tech).post(replies(asked), {"body": "x"}).status_code == 404
    assert api_for(other_manager).post(replies(asked), {"body": "x"}).status_code == 404
    response = api_for(dispatcher).post(replies(asked), {"body": "x"}, format="json")
    assert response.status_code in {403, 404}
    assert APIClient().post(replies(asked), {"body": "x"}).status_code in {401, 403}
    assert not FollowUpMessage.objects.exists()


def test_finance_may_read_the_conversation_but_not_write_in_it(asked, finance):
    assert api_for(finance).get(f"/api/follow-ups/{asked.pk}/").status_code == 200

    response = api_for(finance).post(replies(asked), {"body": "x"}, format="json")

    assert response.status_code == 403
    assert "reviewers of their team" in response.json()["detail"]


def test_bad_reply_input_is_a_400(asked, lead):
    assert api_for(lead).post(replies(asked), {}, format="json").status_code == 400
    assert (
        api_for(lead).post(replies(asked), {"body": "x" * 2001}, format="json").status_code == 400
    )
    assert not FollowUpMessage.objects.exists()
