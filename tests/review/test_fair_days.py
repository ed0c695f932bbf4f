"""Fair reviews: holidays, booked time off and days outside a member's start and end dates are
no working days; payroll wrap logged afterwards is not "late"; agreement findings go to
dispatch instead of the member. Engine first (no database), then every door that reads days.

Times are frozen and reasoned in New York (daylight time from 9 March 2025) and Berlin (the
clocks go forward on Sunday 30 March 2025)."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.catalogue.choices import AgreementCheck
from daybook.demo.generator import build_demo
from daybook.people.models import Holiday, Member
from daybook.people.services import member_create, schedule_set
from daybook.review.composer import Subject
from daybook.review.models import DayReview, FollowUp
from daybook.review.selectors import review_day_for, review_days, reviewable_members
from daybook.review.services import followup_send, review_mark_all_clean, review_mark_clean
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.day import DayOff, Policy, review_member_day, schedule_windows
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.my_day import my_day
from daybook.timekeeping.services import entry_log
from tests.factories import MemberFactory, TicketFactory, UserFactory, WorkTypeFactory
from tests.zones import BERLIN

from .helpers import FRIDAY, at, log_entry
from .test_engine import compute, entry, kinds

THURSDAY = FRIDAY - timedelta(days=1)
MONDAY = FRIDAY + timedelta(days=3)
# Berlin's spring-forward day: 00:00-06:00 that day is five real hours.
BERLIN_DST_SUNDAY = date(2025, 3, 30)
FRIENDLY = "Could you help me with this one? Thanks!"


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def pto(db):
    return WorkTypeFactory(
        name="PTO", is_payroll_wrap=True, is_time_off=True, billable_default="do_not_bill"
    )


@pytest.fixture
def good_friday(db):
    return Holiday.objects.create(date=FRIDAY, name="Spring holiday")


def names(views) -> list[str]:
    return [view.member.first_name for view in views]


# --- the engine ------------------------------------------------------------------------------


def test_a_holiday_sets_the_schedule_aside_even_on_a_dst_day():
    blocks = [(time(0), time(6))]
    working = compute(day=BERLIN_DST_SUNDAY, zone=BERLIN, blocks=blocks, expected=300)
    assert [gap.minutes for gap in working.gaps] == [300]  # five real hours, not six
    assert working.off is None
    holiday = compute_off(DayOff.HOLIDAY, day=BERLIN_DST_SUNDAY, zone=BERLIN, blocks=blocks)
    assert (holiday.windows, holiday.expected_minutes, holiday.gaps) == ((), 0, ())
    assert holiday.off_reason == "a holiday (Spring holiday)"
    assert not holiday.needs_attention


def compute_off(off, **kwargs):
    day, zone = kwargs["day"], kwargs["zone"]
    return review_member_day(
        day=day,
        zone=zone,
        windows=schedule_windows(day, zone, kwargs["blocks"]),
        expected_minutes=480,
        entries=kwargs.get("entries", []),
        timer_started_at=None,
        policy=Policy(),
        now=at(day, 23, zone=zone) + timedelta(days=1),
        off=off,
        holiday_name="Spring holiday",
    )


def test_time_off_over_every_window_makes_the_day_off():
    d = FRIDAY
    split = [(time(8), time(12)), (time(13), time(17))]
    morning = entry(at(d, 8), at(d, 12), id=1, is_wrap=True, is_time_off=True)
    afternoon = entry(at(d, 13), at(d, 17), id=2, is_wrap=True, is_time_off=True)
    whole = compute([morning, afternoon], blocks=split)
    assert whole.off == DayOff.TIME_OFF
    assert whole.off_reason == "booked time off"
    assert (whole.gaps, whole.unaccounted_minutes) == ((), 0)
    half = compute([morning], blocks=split)
    assert half.off is None
    assert [(g.start, g.end) for g in half.gaps] == [(at(d, 13), at(d, 17))]


def test_a_full_days_leave_shorter_than_the_windows_is_a_day_off():
    d = FRIDAY
    # 08:30-17:00 holds a half-hour break; the leave is booked as the day's 8 hours.
    leave = entry(at(d, 8, 30), at(d, 16, 30), is_wrap=True, is_time_off=True)
    result = compute([leave], blocks=[(time(8, 30), time(17))], expected=480)
    assert result.off == DayOff.TIME_OFF
    assert (result.gaps, result.small_gaps, result.unaccounted_minutes) == ((), (), 0)
    short = compute([leave], blocks=[(time(8, 30), time(17))], expected=540)
    assert short.off is None
    assert [gap.minutes for gap in short.small_gaps] == [30]


def test_partial_time_off_covers_just_its_part():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 13), is_wrap=True, is_time_off=True)])
    assert result.off is None
    assert [(g.start, g.end) for g in result.gaps] == [(at(d, 13), at(d, 17))]
    assert (result.logged_minutes_wrap, result.unaccounted_minutes) == (240, 240)


def test_other_wrap_over_the_whole_day_is_still_a_working_day():
    d = FRIDAY
    result = compute([entry(at(d, 9), at(d, 17), is_wrap=True)])
    assert result.off is None
    assert result.gaps == ()


def test_wrap_filled_in_afterwards_is_not_a_late_entry():
    d = FRIDAY
    wrap = entry(at(d, 9), at(d, 12), id=1, is_wrap=True, created_at=at(d, 18))
    client = entry(at(d, 12), at(d, 17), id=2, created_at=at(d, 18))
    assert kinds(compute([wrap, client])) == [FindingKind.LATE_ENTRY]
    assert compute([wrap, client]).findings[0].entry_id == 2


def test_agreement_findings_go_to_dispatch_and_hold_no_day_up():
    d = FRIDAY
    result = compute(
        [
            entry(at(d, 9), at(d, 13), id=1, agreement_check=AgreementCheck.NO_AGREEMENT),
            entry(at(d, 13), at(d, 17), id=2, agreement_check=AgreementCheck.OUT_OF_DATES),
        ]
    )
    assert kinds(result) == [FindingKind.NO_AGREEMENT, FindingKind.AGREEMENT_OUT_OF_DATES]
    assert all(f.for_dispatch for f in result.findings)
    assert "dispatcher" in result.findings[0].message
    assert result.member_findings == ()
    assert not result.needs_attention
    covered = compute([entry(at(d, 9), at(d, 17), agreement_check=AgreementCheck.NOT_COVERED)])
    assert covered.needs_attention  # the work type may be the member's to fix: still asked


# --- holidays through the database -------------------------------------------------------------


@pytest.fixture
def full_day(tech, ticket):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Printers")
    return tech


def test_an_organisation_holiday_is_no_working_day_and_not_reviewed(
    lead, tech, other_team_tech, good_friday, after_review_opens
):
    figures = day_figures(day=FRIDAY, members=[tech], now=at(FRIDAY, 18))[tech.pk]
    assert (figures.off, figures.windows, figures.expected_minutes, figures.gaps) == (
        DayOff.HOLIDAY,
        (),
        0,
        (),
    )
    assert figures.holiday_name == "Spring holiday"
    members = reviewable_members(lead.user)
    assert review_days(day=FRIDAY, members=members, viewer=lead.user) == []
    assert names(review_days(day=THURSDAY, members=members, viewer=lead.user)) == ["Lena", "Tess"]


def test_a_team_holiday_covers_only_that_team(finance, tech, other_team_tech, after_review_opens):
    Holiday.objects.create(date=FRIDAY, name="Founders' day", team=other_team_tech.team)
    views = review_days(day=FRIDAY, members=[tech, other_team_tech], viewer=finance.user)
    assert names(views) == ["Tess"]
    otto = review_day_for(member=other_team_tech, day=FRIDAY, viewer=finance.user)
    assert (otto.listed, otto.off_reason) == (False, "a holiday (Founders' day)")


def test_client_work_on_a_holiday_with_something_to_ask_is_still_listed(
    lead, tech, ticket, good_friday, time_machine
):
    log_entry(tech, at(FRIDAY, 10), at(FRIDAY, 11), ticket=ticket, notes="")
    # With no schedule that day, the working day runs to midnight; the review opens after.
    time_machine.move_to(at(FRIDAY, 23, 50), tick=False)
    assert review_days(day=FRIDAY, members=[tech], viewer=lead.user) == []
    time_machine.move_to(at(FRIDAY, 23, 50) + timedelta(hours=1), tick=False)
    [view] = review_days(day=FRIDAY, members=[tech], viewer=lead.user)
    assert view.off == DayOff.HOLIDAY
    assert view.gaps == ()
    assert [f.kind for f in view.findings] == [FindingKind.MISSING_NOTES]
    page = client_for(lead).get(reverse("review:daily_on", kwargs={"day": FRIDAY}))
    assert "Not a working day: a holiday (Spring holiday) · No notes" in page.content.decode()


def test_the_daily_page_leaves_the_holiday_out(lead, full_day, good_friday, after_review_opens):
    page = client_for(lead).get(reverse("review:daily_on", kwargs={"day": FRIDAY}))
    assert "Tess Tester" not in page.content.decode()


def test_a_holidays_page_says_why_and_offers_nothing_to_send(
    lead, tech, good_friday, after_review_opens
):
    url = reverse("review:member_day", kwargs={"member_id": tech.pk, "day": FRIDAY})
    response = client_for(lead).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not a working day for Tess: a holiday (Spring holiday)" in page
    assert 'id="composer"' not in page
    assert "mark-clean" not in page


def test_no_decision_or_follow_up_about_a_holiday(lead, tech, good_friday, after_review_opens):
    with pytest.raises(ValidationError, match="nothing to review for Tess on Fri 14 Mar 2025"):
        review_mark_clean(member=tech, day=FRIDAY, by=lead)
    with pytest.raises(ValidationError, match="a holiday"):
        followup_send(member=tech, day=FRIDAY, by=lead, subject="Friday", body=FRIENDLY)
    assert review_mark_all_clean(day=FRIDAY, members=[tech], by=lead) == 0
    assert not DayReview.objects.exists()
    assert not FollowUp.objects.exists()


def test_the_api_lists_no_holiday_and_says_why_on_the_day(
    lead, tech, good_friday, after_review_opens
):
    api = APIClient()
    api.force_authenticate(lead.user)
    listed = api.get("/api/reviews/", {"date": "2025-03-14"}).json()["results"]
    assert listed == []  # the organisation's holiday: Lena's own day is off too
    one = api.get(f"/api/reviews/{tech.pk}/2025-03-14/").json()
    assert one["not_a_working_day"] == "a holiday (Spring holiday)"
    assert one["day"] is None  # nothing scheduled: the day runs to midnight before it opens
    working = api.get(f"/api/reviews/{tech.pk}/2025-03-13/").json()
    assert working["not_a_working_day"] is None


def test_the_day_after_the_holiday_is_reviewed_as_usual(
    lead, full_day, ticket, good_friday, time_machine
):
    Holiday.objects.filter(pk=good_friday.pk).update(date=THURSDAY)
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    assert names(review_days(day=FRIDAY, members=[full_day], viewer=lead.user)) == ["Tess"]
    assert review_days(day=THURSDAY, members=[full_day], viewer=lead.user) == []


# --- start and end dates --------------------------------------------------------------------------


def test_days_before_someone_joined_or_after_they_left_are_not_reviewed(
    finance, team, ticket, after_review_opens
):
    joined = MemberFactory(
        user=UserFactory(username="jo", first_name="Jo"), team=team, start_date=MONDAY
    )
    left = MemberFactory(
        user=UserFactory(username="lee", first_name="Lee"), team=team, end_date=THURSDAY
    )
    log_entry(left, at(THURSDAY, 9), at(THURSDAY, 12), ticket=ticket, notes="Handover")
    members = [joined, left]
    assert review_days(day=FRIDAY, members=members, viewer=finance.user) == []
    assert names(review_days(day=THURSDAY, members=members, viewer=finance.user)) == ["Lee"]
    for member, reason in [
        (joined, "before the member's start date"),
        (left, "after the member's last day"),
    ]:
        view = review_day_for(member=member, day=FRIDAY, viewer=finance.user)
        assert (view.listed, view.off_reason, view.gaps) == (False, reason, ())
        with pytest.raises(ValidationError, match=reason):
            review_mark_clean(member=member, day=FRIDAY, by=finance)
        with pytest.raises(ValidationError, match=reason):
            followup_send(member=member, day=FRIDAY, by=finance, subject="Fri", body=FRIENDLY)
    assert not DayReview.objects.exists()


def test_someone_created_today_is_no_pending_day_in_the_past(lead, team, after_review_opens):
    member = member_create(
        username="nia", first_name="Nia", team=team, time_zone="America/New_York"
    )
    schedule_set(member=member, blocks=[(d, time(9), time(17)) for d in range(5)])
    assert member.start_date == FRIDAY  # 18:00 in New York, where she works
    members = reviewable_members(lead.user)
    assert "Nia" not in names(review_days(day=THURSDAY, members=members, viewer=lead.user))
    assert "Nia" in names(review_days(day=FRIDAY, members=members, viewer=lead.user))
    daily = client_for(lead).get(reverse("review:daily_on", kwargs={"day": THURSDAY}))
    assert "Nia" not in daily.content.decode()


def test_my_day_before_the_start_date_expects_nothing(team, after_review_opens):
    member = member_create(
        username="nia", first_name="Nia", team=team, time_zone="America/New_York"
    )
    schedule_set(member=member, blocks=[(d, time(9), time(17)) for d in range(5)])
    before = my_day(member=member, day=THURSDAY)
    assert (before.totals.expected_minutes, before.figures.windows, before.gaps) == (0, (), [])
    today = my_day(member=member, day=FRIDAY)
    assert today.totals.expected_minutes == 480


# --- booked time off ---------------------------------------------------------------------------


def test_time_off_is_booked_ahead_and_the_day_is_not_reviewed(
    lead, tech, pto, remote, ticket, time_machine
):
    time_machine.move_to(at(FRIDAY, 12), tick=False)
    entry_log(member=tech, start=at(MONDAY, 9), end=at(MONDAY, 17), work_type=pto, by=tech)
    with pytest.raises(ValidationError, match="Only time off can be booked ahead"):
        entry_log(
            member=tech,
            start=at(MONDAY, 9),
            end=at(MONDAY, 10),
            work_type=remote,
            ticket=ticket,
            notes="Planned",
            by=tech,
        )
    time_machine.move_to(at(MONDAY, 12), tick=False)
    [under_way] = review_days(day=MONDAY, members=[tech], viewer=lead.user)
    assert (under_way.in_progress, under_way.off) == (True, None)  # nothing shown before it opens
    assert my_day(member=tech, day=MONDAY).gaps == []
    time_machine.move_to(at(MONDAY, 18), tick=False)
    assert review_days(day=MONDAY, members=[tech], viewer=lead.user) == []
    view = review_day_for(member=tech, day=MONDAY, viewer=lead.user)
    assert view.off_reason == "booked time off"


def test_half_a_day_off_leaves_the_other_half_to_account_for(lead, tech, pto, after_review_opens):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 13), work_type=pto, ticket=None, agreement=None)
    [view] = review_days(day=FRIDAY, members=[tech], viewer=lead.user)
    assert view.off is None
    assert [(g.start, g.end) for g in view.gaps] == [(at(FRIDAY, 13), at(FRIDAY, 17))]


def test_wrap_logged_afterwards_is_not_late_but_client_work_is(
    lead, tech, ticket, wrap, after_review_opens
):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket, notes="Setup", lag_minutes=10)
    log_entry(
        tech,
        at(FRIDAY, 12),
        at(FRIDAY, 13),
        work_type=wrap,
        ticket=None,
        agreement=None,
        lag_minutes=300,
    )
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket, notes="Later", lag_minutes=45)
    [view] = review_days(day=FRIDAY, members=[tech], viewer=lead.user)
    assert [(f.kind, f.at) for f in view.findings] == [(FindingKind.LATE_ENTRY, at(FRIDAY, 13))]


# --- agreement findings go to dispatch ------------------------------------------------------------


@pytest.fixture
def unapplied(tech):
    """A whole day on a ticket that has no agreement."""
    ticket = TicketFactory(agreement=None, summary="New client's server")
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Set up backups")
    return ticket


def test_the_reviewer_sees_it_sent_to_dispatch_and_may_mark_the_day_clean(
    lead, tech, unapplied, after_review_opens
):
    [view] = review_days(day=FRIDAY, members=[tech], viewer=lead.user)
    assert [f.kind for f in view.sent_to_dispatch] == [FindingKind.NO_AGREEMENT]
    assert view.may_be_marked_clean
    url = reverse("review:member_day", kwargs={"member_id": tech.pk, "day": FRIDAY})
    page = client_for(lead).get(url).content.decode()
    assert "Sent to dispatch" in page
    assert "?finding=no_agreement" not in page
    assert 'name="finding" value="no_agreement"' not in page
    assert (
        "sent to dispatch"
        in client_for(lead).get(reverse("review:daily_on", kwargs={"day": FRIDAY})).content.decode()
    )
    review_mark_clean(member=tech, day=FRIDAY, by=lead)
    assert DayReview.objects.get(member=tech).state == "clean"


def test_nobody_asks_the_member_about_the_agreement(lead, tech, unapplied, after_review_opens):
    with pytest.raises(ValidationError, match="dispatcher's to sort out"):
        followup_send(
            member=tech,
            day=FRIDAY,
            by=lead,
            subject="Agreement",
            body=FRIENDLY,
            about=Subject(finding=FindingKind.NO_AGREEMENT),
        )
    api = APIClient()
    api.force_authenticate(lead.user)
    body = {
        "member": tech.pk,
        "date": "2025-03-14",
        "subject": "Agreement",
        "body": FRIENDLY,
        "finding": "no_agreement",
    }
    assert api.post("/api/follow-ups/", body, format="json").status_code == 400
    assert not FollowUp.objects.exists()
    day = api.get(f"/api/reviews/{tech.pk}/2025-03-14/").json()["day"]
    assert [(f["kind"], f["sent_to_dispatch"]) for f in day["findings"]] == [("no_agreement", True)]


# --- the demo shows it ---------------------------------------------------------------------------


def test_the_demo_has_holidays_and_a_booked_day_off_that_nobody_reviews(db):
    today = date(2025, 11, 20)
    build_demo(seed=42, today=today, days=21)
    holidays = {(h.name, h.team.name if h.team else None): h.date for h in Holiday.objects.all()}
    assert set(holidays) == {("Founders' day", None), ("Bank holiday", "Projects")}
    theo = Member.objects.get(user__username="tech")
    manager = Member.objects.get(user__username="manager")
    founders = holidays[("Founders' day", None)]
    assert not theo.entries.filter(start__date__range=(founders, founders)).exists()
    assert review_days(day=founders, members=[theo], viewer=manager.user) == []
    days_off = [
        d
        for d in (today - timedelta(days=back) for back in range(2, 15))
        if review_day_for(member=theo, day=d, viewer=manager.user).off == DayOff.TIME_OFF
    ]
    assert days_off
    booked = theo.entries.filter(work_type__is_time_off=True, start__date=days_off[-1]).first()
    assert booked.created_at < booked.start - timedelta(days=2)  # booked well ahead
    assert review_days(day=days_off[-1], members=[theo], viewer=manager.user) == []


def test_my_day_says_why_nothing_is_expected(tech, good_friday, after_review_opens):
    client = client_for(tech)
    page = client.get(reverse("timekeeping:my_day_on", kwargs={"day": FRIDAY})).content.decode()
    assert "Not a working day: a holiday (Spring holiday)" in page
    other = client.get(reverse("timekeeping:my_day_on", kwargs={"day": THURSDAY}))
    assert 'id="day-off"' not in other.content.decode()
