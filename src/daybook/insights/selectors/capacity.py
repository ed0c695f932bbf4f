"""3. Capacity per team and week, and the next four weeks."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from daybook.core.database import grouped_by_hashing
from daybook.core.expressions import (
    HUNDRED,
    safe_ratio,
    sum_seconds,
    sum_seconds_of_times,
    to_hours,
)
from daybook.core.periods import Period, local_week_starts, member_before_q
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.people.selectors import NO_TEAM, member_zone_groups
from daybook.service.choices import ProjectStatus
from daybook.service.models import Phase, Project
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import visible_or_opened

from .common import SIXTY, ZERO
from .projects import _phase_lines, phase_work

FORECAST_WEEKS = 4


@dataclass(frozen=True)
class CapacityWeek:
    team: str
    week: date  # Monday, members' local calendar
    scheduled: Decimal  # schedule minus time off
    time_off: Decimal
    client: Decimal
    internal: Decimal
    utilized: Decimal
    utilization_pct: Decimal | None
    available: Decimal  # scheduled - client - internal, not below zero


@dataclass(frozen=True)
class CapacityForecast:
    team: str
    week: date
    scheduled: Decimal
    ticket_trend: Decimal
    project_demand: Decimal
    expected_utilization_pct: Decimal | None
    people_needed: Decimal | None


@dataclass(frozen=True)
class TeamTrend:
    team: str
    members: int
    scheduled_per_person: Decimal
    client_per_week: Decimal
    utilization_pct: Decimal | None
    people_needed: Decimal | None


@dataclass(frozen=True)
class CapacityReport:
    weeks: tuple[date, ...]
    target_utilization: Decimal
    rows: tuple[CapacityWeek, ...]
    trends: tuple[TeamTrend, ...]
    forecast: tuple[CapacityForecast, ...]


def _team_name(team_id, names) -> str:
    return names.get(team_id, NO_TEAM)


def capacity_report(
    *,
    first_week: date,
    weeks: int,
    target_utilization: Decimal,
    teams=None,
    visible: Q | None = None,
) -> CapacityReport:
    """Per team and week: scheduled, client and internal hours, utilization; then the next
    four weeks from schedules and open project estimates, and the people the trend needs.

    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened, so a small team's week shows no one's day
    before it ends."""
    visible = visible_or_opened(visible)
    monday = first_week - timedelta(days=first_week.weekday())
    week_starts = tuple(monday + timedelta(weeks=i) for i in range(weeks))
    span = Period(week_starts[0], week_starts[-1] + timedelta(days=6))
    members = Member.objects.all() if teams is None else Member.objects.filter(team__in=teams)
    member_team = dict(members.values_list("pk", "team_id"))
    team_names = dict(Team.objects.values_list("pk", "name"))
    schedule, size = _team_schedules(member_team)
    cells = _weekly_hours(
        members,
        week_starts=week_starts,
        member_team=member_team,
        visible=visible,
        everyone=teams is None,
    )
    demand = _project_demand(
        first=week_starts[-1] + timedelta(weeks=1),
        member_team=member_team,
        as_of=span.end,
        visible=visible,
    )
    team_ids = sorted(set(member_team.values()), key=lambda t: (t is None, team_names.get(t, "")))
    rows, trends, forecast = [], [], []
    for team_id in team_ids:
        name = _team_name(team_id, team_names)
        team_cells = [cells.get((team_id, week), {}) for week in week_starts]
        rows += [
            _capacity_week(name, week, cell, schedule[team_id])
            for week, cell in zip(week_starts, team_cells, strict=True)
        ]
        averages = _weekly_averages(team_cells, schedule[team_id])
        per_person = safe_ratio(schedule[team_id], Decimal(size[team_id])) or ZERO
        capacity_per_person = per_person * target_utilization / HUNDRED
        trends.append(
            TeamTrend(
                team=name,
                members=size[team_id],
                scheduled_per_person=per_person,
                client_per_week=averages.client,
                utilization_pct=safe_ratio(averages.utilized, averages.scheduled, HUNDRED),
                people_needed=safe_ratio(averages.client, capacity_per_person),
            )
        )
        forecast += _team_forecast(
            team_id,
            name=name,
            after=week_starts[-1],
            schedule=schedule[team_id],
            ticket_trend=averages.tickets,
            demand=demand,
            capacity_per_person=capacity_per_person,
        )
    return CapacityReport(
        weeks=week_starts,
        target_utilization=target_utilization,
        rows=tuple(rows),
        trends=tuple(trends),
        forecast=tuple(forecast),
    )


def _team_schedules(
    member_team: dict[int, int | None],
) -> tuple[dict[int | None, Decimal], dict[int | None, int]]:
    """Each team's scheduled hours a week (its members' blocks, local wall-clock time) and its
    head count."""
    weekly: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for member_id, start, end in (
        ScheduleBlock.objects.filter(member_id__in=member_team)
        .order_by()
        .values_list("member_id", "start", "end")
    ):
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        weekly[member_id] += Decimal(minutes) / SIXTY
    schedule: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    size: dict[int | None, int] = defaultdict(int)
    for member_id, team_id in member_team.items():
        schedule[team_id] += weekly.get(member_id, ZERO)
        size[team_id] += 1
    return schedule, size


# Hours a capacity cell adds up, each from the entries matching its condition.
IS_WRAP = Q(work_type__is_payroll_wrap=True)
TIME_OFF = Q(work_type__is_time_off=True)
CELL_SUMS = {
    "client": ~IS_WRAP,
    "client_projects": ~IS_WRAP & Q(phase__isnull=False),
    "internal": IS_WRAP & ~TIME_OFF,
    "time_off": TIME_OFF,
    "utilized": Q(work_type__counts_toward_utilization=True) & ~TIME_OFF,
}
Cells = dict[tuple[int | None, date], dict[str, Decimal]]


def _weekly_hours(
    members: QuerySet[Member],
    *,
    week_starts: tuple[date, ...],
    member_team: dict[int, int | None],
    visible: Q,
    everyone: bool = False,
) -> Cells:
    """{(team id, Monday): hours by kind (CELL_SUMS)}, weeks on each member's own calendar:
    one grouped query, one pass over the weeks' entries whatever the number of time zones.
    ``everyone``: ``members`` is every member, so the query names none of them."""
    zones = dict(members.order_by().values_list("pk", "time_zone"))
    if not zones:
        return {}
    week_bounds = {
        zone: local_week_starts(week_starts[0], len(week_starts), ZoneInfo(zone))
        for zone in set(zones.values())
    }
    # The database cuts the range at every zone's week starts, comparing start with plain
    # instants (no member lists row by row); each slice lies within one week of every zone,
    # so Python puts it in its member's week.
    instants = sorted({bound for bounds in week_bounds.values() for bound in bounds})
    week_of = {
        zone: [bisect_right(bounds, instant) - 1 for instant in instants[:-1]]
        for zone, bounds in week_bounds.items()
    }
    entries = TimeEntry.objects.filter(start__gte=instants[0], start__lt=instants[-1])
    if not everyone:
        entries = entries.filter(member_id__in=sorted(zones))
    grouped = (
        entries.filter(visible)
        .annotate(slice=_slice_case(instants, 0, len(instants) - 1))
        .order_by()
        .values_list("member_id", "slice")
        .annotate(**{key: sum_seconds(filter=condition) for key, condition in CELL_SUMS.items()})
    )
    with grouped_by_hashing():
        rows = list(grouped)
    # Seconds per team and week, then hours once per cell: whole seconds add exactly as
    # floats (as in the database's own sums), and a Decimal for each of thousands of
    # member-week sums cost a tenth of the report's time.
    seconds: dict[tuple[int | None, int], list[float]] = defaultdict(lambda: [0.0] * len(CELL_SUMS))
    for member_id, slice_, *sums in rows:
        week = week_of[zones[member_id]][slice_]
        if not 0 <= week < len(week_starts):
            continue  # inside the overall range, outside this member's local weeks
        total = seconds[(member_team[member_id], week)]
        for k, value in enumerate(sums):
            if value:
                total[k] += value
    return {
        (team_id, week_starts[week]): dict(zip(CELL_SUMS, map(to_hours, total), strict=True))
        for (team_id, week), total in seconds.items()
    }


def _slice_case(instants: list, low: int, high: int):
    """i for instants[i] <= start < instants[i + 1], low <= i < high: a balanced tree of
    comparisons, a handful per row however many zones cut the range."""
    if high - low == 1:
        return Value(low)
    middle = (low + high) // 2
    return Case(
        When(start__lt=instants[middle], then=_slice_case(instants, low, middle)),
        default=_slice_case(instants, middle, high),
        output_field=IntegerField(),
    )


def _capacity_week(name: str, week: date, cell: dict, schedule: Decimal) -> CapacityWeek:
    off = cell.get("time_off", ZERO)
    scheduled = max(ZERO, schedule - off)
    client = cell.get("client", ZERO)
    internal = cell.get("internal", ZERO)
    utilized = cell.get("utilized", ZERO)
    return CapacityWeek(
        team=name,
        week=week,
        scheduled=scheduled,
        time_off=off,
        client=client,
        internal=internal,
        utilized=utilized,
        utilization_pct=safe_ratio(utilized, scheduled, HUNDRED),
        available=max(ZERO, scheduled - client - internal),
    )


@dataclass(frozen=True)
class _Averages:
    """A team's hours a week over the report's weeks."""

    client: Decimal
    tickets: Decimal  # client hours not on project phases
    utilized: Decimal
    scheduled: Decimal  # less time off


def _weekly_averages(team_cells: list[dict], schedule: Decimal) -> _Averages:
    weeks = Decimal(len(team_cells))

    def average(key) -> Decimal:
        return sum((key(cell) for cell in team_cells), ZERO) / weeks

    return _Averages(
        client=average(lambda c: c.get("client", ZERO)),
        tickets=average(lambda c: c.get("client", ZERO) - c.get("client_projects", ZERO)),
        utilized=average(lambda c: c.get("utilized", ZERO)),
        scheduled=average(lambda c: max(ZERO, schedule - c.get("time_off", ZERO))),
    )


def _team_forecast(
    team_id: int | None,
    *,
    name: str,
    after: date,
    schedule: Decimal,
    ticket_trend: Decimal,
    demand: dict[tuple[int | None, date], Decimal],
    capacity_per_person: Decimal,
) -> list[CapacityForecast]:
    """The FORECAST_WEEKS weeks after ``after``: ticket work at the trend plus project
    estimates due, against the schedule."""
    forecast = []
    for i in range(FORECAST_WEEKS):
        week = after + timedelta(weeks=i + 1)
        project = demand.get((team_id, week), ZERO)
        load = ticket_trend + project
        forecast.append(
            CapacityForecast(
                team=name,
                week=week,
                scheduled=schedule,
                ticket_trend=ticket_trend,
                project_demand=project,
                expected_utilization_pct=safe_ratio(load, schedule, HUNDRED),
                people_needed=safe_ratio(load, capacity_per_person),
            )
        )
    return forecast


def _project_demand(
    *, first: date, member_team: dict[int, int | None], as_of: date, visible: Q
) -> dict[tuple[int | None, date], Decimal]:
    """Remaining estimated hours of open projects, spread evenly over the weeks up to each
    project's due date (over the four forecast weeks when it has none; all in the first week
    when it is overdue), shared between teams by the hours each team has logged on it."""
    open_phases = dict(
        Phase.objects.exclude(project__status=ProjectStatus.DONE)
        .order_by()
        .values_list("pk", "project_id")
    )
    remaining, due_dates, managers = _open_project_hours(
        as_of=as_of, visible=visible, open_phases=open_phases
    )
    if not remaining:
        return {}
    seconds: dict[int, dict[int | None, float]] = defaultdict(lambda: defaultdict(float))
    for phase_id, team_id, phase_seconds in (
        TimeEntry.objects.filter(
            phase__isnull=False,
            phase_id__in=[
                pk for pk, project in open_phases.items() if remaining.get(project, ZERO) > 0
            ],
        )
        .filter(visible)
        .order_by()
        .values_list("phase_id", "member__team_id")
        .annotate(seconds=sum_seconds_of_times())
    ):
        seconds[open_phases[phase_id]][team_id] += phase_seconds
    shares = {
        project: {team_id: to_hours(value) for team_id, value in teams.items()}
        for project, teams in seconds.items()
    }
    reported_teams = set(member_team.values())
    demand: dict[tuple[int | None, date], Decimal] = defaultdict(lambda: ZERO)
    horizon = [first + timedelta(weeks=i) for i in range(FORECAST_WEEKS)]
    for project_id, left in remaining.items():
        if left <= 0:
            continue
        due_date = due_dates[project_id]
        if due_date is None:
            weeks_to_due = FORECAST_WEEKS
        else:
            weeks_to_due = max(1, (due_date - first).days // 7 + 1)
        per_week = left / weeks_to_due
        team_hours = shares.get(project_id) or {managers.get(project_id): Decimal(1)}
        total = sum(team_hours.values(), ZERO)
        for week in horizon[: min(weeks_to_due, FORECAST_WEEKS)]:
            for team_id, hours in team_hours.items():
                if team_id in reported_teams or team_id is None:
                    demand[(team_id, week)] += per_week * hours / total
    return demand


def _open_project_hours(
    *, as_of: date, visible: Q, open_phases: dict[int, int]
) -> tuple[dict[int, Decimal], dict[int, date | None], dict[int, int | None]]:
    """Each open project's remaining estimated hours as of a date, as projects_report counts
    them (its phases' sums over the same entries), with its due date and its manager's team.
    Not the whole report: its pace costs another read, and capacity does not need it. In
    the report's order, so the same sums come out."""
    open_projects = Project.objects.exclude(status=ProjectStatus.DONE)
    projects = list(
        open_projects.order_by("company__name", "name", "pk").values_list(
            "pk", "due_date", "manager__team_id"
        )
    )
    if not projects:
        return {}, {}, {}
    through = member_before_q(as_of + timedelta(days=1), member_zone_groups())
    # Only the open projects' phases (``open_phases``: phase id -> project id), a small part
    # of all phase entries, named by id: given a subquery, PostgreSQL read every phase entry
    # and kept the few that matched.
    entries = (
        TimeEntry.objects.filter(phase__isnull=False, phase_id__in=list(open_phases))
        .filter(through)
        .filter(visible)
    )
    _, sums_of = _phase_lines(
        open_projects.values("pk"), phase_work(entries), summed={pk for pk, _, _ in projects}
    )
    remaining = {}
    for pk, _, _ in projects:
        estimate, actual = sums_of.get(pk, (ZERO, ZERO))
        remaining[pk] = max(ZERO, estimate - actual)
    due_dates = {pk: due for pk, due, _ in projects}
    managers = {pk: team for pk, _, team in projects}
    return remaining, due_dates, managers
