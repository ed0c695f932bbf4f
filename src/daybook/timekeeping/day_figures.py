"""A member's local day read from the database: schedule, entries, timer and the policy in
force, turned into the engine's figures (`day.py`) for whole teams in a fixed handful of
queries. My Day and the review both read days through here."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import FilteredRelation, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Trim

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.core.time import local_date, local_day_bounds
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.people.selectors import holidays_on, holidays_within

from .choices import EntrySource
from .day import (
    DayOff,
    EntryFacts,
    MemberDay,
    Policy,
    review_member_day,
    review_opening,
    schedule_windows,
)
from .labels import target_label
from .models import LONGEST_ENTRY, ReviewPolicy, TimeEntry, Timer


def policies_for(team_ids: Iterable[int | None]) -> dict[int | None, Policy]:
    """The policy for each team (None: members without a team), in one query."""
    wanted = {team_id for team_id in team_ids if team_id is not None}
    rows = ReviewPolicy.objects.filter(Q(team__isnull=True) | Q(team_id__in=wanted))
    by_team = {
        row.team_id: Policy(
            gap_threshold_minutes=row.gap_threshold_minutes,
            realtime_window_minutes=row.realtime_window_minutes,
            grace_minutes=row.grace_minutes,
        )
        for row in rows
    }
    organisation = by_team.get(None, Policy())
    result = {team_id: by_team.get(team_id, organisation) for team_id in wanted}
    result[None] = organisation
    return result


def policy_for(team: Team | None) -> Policy:
    """The review settings in force for a team: its own row, else the organisation's."""
    team_id = team.pk if team is not None else None
    return policies_for([team_id])[team_id]


Blocks = dict[int, list[tuple[time, time]]]  # by member id


def _schedules(member_ids: list[int], weekday: int) -> Blocks:
    return _weekday_schedules(member_ids, {weekday})[weekday]


def _weekday_schedules(member_ids: list[int], weekdays: set[int]) -> dict[int, Blocks]:
    """The members' schedule blocks on these weekdays, by weekday, in one query."""
    blocks: dict[int, Blocks] = {weekday: defaultdict(list) for weekday in weekdays}
    rows = (
        ScheduleBlock.objects.filter(member_id__in=member_ids, weekday__in=sorted(weekdays))
        .order_by()
        .values_list("weekday", "member_id", "start", "end")
    )
    for weekday, member_id, start, end in rows:
        blocks[weekday][member_id].append((start, end))
    return blocks


@dataclass(frozen=True)
class Calendar:
    """What the members' days depend on besides entries and timers, read once for several
    days (My Week): schedule blocks by weekday, the policies by team, holidays by date."""

    schedules: dict[int, Blocks]
    policies: dict[int | None, Policy]
    holidays: dict[date, dict[int | None, str]]


def calendar_for(members: list[Member], days: list[date]) -> Calendar:
    """Three queries, whatever the number of days."""
    team_ids = {m.team_id for m in members}
    return Calendar(
        schedules=_weekday_schedules([m.pk for m in members], {d.weekday() for d in days}),
        policies=policies_for(team_ids),
        holidays=holidays_within(first=min(days), last=max(days), team_ids=team_ids),
    )


def _calendar_day(
    day: date, members: list[Member], calendar: Calendar | None
) -> tuple[Blocks, dict[int | None, Policy], dict[int | None, str]]:
    """The schedules, policies and holidays of ``day``: from the calendar read ahead, else
    from the database."""
    if calendar is not None:
        return calendar.schedules[day.weekday()], calendar.policies, calendar.holidays[day]
    return (
        _schedules([m.pk for m in members], day.weekday()),
        policies_for(m.team_id for m in members),
        _holidays(day, members),
    )


ENTRY_FIELDS = (
    "pk",
    "member_id",
    "start",
    "end",
    "created_at",
    "source",
    "ticket_id",
    "phase_id",
    "work_role_id",
    "work_type_id",
    "agreement_id",
    "notes_length",
)


def entries_touching(bounds: dict[int, tuple[datetime, datetime]]) -> QuerySet:
    """Rows (named tuples of ENTRY_FIELDS) for every entry touching each member's span, in
    one query. `bounds` maps member ids to the UTC start and end of their local day.

    Members sharing a span (the same zone, usually) share one condition, so the query grows
    with the number of zones in use, not with members. `start` is bounded from below too
    (entries are at most a day long), so the database walks a short stretch of the
    (member, start) index whatever the history.
    """
    by_span: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for member_id, span in bounds.items():
        by_span[span].append(member_id)
    touching = Q()
    for (start, end), member_ids in sorted(by_span.items()):
        touching |= Q(
            member_id__in=sorted(member_ids),
            start__gte=start - LONGEST_ENTRY,
            start__lt=end,
            end__gt=start,
        )
    return (
        TimeEntry.objects.filter(touching)
        .annotate(notes_length=Length(Trim("notes")))
        .order_by()
        .values_list(*ENTRY_FIELDS, named=True)
    )


def rows_touching(rows: Iterable, start: datetime, end: datetime) -> list:
    """Of rows read with `entries_touching` over a longer span, those touching [start, end):
    what `entries_touching` would have read for that span alone."""
    return [row for row in rows if start - LONGEST_ENTRY <= row.start < end and row.end > start]


def member_entries_touching(member: Member, start: datetime, end: datetime) -> QuerySet[TimeEntry]:
    """One member's entries touching [start, end), with the same short index scan."""
    return TimeEntry.objects.filter(
        member=member, start__gte=start - LONGEST_ENTRY, start__lt=end, end__gt=start
    )


class _EntryFactory:
    """Turns entry rows into EntryFacts, with the work types and agreements they point at
    loaded once for all of them (two or three queries, only when there are entries)."""

    def __init__(self, rows: list) -> None:
        type_ids = {row.work_type_id for row in rows}
        agreement_ids = {row.agreement_id for row in rows} - {None}
        self.work_types: dict[int, WorkType] = (
            WorkType.objects.in_bulk(type_ids) if type_ids else {}
        )
        self.agreements: dict[int, Agreement] = {}
        if agreement_ids:
            self.agreements = {
                a.pk: a
                for a in Agreement.objects.filter(pk__in=agreement_ids)
                .only("pk", "start_date", "end_date")
                .prefetch_related(
                    Prefetch("covered_work_types", queryset=WorkType.objects.only("pk"))
                )
            }
        self._checks: dict[tuple, str] = {}

    def _check(self, row, work_type: WorkType, on: date) -> str:
        key = (row.agreement_id, row.work_type_id, on)
        if key not in self._checks:
            self._checks[key] = agreement_check(
                agreement=self.agreements.get(row.agreement_id), work_type=work_type, on=on
            )
        return self._checks[key]

    def facts(self, row, zone: ZoneInfo) -> EntryFacts:
        work_type = self.work_types[row.work_type_id]
        return EntryFacts(
            id=row.pk,
            start=row.start,
            end=row.end,
            created_at=row.created_at,
            is_wrap=work_type.is_payroll_wrap,
            has_notes=row.notes_length > 0,
            work_role_id=row.work_role_id,
            work_type_id=row.work_type_id,
            work_type_name=work_type.name,
            agreement_check=self._check(row, work_type, local_date(row.start, zone)),
            label=target_label(
                ticket_id=row.ticket_id, phase_id=row.phase_id, work_type_name=work_type.name
            ),
            imported=row.source == EntrySource.IMPORT,
            is_time_off=work_type.is_time_off,
        )


def _expected_minutes(member: Member, scheduled: bool) -> int:
    if not scheduled:
        return 0
    return int(member.expected_hours_per_day * Decimal(60))


def _holidays(day: date, members: list[Member]) -> dict[int | None, str]:
    """The holiday's name on `day` by team id (None: no team), for teams that have one. Read
    from the members when they came with it (`people.selectors.with_holidays`), else one
    query."""
    if all(getattr(member, "holiday_day", None) == day for member in members):
        return {m.team_id: m.holiday_name for m in members if m.holiday_name}
    return holidays_on(day=day, team_ids={m.team_id for m in members})


def _day_off(member: Member, day: date, holidays: dict[int | None, str]) -> DayOff | None:
    """Why `day` is no working day for the member before any entry is looked at: outside
    their start and end dates, or a holiday of their team or the organisation."""
    if day < member.start_date:
        return DayOff.NOT_STARTED
    if member.end_date is not None and day > member.end_date:
        return DayOff.LEFT
    if member.team_id in holidays:
        return DayOff.HOLIDAY
    return None


def day_figures(
    *,
    day: date,
    members: list[Member],
    now: datetime,
    rows: list | None = None,
    timers: dict[int, datetime | None] | None = None,
    calendar: Calendar | None = None,
) -> dict[int, MemberDay]:
    """Each member's local `day` with nothing hidden, by member id. No guardrails: callers
    show it only to the member themself (My Day, the end-of-day nudge) or pass it through
    `review_days`, which applies them.

    A caller that has already read them passes `rows` (every `entries_touching` row of these
    members' day, none outside it), `timers` (each member's running timer's start, None
    for none) and the `calendar` (`calendar_for` these members and a span with the day), so
    a page reads them once."""
    if not members:
        return {}
    ids = [m.pk for m in members]
    bounds = {m.pk: local_day_bounds(day, m.zone) for m in members}
    schedules, policies, holidays = _calendar_day(day, members, calendar)
    if rows is None:
        rows = list(entries_touching(bounds))
    factory = _EntryFactory(rows)
    entries: dict[int, list] = defaultdict(list)
    for row in rows:
        entries[row.member_id].append(row)
    if timers is None:
        timers = dict(
            Timer.objects.filter(member_id__in=ids).values_list("member_id", "started_at")
        )
    figures = {}
    for member in members:
        zone = member.zone
        blocks = schedules.get(member.pk, [])
        figures[member.pk] = review_member_day(
            day=day,
            zone=zone,
            windows=schedule_windows(day, zone, blocks),
            expected_minutes=_expected_minutes(member, bool(blocks)),
            entries=[factory.facts(row, zone) for row in entries.get(member.pk, ())],
            timer_started_at=timers.get(member.pk),
            policy=policies[member.team_id],
            now=now,
            off=_day_off(member, day, holidays),
            holiday_name=holidays.get(member.team_id, ""),
        )
    return figures


def _members_and_blocks(
    members: QuerySet[Member], weekdays: set[int]
) -> tuple[list[Member], dict[tuple[int, int], list[tuple[time, time]]]]:
    """The members (only what the opening rule reads) and their schedule blocks on these
    weekdays by (member id, weekday), in one query."""
    people: dict[int, Member] = {}
    blocks: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    on_days = FilteredRelation("schedule", condition=Q(schedule__weekday__in=sorted(weekdays)))
    rows = (
        members.annotate(on_days=on_days)
        .order_by()
        .values_list(
            "pk",
            "time_zone",
            "team_id",
            "start_date",
            "end_date",
            "on_days__weekday",
            "on_days__start",
            "on_days__end",
        )
    )
    for pk, zone, team_id, start_date, end_date, weekday, start, end in rows:
        if pk not in people:
            people[pk] = Member(
                pk=pk, time_zone=zone, team_id=team_id, start_date=start_date, end_date=end_date
            )
        if weekday is not None:
            blocks[(pk, weekday)].append((start, end))
    return list(people.values()), blocks


def latest_open_days(
    members: QuerySet[Member], *, now: datetime, back: int
) -> dict[int, tuple[Member, date | None]]:
    """For each member (by id): the member, and the latest of their last `back` local days
    (today first) whose review has opened at `now`, or None when none of them has.

    The same rule as `day_figures`: the day's schedule windows, none on a day off (a holiday,
    before the start date, after the end date), and the policy in force, through the engine's
    `review_opening`. Two queries (members with their schedules, the policies) whatever the
    number of members; a third only in the evening hours when a day is open by its schedule
    but not yet past midnight plus grace, where a holiday would keep it closed.
    """
    # Any member's today is within a day of today in UTC.
    utc_today = now.astimezone(UTC).date()
    weekdays = {(utc_today + timedelta(days=offset)).weekday() for offset in range(-back, 2)}
    people, blocks = _members_and_blocks(members, weekdays)
    policies = policies_for(m.team_id for m in people)
    team_ids = {m.team_id for m in people}
    holidays: dict[date, dict[int | None, str]] = {}

    def holidays_of(day: date) -> dict[int | None, str]:
        if day not in holidays:
            holidays[day] = holidays_on(day=day, team_ids=team_ids)
        return holidays[day]

    def latest_open(member: Member, days: list[date]) -> date | None:
        zone, policy = member.zone, policies[member.team_id]
        for day in days:
            day_end = local_day_bounds(day, zone)[1]
            if now >= review_opening((), day_end=day_end, policy=policy)[1]:
                return day  # open even without a schedule: nothing can keep it closed
            windows = schedule_windows(day, zone, blocks.get((member.pk, day.weekday()), ()))
            if not windows or now < review_opening(windows, day_end=day_end, policy=policy)[1]:
                continue
            if _day_off(member, day, holidays_of(day)) is None:
                return day
        return None

    # Members in one zone and team with the same schedule on those days, and no start or end
    # date among them, get the same answer: it is worked out once for all of them.
    shared: dict[tuple, date | None] = {}
    result: dict[int, tuple[Member, date | None]] = {}
    for member in people:
        today = local_date(now, member.zone)
        days = [today - timedelta(days=offset) for offset in range(back)]
        dated = member.start_date > days[-1] or (
            member.end_date is not None and member.end_date < today
        )
        key = (
            member.pk if dated else None,
            member.time_zone,
            member.team_id,
            tuple(tuple(sorted(blocks.get((member.pk, d.weekday()), ()))) for d in days),
        )
        if key not in shared:
            shared[key] = latest_open(member, days)
        result[member.pk] = (member, shared[key])
    return result
