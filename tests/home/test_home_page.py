"""The home page: one panel per role, each showing what that role does next, and nothing a
role should not see (no other role's panels, no money, nobody's unopened day)."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.home import panels
from daybook.home.services import process_acknowledge, process_publish
from daybook.insights.models import IssuedStatement
from daybook.people.choices import Role
from daybook.review.choices import FollowUpState, ReviewState
from daybook.review.models import DayReview, FollowUp
from daybook.service.choices import TicketStatus
from daybook.timekeeping.models import PeriodClose, Timer
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MemberFactory,
    TicketFactory,
    UserFactory,
    closed_copies,
)
from tests.review.helpers import at, log_entry
from tests.statements import plans_of, statements_sent

pytestmark = pytest.mark.django_db

HOME = reverse("home")
# Wednesday 19 March 2025, noon in New York: Monday and Tuesday are over, today is under way.
WEDNESDAY = date(2025, 3, 19)
TUESDAY, MONDAY = WEDNESDAY - timedelta(days=1), WEDNESDAY - timedelta(days=2)
NOON = at(WEDNESDAY, 12)


def counted(heading: str, count: int) -> str:
    """A panel heading with its count shown as a badge."""
    return f'{heading} <span class="badge rounded-pill text-bg-warning">{count}</span>'


@pytest.fixture(autouse=True)
def noon(time_machine):
    time_machine.move_to(NOON, tick=False)


def page_for(member) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(HOME)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


# --- technician --------------------------------------------------------------------------


def test_a_technician_sees_their_day_timer_gaps_and_requests(tech, lead):
    ticket = TicketFactory(summary="Printer offline")
    log_entry(tech, at(WEDNESDAY, 9), at(WEDNESDAY, 10), ticket=ticket)
    Timer.objects.create(member=tech, started_at=at(WEDNESDAY, 11, 30), ticket=ticket)
    FollowUp.objects.create(
        member=tech, date=MONDAY, sent_by=lead, subject="About Monday afternoon", body="Hi"
    )
    FollowUp.objects.create(
        member=tech,
        date=MONDAY,
        sent_by=lead,
        subject="Settled long ago",
        body="Hi",
        state=FollowUpState.RESOLVED,
    )
    page = page_for(tech)
    assert 'id="panel-today"' in page
    assert "Printer offline</strong> since 11:30" in page
    assert "<strong>1 h 00 min</strong> logged today of 8 h 00 min expected" in page
    assert "7 h 00 min still to account for" in page
    # 10:00 to 11:30 is a gap to fill; the running timer covers the time since.
    assert "10:00\N{EN DASH}11:30</span> (1 h 30 min)" in page
    assert "/time/entries/new/?start=2025-03-19T10:00&amp;end=2025-03-19T11:30" in page
    assert "About Monday afternoon" in page
    assert "Settled long ago" not in page
    assert counted("Open requests", 1) in page


def test_a_technician_sees_no_other_roles_panels_and_no_money(tech):
    log_entry(tech, at(WEDNESDAY, 9), at(WEDNESDAY, 10), bill_rate=Decimal("123.45"))
    page = page_for(tech)
    for panel in ("panel-review", "panel-dispatch", "panel-finance", "panel-admin"):
        assert panel not in page
    assert "123.45" not in page
    assert "40.00" not in page  # the cost rate


def test_an_empty_day_says_so(tech):
    page = page_for(tech)
    assert "No timer running." in page
    assert "No open requests." in page


# --- reviewer ------------------------------------------------------------------------------


def test_a_reviewer_sees_days_waiting_and_open_follow_ups(tech, lead, other_team_tech):
    DayReview.objects.create(member=tech, date=MONDAY, state=ReviewState.CLEAN)
    FollowUp.objects.create(
        member=tech,
        date=TUESDAY,
        sent_by=lead,
        subject="Tuesday after lunch",
        body="Hi",
        state=FollowUpState.ANSWERED,
    )
    FollowUp.objects.create(
        member=other_team_tech, date=TUESDAY, subject="Not Lena's to see", body="Hi"
    )
    page = page_for(lead)
    assert 'id="panel-review"' in page
    # Tuesday, and last Wednesday to Friday: opened and pending. Monday is decided and today
    # is under way; the weekend had nothing scheduled.
    assert counted("Days waiting for review", 4) in page
    assert reverse("review:daily_on", kwargs={"day": TUESDAY}) in page
    assert reverse("review:daily_on", kwargs={"day": MONDAY}) not in page
    assert reverse("review:daily_on", kwargs={"day": WEDNESDAY}) not in page
    assert "Tuesday after lunch" in page
    assert "1 answered and waiting for you." in page
    assert "Not Lena&#x27;s to see" not in page
    assert "Not Lena's to see" not in page
    # A manager logs time too.
    assert 'id="panel-today"' in page
    assert "panel-dispatch" not in page
    assert "panel-finance" not in page


def test_a_reviewer_sees_nothing_of_a_day_still_under_way(tech, lead):
    log_entry(tech, at(WEDNESDAY, 9), at(WEDNESDAY, 10), notes="Today's secret")
    page = page_for(lead)
    assert "Today&#x27;s secret" not in page
    assert "Today's secret" not in page
    assert reverse("review:daily_on", kwargs={"day": WEDNESDAY}) not in page


def test_the_review_panel_does_not_grow_with_the_team(
    tech, lead, team, django_assert_max_num_queries
):
    client = Client()
    client.force_login(lead.user)
    with django_assert_max_num_queries(200) as small:
        client.get(HOME)
    for n in range(4):
        MemberFactory(user=UserFactory(username=f"extra{n}"), team=team)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert counted("Days waiting for review", 25) in client.get(HOME).content.decode()


# --- dispatcher ----------------------------------------------------------------------------


def test_a_dispatcher_sees_unassigned_and_due_soon_tickets(dispatcher, tech):
    TicketFactory(summary="Nobody on this", opened_at=at(MONDAY, 9))
    TicketFactory(summary="Done and dusted", status=TicketStatus.RESOLVED)
    TicketFactory(
        summary="Respond within the hour", assignee=tech, respond_due_at=NOON + timedelta(hours=1)
    )
    TicketFactory(
        summary="Already late", assignee=tech, respond_due_at=NOON - timedelta(minutes=30)
    )
    TicketFactory(
        summary="Waiting on the client",
        assignee=tech,
        status=TicketStatus.WAITING_CLIENT,
        waiting_since=NOON - timedelta(hours=2),
        respond_due_at=NOON + timedelta(hours=1),
    )
    TicketFactory(
        summary="Plenty of time", assignee=tech, respond_due_at=NOON + timedelta(hours=20)
    )
    TicketFactory(
        summary="Answered, resolving soon",
        assignee=tech,
        first_response_at=NOON - timedelta(hours=3),
        respond_due_at=NOON - timedelta(hours=2),
        resolve_due_at=NOON + timedelta(hours=2),
    )
    page = page_for(dispatcher)
    assert 'id="panel-dispatch"' in page
    unassigned = page[page.index("Unassigned") : page.index("SLA due soon")]
    assert "Nobody on this" in unassigned
    assert "Done and dusted" not in unassigned
    assert "Respond within the hour" not in unassigned
    due = page[page.index("SLA due soon") :]
    assert counted("SLA due soon", 3) in due
    assert due.index("Already late") < due.index("Respond within the hour")
    assert "overdue since" in due
    assert "Answered, resolving soon" in due
    assert "resolve due" in due
    assert "Waiting on the client" not in due
    assert "Plenty of time" not in due
    assert "panel-finance" not in page
    assert "panel-review" not in page


# --- finance -------------------------------------------------------------------------------


def test_finance_sees_the_close_in_force_and_statements_to_issue(finance, tech):
    PeriodClose.objects.create(closed_through=date(2025, 2, 28), closed_by=finance)
    february = date(2025, 2, 12)
    owes = AgreementFactory(company=CompanyFactory(name="Acme Dental"))
    issued = AgreementFactory(company=CompanyFactory(name="Globex Logistics"))
    hidden = AgreementFactory(company=CompanyFactory(name="Initech"))
    later = AgreementFactory(company=CompanyFactory(name="Umbrella"))
    log_entry(tech, at(february, 9), at(february, 10), ticket=TicketFactory(agreement=owes))
    log_entry(tech, at(february, 10), at(february, 11), ticket=TicketFactory(agreement=issued))
    log_entry(
        tech,
        at(february, 11),
        at(february, 12),
        ticket=TicketFactory(agreement=hidden),
        billable=BillableOption.DO_NOT_BILL,
    )
    log_entry(tech, at(MONDAY, 9), at(MONDAY, 10), ticket=TicketFactory(agreement=later))
    IssuedStatement.objects.create(
        company=issued.company,
        period_start=date(2025, 2, 1),
        period_end=date(2025, 2, 28),
        time_zone="America/New_York",
        fingerprint="f" * 64,
        issued_by=finance,
        issued_at=NOON,
        total_hours=Decimal("1"),
        total_amount=Decimal("100"),
    )
    page = page_for(finance)
    assert 'id="panel-finance"' in page
    assert "Time is closed through <strong>Fri 28 Feb 2025</strong> (by Fiona" in page
    assert "Everything from 1 Mar 2025 on is still open." in page
    assert counted("Statements to issue for February 2025", 1) in page
    assert "Acme Dental" in page
    assert f"?company={owes.company.pk}&amp;month=2025-02" in page
    for name in ("Globex Logistics", "Initech", "Umbrella"):
        assert name not in page
    # Finance alone logs no field time: no day panel, and no amounts on the home page.
    assert "panel-today" not in page
    assert "panel-dispatch" not in page
    assert "100.00" not in page


def test_statements_to_issue_read_each_companys_own_month(finance, tech):
    tokyo = ZoneInfo("Asia/Tokyo")
    los_angeles = ZoneInfo("America/Los_Angeles")
    early = AgreementFactory(company=CompanyFactory(name="Sakura Clinics", time_zone=tokyo.key))
    late = AgreementFactory(
        company=CompanyFactory(name="Pacific Dental", time_zone=los_angeles.key)
    )
    march_in_tokyo = AgreementFactory(
        company=CompanyFactory(name="Kobe Freight", time_zone=tokyo.key)
    )
    # 23:00 on 28 February in Tokyo: February there, the afternoon before in New York.
    log_entry(
        tech,
        at(date(2025, 2, 28), 23, zone=tokyo),
        at(date(2025, 2, 28), 23, 30, zone=tokyo),
        ticket=TicketFactory(agreement=early),
    )
    # 20:00 on 28 February in Los Angeles: already 1 March in UTC.
    log_entry(
        tech,
        at(date(2025, 2, 28), 20, zone=los_angeles),
        at(date(2025, 2, 28), 21, zone=los_angeles),
        ticket=TicketFactory(agreement=late),
    )
    # 01:00 on 1 March in Tokyo: still 28 February in New York and in UTC.
    log_entry(
        tech,
        at(date(2025, 3, 1), 1, zone=tokyo),
        at(date(2025, 3, 1), 2, zone=tokyo),
        ticket=TicketFactory(agreement=march_in_tokyo),
    )

    due = panels.statements_to_issue(panels.last_month(date(2025, 3, 5)))

    assert [d.company.name for d in due] == ["Pacific Dental", "Sakura Clinics"]


def test_finance_before_any_close(finance):
    page = page_for(finance)
    assert "No period has been closed yet" in page
    assert "Every client with time in February has its statement." in page


# --- administrator -------------------------------------------------------------------------


def test_an_admin_sees_the_first_run_checklist_and_the_process(admin, tech, monkeypatch):
    items = [
        SimpleNamespace(label="Add work roles and types", done=True, url="/setup/roles/"),
        SimpleNamespace(label="Add a company with an agreement", done=False, url="/setup/co/"),
    ]
    monkeypatch.setattr(panels, "setup_checklist", lambda: items)
    process_publish(title="How we log time", text="Be quick.", by=admin)
    page = page_for(admin)
    assert 'id="panel-admin"' in page
    assert '<a href="/setup/co/">Add a company with an agreement</a>' in page
    assert "Add work roles and types<span" in page  # done: no link
    assert "(done)" in page
    assert "(to do)" in page
    assert "Version 1 is in force; 1 of 2 working members acknowledged it." in page
    process_acknowledge(member=tech, version_number=1)
    assert "2 of 2 working members" in page_for(admin)


def test_the_admin_panel_works_before_the_setup_pages_exist(admin, monkeypatch):
    monkeypatch.setattr(panels, "setup_checklist", None)
    page = page_for(admin)
    assert "The first-run checklist comes with the setup pages." in page
    assert "No process is written yet." in page


# --- several roles, and logins without a member ------------------------------------------------


def test_several_roles_get_several_panels(dispatcher):
    dispatcher.user.groups.add(Group.objects.get(name=Role.FINANCE))
    page = page_for(dispatcher)
    for panel in ("panel-today", "panel-dispatch", "panel-finance"):
        assert f'id="{panel}"' in page
    assert "panel-admin" not in page


def test_a_login_without_a_member_is_told_why_the_page_is_empty(django_user_model):
    user = django_user_model.objects.create_user("loner", password="x")
    client = Client()
    client.force_login(user)
    page = client.get(HOME).content.decode()
    assert "Your login is not linked to a member" in page


def test_the_admin_panel_shows_the_setup_pages_checklist(admin):
    from daybook.setup.selectors import setup_checklist

    items = setup_checklist()
    page = page_for(admin)
    for item in items:
        assert item.label in page
    todo = [item for item in items if not item.done]
    assert todo, "a fresh test database has set-up steps left"
    assert f'<a href="{todo[0].url}">{todo[0].label}</a>' in page


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_due_soon_tickets_are_found_among_many_closed_without_reading_them(dispatcher):
    closed = TicketFactory(status=TicketStatus.CLOSED, resolved_at=NOON - timedelta(days=9))
    closed_copies(closed, 300)
    TicketFactory(summary="Respond soon", respond_due_at=NOON + timedelta(hours=1))
    sent = statements_sent(lambda: panels.dispatch_panel(now=NOON))
    due_soon = [(sql, params) for sql, params in sent if '"waiting_since" IS NULL' in sql]
    assert len(due_soon) == 2  # the list and its count
    for plan in plans_of(due_soon):
        # Either partial index holds only open tickets.
        assert "INDEX ticket_clock_running" in plan or "INDEX ticket_open" in plan, plan
