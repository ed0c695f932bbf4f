"""Stored day summaries: written by the entry services, recomputed when anything else about
the day changes, and always equal to a fresh computation by the day engine."""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daybook.core.time import local_day_bounds
from daybook.people.models import Holiday, Member, ScheduleBlock
from daybook.review.selectors import review_day_for, review_days
from daybook.timekeeping.day_figures import day_figures, entries_touching
from daybook.timekeeping.models import DaySummary, ReviewPolicy, TimeEntry, Timer
from daybook.timekeeping.my_day import my_week
from daybook.timekeeping.services import entry_delete, entry_edit, entry_log
from daybook.timekeeping.summaries import (
    _current,
    _figures,
    _inputs,
    day_summaries,
    member_days,
    summaries_fill_open,
    summaries_rebuild,
    summaries_refresh,
)
from tests.factories import AgreementFactory, MemberFactory, TicketFactory, WorkTypeFactory
from tests.zones import BERLIN, NEW_YORK

pytestmark = pytest.mark.django_db

STEP = "daybook.timekeeping.summaries.summaries_refresh"
FRIDAY = date(2025, 3, 14)  # New York on daylight time: 09:00-17:00 is 13:00-21:00 UTC


def at(day: date, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


@pytest.fixture(autouse=True)
def summaries_step(settings):
    """The entry services run the summaries step (as settings.py lists it)."""
    if STEP not in settings.DAYBOOK_AFTER_ENTRY_CHANGE:
        settings.DAYBOOK_AFTER_ENTRY_CHANGE = [*settings.DAYBOOK_AFTER_ENTRY_CHANGE, STEP]


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def admin_time(db):
    return WorkTypeFactory(name="Admin", is_payroll_wrap=True)


@pytest.fixture
def leave(db):
    return WorkTypeFactory(name="PTO", is_payroll_wrap=True, is_time_off=True)


@pytest.fixture
def ticket(db):
    return TicketFactory()


def stored(member: Member, day: date) -> DaySummary | None:
    return DaySummary.objects.filter(member=member, date=day).first()


def read(member: Member, day: date, now: datetime):
    return day_summaries(day=day, members=[Member.objects.get(pk=member.pk)], now=now)[member.pk]


def fresh(member: Member, day: date, now: datetime):
    return day_figures(day=day, members=[Member.objects.get(pk=member.pk)], now=now)[member.pk]


# --- kept by the entry services ---------------------------------------------------------------


def test_logging_time_on_a_past_day_stores_its_summary(tech, ticket, remote, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=3), 10), tick=False)
    entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 11),
        work_type=remote,
        ticket=ticket,
        notes="Swapped the printer's fuser.",
        by=tech,
    )
    row = stored(tech, FRIDAY)
    assert row is not None
    assert not row.stale
    # 09:00-17:00 scheduled, 09:00-11:00 logged: 120 client minutes, one gap of 6 hours.
    assert (row.expected_minutes, row.client_minutes, row.wrap_minutes) == (480, 120, 0)
    assert (row.gap_count, row.gap_minutes) == (1, 360)
    assert row.needs_attention
    assert _figures(row, timezone_now()) == fresh(tech, FRIDAY, timezone_now())


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def test_today_is_only_marked_stale_while_the_clock_still_moves_it(
    tech, ticket, remote, time_machine
):
    time_machine.move_to(at(FRIDAY, 12), tick=False)
    entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 11),
        work_type=remote,
        ticket=ticket,
        notes="Reset a password.",
        by=tech,
    )
    row = stored(tech, FRIDAY)
    assert row is not None
    assert row.stale
    assert row.working_day_end is None
    # Read at noon: computed live, not stored with figures (the afternoon is still to come).
    figures = day_summaries(day=FRIDAY, members=[tech], now=at(FRIDAY, 12))[tech.pk]
    assert figures.gap_minutes == 60  # 11:00-12:00 so far
    assert stored(tech, FRIDAY).stale
    # Read once the working day is over: stored.
    later = at(FRIDAY, 17, 5)
    figures = day_summaries(day=FRIDAY, members=[tech], now=later)[tech.pk]
    row = stored(tech, FRIDAY)
    assert not row.stale
    assert row.gap_minutes == 360
    assert _figures(row, later) == figures == fresh(tech, FRIDAY, later)


def test_editing_and_deleting_rewrite_the_day(tech, ticket, remote, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=1), 12), tick=False)
    entry = entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 11),
        work_type=remote,
        ticket=ticket,
        notes="Moved a mailbox.",
        by=tech,
    )
    entry_edit(entry=entry, by=tech, end=at(FRIDAY, 17))
    assert stored(tech, FRIDAY).client_minutes == 480
    assert stored(tech, FRIDAY).gap_count == 0
    entry_delete(entry=TimeEntry.objects.get(pk=entry.pk), by=tech)
    assert stored(tech, FRIDAY).client_minutes == 0
    assert stored(tech, FRIDAY).gap_minutes == 480


def test_an_entry_across_midnight_rewrites_both_days(tech, admin_time, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=3), 12), tick=False)
    entry_log(
        member=tech,
        start=at(FRIDAY, 23),
        end=at(FRIDAY + timedelta(days=1), 1, 30),
        work_type=admin_time,
        by=tech,
    )
    # 60 minutes on Friday, 90 on Saturday, each in the member's own calendar.
    assert stored(tech, FRIDAY).wrap_minutes == 60
    assert stored(tech, FRIDAY + timedelta(days=1)).wrap_minutes == 90


def test_refresh_covers_every_date_between_the_ends(tech):
    # Three dates from two ends: the step is given the start and end dates only.
    now = at(FRIDAY + timedelta(days=10), 12)
    summaries_refresh(member=tech, days={FRIDAY, FRIDAY + timedelta(days=2)}, now=now)
    assert set(DaySummary.objects.filter(member=tech).values_list("date", flat=True)) == {
        FRIDAY,
        FRIDAY + timedelta(days=1),
        FRIDAY + timedelta(days=2),
    }


def test_a_batch_over_many_days_only_marks_them_stale(tech):
    now = at(FRIDAY + timedelta(days=30), 12)
    summaries_refresh(member=tech, days={FRIDAY, FRIDAY + timedelta(days=9)}, now=now)
    rows = DaySummary.objects.filter(member=tech)
    assert rows.count() == 10
    assert all(row.stale for row in rows)
    assert read(tech, FRIDAY, now) == fresh(tech, FRIDAY, now)
    assert not stored(tech, FRIDAY).stale


def test_the_worker_fills_each_members_latest_open_day(tech, other_team_tech):
    # Friday 18:00 in New York: Friday's review opened at 17:30; Thursday's the day before.
    count = summaries_fill_open(now=at(FRIDAY, 18))
    assert count == 2
    assert set(DaySummary.objects.values_list("member_id", "date", "stale")) == {
        (tech.pk, FRIDAY, False),
        (other_team_tech.pk, FRIDAY, False),
    }
    # Nothing new before the next day opens: the rows are read, not written again.
    versions = set(DaySummary.objects.values_list("version", flat=True))
    assert summaries_fill_open(now=at(FRIDAY, 19)) == 2
    assert set(DaySummary.objects.values_list("version", flat=True)) == versions


# --- recomputed when the day changes without an entry changing ------------------------------


def test_schedule_holiday_policy_and_zone_changes_are_picked_up(tech, team):
    now = at(FRIDAY + timedelta(days=2), 12)
    assert read(tech, FRIDAY, now).gap_minutes == 480
    ScheduleBlock.objects.filter(member=tech, weekday=FRIDAY.weekday()).update(end=time(13))
    assert read(tech, FRIDAY, now).gap_minutes == 240
    ReviewPolicy.objects.filter(team__isnull=True).update(grace_minutes=90)
    assert read(tech, FRIDAY, now).review_opens_at == at(FRIDAY, 14, 30)
    holiday = Holiday.objects.create(date=FRIDAY, name="Founders' Day", team=team)
    assert read(tech, FRIDAY, now).holiday_name == "Founders' Day"
    holiday.delete()
    Member.objects.filter(pk=tech.pk).update(time_zone="Europe/Berlin")
    berlin = read(tech, FRIDAY, now)
    assert berlin.time_zone == "Europe/Berlin"
    assert berlin.windows[0].start == at(FRIDAY, 9, zone=BERLIN)
    assert DaySummary.objects.get(member=tech, date=FRIDAY).time_zone == "Europe/Berlin"


def test_a_running_timer_that_began_in_the_day_is_part_of_it(tech):
    now = at(FRIDAY + timedelta(days=1), 12)
    assert read(tech, FRIDAY, now).gap_minutes == 480
    Timer.objects.create(member=tech, started_at=at(FRIDAY, 15))
    figures = read(tech, FRIDAY, now)
    assert figures.gap_minutes == 360
    assert figures == fresh(tech, FRIDAY, now)
    Timer.objects.filter(member=tech).delete()
    assert read(tech, FRIDAY, now).gap_minutes == 480


def test_agreement_coverage_and_dates_mark_the_days_stale(tech, remote, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=3), 12), tick=False)
    agreement = AgreementFactory()
    agreement.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=agreement, company=agreement.company)
    entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 17),
        work_type=remote,
        ticket=ticket,
        notes="Rebuilt the file server.",
        by=tech,
    )
    now = timezone_now()
    assert not stored(tech, FRIDAY).stale
    agreement.covered_work_types.remove(remote)
    assert stored(tech, FRIDAY).stale
    assert read(tech, FRIDAY, now) == fresh(tech, FRIDAY, now)
    assert not stored(tech, FRIDAY).stale
    agreement.end_date = FRIDAY - timedelta(days=1)
    agreement.save()
    assert stored(tech, FRIDAY).stale
    kinds = {f.kind for f in read(tech, FRIDAY, now).findings}
    assert "agreement_out_of_dates" in kinds


def test_work_type_changes_mark_the_days_stale(tech, ticket, remote, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=3), 12), tick=False)
    entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 17),
        work_type=remote,
        ticket=ticket,
        notes="Rebuilt the file server.",
        by=tech,
    )
    remote.is_payroll_wrap = True
    remote.save()
    assert stored(tech, FRIDAY).stale


# --- readers ---------------------------------------------------------------------------------


def test_a_reader_never_overwrites_a_row_written_after_it_read(tech):
    now = at(FRIDAY + timedelta(days=1), 12)
    read(tech, FRIDAY, now)
    old = stored(tech, FRIDAY)
    summaries_refresh(member=tech, days={FRIDAY}, now=now)  # a writer comes in between
    newer = stored(tech, FRIDAY)
    assert newer.version != old.version
    from daybook.timekeeping.summaries import _store_read

    inputs, timers = _inputs(FRIDAY, [tech])
    stale_figures = {tech.pk: fresh(tech, FRIDAY, now)}
    _store_read(stale_figures, rows={tech.pk: old}, inputs=inputs, timers=timers, now=now)
    assert stored(tech, FRIDAY).version == newer.version


def test_review_reads_stored_rows_in_a_fixed_handful_of_queries(
    team, lead, ticket, remote, django_assert_max_num_queries
):
    members = [MemberFactory(team=team) for _ in range(6)]
    for member in members:
        TimeEntry.objects.create(
            member=member,
            start=at(FRIDAY, 9),
            end=at(FRIDAY, 12),
            ticket=ticket,
            agreement=ticket.agreement,
            work_role=member.default_work_role,
            work_type=remote,
            billable="billable",
            bill_rate=100,
            cost_rate=40,
            notes="Patched servers.",
        )
    now = at(FRIDAY, 23)
    everyone = Member.objects.filter(team=team)
    cold = review_days(day=FRIDAY, members=everyone, viewer=lead.user, now=now)
    assert DaySummary.objects.filter(date=FRIDAY).count() == 7
    # Permissions (2), members, schedules, policies, timers, summaries, review states.
    with django_assert_max_num_queries(8):
        warm = review_days(day=FRIDAY, members=everyone, viewer=lead.user, now=now)
    assert [v.figures for v in warm] == [v.figures for v in cold]
    assert all(v.figures.gap_minutes == 300 for v in warm if v.member.pk != lead.pk)


def test_a_stored_day_stays_hidden_from_reviewers_until_its_review_opens(tech, lead, ticket):
    # The member's own look after 17:00 stores the day; the grace runs to 17:30.
    own = review_day_for(member=tech, day=FRIDAY, viewer=tech.user, now=at(FRIDAY, 17, 10))
    assert own.figures is not None
    assert stored(tech, FRIDAY) is not None
    early = review_day_for(member=tech, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 17, 20))
    assert early.in_progress
    assert early.figures is None
    late = review_day_for(member=tech, day=FRIDAY, viewer=lead.user, now=at(FRIDAY, 17, 30))
    assert not late.in_progress
    assert late.gaps == own.figures.gaps


def test_my_week_reads_stored_days_with_the_same_totals(tech, ticket, remote, time_machine):
    time_machine.move_to(at(FRIDAY + timedelta(days=3), 12), tick=False)
    entry_log(
        member=tech,
        start=at(FRIDAY, 9),
        end=at(FRIDAY, 12),
        work_type=remote,
        ticket=ticket,
        notes="Set up a laptop.",
        by=tech,
    )
    before = my_week(member=tech, day=FRIDAY)
    # Monday to Sunday are over: all seven stored, Friday by the entry, the rest by the read.
    assert DaySummary.objects.filter(member=tech, stale=False).count() == 7
    after = my_week(member=tech, day=FRIDAY)
    assert after.days == before.days
    friday = next(d for d in after.days if d.day == FRIDAY)
    # 5 days x 8 h expected; Friday 3 h logged, 5 h of gaps.
    assert (after.totals.expected_minutes, after.totals.logged_minutes) == (2400, 180)
    assert (friday.totals.logged_minutes, friday.gap_minutes) == (180, 300)


@pytest.mark.parametrize("clock_day", [3, 5, 9], ids=["Wednesday", "Friday", "a week on"])
def test_my_week_gives_each_day_as_computed_alone(
    tech, ticket, remote, leave, time_machine, clock_day
):
    """The week reads its days together (one calendar, one read of stored rows): each day
    must still be the day the engine computes on its own. Entries every weekday, one across
    midnight; the team's holiday on Tuesday, the organisation's on Thursday, no schedule on
    Friday; the clock in the middle of the week (today live, days to come empty) or after
    it (all stored)."""
    monday = date(2025, 3, 10)
    days = [monday + timedelta(days=i) for i in range(7)]
    Holiday.objects.create(date=days[1], name="Team day", team=tech.team)
    Holiday.objects.create(date=days[3], name="Founders' Day")
    ScheduleBlock.objects.filter(member=tech, weekday=4).delete()
    clock = at(monday + timedelta(days=clock_day), 12)
    time_machine.move_to(clock, tick=False)
    for i, day in enumerate(days[:5]):
        if at(day, 10 + i) > clock:
            break
        entry_log(member=tech, start=at(day, 9), end=at(day, 10 + i), work_type=remote,
                  ticket=ticket, notes="Patched a server.", by=tech)  # fmt: skip
    if at(days[1], 23) < clock:
        entry_log(member=tech, start=at(days[1], 23), end=at(days[2], 1), work_type=leave,
                  notes="", by=tech)  # fmt: skip
    member = Member.objects.get(pk=tech.pk)
    week = my_week(member=member, day=monday)
    span = (local_day_bounds(days[0], member.zone)[0], local_day_bounds(days[-1], member.zone)[1])
    rows = list(entries_touching({tech.pk: span}))
    read_together = member_days(member=member, days=days, now=clock, rows=rows, timer=None)
    for day in days:
        assert read_together[day] == fresh(tech, day, clock), day
    by_day = {d.day: d for d in week.days}
    assert by_day[days[1]].totals.expected_minutes == 0  # the team's holiday
    assert by_day[days[3]].totals.expected_minutes == 0  # the organisation's
    assert by_day[days[4]].totals.expected_minutes == 0  # no schedule on Fridays


def test_my_week_reads_a_fixed_number_of_queries(
    tech, ticket, remote, time_machine, django_assert_max_num_queries
):
    monday = date(2025, 3, 10)
    time_machine.move_to(at(monday + timedelta(days=9), 12), tick=False)
    for i in range(5):
        day = monday + timedelta(days=i)
        entry_log(member=tech, start=at(day, 9), end=at(day, 11), work_type=remote,
                  ticket=ticket, notes="Patched a server.", by=tech)  # fmt: skip
    member = Member.objects.get(pk=tech.pk)
    my_week(member=member, day=monday)  # stores the days no entry wrote
    # Entries, timer, schedules, policies, holidays, stored days, submission, period close:
    # the same for any week, where each day used to cost five or more.
    with django_assert_max_num_queries(8):
        week = my_week(member=member, day=monday)
    assert week.totals.logged_minutes == 5 * 120


# --- the command -----------------------------------------------------------------------------


def test_command_rebuilds_a_range(tech, other_team_tech):
    out = StringIO()
    call_command("summaries", "--from", "2025-03-10", "--to", "2025-03-14", stdout=out)
    assert DaySummary.objects.filter(stale=False).count() == 10
    assert "Rebuilt 10 member-days" in out.getvalue()
    row = stored(tech, FRIDAY)
    now = row.computed_at
    assert _figures(row, now) == fresh(tech, FRIDAY, now)


def test_command_rebuilds_one_member_and_dry_run_writes_nothing(tech, other_team_tech):
    out = StringIO()
    call_command(
        "summaries",
        "--from",
        "2025-03-14",
        "--to",
        "2025-03-14",
        "--member",
        str(tech.pk),
        "--dry-run",
        stdout=out,
    )
    assert not DaySummary.objects.exists()
    assert "would rebuild 1 member-day" in out.getvalue()
    call_command(
        "summaries",
        "--from",
        "2025-03-14",
        "--to",
        "2025-03-14",
        "--member",
        tech.user.username,
        stdout=out,
    )
    assert list(DaySummary.objects.values_list("member_id", flat=True)) == [tech.pk]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-03-14", "--to", "2025-03-10"], "comes before"),
        (["--from", "14/03/2025", "--to", "2025-03-14"], "YYYY-MM-DD"),
        (["--from", "2025-03-14", "--to", "2025-03-14", "--member", "nobody"], "no member"),
        (["--from", "2025-03-14", "--to", "2025-03-14", "--member", "999999"], "no member"),
    ],
)
def test_command_refuses_bad_input_and_writes_nothing(tech, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("summaries", *args, stdout=StringIO())
    assert not DaySummary.objects.exists()


def test_rebuild_refuses_a_backwards_range(tech):
    with pytest.raises(ValueError):
        summaries_rebuild(
            first=FRIDAY, last=FRIDAY - timedelta(days=1), members=Member.objects.all()
        )


# --- the property: a stored summary always equals a fresh computation ------------------------

ZONES = [NEW_YORK, BERLIN]
DAYS = [date(2025, 3, 9), date(2025, 3, 30), date(2025, 11, 2), date(2025, 10, 26), FRIDAY]

edits = st.one_of(
    st.tuples(
        st.just("log"),
        st.integers(0, 3 * 24 * 4 - 1),  # start, in quarter hours from the first day
        st.integers(1, 24 * 4),  # length in quarter hours: up to a day, across midnights
        st.sampled_from(["client", "wrap", "leave"]),
        st.booleans(),  # with notes
    ),
    st.tuples(st.just("edit"), st.integers(0, 9), st.integers(-16, 16)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("schedule"), st.integers(0, 23), st.integers(1, 12)),
    st.tuples(st.just("holiday")),
    st.tuples(st.just("threshold"), st.integers(5, 120)),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)),
    st.tuples(st.just("timer"), st.integers(0, 3 * 24 * 4 - 1)),
    st.tuples(
        st.just("read"),
    ),
)


def apply(edit, *, member, first_day, remote, admin_time, leave, ticket) -> None:
    kind = edit[0]
    zone = Member.objects.get(pk=member.pk).zone
    base = local_day_bounds(first_day, zone)[0]
    entries = list(TimeEntry.objects.filter(member=member).order_by("pk"))
    try:
        if kind == "log":
            _, start, length, what, notes = edit
            work_type = {"client": remote, "wrap": admin_time, "leave": leave}[what]
            entry_log(
                member=Member.objects.get(pk=member.pk),
                start=base + timedelta(minutes=15 * start),
                end=base + timedelta(minutes=15 * (start + length)),
                work_type=work_type,
                ticket=ticket if what == "client" else None,
                notes="Checked the backups." if notes else "",
                by=None,
            )
        elif kind == "edit" and entries:
            _, index, shift = edit
            entry = entries[index % len(entries)]
            entry_edit(entry=entry, by=None, end=entry.end + timedelta(minutes=15 * shift))
        elif kind == "delete" and entries:
            entry_delete(entry=entries[edit[1] % len(entries)], by=None)
        elif kind == "schedule":
            _, start, hours = edit
            for offset in range(3):
                weekday = (first_day + timedelta(days=offset)).weekday()
                ScheduleBlock.objects.filter(member=member, weekday=weekday).delete()
                ScheduleBlock.objects.create(
                    member=member,
                    weekday=weekday,
                    start=time(start),
                    end=time(min(23, start + hours), 59 if start + hours > 23 else 0),
                )
        elif kind == "holiday":
            day = first_day + timedelta(days=1)
            if not Holiday.objects.filter(date=day).delete()[0]:
                Holiday.objects.create(date=day, name="Office closed")
        elif kind == "threshold":
            ReviewPolicy.objects.filter(team__isnull=True).update(gap_threshold_minutes=edit[1])
        elif kind == "zone":
            Member.objects.filter(pk=member.pk).update(time_zone=edit[1].key)
        elif kind == "timer":
            Timer.objects.filter(member=member).delete()
            Timer.objects.create(member=member, started_at=base + timedelta(minutes=15 * edit[1]))
    except ValidationError:
        pass  # refused (an overlap, a closed day): nothing changed, which is a case too


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    first_day=st.sampled_from(DAYS).map(lambda d: d - timedelta(days=1)),
    edits=st.lists(edits, min_size=1, max_size=6),
    reads_at=st.lists(st.integers(0, 5 * 24), min_size=1, max_size=3),
)
def test_stored_summaries_always_equal_a_fresh_computation(
    tech, remote, admin_time, leave, ticket, time_machine, zone, first_day, edits, reads_at
):
    days = [first_day + timedelta(days=i) for i in range(3)]
    last_end = local_day_bounds(days[-1], zone)[1]
    with transaction.atomic():
        Member.objects.filter(pk=tech.pk).update(time_zone=zone.key)
        for edit in edits:
            # The edits happen a little after the days, or during them (the moment varies).
            time_machine.move_to(last_end + timedelta(hours=reads_at[0] - 48), tick=False)
            apply(
                edit,
                member=tech,
                first_day=first_day,
                remote=remote,
                admin_time=admin_time,
                leave=leave,
                ticket=ticket,
            )
            for hours in reads_at:
                now = last_end + timedelta(hours=hours - 48)
                member = Member.objects.get(pk=tech.pk)
                inputs, timers = _inputs(days[0], [member])
                for day in days:
                    expected = day_figures(day=day, members=[member], now=now)[member.pk]
                    assert day_summaries(day=day, members=[member], now=now)[member.pk] == expected
                    inputs, timers = _inputs(day, [member])
                    row = stored(member, day)
                    if _current(
                        row, inputs=inputs[member.pk], timer=timers.get(member.pk), now=now
                    ):
                        assert _figures(row, now) == expected
        transaction.set_rollback(True)
