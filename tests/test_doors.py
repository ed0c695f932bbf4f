"""Trust holds at every door: nobody but the member sees the member's time of a day before its
review opens — not a page, an API answer, a report, an export, a feed or the admin.

A canary is planted: an entry of the member today (Wednesday 12 March 2025 in Chicago, 09:05
to 12:22, an unusual 3 h 17 min) with unmistakable notes, plus the member's running timer
and a parked draft carrying the same marker. Every route the URL resolver knows (tests/doors.py
walks it, so a new door is covered the day it is added) is fetched as each role, at 15:00
while the day is under way and at 18:00 once it has opened (schedule 09-17, grace 30 min).
Other March time of the member lies on another agreement in February, so any total of the
member's, the team's, the ticket's or the agreement's March time that counts the canary shows
its length.

The test of the test registers deliberately leaking views and checks the scanner finds them,
so this cannot pass by looking at nothing.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib import admin as django_admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from daybook.accounts.services import token_create
from daybook.calendars.models import CalendarSubscription, Meeting
from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.core.periods import month_period
from daybook.insights.models import ReportRun
from daybook.insights.services import statement_issue
from daybook.interchange.models import ImportUpload
from daybook.interchange.services import feed_create
from daybook.people.choices import Role
from daybook.people.models import Holiday, Member
from daybook.review.choices import NoticeKind
from daybook.review.models import FollowUp
from daybook.review.notify import notice_send
from daybook.service.services import ticket_flag_agreement
from daybook.timekeeping.choices import WeekState
from daybook.timekeeping.models import DraftEntry, PeriodClose, TimeEntry, Timer, WeekSubmission
from daybook.timekeeping.suggestions import suggestions_offered
from tests.doors import SKIPS, Canary, Scan, World, doors, scan
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MemberFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkTypeFactory,
)
from tests.zones import CHICAGO

DAY = date(2025, 3, 12)  # a Wednesday, Chicago on daylight time (UTC-5)
MARKER = "CANARY-7f3a"
# In the title of a meeting in the member's calendar, which their gap suggestions quote: no
# one else may ever see it, not even once the day has opened.
SUGGESTION_MARKER = "OWN-SUGGESTION-5c1d"
CANARY_ID = 7301  # no other row in the test database comes near it
# 3 h 17 min as a page, a CSV, a PDF or the API might write it.
FIGURES = (
    r"(?<![\w:])3:17(?![\w:])",
    r"(?<!\w)3\s*h\s*17(?!\w)",
    # Not an id: in an attribute (value="197") or quoted by the admin (ID “197”).
    r"(?<![\w.#/=\"'“-])197(?:\.0+)?(?![\w.\"'”])",
    r"(?<![\w.])3\.28\d*(?![\w])",
    r"(?<![\w.])11820(?![\w])",
)


def chicago(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO).astimezone(UTC)


UNDER_WAY = chicago(15)
OPEN = chicago(18)


@pytest.fixture
def people(tech, lead, dispatcher, finance, admin, settings, monkeypatch):
    settings.DAYBOOK_REQUIRE_2FA_FOR = []
    # The admin's sidebar lists models, never rows; without it each admin page renders in
    # two thirds of the time.
    monkeypatch.setattr(django_admin.site, "enable_nav_sidebar", False)
    other = MemberFactory(
        user=UserFactory(username="theo", first_name="Theo"), team=tech.team, role=Role.TECHNICIAN
    )
    Member.objects.filter(pk__in=[tech.pk, lead.pk, other.pk, dispatcher.pk]).update(
        time_zone="America/Chicago"
    )
    return {
        "member": tech,
        "another technician": other,
        "dispatcher": dispatcher,
        "manager": lead,
        "finance": finance,
        "admin": admin,
    }


@pytest.fixture
def planted(people):
    """The canary and everything around it, written in the morning of the day."""
    member = Member.objects.get(pk=people["member"].pk)
    with time_machine.travel(chicago(12, 30), tick=False):
        # Everything named: a factory's numbered default ("Client 197") could pass for the
        # canary's length.
        remote = WorkTypeFactory(name="Remote Support")
        acme = CompanyFactory(name="Acme", identifier="acme")
        globex = CompanyFactory(name="Globex", identifier="globex")
        agreement = AgreementFactory(name="Acme support", company=acme)
        ticket = TicketFactory(
            agreement=agreement,
            summary="Mail flow stuck",
            opened_at=chicago(8, 0, date(2025, 3, 3)),
        )
        canary = TimeEntryFactory(
            id=CANARY_ID,
            member=member,
            ticket=ticket,
            work_type=remote,
            start=chicago(9, 5),
            end=chicago(12, 22),
            notes=f"{MARKER} notes",
            internal_notes=f"{MARKER} internal notes",
        )
        # February, another agreement: history that opened long ago, so pages have rows.
        february = date(2025, 2, 26)
        older = TimeEntryFactory(
            member=member,
            ticket=TicketFactory(
                agreement=AgreementFactory(name="Globex T&M", company=globex),
                summary="File server patching",
                opened_at=chicago(8, 0, february),
            ),
            work_type=remote,
            start=chicago(9, 0, february),
            end=chicago(11, 0, february),
            notes="Patched the file server.",
        )
        TimeEntryFactory(
            member=people["another technician"],
            ticket=older.ticket,
            work_type=remote,
            start=chicago(13, 0, february),
            end=chicago(14, 0, february),
            notes="Swapped a failing disk.",
        )
        Timer.objects.create(
            member=member, ticket=ticket, started_at=chicago(12, 25), notes=f"{MARKER} timer"
        )
        draft = DraftEntry.objects.create(
            member=member,
            ticket=ticket,
            start=chicago(8, 0),
            end=chicago(8, 50),
            notes=f"{MARKER} draft",
        )
        follow_up = FollowUp.objects.create(
            member=member,
            date=february,
            sent_by=people["manager"],
            subject="About Wednesday",
            body="Could you tell me more about the morning?",
        )
        notice = notice_send(
            recipient=member,
            kind=NoticeKind.FOLLOW_UP,
            subject="About Wednesday",
            body="A question about 26 February.",
            follow_up=follow_up,
            in_app_only=True,
        )
        token, _ = token_create(user=member.user, name="scripts")
        flag = ticket_flag_agreement(ticket=ticket, by=member, reason="Looks like Globex work.")
        holiday = Holiday.objects.create(date=date(2025, 12, 25), name="Christmas")
        # Across the day's first minutes (09:00-09:05 is a gap), so a suggestion quotes it.
        Meeting.objects.create(
            subscription=CalendarSubscription.objects.create(
                member=member,
                label="Work",
                url="https://outlook.office365.com/owa/calendar/abc/def/calendar.ics",
            ),
            member=member,
            uid="stand-up",
            start=chicago(8, 55),
            end=chicago(9, 30),
            title=f"{MARKER} {SUGGESTION_MARKER} stand-up",
        )
        feed = feed_create(member=member)
        phase = PhaseFactory(
            name="Discovery",
            project=ProjectFactory(
                name="Office move",
                company=globex,
                agreement=AgreementFactory(
                    name="Globex move", company=globex, type=AgreementType.PROJECT
                ),
            ),
        )
        issued = statement_issue(
            company=ticket.company, period=month_period(2025, 2), by=people["finance"]
        )
        # The canary's week, handed in (made directly: the service waits for the week's end),
        # so the approval pages must hide a day whose review has not opened.
        week = WeekSubmission.objects.create(
            member=member,
            week_start=DAY - timedelta(days=DAY.weekday()),
            state=WeekState.SUBMITTED,
            submitted_by=member,
            submitted_at=chicago(12, 29),
        )
        period = PeriodClose.objects.create(
            closed_through=date(2025, 2, 28), closed_by=people["finance"], note="February"
        )
        upload = ImportUpload.objects.create(
            kind="entries",
            filename="entries.csv",
            content=b"Member,Start,End\n",
            uploaded_by=people["finance"],
        )
        # A long report the worker is preparing for the member: theirs alone to poll.
        run = ReportRun.objects.create(report="projects", key="0" * 64, viewer=member.user)
    ids = {
        "member": member.pk,
        "user": member.user_id,
        "canary": canary.pk,
        "ticket": ticket.pk,
        "agreement": agreement.pk,
        "company": ticket.company_id,
        "board": ticket.board_id,
        "team": member.team_id,
        "work_type": remote.pk,
        "work_role": canary.work_role_id,
        "project": phase.project_id,
        "phase": phase.pk,
        "draft": draft.pk,
        "follow_up": follow_up.pk,
        "notice": notice.pk,
        "token": token.pk,
        "flag": flag.pk,
        "holiday": holiday.pk,
        "feed": feed.pk,
        "issued_statement": issued.pk,
        "week_submission": week.pk,
        "period_close": period.pk,
        "import_upload": upload.pk,
        "report_run": run.pk,
        "entry_content_type": ContentType.objects.get_for_model(TimeEntry).pk,
    }
    own = {
        TimeEntry: canary.pk,
        Timer: Timer.objects.get(member=member).pk,
        DraftEntry: draft.pk,
        Member: member.pk,
        type(member.user): member.user_id,
        type(ticket): ticket.pk,
        type(agreement): agreement.pk,
        WorkType: remote.pk,
    }

    def admin_object(model) -> int | None:
        if model in own:
            return own[model]
        return model._default_manager.order_by("pk").values_list("pk", flat=True).first()

    def history_id(model, object_id) -> int | None:
        history = getattr(model, "history", None)
        if history is None:
            return None
        record = history.filter(**{model._meta.pk.attname: object_id}).order_by("-pk").first()
        return record.history_id if record else None

    month = {"month": "2025-03"}
    world = World(
        ids=ids,
        day=DAY,
        admin_objects=admin_object,
        history_id=history_id,
        queries={
            "timeentry-list": {"member": member.pk},
            "my-suggestions-list": {"date": DAY.isoformat()},
            "review-list": {"date": DAY.isoformat()},
            "tickets:ticket_list": {"scope": "queue"},
            "report-statement-list": {"company": ticket.company_id, **month},
            "insights:statement": {"company": ticket.company_id, **month},
            "insights:statement_csv": {"company": ticket.company_id, **month},
            "insights:statement_pdf": {"company": ticket.company_id, **month},
            "insights:forecast": {"last_month": "2025-03"},
            "insights:forecast_csv": {"last_month": "2025-03"},
            "report-forecast-list": {"last_month": "2025-03"},
            "insights:capacity": {"first_week": DAY.isoformat(), "weeks": 1},
            "insights:capacity_csv": {"first_week": DAY.isoformat(), "weeks": 1},
            "report-capacity-list": {"first_week": DAY.isoformat(), "weeks": 1},
            "insights:projects": {"as_of": DAY.isoformat()},
            "insights:projects_csv": {"as_of": DAY.isoformat()},
            "report-projects-list": {"as_of": DAY.isoformat()},
            # From the February history to the canary's day: the day must not be among them.
            "member-gaps-list": {"from": "2025-02-24", "to": DAY.isoformat()},
            **dict.fromkeys(
                (
                    "insights:workload",
                    "insights:workload_csv",
                    "report-workload-list",
                    "insights:profitability",
                    "insights:profitability_csv",
                    "report-profitability-list",
                    "report-profitability-detail",
                    "insights:profitability_agreement",
                    "insights:sla",
                    "insights:sla_csv",
                    "report-sla-list",
                ),
                month,
            ),
        },
    )
    return world, Canary(marker=MARKER, entry_id=canary.pk, figures=FIGURES)


def _client_for(member) -> Client:
    # A door that fails with a server error shows nothing; the scan goes on past it (the
    # API's own schema tests hunt server errors).
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    return client


def _scan(role: str, people, planted, **options) -> Scan:
    world, canary = planted
    member = people[role]
    return scan(_client_for(member), world, canary, staff=member.user.is_staff, **options)


def _report(result: Scan) -> str:
    return "\n".join(f"{door}: {'; '.join(found)}" for door, found in result.showing.items())


OTHERS = ["another technician", "dispatcher", "manager", "finance", "admin"]


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_else_sees_the_members_day_before_it_opens(role, people, planted):
    with time_machine.travel(UNDER_WAY, tick=False):
        result = _scan(role, people, planted)
    assert not result.unfilled, "\n".join(result.unfilled)
    every_door = len([door for door in doors() if door.name not in SKIPS])
    assert len(result.fetched) + result.left_out == every_door + (result.left_out > 0)
    assert not result.showing, f"{role} sees the canary through:\n{_report(result)}"


@pytest.mark.parametrize("role", ["another technician", "dispatcher"])
def test_those_who_may_not_see_the_member_never_do(role, people, planted):
    with time_machine.travel(OPEN, tick=False):
        result = _scan(role, people, planted)
    assert not result.showing, f"{role} sees the canary through:\n{_report(result)}"


@pytest.mark.parametrize(
    ("role", "moment"),
    [("member", UNDER_WAY), ("manager", OPEN), ("finance", OPEN), ("admin", OPEN)],
)
def test_those_who_may_see_it_do(role, moment, people, planted):
    """The member at once, the reviewers once the day has opened: the scanner finds it, so
    the tests above are not passing by looking at pages that show nothing."""
    with time_machine.travel(moment, tick=False):
        result = _scan(role, people, planted, until_seen=True)
    assert result.showing, f"{role} found the canary nowhere in {len(result.fetched)} doors"


OWN_SUGGESTION = Canary(marker=SUGGESTION_MARKER, entry_id=-1, figures=())


def test_the_member_sees_their_suggestions(people, planted):
    """The scans below are not passing by looking at nothing: the member's suggestions quote
    the meeting, on the page and in the API."""
    world, _ = planted
    member = people["member"]
    with time_machine.travel(OPEN, tick=False):
        assert any(
            SUGGESTION_MARKER in s.reason for s in suggestions_offered(member=member, day=DAY)
        )
        result = scan(
            _client_for(member),
            world,
            OWN_SUGGESTION,
            staff=False,
            only=lambda door: "suggestions" in door.name,
        )
    assert len(result.showing) == 2, result.fetched


@pytest.mark.parametrize("role", ["manager", "finance", "admin"])
def test_the_members_suggestions_stay_theirs_after_the_day_opens(role, people, planted):
    """Reviewers see the member's day once it opens, but never the suggestions for it."""
    world, _ = planted
    viewer = people[role]
    with time_machine.travel(OPEN, tick=False):
        result = scan(_client_for(viewer), world, OWN_SUGGESTION, staff=viewer.user.is_staff)
    # (Doors it cannot fill fail test_nobody_else_sees_the_members_day_before_it_opens.)
    assert not result.showing, f"{role} sees the member's suggestions:\n{_report(result)}"


def test_the_api_schema_describes_no_ones_time(people, planted):
    """Skipped by the scans (the same document for every viewer): read once, here."""
    _, canary = planted
    with time_machine.travel(UNDER_WAY, tick=False):
        response = _client_for(people["admin"]).get("/api/schema/")
    assert response.status_code == 200
    assert canary.found_in(response) == []


LEAKS = "tests.door_leak_urls"


def test_the_scanner_finds_a_new_door_that_leaks(people, planted, settings):
    """A door added without asking the policy is found: enumerated from the resolver with no
    change to the scanner, and flagged for each way the canary can show."""
    settings.ROOT_URLCONF = LEAKS
    known = {door.template for door in doors("daybook.urls")}
    with time_machine.travel(UNDER_WAY, tick=False):
        result = _scan(
            "manager", people, planted, urlconf=LEAKS, only=lambda door: door.template not in known
        )
    flagged = {door.split(" -> ")[0] for door in result.showing}
    assert flagged == {
        "leak-notes /leaks/notes/",
        "leak-entry /api/time-entries/%(pk)s/leak/",
        "leak-length /leaks/length.csv",
    }, _report(result)
    assert ("/leaks/nothing/", 200) in result.fetched
    # A door the scanner cannot fill is reported (and fails the door test), never dropped.
    assert result.unfilled == ["leak-unknown /leaks/%(thing)s/: nothing to fill 'thing' with"]
