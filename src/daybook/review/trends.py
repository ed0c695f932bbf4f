"""Team trends for the end-of-day review: how a team's days, follow-ups and entry timing
move week by week. Figures are per team and week only; nothing here is ever broken down by
member, so no page built on it can rank people.

Weeks run Monday to Sunday. Day reviews and follow-ups belong to the week of the local day
they are about (their `date`); entries and resolutions to the week of the moment they start
or resolve on their member's local calendar, as in the insights reports. Members count
toward the team they are on now.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from daybook.core.expressions import HUNDRED, Seconds, safe_ratio, sum_seconds, to_hours
from daybook.core.periods import bucket_case, local_week_starts
from daybook.people.models import Member, Team
from daybook.people.selectors import NO_TEAM, members_visible_to
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.day_figures import policies_for
from daybook.timekeeping.models import TimeEntry

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

    All sums and counts are grouped in the database; the median is taken in Python over the
    week's resolution times, which are few. A fixed number of queries plus two per time zone
    in use.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"Weeks must be from 1 to {MAX_WEEKS}.")
    mondays = _mondays(end or timezone.localdate(), weeks)
    members = trend_members(viewer)
    if team is not None:
        members = members.filter(team=team)
    member_team: dict[int, int | None] = {}
    zones: dict[str, list[int]] = defaultdict(list)
    for pk, team_id, zone in members.order_by("pk").values_list("pk", "team_id", "time_zone"):
        member_team[pk] = team_id
        zones[zone].append(pk)
    if not member_team:
        return []
    ids = list(member_team)
    team_ids = set(member_team.values())
    names = dict(Team.objects.filter(pk__in=team_ids - {None}).values_list("pk", "name"))
    policies = policies_for(team_ids)
    # Days decided and clean at first decision, by the day reviewed.
    date_bounds = [*mondays, mondays[-1] + timedelta(weeks=1)]
    days = (
        DayReview.objects.filter(
            member_id__in=ids, date__gte=date_bounds[0], date__lt=date_bounds[-1]
        )
        .annotate(first=_first_decision(), bucket=bucket_case(date_bounds, "date"))
        .filter(first__isnull=False)
        .order_by()
        .values("bucket", "member__team_id")
        .annotate(decided=Count("pk"), clean=Count("pk", filter=Q(first=ReviewState.CLEAN)))
    )
    decided = {(r["member__team_id"], mondays[r["bucket"]]): r for r in days}

    # Follow-ups about the week's days, and how many of them are resolved.
    asked = (
        FollowUp.objects.filter(
            member_id__in=ids, date__gte=date_bounds[0], date__lt=date_bounds[-1]
        )
        .annotate(bucket=bucket_case(date_bounds, "date"))
        .order_by()
        .values("bucket", "member__team_id")
        .annotate(sent=Count("pk"), resolved=Count("pk", filter=Q(state=FollowUpState.RESOLVED)))
    )
    follow_ups = {(r["member__team_id"], mondays[r["bucket"]]): r for r in asked}

    # Entry minutes and resolution times, on each member's local calendar.
    logged: dict[Cell, Decimal] = defaultdict(Decimal)
    realtime: dict[Cell, Decimal] = defaultdict(Decimal)
    durations: dict[Cell, list[Decimal]] = defaultdict(list)
    for zone, zone_ids in zones.items():
        bounds = local_week_starts(mondays[0], weeks, ZoneInfo(zone))
        by_window: dict[int, list[int]] = defaultdict(list)
        for pk in zone_ids:
            by_window[policies[member_team[pk]].realtime_window_minutes].append(pk)
        in_window = Q()
        for minutes, window_ids in sorted(by_window.items()):
            in_window |= Q(member_id__in=window_ids, lag__lte=minutes * 60)
        entries = (
            TimeEntry.objects.filter(
                member_id__in=zone_ids, start__gte=bounds[0], start__lt=bounds[-1]
            )
            .exclude(source=EntrySource.IMPORT)
            .annotate(bucket=bucket_case(bounds), lag=Seconds("end", "created_at"))
            .order_by()
            .values("bucket", "member__team_id")
            .annotate(seconds=sum_seconds(), realtime=sum_seconds(filter=in_window))
        )
        for row in entries:
            cell = (row["member__team_id"], mondays[row["bucket"]])
            logged[cell] += to_hours(row["seconds"])
            realtime[cell] += to_hours(row["realtime"])
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
            durations[(team_id, mondays[bucket])].append(to_hours(seconds))

    result = []
    for team_id in sorted(team_ids, key=lambda t: (t is None, names.get(t, ""), t or 0)):
        for week in mondays:
            cell = (team_id, week)
            days_row = decided.get(cell, {})
            days_decided = days_row.get("decided", 0)
            days_clean = days_row.get("clean", 0)
            follow_row = follow_ups.get(cell, {})
            hours = logged.get(cell, Decimal(0))
            hours_realtime = realtime.get(cell, Decimal(0))
            times = durations.get(cell, [])
            result.append(
                TeamWeek(
                    team_id=team_id,
                    team=names.get(team_id, NO_TEAM),
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
                )
            )
    return result
