"""Follow-ups: sending one, the tone check, the member's answer, and requests that resolve
themselves once the time is logged."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.review.choices import FollowUpState, NoticeKind, ReviewState
from daybook.review.composer import Subject
from daybook.review.models import DayReview, FollowUp, Notice
from daybook.review.services import (
    ToneWarningError,
    followup_reply,
    followup_send,
    review_mark_resolved,
)
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.services import entry_edit, entry_log

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

AFTER = at(FRIDAY, 18)
GAP = Subject(gap_start=at(FRIDAY, 12), gap_end=at(FRIDAY, 13))
FRIENDLY = "Could you help me place the hour after 12:00? Which ticket was it?"


@pytest.fixture
def gappy(tech, ticket):
    """09-12 and 13-17 logged: one 60-minute gap at noon."""
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Server")
    return tech


def send(member, by, body=FRIENDLY, about=GAP, **kwargs):
    return followup_send(
        member=member,
        day=FRIDAY,
        by=by,
        subject="About Friday",
        body=body,
        about=about,
        now=kwargs.pop("now", AFTER),
        **kwargs,
    )


def day_state(member) -> str:
    row = DayReview.objects.filter(member=member, date=FRIDAY).first()
    return row.state if row else ReviewState.PENDING


def test_sending_records_the_question_marks_the_day_and_tells_the_member(
    gappy, lead, django_capture_on_commit_callbacks
):
    gappy.user.email = "tess@example.com"
    gappy.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = send(gappy, lead)
    assert (follow_up.state, follow_up.gap_start, follow_up.gap_end) == (
        FollowUpState.OPEN,
        GAP.gap_start,
        GAP.gap_end,
    )
    assert day_state(gappy) == ReviewState.FOLLOWED_UP
    notice = Notice.objects.get(recipient=gappy)
    assert (notice.kind, notice.subject, notice.follow_up) == (
        NoticeKind.FOLLOW_UP,
        "About Friday",
        follow_up,
    )
    [email] = mail.outbox
    assert email.to == ["tess@example.com"]
    assert FRIENDLY in email.body
    assert "/review/requests/" in email.body
    assert notice.deliveries.get().status == "sent"


def test_a_message_that_reads_as_blame_is_held_until_confirmed(gappy, lead):
    with pytest.raises(ToneWarningError) as refused:
        send(gappy, lead, body="Explain yourself: where were you at noon?")
    # The classifier quotes whole sentences (the old word rules quoted the phrases alone).
    quoted = " ".join(w.phrase for w in refused.value.warnings)
    assert "Explain yourself" in quoted
    assert "where were you" in quoted
    assert not FollowUp.objects.exists()
    assert day_state(gappy) == ReviewState.PENDING
    follow_up = send(gappy, lead, body="Explain yourself: where were you?", tone_confirmed=True)
    assert follow_up.body == "Explain yourself: where were you?"


@pytest.mark.parametrize(
    ("subject", "body", "message"),
    [
        ("", FRIENDLY, "Give the message a subject"),
        ("About Friday", "   ", "Write the message before sending it"),
        ("About Friday", "x" * 5001, "5000 characters"),
    ],
)
def test_empty_or_overlong_messages_are_refused(gappy, lead, subject, body, message):
    with pytest.raises(ValidationError, match=message):
        followup_send(member=gappy, day=FRIDAY, by=lead, subject=subject, body=body, now=AFTER)
    assert not FollowUp.objects.exists()


def test_no_follow_up_before_the_day_has_ended_plus_grace(gappy, lead):
    with pytest.raises(ValidationError, match="still under way"):
        send(gappy, lead, now=at(FRIDAY, 17, 15))
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("outsider", ["other_team_tech", "dispatcher", "other_manager"])
def test_only_the_members_reviewers_may_ask(gappy, outsider, request):
    with pytest.raises(PermissionDenied):
        send(gappy, request.getfixturevalue(outsider))
    assert not FollowUp.objects.exists()


def test_a_gap_that_is_not_on_the_day_is_refused(gappy, lead):
    with pytest.raises(ValidationError, match="no longer on the day"):
        send(gappy, lead, about=Subject(gap_start=at(FRIDAY, 12), gap_end=at(FRIDAY, 12, 30)))
    with pytest.raises(ValidationError, match="finding is no longer on the day"):
        send(gappy, lead, about=Subject(finding=FindingKind.OVERLAP))


def test_the_member_answers_in_words_and_the_reviewer_hears(gappy, lead):
    follow_up = send(gappy, lead)
    followup_reply(follow_up=follow_up, by=gappy, text="  Lunch with a client, sorry.  ")
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.reply) == (
        FollowUpState.ANSWERED,
        "Lunch with a client, sorry.",
    )
    reply = Notice.objects.get(recipient=lead)
    assert reply.kind == NoticeKind.REPLY
    assert reply.body == "Lunch with a client, sorry."
    assert reply.link == f"/review/day/{gappy.pk}/2025-03-14/"


def test_nobody_else_answers_for_the_member(gappy, lead):
    follow_up = send(gappy, lead)
    with pytest.raises(PermissionDenied):
        followup_reply(follow_up=follow_up, by=lead, text="It was lunch.")
    with pytest.raises(ValidationError, match="Write a short answer"):
        followup_reply(follow_up=follow_up, by=gappy, text="  ")
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN


def test_logging_the_gap_resolves_the_request_and_the_day(gappy, lead, ticket, remote):
    follow_up = send(gappy, lead)
    entry_log(
        member=gappy,
        start=at(FRIDAY, 12),
        end=at(FRIDAY, 13),
        work_type=remote,
        ticket=ticket,
        notes="Phone call with the client about the outage",
        by=gappy,
    )
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.RESOLVED
    assert follow_up.resolved_by_entries
    assert day_state(gappy) == ReviewState.RESOLVED
    told = Notice.objects.get(recipient=lead, kind=NoticeKind.REPLY)
    assert "logged" in told.subject
    assert not told.deliveries.exists()  # in the app only: no email for every resolution


def test_logging_part_of_the_gap_resolves_it_once_what_is_left_is_under_the_threshold(
    gappy, lead, ticket, remote
):
    follow_up = send(gappy, lead)
    first = entry_log(
        member=gappy,
        start=at(FRIDAY, 12),
        end=at(FRIDAY, 12, 10),
        work_type=remote,
        ticket=ticket,
        notes="Call",
        by=gappy,
    )
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN  # 50 minutes still unlogged
    entry_edit(entry=first, by=gappy, end=at(FRIDAY, 12, 30))
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.RESOLVED  # 30 minutes left: under 45


def test_fixing_a_finding_resolves_a_request_about_it(tech, lead, ticket):
    entry = log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="")
    follow_up = send(tech, lead, about=Subject(finding=FindingKind.MISSING_NOTES))
    entry_edit(entry=entry, by=tech, notes="Patched the file server")
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.RESOLVED


def test_a_question_about_the_whole_day_waits_for_the_reviewer(gappy, lead, ticket, remote):
    follow_up = send(gappy, lead, about=Subject())
    entry_log(
        member=gappy,
        start=at(FRIDAY, 12),
        end=at(FRIDAY, 13),
        work_type=remote,
        ticket=ticket,
        notes="Call",
        by=gappy,
    )
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN
    review_mark_resolved(member=gappy, day=FRIDAY, by=lead, now=AFTER)
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.RESOLVED
    assert not follow_up.resolved_by_entries


def test_a_resolved_day_can_be_asked_about_again(gappy, lead):
    send(gappy, lead)
    review_mark_resolved(member=gappy, day=FRIDAY, by=lead, now=AFTER)
    send(gappy, lead)
    assert day_state(gappy) == ReviewState.FOLLOWED_UP
    assert FollowUp.objects.filter(state=FollowUpState.OPEN).count() == 1
