import hashlib
import io
import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, Company
from daybook.clients.selectors import agreement_check
from daybook.demo.bulk import FastInsert
from daybook.demo.catalog import DEMO_PASSWORD
from daybook.demo.generator import DemoConflict, build_demo
from daybook.people.models import Member, Team
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import Project, SlaTarget, Ticket, TicketStatusChange
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.rates import resolve_bill_rate

TODAY = date(2025, 11, 20)  # "now" is noon UTC that day; the window crosses both DST changes
NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)
LOGINS = ["tech", "dispatcher", "manager", "finance", "admin"]


def _entries_by_member_day() -> dict[tuple[int, date], list[TimeEntry]]:
    days = defaultdict(list)
    for entry in TimeEntry.objects.select_related("member").order_by("start"):
        days[(entry.member_id, entry.start.astimezone(entry.member.zone).date())].append(entry)
    return days


def _has_overlap(entries: list[TimeEntry]) -> bool:
    latest_end = None
    for entry in entries:
        if latest_end is not None and entry.start < latest_end:
            return True
        latest_end = max(latest_end or entry.end, entry.end)
    return False


def _longest_scheduled_gap(member: Member, day: date, entries: list[TimeEntry]) -> timedelta:
    """The longest stretch inside the member's schedule that no entry covers."""
    longest = timedelta(0)
    zone = member.zone
    for block in member.schedule.all():
        if block.weekday != day.weekday():
            continue
        cursor = datetime.combine(day, block.start, tzinfo=zone)
        window_end = datetime.combine(day, block.end, tzinfo=zone)
        for entry in entries:
            if entry.end <= cursor or entry.start >= window_end:
                continue
            longest = max(longest, entry.start - cursor)
            cursor = max(cursor, entry.end)
        longest = max(longest, window_end - cursor)
    return longest


def _digest() -> str:
    rows = TimeEntry.objects.order_by("member__user__username", "start", "end").values_list(
        "member__user__username", "start", "end", "work_type__name", "billable", "bill_rate"
    )
    tickets = Ticket.objects.order_by("opened_at", "summary").values_list(
        "summary", "opened_at", "status", "priority"
    )
    digest = hashlib.sha256()
    for row in [*rows, *tickets]:
        digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def demo(db):
    """The small demo with three weeks of time: every pattern, a quarter of the rows."""
    return build_demo(seed=42, today=TODAY, days=21)


def test_the_full_small_demo_has_its_promised_size(db):
    summary = build_demo(seed=42, today=TODAY)
    assert summary.created
    assert Member.objects.count() == 15
    assert Company.objects.count() == 30
    assert 7500 <= Ticket.objects.count() <= 9500  # ~22 a day
    assert TimeEntry.objects.count() > 5000
    assert summary.counts["time entries"] == TimeEntry.objects.count()
    assert summary.rows > summary.counts["time entries"]
    for member in Member.objects.all():
        mine = TimeEntry.objects.filter(member=member)
        yesterday = NOW.astimezone(member.zone).date() - timedelta(days=1)
        assert mine.order_by("-end").first().end <= NOW
        first = mine.order_by("start").first().start.astimezone(member.zone).date()
        # The last twelve complete months: from November 2024 (a Friday; some start Monday).
        assert date(2024, 10, 31) <= first <= date(2024, 11, 4) < yesterday


def test_small_demo_has_people_teams_and_clients(demo):
    assert demo.created
    members = Member.objects.select_related("user", "team")
    assert members.count() == 15
    assert len({m.time_zone for m in members}) >= 2
    assert Team.objects.count() == 3
    for team in Team.objects.all():
        assert team.reviewers.exists(), team
    by_name = {m.user.username: m for m in members}
    assert by_name["tech"].team == by_name["dispatcher"].team == by_name["manager"].team
    assert by_name["manager"].team.reviewers.filter(pk=by_name["manager"].pk).exists()
    assert by_name["manager"].user.groups.filter(name="Manager").exists()
    assert by_name["admin"].user.is_superuser
    for member in members:
        assert member.schedule.exists(), member
        assert member.cost_rate > 0
        assert member.default_work_role is not None
    split = [m for m in members if m.schedule.filter(weekday=0).count() > 1]
    assert split, "some members work split shifts"

    assert Company.objects.count() == 30
    types = set(Agreement.objects.values_list("type", flat=True))
    assert types == set(AgreementType.values)
    managed = Agreement.objects.filter(type=AgreementType.MANAGED)
    assert all(a.covered_work_types.exists() and a.monthly_fee > 0 for a in managed)
    for block in Agreement.objects.filter(type=AgreementType.BLOCK_HOURS):
        assert block.prepaid_hours > 0
        assert block.prepaid_amount > 0
    assert {t.priority for t in SlaTarget.objects.filter(agreement=None)} == set(Priority.values)


def test_small_demo_has_work_types_tickets_and_projects(demo):
    after_hours = WorkType.objects.get(name="After Hours")
    assert after_hours.rate_multiplier == Decimal("1.50")
    pto = WorkType.objects.get(name="PTO")
    assert pto.is_payroll_wrap
    assert pto.is_time_off
    wrap = set(WorkType.objects.filter(is_payroll_wrap=True).values_list("name", flat=True))
    assert wrap == {"Admin", "Training", "Internal Meeting", "PTO"}

    assert len(set(Ticket.objects.values_list("status", flat=True))) >= 5
    assert set(Ticket.objects.values_list("priority", flat=True)) == set(Priority.values)
    for ticket in Ticket.objects.exclude(first_response_at=None)[:300]:
        assert ticket.first_response_at >= ticket.opened_at
    assert not Ticket.objects.filter(status=TicketStatus.RESOLVED, resolved_at=None).exists()
    assert not Ticket.objects.filter(status=TicketStatus.CLOSED, closed_at=None).exists()
    assert Ticket.objects.exclude(respond_breached_at=None).exists()
    assert TicketStatusChange.objects.count() > Ticket.objects.count()
    changes = defaultdict(list)
    for change in TicketStatusChange.objects.order_by("ticket", "at", "pk"):
        changes[change.ticket_id].append(change)
    for history in changes.values():
        for before, after in itertools.pairwise(history):
            assert before.to_status == after.from_status

    assert Project.objects.count() >= 5
    for project in Project.objects.prefetch_related("phases"):
        assert project.phases.exists()
        assert all(phase.estimated_hours > 0 for phase in project.phases.all())


def test_small_demo_time_shows_every_pattern_a_review_looks_for(demo):
    entries = TimeEntry.objects.all()
    days = _entries_by_member_day()
    overlapping = [key for key, day in days.items() if _has_overlap(day)]
    assert overlapping
    assert entries.filter(source=EntrySource.IMPORT).exists()
    members = {m.pk: m for m in Member.objects.prefetch_related("schedule")}
    assert any(
        _longest_scheduled_gap(members[member_id], day, day_entries) >= timedelta(minutes=45)
        for (member_id, day), day_entries in days.items()
    )
    late = [e for e in entries if e.created_at - e.end > timedelta(minutes=15)]
    assert late
    assert len(late) < entries.count() * 0.25, "most entries are saved within minutes"

    wrap = entries.filter(work_type__is_payroll_wrap=True)
    assert wrap.exists()
    assert not wrap.exclude(ticket=None, phase=None, agreement=None).exists()
    assert set(wrap.values_list("billable", flat=True)) == {BillableOption.DO_NOT_BILL}
    assert set(wrap.values_list("bill_rate", flat=True)) == {Decimal("0")}
    assert set(entries.values_list("billable", flat=True)) == set(BillableOption.values)

    managed = entries.filter(agreement__type=AgreementType.MANAGED).order_by()
    checks = {
        agreement_check(agreement=Agreement.objects.get(pk=a), work_type=WorkType(pk=w), on=TODAY)
        for a, w in managed.values_list("agreement", "work_type").distinct()
    }
    assert AgreementCheck.NOT_COVERED in checks
    assert Ticket.objects.filter(agreement=None, entries__isnull=False).exists()
    assert entries.filter(ticket__isnull=False, ticket__agreement=None, agreement=None).exists()

    # The showcase technician's, and some of those at work today (the team in London).
    assert Timer.objects.filter(member__user__username="tech").exists()
    assert not Timer.objects.filter(started_at__gt=NOW).exists()


def test_small_demo_entries_carry_their_agreement_and_rates(demo):
    entries = TimeEntry.objects.select_related(
        "ticket", "phase__project", "agreement", "work_role", "work_type", "member"
    )
    for entry in entries.exclude(ticket=None)[:500]:
        assert entry.agreement_id == entry.ticket.agreement_id
        assert entry.phase_id is None
    for entry in entries.exclude(phase=None)[:200]:
        assert entry.agreement_id == entry.phase.project.agreement_id
    for entry in entries.order_by("?")[:300]:
        assert entry.end > entry.start
        assert entry.cost_rate == entry.member.cost_rate
        assert entry.bill_rate == resolve_bill_rate(
            work_role=entry.work_role,
            work_type=entry.work_type,
            billable=entry.billable,
            agreement=entry.agreement,
        )


def test_small_demo_entries_each_have_the_record_saving_them_leaves(demo):
    # The audit history starts where a save through the entry service would start it.
    records = TimeEntry.history.filter(history_type="+", history_user=None)
    assert records.count() == TimeEntry.objects.count() == demo.counts["history records"]
    assert set(records.values_list("id", flat=True)) == set(
        TimeEntry.objects.values_list("pk", flat=True)
    )


def test_a_member_at_work_has_a_timer_started_minutes_ago(db):
    # Wednesday 10:00 in New York: the showcase technician is mid-morning.
    moment = datetime(2025, 11, 19, 15, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        build_demo(seed=42, days=7)
    timer = Timer.objects.select_related("member__user", "ticket").get(
        member__user__username="tech"
    )
    assert timer.started_at == moment - timedelta(minutes=25)
    assert timer.ticket.status == TicketStatus.IN_PROGRESS
    # Today's work so far is logged, up to the timer.
    latest = TimeEntry.objects.filter(member=timer.member).order_by("-end").first()
    assert latest.end.astimezone(timer.member.zone).date() == date(2025, 11, 19)
    assert latest.end <= timer.started_at


def test_a_member_away_has_a_timer_left_running_since_their_last_day(demo):
    timer = Timer.objects.select_related("member__user", "ticket").get(
        member__user__username="tech"
    )
    local = timer.started_at.astimezone(timer.member.zone)
    assert (local.date(), local.hour, local.minute) == (date(2025, 11, 19), 16, 15)
    assert timer.ticket.status == TicketStatus.IN_PROGRESS
    assert not TimeEntry.objects.filter(member=timer.member, end__gt=timer.started_at).exists()


def test_time_is_laid_out_in_each_members_own_zone(db):
    build_demo(seed=7, today=TODAY, days=14)
    for member in Member.objects.prefetch_related("schedule"):
        windows = {}
        for block in member.schedule.all():
            low, high = windows.get(block.weekday, (block.start, block.end))
            windows[block.weekday] = (min(low, block.start), max(high, block.end))
        entries = member.entries.exclude(work_type__name="After Hours")
        inside = 0
        for entry in entries:
            local = entry.start.astimezone(ZoneInfo(member.time_zone))
            low, high = windows.get(local.weekday(), (None, None))
            if low and (
                datetime.combine(local.date(), low, tzinfo=local.tzinfo) - timedelta(minutes=20)
                <= local
                <= datetime.combine(local.date(), high, tzinfo=local.tzinfo) + timedelta(hours=1)
            ):
                inside += 1
        assert inside >= 0.95 * entries.count(), member


def test_loading_twice_adds_nothing(db):
    out = io.StringIO()
    call_command("load_demo", days=7, today=TODAY, stdout=out)
    counts = (TimeEntry.objects.count(), Ticket.objects.count(), Member.objects.count())
    again = io.StringIO()
    call_command("load_demo", days=7, today=TODAY, stdout=again)
    assert (TimeEntry.objects.count(), Ticket.objects.count(), Member.objects.count()) == counts
    assert "Demo data already loaded" in again.getvalue()
    for text in (out.getvalue(), again.getvalue()):
        assert "http://127.0.0.1:8000/" in text
        for username in LOGINS:
            assert username in text
        assert DEMO_PASSWORD in text


def test_the_url_uses_the_port_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    out = io.StringIO()
    call_command("load_demo", days=2, today=TODAY, stdout=out)
    assert "http://127.0.0.1:8123/" in out.getvalue()


def test_the_same_seed_gives_the_same_data(db):
    with transaction.atomic():
        build_demo(seed=42, today=TODAY, days=14)
        first = _digest()
        transaction.set_rollback(True)
    assert not TimeEntry.objects.exists()
    build_demo(seed=42, today=TODAY, days=14)
    assert _digest() == first


def test_another_seed_gives_other_data(db):
    with transaction.atomic():
        build_demo(seed=42, today=TODAY, days=7)
        first = _digest()
        transaction.set_rollback(True)
    build_demo(seed=43, today=TODAY, days=7)
    assert _digest() != first


def test_every_demo_login_can_sign_in(db, client):
    build_demo(seed=42, today=TODAY, days=2)
    for username in LOGINS:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert not client.login(username="priya", password=DEMO_PASSWORD)


def test_dry_run_saves_nothing(db):
    out = io.StringIO()
    call_command("load_demo", days=3, today=TODAY, dry_run=True, stdout=out)
    assert "Would create" in out.getvalue()
    assert not Company.objects.exists()
    assert not get_user_model().objects.exists()


def test_large_size_streams_rows_in_batches_and_reports_speed(db):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "load_demo",
        size="large",
        members=24,
        days=5,
        batch_size=200,
        today=TODAY,
        stdout=out,
        stderr=err,
    )
    assert Member.objects.count() == 24
    assert Team.objects.count() == 5  # the three demo teams and two generated ones
    assert Company.objects.count() == 48
    assert TimeEntry.objects.count() > 200
    assert "rows/s" in out.getvalue()
    assert "members" in err.getvalue()  # the progress bar
    # Ids were chosen by the loader; the next ticket saved the ordinary way still gets one.
    ticket = Ticket.objects.first()
    ticket.pk = None
    ticket.save()
    assert ticket.pk > Ticket.objects.exclude(pk=ticket.pk).order_by("-pk").first().pk


def test_large_size_with_few_members_keeps_the_first_logins(db):
    build_demo(seed=1, size="large", members=3, days=3, today=TODAY)
    usernames = set(Member.objects.values_list("user__username", flat=True))
    assert usernames == {"manager", "dispatcher", "tech"}


@pytest.mark.parametrize(
    "options",
    [
        {"members": 20},
        {"years": 1},
        {"size": "large", "members": 0},
        {"size": "large", "years": -1},
        {"days": 0},
    ],
)
def test_bad_options_are_refused_and_nothing_is_saved(db, options):
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO(), **options)
    assert not Company.objects.exists()


def test_demo_does_not_take_over_an_existing_login(db):
    get_user_model().objects.create_user(username="admin", password="not-the-demo-one")
    with pytest.raises(DemoConflict, match="admin"):
        build_demo(seed=42, today=TODAY, days=2)
    assert not Company.objects.exists()
    with pytest.raises(CommandError, match="admin"):
        call_command("load_demo", days=2, stdout=io.StringIO())


def test_demo_does_not_take_over_an_existing_team(db):
    Team.objects.create(name="Service Desk")
    with pytest.raises(DemoConflict, match="teams named Service Desk"):
        build_demo(seed=42, today=TODAY, days=2)
    assert not Member.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores datetimes as text")
def test_fast_insert_writes_datetimes_as_django_does():
    moment = datetime(2025, 3, 30, 1, 30, 15, 250, tzinfo=ZoneInfo("Europe/London"))
    insert = FastInsert(TicketStatusChange, ["ticket", "from_status", "to_status", "at", "by"])
    (index, convert) = insert.convert[0]
    assert index == 3
    assert convert(moment) == connection.ops.adapt_datetimefield_value(moment)
    with pytest.raises(ValueError, match="aware"):
        convert(datetime(2025, 1, 1))  # noqa: DTZ001 - the point of the test


def test_fast_insert_refuses_to_leave_out_a_required_column():
    with pytest.raises(ValueError, match="to_status"):
        FastInsert(TicketStatusChange, ["ticket", "from_status", "at"])


def test_small_demo_has_weeks_of_review_history(demo):
    from daybook.review.choices import FollowUpState, ReviewState
    from daybook.review.models import DayReview, Delivery, FollowUp, NotificationSetting

    states = set(DayReview.objects.values_list("state", flat=True))
    assert {ReviewState.CLEAN, ReviewState.EXCUSED, ReviewState.FOLLOWED_UP} <= states
    tech = Member.objects.get(user__username="tech")
    assert FollowUp.objects.filter(member=tech, state=FollowUpState.OPEN).exists()
    assert FollowUp.objects.filter(state=FollowUpState.RESOLVED).exists()
    # Only the showcase technician gets email in the demo; the rest read notices in the app.
    # The history itself was written with email off: nothing old waits to be sent.
    assert [s.member for s in NotificationSetting.objects.filter(by_email=True)] == [tech]
    assert not Delivery.objects.exists()
    # Nobody is asked about their last working day: it waits for the visitor to review.
    assert not DayReview.objects.filter(date__gte=TODAY - timedelta(days=1)).exists()
