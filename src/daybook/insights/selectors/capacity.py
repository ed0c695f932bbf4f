"""3. Capacity per team and week, and the next four weeks."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from daybook.core.expressions import HUNDRED, safe_ratio, sum_seconds, to_hours
from daybook.core.periods import Period, bucket_case, local_week_starts
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.people.selectors import NO_TEAM
from daybook.service.models import Project
from daybook.timekeeping.models import TimeEntry

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
    *, first_week: date, weeks: int, target_utilization: Decimal, teams=None
) -> CapacityReport:
    """Per team and week: scheduled, client and internal hours, utilization; then the next
    four weeks from schedules and open project estimates, and the people the trend needs."""
    monday = first_week - timedelta(days=first_week.weekday())
    week_starts = tuple(monday + timedelta(weeks=i) for i in range(weeks))
    span = Period(week_starts[0], week_starts[-1] + timedelta(days=6))
    members = Member.objects.all()
    if teams is not None:
        members = members.filter(team__in=teams)
    member_team = dict(members.values_list("pk", "team_id"))
    team_names = dict(Team.objects.values_list("pk", "name"))
    groups: dict[str, list[int]] = {}
    for pk, zone in members.order_by("pk").values_list("pk", "time_zone"):
        groups.setdefault(zone, []).append(pk)

    # Weekly schedule hours per member, from their blocks (local wall-clock time).
    weekly_schedule: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for block in ScheduleBlock.objects.filter(member_id__in=member_team).only(
        "member_id", "start", "end"
    ):
        minutes = (block.end.hour * 60 + block.end.minute) - (
            block.start.hour * 60 + block.start.minute
        )
        weekly_schedule[block.member_id] += Decimal(minutes) / SIXTY
    team_schedule: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    team_size: dict[int | None, int] = defaultdict(int)
    for member_id, team_id in member_team.items():
        team_schedule[team_id] += weekly_schedule.get(member_id, ZERO)
        team_size[team_id] += 1

    is_wrap = Q(work_type__is_payroll_wrap=True)
    time_off = Q(work_type__is_time_off=True)
    cells: dict[tuple[int | None, date], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for zone, ids in groups.items():
        bounds = local_week_starts(week_starts[0], weeks, ZoneInfo(zone))
        rows = (
            TimeEntry.objects.filter(member_id__in=ids, start__gte=bounds[0], start__lt=bounds[-1])
            .annotate(bucket=bucket_case(bounds))
            .order_by()
            .values("bucket", "member_id")
            .annotate(
                client=sum_seconds(filter=~is_wrap),
                client_projects=sum_seconds(filter=~is_wrap & Q(phase__isnull=False)),
                internal=sum_seconds(filter=is_wrap & ~time_off),
                time_off=sum_seconds(filter=time_off),
                utilized=sum_seconds(
                    filter=Q(work_type__counts_toward_utilization=True) & ~time_off
                ),
            )
        )
        for row in rows:
            cell = cells[(member_team[row["member_id"]], week_starts[row["bucket"]])]
            for key in ("client", "client_projects", "internal", "time_off", "utilized"):
                cell[key] += to_hours(row[key])

    team_ids = sorted(set(member_team.values()), key=lambda t: (t is None, team_names.get(t, "")))
    result = []
    for team_id in team_ids:
        for week in week_starts:
            cell = cells.get((team_id, week), {})
            off = cell.get("time_off", ZERO)
            scheduled = max(ZERO, team_schedule[team_id] - off)
            client = cell.get("client", ZERO)
            internal = cell.get("internal", ZERO)
            utilized = cell.get("utilized", ZERO)
            result.append(
                CapacityWeek(
                    team=_team_name(team_id, team_names),
                    week=week,
                    scheduled=scheduled,
                    time_off=off,
                    client=client,
                    internal=internal,
                    utilized=utilized,
                    utilization_pct=safe_ratio(utilized, scheduled, HUNDRED),
                    available=max(ZERO, scheduled - client - internal),
                )
            )

    demand = _project_demand(
        first=week_starts[-1] + timedelta(weeks=1), member_team=member_team, as_of=span.end
    )
    trends = []
    forecast = []
    n = Decimal(weeks)
    for team_id in team_ids:
        name = _team_name(team_id, team_names)
        team_cells = [cells.get((team_id, w), {}) for w in week_starts]
        client_avg = sum((c.get("client", ZERO) for c in team_cells), ZERO) / n
        ticket_avg = (
            sum((c.get("client", ZERO) - c.get("client_projects", ZERO) for c in team_cells), ZERO)
            / n
        )
        utilized_avg = sum((c.get("utilized", ZERO) for c in team_cells), ZERO) / n
        scheduled_avg = (
            sum(
                (max(ZERO, team_schedule[team_id] - c.get("time_off", ZERO)) for c in team_cells),
                ZERO,
            )
            / n
        )
        per_person = safe_ratio(team_schedule[team_id], Decimal(team_size[team_id])) or ZERO
        capacity_per_person = per_person * target_utilization / HUNDRED
        trends.append(
            TeamTrend(
                team=name,
                members=team_size[team_id],
                scheduled_per_person=per_person,
                client_per_week=client_avg,
                utilization_pct=safe_ratio(utilized_avg, scheduled_avg, HUNDRED),
                people_needed=safe_ratio(client_avg, capacity_per_person),
            )
        )
        for i in range(FORECAST_WEEKS):
            week = week_starts[-1] + timedelta(weeks=i + 1)
            project = demand.get((team_id, week), ZERO)
            load = ticket_avg + project
            forecast.append(
                CapacityForecast(
                    team=name,
                    week=week,
                    scheduled=team_schedule[team_id],
                    ticket_trend=ticket_avg,
                    project_demand=project,
                    expected_utilization_pct=safe_ratio(load, team_schedule[team_id], HUNDRED),
                    people_needed=safe_ratio(load, capacity_per_person),
                )
            )
    return CapacityReport(
        weeks=week_starts,
        target_utilization=target_utilization,
        rows=tuple(result),
        trends=tuple(trends),
        forecast=tuple(forecast),
    )


def _project_demand(
    *, first: date, member_team: dict[int, int | None], as_of: date
) -> dict[tuple[int | None, date], Decimal]:
    """Remaining estimated hours of open projects, spread evenly over the weeks up to each
    project's due date (over the four forecast weeks when it has none; all in the first week
    when it is overdue), shared between teams by the hours each team has logged on it."""
    report = projects_report(as_of=as_of)
    if not report.projects:
        return {}
    project_ids = [p.project_id for p in report.projects]
    shares: dict[int, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        TimeEntry.objects.filter(phase__project_id__in=project_ids)
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
