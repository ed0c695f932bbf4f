"""The review pages: daily review, a member's day, the composer, decisions, Requests, and the
settings pages, with who may open each."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from daybook.review.choices import FollowUpState, ReviewState
from daybook.review.composer import Subject
from daybook.review.models import DayReview, FollowUp, Notice, NotificationSetting
from daybook.review.services import followup_send
from daybook.timekeeping.models import ReviewPolicy

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

DAILY = reverse("review:daily_on", kwargs={"day": FRIDAY})
FRIENDLY = "Could you help me place the hour after noon? Which ticket was it?"


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def tess(tech, ticket):
    """A 60-minute gap at noon and a 20-minute one at 10:00 (which only Tess sees)."""
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 10), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 10, 20), at(FRIDAY, 12), ticket=ticket, notes="Printer")
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Server")
    return tech


def day_url(member, name="review:member_day", **extra):
    return reverse(name, kwargs={"member_id": member.pk, "day": FRIDAY, **extra})


# --- who may open the pages ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(db):
    pages = ["review:requests", "review:settings", "review:notifications", "review:trends"]
    for url in [DAILY, *(reverse(name) for name in pages)]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["tech", "dispatcher", "other_team_tech"])
def test_members_who_review_nobody_are_refused_the_review_pages(who, request, tess):
    client = client_for(request.getfixturevalue(who))
    assert client.get(DAILY).status_code == 403
    assert client.get(day_url(tess)).status_code == 403
    assert client.post(day_url(tess, "review:decide", decision="clean")).status_code == 403
    response = client.post(day_url(tess, "review:follow_up"), {"subject": "x", "body": "y"})
    assert response.status_code == 403
    assert not FollowUp.objects.exists()
    all_clean = reverse("review:mark_all_clean", kwargs={"day": FRIDAY})
    assert client.post(all_clean).status_code == 403
    assert not DayReview.objects.exists()


def test_a_reviewer_of_another_team_cannot_open_the_members_day(other_manager, tess):
    client = client_for(other_manager)
    assert client.get(day_url(tess)).status_code == 404
    assert "Tess" not in client.get(DAILY).content.decode()


def test_review_settings_are_for_administrators_only(lead, admin):
    assert client_for(lead).get(reverse("review:settings")).status_code == 403
    assert client_for(admin).get(reverse("review:settings")).status_code == 200


# --- the daily review --------------------------------------------------------------------------


def test_daily_review_lists_the_team_with_the_reason_at_a_glance(lead, tess, after_review_opens):
    response = client_for(lead).get(DAILY)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tess Tester" in page
    assert "1 gap (60 min)" in page  # the 20-minute gap never reaches the reviewer
    assert "20 min" not in page
    assert "Lena Tester" not in page  # the reviewer's own day is not on their review list


def test_before_the_day_ends_plus_grace_a_reviewer_sees_only_that_it_is_under_way(
    lead, tess, time_machine
):
    time_machine.move_to(at(FRIDAY, 17, 20), tick=False)
    page = client_for(lead).get(DAILY).content.decode()
    assert "Under way" in page
    assert "review opens 17:30" in page
    assert "gap" not in page.split("<tbody>")[1]
    detail = client_for(lead).get(day_url(tess)).content.decode()
    assert "still under way" in detail
    assert "12:00" not in detail


def test_members_are_listed_by_name_never_by_hours(team, lead, ticket, after_review_opens):
    from tests.factories import MemberFactory, UserFactory

    for name, hours in [("Zoe", 8), ("Adam", 2), ("Mia", 5)]:
        member = MemberFactory(user=UserFactory(username=name.lower(), first_name=name), team=team)
        log_entry(member, at(FRIDAY, 9), at(FRIDAY, 9 + hours), ticket=ticket, notes="Work")
    page = client_for(lead).get(DAILY).content.decode()
    assert page.index("Adam") < page.index("Mia") < page.index("Zoe")


def test_the_htmx_refresh_returns_just_the_table(lead, tess, after_review_opens):
    response = client_for(lead).get(DAILY, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="daily-table"')
    assert "Tess Tester" in page


def test_mark_every_clean_day_at_once(team, lead, tess, ticket, after_review_opens):
    from tests.factories import MemberFactory, UserFactory

    clean = MemberFactory(user=UserFactory(username="cal", first_name="Cal"), team=team)
    log_entry(clean, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Work")
    response = client_for(lead).post(reverse("review:mark_all_clean", kwargs={"day": FRIDAY}))
    assert response.status_code == 302
    assert DayReview.objects.get(member=clean).state == ReviewState.CLEAN
    assert not DayReview.objects.filter(member=tess).exists()  # has a gap: left for a look


# --- one member's day --------------------------------------------------------------------------


def test_the_day_shows_entries_gaps_and_a_composer_filled_from_the_default_template(
    lead, tess, after_review_opens
):
    page = client_for(lead).get(day_url(tess)).content.decode()
    assert "12:00\N{EN DASH}13:00" in page  # the gap, in Tess's zone
    assert "Ask about this gap" in page
    assert "Printer" in page
    assert "between 12:00 and 13:00 (60 minutes)" in page
    assert "Hi Tess," in page


def test_your_own_day_opens_as_my_day(lead, after_review_opens):
    response = client_for(lead).get(day_url(lead))
    assert response.status_code == 302
    assert response.url == reverse("timekeeping:my_day_on", kwargs={"day": FRIDAY})


def gap_form(body=FRIENDLY, **extra):
    return {
        "subject": "About Friday",
        "body": body,
        "gap_start": at(FRIDAY, 12).isoformat(),
        "gap_end": at(FRIDAY, 13).isoformat(),
        **extra,
    }


def test_sending_a_follow_up_from_the_page(lead, tess, after_review_opens):
    response = client_for(lead).post(day_url(tess, "review:follow_up"), gap_form())
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.member, follow_up.gap_start) == (tess, at(FRIDAY, 12))
    page = client_for(lead).get(response.url).content.decode()
    assert "Waiting for the member" in page


def test_the_tone_check_warns_and_the_reviewer_can_still_send(lead, tess, after_review_opens):
    client = client_for(lead)
    harsh = "Why didn't you log this? Explain the gap."
    response = client.post(day_url(tess, "review:follow_up"), gap_form(body=harsh))
    page = response.content.decode()
    assert response.status_code == 200
    assert "may read as blame" in page
    assert "Send as it is" in page
    assert not FollowUp.objects.exists()
    response = client.post(
        day_url(tess, "review:follow_up"), gap_form(body=harsh, tone_confirmed="True")
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().body == harsh


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gap_form(gap_start="yesterday"), "not one the page offered"),
        (gap_form(gap_end=""), "needs both its start and its end"),
        (gap_form(gap_start=at(FRIDAY, 11).isoformat()), "no longer on the day"),
        (gap_form(body=""), "This field is required"),
    ],
)
def test_bad_composer_input_is_refused_and_nothing_is_sent(
    lead, tess, after_review_opens, data, message
):
    response = client_for(lead).post(day_url(tess, "review:follow_up"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FollowUp.objects.exists()


def test_decisions_from_the_page(lead, tess, after_review_opens):
    client = client_for(lead)
    client.post(day_url(tess, "review:decide", decision="excused"), {"note": "Doctor at noon"})
    row = DayReview.objects.get(member=tess)
    assert (row.state, row.note) == (ReviewState.EXCUSED, "Doctor at noon")
    client.post(day_url(tess, "review:decide", decision="reopen"))
    assert DayReview.objects.get(member=tess).state == ReviewState.PENDING
    response = client.post(day_url(tess, "review:decide", decision="clean"), follow=True)
    assert "still has a gap or a finding" in response.content.decode()
    assert DayReview.objects.get(member=tess).state == ReviewState.PENDING


def test_unknown_decisions_and_gets_are_refused(lead, tess, after_review_opens):
    client = client_for(lead)
    assert client.post(day_url(tess, "review:decide", decision="approve")).status_code == 404
    assert client.get(day_url(tess, "review:decide", decision="clean")).status_code == 405


# --- the member's Requests -------------------------------------------------------------------


@pytest.fixture
def asked(lead, tess):
    return followup_send(
        member=tess,
        day=FRIDAY,
        by=lead,
        subject="About Friday",
        body=FRIENDLY,
        about=Subject(gap_start=at(FRIDAY, 12), gap_end=at(FRIDAY, 13)),
        now=at(FRIDAY, 18),
    )


def test_the_member_sees_the_request_with_ways_to_answer(tess, asked, wrap):
    response = client_for(tess).get(reverse("review:requests"))
    page = response.content.decode()
    assert FRIENDLY in page
    assert "12:00\N{EN DASH}13:00" in page
    assert "start=2025-03-14T12:00&amp;end=2025-03-14T13:00" in page  # log it to a ticket
    assert "Admin" in page  # a payroll wrap button
    assert "Send answer" in page


def test_nobody_else_sees_or_answers_the_request(other_team_tech, lead, asked):
    client = client_for(other_team_tech)
    assert FRIENDLY not in client.get(reverse("review:requests")).content.decode()
    response = client.post(reverse("review:reply", args=[asked.pk]), {f"r{asked.pk}-reply": "x"})
    assert response.status_code == 404
    assert client_for(lead).post(reverse("review:reply", args=[asked.pk])).status_code == 404


def test_answering_in_words(tess, asked):
    response = client_for(tess).post(
        reverse("review:reply", args=[asked.pk]), {f"r{asked.pk}-reply": "Client lunch"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.state, asked.reply) == (FollowUpState.ANSWERED, "Client lunch")


def test_logging_the_time_from_requests_resolves_it(tess, asked, wrap):
    response = client_for(tess).post(
        reverse("timekeeping:entry_wrap"),
        {
            "start": "2025-03-14T12:00",
            "end": "2025-03-14T13:00",
            "work_type": wrap.pk,
            "next": reverse("review:requests"),
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == FollowUpState.RESOLVED
    assert DayReview.objects.get(member=tess).state == ReviewState.RESOLVED


def test_the_navigation_counts_open_requests(tess, asked):
    page = client_for(tess).get(reverse("timekeeping:my_day")).content.decode()
    badge = '<span class="badge rounded-pill text-bg-warning">1<span class="visually-hidden"> open'
    assert f'id="nav-requests">Requests {badge}</span></span></a>' in page


def test_notices_open_only_for_their_recipient(tess, lead, asked):
    notice = Notice.objects.get(recipient=tess)
    assert client_for(lead).post(reverse("review:notice_read", args=[notice.pk])).status_code == 404
    response = client_for(tess).post(reverse("review:notice_read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


# --- settings ------------------------------------------------------------------------------


def test_member_sets_a_chat_webhook(tess, settings):
    # Webhook hosts must be on the administrator's list (core/outbound.py).
    settings.DAYBOOK_OUTBOUND_HOSTS = ["hooks.example"]
    url = reverse("review:notifications")
    response = client_for(tess).post(
        url, {"by_email": "on", "chat_kind": "slack", "chat_webhook_url": "hooks.example/T1"}
    )
    assert response.status_code == 302
    setting = NotificationSetting.objects.get(member=tess)
    assert setting.chat_webhook_url == "https://hooks.example/T1"


def test_a_chat_kind_without_an_address_is_refused(tess):
    response = client_for(tess).post(
        reverse("review:notifications"), {"chat_kind": "teams", "chat_webhook_url": ""}
    )
    assert response.status_code == 400
    assert "Give the webhook address" in response.content.decode()
    assert not NotificationSetting.objects.exists()


def test_admin_changes_a_teams_settings_in_the_app(admin, team):
    response = client_for(admin).post(
        reverse("review:settings"),
        {
            "scope": str(team.pk),
            f"{team.pk}-gap_threshold_minutes": "30",
            f"{team.pk}-realtime_window_minutes": "10",
            f"{team.pk}-grace_minutes": "60",
        },
    )
    assert response.status_code == 302
    policy = ReviewPolicy.objects.get(team=team)
    assert (policy.gap_threshold_minutes, policy.realtime_window_minutes, policy.grace_minutes) == (
        30,
        10,
        60,
    )


def test_bad_settings_are_refused_and_nothing_changes(admin):
    response = client_for(admin).post(
        reverse("review:settings"),
        {
            "scope": "organisation",
            "organisation-gap_threshold_minutes": "0",
            "organisation-realtime_window_minutes": "15",
            "organisation-grace_minutes": "30",
        },
    )
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not ReviewPolicy.objects.exclude(gap_threshold_minutes=45).exists()


def test_the_morning_review_opens_on_the_last_working_day(lead, tess, time_machine):
    time_machine.move_to(at(FRIDAY, 11) + timedelta(days=3), tick=False)  # Monday morning
    page = client_for(lead).get(reverse("review:daily")).content.decode()
    assert "Daily review, Friday 14 March 2025" in page  # not the empty weekend
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    page = client_for(lead).get(reverse("review:daily")).content.decode()
    assert "Daily review, Friday 14 March 2025" in page


def test_a_finding_opens_the_composer_on_a_template_that_fits(
    lead, tech, ticket, after_review_opens
):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="")
    page = client_for(lead).get(day_url(tech)).content.decode()
    assert "One small detail for Friday 14 March" in page
    assert "has no notes" in page
    assert "between  and" not in page
