"""2. Projects: estimate against actual, pace, forecast and scoping accuracy."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet

from daybook.catalogue.models import WorkType
from daybook.core.expressions import HUNDRED, safe_ratio, sum_seconds_of_times, to_hours
from daybook.core.periods import Period, member_before_q, member_local_range_q
from daybook.people.selectors import member_zone_groups
from daybook.service.choices import ProjectStatus
from daybook.service.models import Phase, Project
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.visibility import visible_or_opened

from .common import ZERO, WorkTypeHours

BURN_WINDOW_DAYS = 28


@dataclass(frozen=True)
class PhaseLine:
    phase_id: int
    name: str
    estimate: Decimal
    actual: Decimal
    remaining: Decimal  # estimate - actual, not below zero
    used_pct: Decimal | None


@dataclass(frozen=True)
class ProjectLine:
    project_id: int
    name: str
    company: str
    project_type: str
    status: str
    status_label: str
    due_date: date | None
    estimate: Decimal
    actual: Decimal
    remaining: Decimal
    over_estimate: Decimal  # actual beyond the estimate, else 0
    burn_per_week: Decimal
    forecast_finish: date | None
    forecast_at_due: Decimal | None
    phases: tuple[PhaseLine, ...]
    hours_by_work_type: tuple[WorkTypeHours, ...]


@dataclass(frozen=True)
class ScopingAccuracy:
    project_type: str
    projects: int
    estimate: Decimal
    actual: Decimal
    multiplier: Decimal | None  # actual / estimate


@dataclass(frozen=True)
class ProjectsReport:
    as_of: date
    projects: tuple[ProjectLine, ...]
    accuracy: tuple[ScopingAccuracy, ...]


def projects_report(
    *, as_of: date, teams=None, include_done: bool = False, visible: Q | None = None
) -> ProjectsReport:
    """Estimate against actual hours for projects, their pace and where it leads, and how
    finished projects of each type compared with their estimates.

    ``teams``: only projects managed by, or worked on by, members of these teams.
    ``visible``: the time the viewer may see (timekeeping.visibility.visible_entry_q); by
    default only days whose review has opened.
    """
    projects = Project.objects.select_related("company")
    if teams is not None:
        projects = projects.filter(
            Q(manager__team__in=teams) | Q(phases__entries__member__team__in=teams)
        ).distinct()
    # Teams narrow the projects to a few, named by id; without them every project's phases
    # count, and thousands of ids would cost more to send than to leave out.
    project_ids = None if teams is None else list(projects.values_list("pk", flat=True))
    groups = member_zone_groups()
    through = member_before_q(as_of + timedelta(days=1), groups)
    # "phase is not null" spelled out lets both databases use the partial covering index on
    # phase entries (entry_phase_start_covering): the report reads only its columns. Every
    # project's phase entries unless teams narrow the projects (no list of every id to send).
    entries = TimeEntry.objects.filter(phase__isnull=False)
    if teams is not None:
        entries = entries.filter(phase__project_id__in=project_ids)
    entries = entries.filter(through).filter(visible_or_opened(visible))
    work = phase_work(entries)
    # Most projects of a long history are done: they count towards scoping accuracy by their
    # sums alone, and get lines (with their model objects) only when asked for.
    done = projects.filter(status=ProjectStatus.DONE).order_by("company__name", "name", "pk")
    done_rows = list(done.values_list("pk", "project_type"))
    summed = set() if include_done else {pk for pk, _ in done_rows}
    phases_of, sums_of = _phase_lines(project_ids, work, summed=summed)
    recent = _recent_hours(entries, as_of=as_of, groups=groups)
    work_type_names = dict(WorkType.objects.values_list("pk", "name"))

    finished: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for pk, kind in done_rows:
        finished[kind or "(no type)"].append(sums_of.get(pk, (ZERO, ZERO)))
    lined = projects if include_done else projects.exclude(status=ProjectStatus.DONE)
    lines = [
        _project_line(
            project,
            phases=tuple(phases_of.get(project.pk, ())),
            recent=recent.get(project.pk, ZERO),
            by_type=_hours_by_work_type(phases_of.get(project.pk, ()), work, work_type_names),
            as_of=as_of,
        )
        for project in lined.order_by("company__name", "name", "pk")
    ]
    accuracy = tuple(_scoping_accuracy(kind, pairs) for kind, pairs in sorted(finished.items()))
    return ProjectsReport(as_of=as_of, projects=tuple(lines), accuracy=accuracy)


def phase_work(entries: QuerySet[TimeEntry]) -> dict[int, dict[int, float]]:
    """Seconds worked on each phase by work type (phase id -> work type id -> seconds): one
    scan of the phase entries serves both the phase lines and the work type breakdown."""
    work: dict[int, dict[int, float]] = defaultdict(dict)
    rows = (
        entries.order_by()
        .values_list("phase_id", "work_type_id")
        .annotate(seconds=sum_seconds_of_times())
        .values_list("phase_id", "work_type_id", "seconds")
    )
    for phase_id, work_type_id, seconds in rows:
        work[phase_id][work_type_id] = seconds
    return work


def _phase_lines(
    project_ids: list[int] | QuerySet[Project] | None,
    work: dict[int, dict[int, float]],
    *,
    summed: set[int],
) -> tuple[dict[int, list[PhaseLine]], dict[int, tuple[Decimal, Decimal]]]:
    """Each project's phases in order, with the hours worked on them, and each project's
    estimated and actual hours over its phases (``project_ids``: these projects; None: all).
    The projects in ``summed`` get their sums alone, no lines."""
    phases_of: dict[int, list[PhaseLine]] = defaultdict(list)
    sums_of: dict[int, tuple[Decimal, Decimal]] = {}
    # Plain rows: tens of thousands of phases at MSP scale, model objects cost a third of
    # the report.
    phases = Phase.objects.all()
    if project_ids is not None:
        phases = phases.filter(project_id__in=project_ids)
    phases = phases.order_by("project_id", "position", "name").values_list(
        "pk", "project_id", "name", "estimated_hours"
    )
    for phase_id, project_id, name, estimate in phases:
        actual = to_hours(sum(work.get(phase_id, {}).values()))
        estimated, worked = sums_of.get(project_id, (ZERO, ZERO))
        sums_of[project_id] = (estimated + estimate, worked + actual)
        if project_id in summed:
            continue
        phases_of[project_id].append(
            PhaseLine(
                phase_id=phase_id,
                name=name,
                estimate=estimate,
                actual=actual,
                remaining=max(ZERO, estimate - actual),
                used_pct=safe_ratio(actual, estimate, HUNDRED),
            )
        )
    return phases_of, sums_of


def _recent_hours(
    entries: QuerySet[TimeEntry], *, as_of: date, groups: dict[str, list[int]]
) -> dict[int, Decimal]:
    """Hours per project over the BURN_WINDOW_DAYS days up to ``as_of``: the current pace."""
    window = Period(as_of - timedelta(days=BURN_WINDOW_DAYS - 1), as_of)
    return {
        r["phase__project_id"]: to_hours(r["seconds"])
        for r in entries.filter(member_local_range_q(window, groups))
        .order_by()
        .values("phase__project_id")
        .annotate(seconds=sum_seconds_of_times())
    }


def _hours_by_work_type(
    phases: Iterable[PhaseLine], work: dict[int, dict[int, float]], names: dict[int, str]
) -> tuple[WorkTypeHours, ...]:
    """A project's hours by work type, in the order of the work types' names."""
    seconds: dict[str, float] = defaultdict(float)
    for phase in phases:
        for work_type_id, phase_seconds in work.get(phase.phase_id, {}).items():
            seconds[names[work_type_id]] += phase_seconds
    return tuple(WorkTypeHours(name, to_hours(seconds[name])) for name in sorted(seconds))


def _project_line(
    project: Project,
    *,
    phases: tuple[PhaseLine, ...],
    recent: Decimal,
    by_type: tuple[WorkTypeHours, ...],
    as_of: date,
) -> ProjectLine:
    """A project's totals from its phases, its weekly burn over the recent window, and where
    that pace leads: the finish date, and the hours worked by the due date."""
    estimate = sum((p.estimate for p in phases), ZERO)
    actual = sum((p.actual for p in phases), ZERO)
    remaining = max(ZERO, estimate - actual)
    burn = recent * 7 / BURN_WINDOW_DAYS
    finish = None
    if remaining == 0:
        finish = as_of
    elif burn > 0:
        days = remaining / burn * 7
        finish = as_of + timedelta(days=int(days.to_integral_value(rounding="ROUND_CEILING")))
    at_due = None
    if project.due_date is not None:
        weeks_left = Decimal(max(0, (project.due_date - as_of).days)) / 7
        at_due = actual + burn * weeks_left
    return ProjectLine(
        project_id=project.pk,
        name=project.name,
        company=project.company.name,
        project_type=project.project_type,
        status=project.status,
        status_label=project.get_status_display(),
        due_date=project.due_date,
        estimate=estimate,
        actual=actual,
        remaining=remaining,
        over_estimate=max(ZERO, actual - estimate),
        burn_per_week=burn,
        forecast_finish=finish,
        forecast_at_due=at_due,
        phases=phases,
        hours_by_work_type=by_type,
    )


def _scoping_accuracy(kind: str, pairs: list[tuple[Decimal, Decimal]]) -> ScopingAccuracy:
    """Finished projects of one type: estimated and actual hours, and actual per estimated."""
    estimate = sum((e for e, _ in pairs), ZERO)
    actual = sum((a for _, a in pairs), ZERO)
    return ScopingAccuracy(
        project_type=kind,
        projects=len(pairs),
        estimate=estimate,
        actual=actual,
        multiplier=safe_ratio(actual, estimate),
    )
