"""3. Capacity per team and week, and the next four weeks."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from daybook.core.expressions import HUNDRED, safe_ratio, sum_seconds, to_hours
from daybook.core.periods import Period, local_week_starts
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.people.selectors import NO_TEAM
from daybook.service.models import Project
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import visible_or_opened

from .common import SIXTY, ZERO
from .projects import projects_report

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
        members, week_starts=week_starts, member_team=member_team, visible=visible
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
    for block in ScheduleBlock.objects.filter(member_id__in=member_team).only(
        "member_id", "start", "end"
    ):
        minutes = (block.end.hour * 60 + block.end.minute) - (
            block.start.hour * 60 + block.start.minute
        )
        weekly[block.member_id] += Decimal(minutes) / SIXTY
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
) -> Cells:
    """{(team id, Monday): hours by kind (CELL_SUMS)}, weeks on each member's own calendar:
    one grouped query, one pass over the weeks' entries whatever the number of time zones."""
    groups: dict[str, list[int]] = {}
    for pk, zone in members.order_by("pk").values_list("pk", "time_zone"):
        groups.setdefault(zone, []).append(pk)
    cells: Cells = defaultdict(lambda: defaultdict(lambda: ZERO))
    if not groups:
        return cells
    sums = {key: sum_seconds(filter=condition) for key, condition in CELL_SUMS.items()}
    # Which week an entry falls in on its member's calendar: first the member's zone, then
    # plain comparisons with that zone's week starts.
    by_zone, lows, highs = [], [], []
    for zone, ids in groups.items():
        bounds = local_week_starts(week_starts[0], len(week_starts), ZoneInfo(zone))
        lows.append(bounds[0])
        highs.append(bounds[-1])
        week = Case(
            When(start__lt=bounds[0], then=Value(-1)),
            *[When(start__lt=bound, then=Value(i)) for i, bound in enumerate(bounds[1:])],
            default=Value(-1),
            output_field=IntegerField(),
        )
        by_zone.append(When(member_id__in=ids, then=week))
    bucket = Case(*by_zone, default=Value(-1), output_field=IntegerField())
    rows = (
        TimeEntry.objects.filter(
            member_id__in=[pk for ids in groups.values() for pk in ids],
            start__gte=min(lows),
            start__lt=max(highs),
        )
        .filter(visible)
        .annotate(bucket=bucket)
        .order_by()
        .values("bucket", "member_id")
        .annotate(**sums)
    )
    for row in rows:
        if row["bucket"] < 0:
            continue  # inside the overall range, outside this member's local weeks
        cell = cells[(member_team[row["member_id"]], week_starts[row["bucket"]])]
        for key in CELL_SUMS:
            cell[key] += to_hours(row[key])
    return cells


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
    report = projects_report(as_of=as_of, visible=visible)
    if not report.projects:
        return {}
    project_ids = [p.project_id for p in report.projects]
    shares: dict[int, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        TimeEntry.objects.filter(phase__project_id__in=project_ids)
        .filter(visible)
        .order_by()
        .values("phase__project_id", "member__team_id")
        .annotate(seconds=sum_seconds())
    ):
        shares[row["phase__project_id"]][row["member__team_id"]] += to_hours(row["seconds"])
    managers = dict(
        Project.objects.filter(pk__in=project_ids).values_list("pk", "manager__team_id")
    )
    demand: dict[tuple[int | None, date], Decimal] = defaultdict(lambda: ZERO)
    horizon = [first + timedelta(weeks=i) for i in range(FORECAST_WEEKS)]
    for project in report.projects:
        if project.remaining <= 0:
            continue
        if project.due_date is None:
            weeks_to_due = FORECAST_WEEKS
        else:
            weeks_to_due = max(1, (project.due_date - first).days // 7 + 1)
        per_week = project.remaining / weeks_to_due
        team_hours = shares.get(project.project_id) or {
            managers.get(project.project_id): Decimal(1)
        }
        total = sum(team_hours.values(), ZERO)
        for week in horizon[: min(weeks_to_due, FORECAST_WEEKS)]:
            for team_id, hours in team_hours.items():
                if team_id in member_team.values() or team_id is None:
                    demand[(team_id, week)] += per_week * hours / total
    return demand
