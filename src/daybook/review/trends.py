"""Team trends for the end-of-day review: how a team's days, follow-ups and entry timing
move week by week. Figures are per team and week only; nothing here is ever broken down by
member, so no page built on it can rank people.

Weeks run Monday to Sunday. Day reviews and follow-ups belong to the week of the local day
they are about (their `date`); entries and resolutions to the week of the moment they start
or resolve on their member's local calendar, as in the insights reports. Members count
toward the team they are on now.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from daybook.core.expressions import (
    HUNDRED,
    Seconds,
    safe_ratio,
    sum_seconds,
    to_decimal,
    to_hours,
)
from daybook.core.periods import bucket_case, local_week_starts
from daybook.people.models import Holiday, Member, ScheduleBlock, Team
from daybook.people.selectors import NO_TEAM, members_visible_to
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.day import Policy
from daybook.timekeeping.day_figures import policies_for
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import opened_q

from .choices import FollowUpState, ReviewState
from .models import DayReview, FollowUp

MAX_WEEKS = 52
DEFAULT_WEEKS = 8
SEE_ALL = "timekeeping.view_all_entries"
Cell = tuple[int | None, date]  # (team id, Monday)


@dataclass(frozen=True)
class TeamWeek:
    """One team's figures for one week. Shares are unrounded percentages; None where there
    is nothing to divide (no decided days, no logged time, no resolutions)."""

    team_id: int | None
    team: str
    week: date  # Monday
    days_decided: int
    days_clean_first: int
    clean_first_pct: Decimal | None
    follow_ups_sent: int
    follow_ups_resolved: int
    logged_hours: Decimal  # imports left out
    realtime_hours: Decimal
    realtime_pct: Decimal | None
    resolutions: int  # follow-ups resolved during the week: what the median is taken over
    median_hours_to_resolve: Decimal | None
    # Long weeks, a sign of overload (never a score: more hours is not better).
    hours_worked: Decimal  # every entry, imports included
    expected_hours: Decimal
    hours_over_expected: Decimal  # summed over members: each one's hours past their own week
    over_expected_pct: Decimal | None  # hours_over_expected / hours_worked


def trend_members(viewer: AbstractBaseUser) -> QuerySet[Member]:
    """Members whose figures count in `viewer`'s trends: those the viewer may see, and,
    unless the viewer sees everyone (Finance, Admin), only on teams the viewer reviews — so a
    manager's own team never shows up as a one-person "team" made of themselves."""
    members = members_visible_to(viewer)
    if not viewer.has_perm(SEE_ALL):
        members = members.filter(team__reviewers__user=viewer)
    return Member.objects.filter(pk__in=members.values("pk"))


def trend_teams(viewer: AbstractBaseUser) -> QuerySet[Team]:
    """Teams that have members in `viewer`'s trends, by name (for the team filter)."""
    return Team.objects.filter(members__in=trend_members(viewer)).distinct().order_by("name")


def _first_decision() -> Subquery:
    """The state of a day review's earliest historical record that is not pending."""
    history = DayReview.history.model.objects.filter(id=OuterRef("pk"))
    return Subquery(
        history.exclude(state=ReviewState.PENDING)
        .order_by("history_date", "history_id")
        .values("state")[:1]
    )


def _mondays(end: date, weeks: int) -> list[date]:
    last = end - timedelta(days=end.weekday())
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def team_trends(
    *,
    viewer: AbstractBaseUser,
    weeks: int = DEFAULT_WEEKS,
    end: date | None = None,
    team: Team | None = None,
) -> list[TeamWeek]:
    """Per team and week, the last `weeks` weeks up to the one holding `end` (today in the
    organisation's zone by default), oldest first; teams by name, members without a team
    last as "No team". Only members counted by `trend_members(viewer)`; with `team`, only
    that team. Every team with such members gets a row for every week, empty or not.

    - Clean on first review: a day's first decision is its earliest historical record whose
      state is not pending. Days decided = days of the week with a first decision; clean
      first time = those whose first decision was "clean" (a first "excused" or "followed
      up" is decided, not clean). The current state alone would not do: a day reopened and
      decided again keeps its first decision, so a clean day later asked about still counts
      clean first time and a day first followed up never turns clean by being reopened; a
      day reopened to pending still counts as decided. A day never decided (no row, or
      only pending records) is left out of both.
    - Follow-ups sent: follow-ups about the week's days (their `date`); resolved: those of
      them resolved by now.
    - Real-time share: minutes of entries starting in the week whose save came at most the
      team's real-time window after their end (created_at - end <= window, the "late entry"
      rule of the day review), over all minutes of those entries. Imported entries are left
      out of both: they arrive after the fact by nature.
    - Median hours to resolve: median of resolved_at - created_at over follow-ups resolved
      during the week, whatever day they were about.
    - Hours over expected, for burnout (not productivity): each member's week is held to
      their own expected hours (expected hours per day on each scheduled weekday, leaving out
      holidays of their team or the organisation and days before they started or after they
      left). Hours over expected = the sum over members of max(0, hours worked - expected),
      so one person's long week is never offset by another's short one; the share is that
      over all hours worked by the team that week. Hours worked count every entry starting
      in the week, imports included, on days whose review has opened. Booked time off is
      logged time like any entry, so a day off taken as time off neither adds nor removes
      hours over. Only team totals leave this function.

    All sums and counts are grouped in the database; the median is taken in Python over the
    week's resolution times, which are few. A fixed number of queries plus two per time zone
    in use.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"Weeks must be from 1 to {MAX_WEEKS}.")
    mondays = _mondays(end or timezone.localdate(), weeks)
    scope = _scope(viewer, team)
    if not scope.member_team:
        return []
    decided = _days_decided(scope.ids, mondays)
    follow_ups = _follow_ups_asked(scope.ids, mondays)
    timing = _timing(scope, mondays)
    _add_expected_hours(timing, scope, mondays)
    long_weeks = _long_weeks(timing, scope, mondays)
    return [
        _team_week(team_id, week, scope, decided, follow_ups, timing, long_weeks)
        for team_id in scope.teams_in_order()
        for week in mondays
    ]


@dataclass(frozen=True)
class _Scope:
    """Whose figures count: each member's team and zone, the teams' names and policies."""

    member_team: dict[int, int | None]
    zones: dict[str, list[int]]  # time zone -> member ids
    names: dict[int, str]
    policies: dict[int | None, Policy]
    # Per member: expected hours per day, first and last working day (None: still here).
    terms: dict[int, tuple[Decimal, date, date | None]] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return list(self.member_team)

    def teams_in_order(self) -> list[int | None]:
        """By name, members without a team last."""
        team_ids = set(self.member_team.values())
        return sorted(team_ids, key=lambda t: (t is None, self.names.get(t, ""), t or 0))


def _scope(viewer: AbstractBaseUser, team: Team | None) -> _Scope:
    members = trend_members(viewer)
    if team is not None:
        members = members.filter(team=team)
    member_team: dict[int, int | None] = {}
    zones: dict[str, list[int]] = defaultdict(list)
    terms: dict[int, tuple[Decimal, date, date | None]] = {}
    rows = members.order_by("pk").values_list(
        "pk", "team_id", "time_zone", "expected_hours_per_day", "start_date", "end_date"
    )
    for pk, team_id, zone, per_day, start, end in rows:
        member_team[pk] = team_id
        zones[zone].append(pk)
        terms[pk] = (per_day, start, end)
    if not member_team:
        return _Scope(member_team={}, zones={}, names={}, policies={})
    team_ids = set(member_team.values())
    return _Scope(
        member_team=member_team,
        zones=dict(zones),
        names=dict(Team.objects.filter(pk__in=team_ids - {None}).values_list("pk", "name")),
        policies=policies_for(team_ids),
        terms=terms,
    )


def _by_day_reviewed(queryset: QuerySet, ids: list[int], mondays: list[date]) -> QuerySet:
    """Rows about the members' days in the weeks, bucketed by the week of their `date`."""
    bounds = [*mondays, mondays[-1] + timedelta(weeks=1)]
    return queryset.filter(member_id__in=ids, date__gte=bounds[0], date__lt=bounds[-1]).annotate(
        bucket=bucket_case(bounds, "date")
    )


def _by_cell(rows: Iterable[dict], mondays: list[date]) -> dict[Cell, dict]:
    return {(row["member__team_id"], mondays[row["bucket"]]): row for row in rows}


def _days_decided(ids: list[int], mondays: list[date]) -> dict[Cell, dict]:
    """Days decided, and those clean at their first decision, by the week of the day."""
    rows = (
        _by_day_reviewed(DayReview.objects.all(), ids, mondays)
        .annotate(first=_first_decision())
        .filter(first__isnull=False)
        .order_by()
        .values("bucket", "member__team_id")
        .annotate(decided=Count("pk"), clean=Count("pk", filter=Q(first=ReviewState.CLEAN)))
    )
    return _by_cell(rows, mondays)


def _follow_ups_asked(ids: list[int], mondays: list[date]) -> dict[Cell, dict]:
    """Follow-ups about the week's days, and how many of them are resolved."""
    rows = (
        _by_day_reviewed(FollowUp.objects.all(), ids, mondays)
        .order_by()
        .values("bucket", "member__team_id")
        .annotate(sent=Count("pk"), resolved=Count("pk", filter=Q(state=FollowUpState.RESOLVED)))
    )
    return _by_cell(rows, mondays)


@dataclass
class _Timing:
    """Entry hours and resolution times per cell, read on each member's local calendar."""

    logged: dict[Cell, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    realtime: dict[Cell, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    durations: dict[Cell, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    # Per member and week (kept in here, summed per team before anything leaves).
    worked: dict[tuple[int, date], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    expected: dict[tuple[int, date], Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def _timing(scope: _Scope, mondays: list[date]) -> _Timing:
    timing = _Timing()
    # A day still under way counts once its review opens (timekeeping.visibility), so a
    # small team's week never shows anyone's today.
    opened = opened_q()
    for zone, zone_ids in scope.zones.items():
        bounds = local_week_starts(mondays[0], len(mondays), ZoneInfo(zone))
        _add_entry_hours(timing, scope, zone_ids, bounds, mondays, opened)
        _add_resolution_times(timing, zone_ids, bounds, mondays)
    return timing


@dataclass(frozen=True)
class _Long:
    worked: Decimal = Decimal(0)
    expected: Decimal = Decimal(0)
    over: Decimal = Decimal(0)


def _add_expected_hours(timing: _Timing, scope: _Scope, mondays: list[date]) -> None:
    """Each member's expected hours in each week: their hours per day on each scheduled
    weekday they work (started, not yet left), holidays left out. Two queries."""
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    weekdays: dict[int, set[int]] = defaultdict(set)
    blocks = ScheduleBlock.objects.filter(member_id__in=scope.ids).order_by()
    for member_id, weekday in blocks.values_list("member_id", "weekday").distinct():
        weekdays[member_id].add(weekday)
    team_ids = set(scope.member_team.values()) - {None}
    holidays: dict[date, set[int | None]] = defaultdict(set)
    rows = Holiday.objects.filter(
        Q(team__isnull=True) | Q(team_id__in=team_ids), date__gte=first, date__lte=last
    ).values_list("date", "team_id")
    for day, team_id in rows:
        holidays[day].add(team_id)
    for member_id, (per_day, start, end) in scope.terms.items():
        team_id = scope.member_team[member_id]
        for monday in mondays:
            for offset in range(7):
                day = monday + timedelta(days=offset)
                off = holidays.get(day, set())
                if (
                    day.weekday() in weekdays[member_id]
                    and start <= day
                    and (end is None or day <= end)
                    and None not in off
                    and team_id not in off
                ):
                    timing.expected[(member_id, monday)] += per_day


def _long_weeks(timing: _Timing, scope: _Scope, mondays: list[date]) -> dict[Cell, _Long]:
    """Each team's week: hours worked, expected and over expected, the last summed member by
    member so that one person's short week never hides another's long one."""
    cells: dict[Cell, _Long] = {}
    for member_id, team_id in scope.member_team.items():
        for week in mondays:
            worked = timing.worked.get((member_id, week), Decimal(0))
            expected = timing.expected.get((member_id, week), Decimal(0))
            cell = cells.get((team_id, week), _Long())
            cells[(team_id, week)] = _Long(
                worked=cell.worked + worked,
                expected=cell.expected + expected,
                over=cell.over + max(Decimal(0), worked - expected),
            )
    return cells


def _in_realtime_window(scope: _Scope, member_ids: list[int]) -> Q:
    """Entries saved within their team's real-time window of their end (`lag` annotated)."""
    by_window: dict[int, list[int]] = defaultdict(list)
    for pk in member_ids:
        by_window[scope.policies[scope.member_team[pk]].realtime_window_minutes].append(pk)
    in_window = Q()
    for minutes, window_ids in sorted(by_window.items()):
        in_window |= Q(member_id__in=window_ids, lag__lte=minutes * 60)
    return in_window


def _add_entry_hours(
    timing: _Timing,
    scope: _Scope,
    zone_ids: list[int],
    bounds: list[datetime],
    mondays: list[date],
    opened: Q,
) -> None:
    """One read of the zone's entries, by member and week: each member's hours worked (every
    entry counted, imports too), and each team's hours logged and logged in real time."""
    # Imported time is not the team's logging at all; time filled in from a suggestion is,
    # but after the fact, so it counts as logged and never as real time.
    logging = ~Q(source=EntrySource.IMPORT)
    in_time = logging & _in_realtime_window(scope, zone_ids) & ~Q(source=EntrySource.SUGGESTION)
    rows = (
        TimeEntry.objects.filter(member_id__in=zone_ids, start__gte=bounds[0], start__lt=bounds[-1])
        .filter(opened)
        .annotate(bucket=bucket_case(bounds), lag=Seconds("end", "created_at"))
        .order_by()
        .values("bucket", "member_id")
        .annotate(
            seconds=sum_seconds(),
            logged=sum_seconds(filter=logging),
            realtime=sum_seconds(filter=in_time),
        )
    )
    # Seconds per team and week first, then hours, as a row per team-week would give.
    logged: dict[Cell, Decimal] = defaultdict(Decimal)
    realtime: dict[Cell, Decimal] = defaultdict(Decimal)
    for row in rows:
        week = mondays[row["bucket"]]
        timing.worked[(row["member_id"], week)] += to_hours(row["seconds"])
        cell = (scope.member_team[row["member_id"]], week)
        logged[cell] += to_decimal(row["logged"])
        realtime[cell] += to_decimal(row["realtime"])
    for cell, seconds in logged.items():
        timing.logged[cell] += to_hours(seconds)
        timing.realtime[cell] += to_hours(realtime[cell])


def _add_resolution_times(
    timing: _Timing, zone_ids: list[int], bounds: list[datetime], mondays: list[date]
) -> None:
    resolved = (
        FollowUp.objects.filter(
            member_id__in=zone_ids,
            state=FollowUpState.RESOLVED,
            resolved_at__gte=bounds[0],
            resolved_at__lt=bounds[-1],
        )
        .annotate(
            bucket=bucket_case(bounds, "resolved_at"),
            seconds=Seconds("created_at", "resolved_at"),
        )
        .order_by()
        .values_list("member__team_id", "bucket", "seconds")
    )
    for team_id, bucket, seconds in resolved:
        timing.durations[(team_id, mondays[bucket])].append(to_hours(seconds))


def _team_week(
    team_id: int | None,
    week: date,
    scope: _Scope,
    decided: dict[Cell, dict],
    follow_ups: dict[Cell, dict],
    timing: _Timing,
    long_weeks: dict[Cell, _Long],
) -> TeamWeek:
    cell = (team_id, week)
    days_row = decided.get(cell, {})
    days_decided = days_row.get("decided", 0)
    days_clean = days_row.get("clean", 0)
    follow_row = follow_ups.get(cell, {})
    hours = timing.logged.get(cell, Decimal(0))
    hours_realtime = timing.realtime.get(cell, Decimal(0))
    times = timing.durations.get(cell, [])
    long = long_weeks.get(cell, _Long())
    return TeamWeek(
        team_id=team_id,
        team=scope.names.get(team_id, NO_TEAM),
        week=week,
        days_decided=days_decided,
        days_clean_first=days_clean,
        clean_first_pct=safe_ratio(Decimal(days_clean), Decimal(days_decided), HUNDRED),
        follow_ups_sent=follow_row.get("sent", 0),
        follow_ups_resolved=follow_row.get("resolved", 0),
        logged_hours=hours,
        realtime_hours=hours_realtime,
        realtime_pct=safe_ratio(hours_realtime, hours, HUNDRED),
        resolutions=len(times),
        median_hours_to_resolve=median(times) if times else None,
        hours_worked=long.worked,
        expected_hours=long.expected,
        hours_over_expected=long.over,
        over_expected_pct=safe_ratio(long.over, long.worked, HUNDRED),
    )
