"""Weeks handed in, approved or returned with a reason: the services, the approvals page, the
member's week and day pages, and the API. Who may decide: a reviewer for the teams they
review, Finance for everyone; nobody else."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daybook.timekeeping.approval import (
    entries_set_approval,
    week_approve,
    week_return,
    week_submit,
    week_submit_after_review,
)
from daybook.timekeeping.choices import ApprovalState, WeekState, WeekSubmitter
from daybook.timekeeping.models import ReviewPolicy, TimeEntry, WeekSubmission
from daybook.timekeeping.services import entry_edit, entry_log
from tests.api_support import client_for as api_client_for
from tests.factories import AgreementFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

MONDAY = date(2025, 3, 10)
# Tuesday 18 March 2025, noon in New York: the week of 10 March is over and open for review.
NOW = datetime(2025, 3, 18, 12, 0, tzinfo=NEW_YORK)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(db):
    return TicketFactory(agreement=AgreementFactory())


def log(member, ticket, work_type, start, end, notes="Reset the VPN token."):
    return entry_log(
        member=member,
        ticket=ticket,
        work_type=work_type,
        start=start,
        end=end,
        notes=notes,
        by=member,
    )


@pytest.fixture
def week(tech, ticket, remote):
    """Tess's week of 10 March: two entries, Tuesday and Wednesday."""
    return [
        log(tech, ticket, remote, ny(11, 9), ny(11, 11)),
        log(tech, ticket, remote, ny(12, 13), ny(12, 14, 30)),
    ]


@pytest.fixture
def submitted(tech, week):
    return week_submit(member=tech, week_start=MONDAY, by=tech)


def client_for(client, member):
    client.force_login(member.user)
    return client


# --- services -------------------------------------------------------------------------------


def test_a_member_submits_a_finished_week(tech, week):
    row = week_submit(member=tech, week_start=MONDAY, by=tech)
    assert row.state == WeekState.SUBMITTED
    assert row.submitted_by == tech
    assert row.history.count() == 1


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (date(2025, 3, 12), "A week starts on a Monday; 2025-03-12 is a Wednesday."),
        (date(2025, 3, 17), "the week of 2025-03-17 ends on Sunday 2025-03-23"),
    ],
)
def test_a_week_that_is_not_a_finished_monday_week_is_refused(tech, week, start, message):
    with pytest.raises(ValidationError) as refusal:
        week_submit(member=tech, week_start=start, by=tech)
    assert message in refusal.value.message_dict["week_start"][0]
    assert not WeekSubmission.objects.exists()


def test_submitting_twice_is_refused(tech, submitted):
    with pytest.raises(ValidationError, match="already submitted"):
        week_submit(member=tech, week_start=MONDAY, by=tech)


def test_nobody_submits_another_members_week_but_finance(tech, other_team_tech, lead, finance):
    with pytest.raises(PermissionDenied):
        week_submit(member=tech, week_start=MONDAY, by=other_team_tech)
    with pytest.raises(PermissionDenied):
        week_submit(member=tech, week_start=MONDAY, by=lead)
    assert week_submit(member=tech, week_start=MONDAY, by=finance).submitted_by == finance


def test_the_teams_reviewer_approves_and_the_entries_lock(tech, lead, week, submitted):
    row = week_approve(submission=submitted, by=lead)

    assert row.state == WeekState.APPROVED
    assert row.decided_by == lead
    assert set(TimeEntry.objects.values_list("approval_state", flat=True)) == {
        ApprovalState.APPROVED
    }
    with pytest.raises(ValidationError, match="approved and can no longer change"):
        entry_edit(entry=week[0], by=tech, notes="Changed afterwards.")


@pytest.mark.parametrize("who", ["tech", "other_team_tech", "dispatcher"])
def test_only_a_reviewer_of_the_team_or_finance_decides(request, who, week, submitted):
    outsider = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        week_approve(submission=submitted, by=outsider)
    with pytest.raises(PermissionDenied):
        week_return(submission=submitted, by=outsider, reason="Please fix Tuesday.")
    submitted.refresh_from_db()
    assert submitted.state == WeekState.SUBMITTED
    assert not TimeEntry.objects.filter(approval_state=ApprovalState.APPROVED).exists()


def test_a_reviewer_of_another_team_may_not_decide(other_team, other_team_tech, lead, remote):
    otto_ticket = TicketFactory(agreement=AgreementFactory())
    log(other_team_tech, otto_ticket, remote, ny(11, 9), ny(11, 10))
    row = week_submit(member=other_team_tech, week_start=MONDAY, by=other_team_tech)
    with pytest.raises(PermissionDenied):
        week_approve(submission=row, by=lead)


def test_finance_approves_any_week(finance, submitted):
    assert week_approve(submission=submitted, by=finance).state == WeekState.APPROVED


def test_a_reviewer_may_approve_entries_but_not_bill_them(lead, tech, week):
    entries = TimeEntry.objects.filter(member=tech)
    with pytest.raises(PermissionDenied, match="Only Finance can bill or invoice"):
        entries_set_approval(entries=entries, state=ApprovalState.INVOICED, by=lead)
    assert entries_set_approval(entries=entries, state=ApprovalState.APPROVED, by=lead) == 2


def test_a_reviewer_may_not_approve_their_own_time(lead, ticket, remote):
    mine = log(lead, ticket, remote, ny(11, 9), ny(11, 10))
    with pytest.raises(PermissionDenied):
        entries_set_approval(entries=[mine], state=ApprovalState.APPROVED, by=lead)


def test_returning_needs_a_reason_and_changes_nothing_without_one(lead, submitted):
    with pytest.raises(ValidationError) as refusal:
        week_return(submission=submitted, by=lead, reason="   ")
    assert "Say what needs fixing" in refusal.value.message_dict["reason"][0]
    submitted.refresh_from_db()
    assert submitted.state == WeekState.SUBMITTED
    assert submitted.reason == ""


def test_a_returned_week_is_fixed_and_submitted_again_then_approved(tech, lead, week, submitted):
    week_return(submission=submitted, by=lead, reason="Wednesday's notes are missing the fix.")
    entry_edit(entry=week[1], by=tech, notes="Replaced the failing switch port.")
    again = week_submit(member=tech, week_start=MONDAY, by=tech)
    assert again.pk == submitted.pk
    assert again.state == WeekState.SUBMITTED
    week_approve(submission=again, by=lead)

    steps = [h.history_change_reason for h in again.history.order_by("history_date")]
    assert steps == [
        "Submitted",
        "Returned: Wednesday's notes are missing the fix.",
        "Submitted",
        "Approved",
    ]


def test_a_decided_week_cannot_be_decided_again(lead, submitted):
    week_approve(submission=submitted, by=lead)
    with pytest.raises(ValidationError, match="approved, not waiting"):
        week_return(submission=submitted, by=lead, reason="Too late.")


def test_under_the_day_review_policy_closing_a_day_submits_its_finished_week(tech, lead, week):
    ReviewPolicy.objects.update_or_create(
        team=None, defaults={"week_submission": WeekSubmitter.DAY_REVIEW}
    )
    row = week_submit_after_review(member=tech, day=date(2025, 3, 12), by=lead)
    assert row is not None
    assert row.state == WeekState.SUBMITTED
    assert row.submitted_by == lead
    # This week is still under way: nothing is handed in yet.
    assert week_submit_after_review(member=tech, day=date(2025, 3, 17), by=lead) is None


def test_under_the_member_policy_closing_a_day_submits_nothing(tech, lead, week):
    assert week_submit_after_review(member=tech, day=date(2025, 3, 12), by=lead) is None
    assert not WeekSubmission.objects.exists()


# --- pages ----------------------------------------------------------------------------------


def test_the_member_submits_from_the_week_page(client, tech, week):
    page = client_for(client, tech).get(reverse("timekeeping:week_of", args=[MONDAY]))
    assert "Submit this week for approval" in page.content.decode()

    response = client.post(reverse("timekeeping:week_submit", args=[date(2025, 3, 12)]))

    assert response.status_code == 302
    assert WeekSubmission.objects.get().week_start == MONDAY
    page = client.get(reverse("timekeeping:week_of", args=[MONDAY]))
    assert "submitted for approval" in page.content.decode()


def test_submitting_the_week_under_way_says_why_not(client, tech, week):
    response = client_for(client, tech).post(
        reverse("timekeeping:week_submit", args=[date(2025, 3, 18)]), follow=True
    )
    assert "ends on Sunday 2025-03-23" in response.content.decode()
    assert not WeekSubmission.objects.exists()


def test_the_reviewer_sees_the_week_and_approves_it(client, lead, submitted):
    client_for(client, lead)
    listing = client.get(reverse("timekeeping:approvals")).content.decode()
    assert "Tess" in listing
    page = client.get(reverse("timekeeping:approval_week", args=[submitted.pk]))
    text = page.content.decode()
    assert "Reset the VPN token." in text
    assert "3 h 30 min" in text

    response = client.post(reverse("timekeeping:approval_approve", args=[submitted.pk]))

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == WeekState.APPROVED


def test_returning_without_a_reason_on_the_page_is_refused(client, lead, submitted):
    response = client_for(client, lead).post(
        reverse("timekeeping:approval_return", args=[submitted.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Say what needs fixing" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == WeekState.SUBMITTED


def test_the_member_sees_the_return_reason_on_my_day_and_the_week(client, tech, lead, submitted):
    week_return(submission=submitted, by=lead, reason="Wednesday needs its notes.")
    client_for(client, tech)
    for url in (
        reverse("timekeeping:my_day_on", args=[date(2025, 3, 12)]),
        reverse("timekeeping:week_of", args=[MONDAY]),
    ):
        assert "Wednesday needs its notes." in client.get(url).content.decode()
    assert (
        "Submit the week again"
        in client.get(reverse("timekeeping:week_of", args=[MONDAY])).content.decode()
    )


@pytest.mark.parametrize("who", ["tech", "dispatcher"])
def test_members_who_approve_nothing_are_refused_the_approvals_page(client, request, who):
    member = request.getfixturevalue(who)
    assert client_for(client, member).get(reverse("timekeeping:approvals")).status_code == 403


def test_a_reviewer_of_another_team_cannot_open_or_decide_the_week(client, other_team, submitted):
    from daybook.people.choices import Role
    from tests.factories import MemberFactory, UserFactory

    olga = MemberFactory(user=UserFactory(username="olga"), team=other_team, role=Role.MANAGER)
    other_team.reviewers.add(olga)
    client_for(client, olga)
    assert "Tess" not in client.get(reverse("timekeeping:approvals")).content.decode()
    assert client.get(reverse("timekeeping:approval_week", args=[submitted.pk])).status_code == 404
    url = reverse("timekeeping:approval_approve", args=[submitted.pk])
    assert client.post(url).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == WeekState.SUBMITTED


def test_the_approvals_page_needs_a_login(client, submitted):
    response = client.get(reverse("timekeeping:approvals"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- API ------------------------------------------------------------------------------------

LIST = "/api/week-submissions/"


def test_api_submit_approve_and_list(tech, lead, week):
    response = api_client_for(tech).post(LIST, {"week_start": "2025-03-10"}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["state"] == "submitted"

    reviewer = api_client_for(lead)
    assert [row["id"] for row in reviewer.get(LIST).json()["results"]] == [pk]
    response = reviewer.post(f"{LIST}{pk}/approve/")
    assert response.status_code == 200
    assert response.json()["state"] == "approved"


def test_api_return_needs_a_reason(lead, submitted):
    client = api_client_for(lead)
    response = client.post(f"{LIST}{submitted.pk}/return/", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = client.post(
        f"{LIST}{submitted.pk}/return/", {"reason": "Fix Tuesday."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reason"] == "Fix Tuesday."


def test_api_bad_week_is_refused_with_a_message(tech, week):
    response = api_client_for(tech).post(LIST, {"week_start": "2025-03-11"}, format="json")
    assert response.status_code == 400
    assert "starts on a Monday" in response.json()["week_start"][0]
    response = api_client_for(tech).post(LIST, {"week_start": "soon"}, format="json")
    assert response.status_code == 400
    assert not WeekSubmission.objects.exists()


@pytest.mark.parametrize("who", ["tech", "other_team_tech", "dispatcher"])
def test_api_outsiders_cannot_approve_or_return(request, who, submitted):
    client = api_client_for(request.getfixturevalue(who))
    assert client.post(f"{LIST}{submitted.pk}/approve/").status_code == 404
    response = client.post(f"{LIST}{submitted.pk}/return/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == WeekState.SUBMITTED


def test_api_other_members_do_not_see_the_week(other_team_tech, submitted):
    assert api_client_for(other_team_tech).get(LIST).json()["results"] == []


def test_api_anonymous_is_refused(submitted):
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code in (401, 403)
