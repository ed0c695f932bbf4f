"""Reads for day reviews: whole teams in a fixed handful of queries, with the guardrails
applied here so every door (web, API, CLI) shows the same thing."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Trim
from django.utils import timezone

from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.core.time import Span, local_date, local_day_bounds
from daybook.people.models import Member, ScheduleBlock, Team
from daybook.people.selectors import members_visible_to
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry, Timer, WorkType

from .choices import IN_PROGRESS, OPEN_FOLLOW_UP_STATES, ReviewState
from .engine import EntryFacts, Finding, MemberDay, Policy, review_member_day, schedule_windows
from .models import DayReview, FollowUp, ReviewPolicy

# The service refuses entries longer than this, so an entry touching a day starts at most
# this long before it. Bounding `start` from below keeps the (member, start) index scan
# short however many years of history there are.
LONGEST_ENTRY = timedelta(hours=24)


class Operator:
    """The viewer for the command line: sees what an organisation-wide reviewer sees, with
    every guardrail in place, and never anyone's day as their own."""

    is_authenticated = True

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = Operator()
Viewer = AbstractBaseUser | Operator


@dataclass(frozen=True)
class DayView:
    """A member's day as one viewer may see it.

    - The member themself sees everything as it happens, small gaps included.
    - A reviewer sees nothing but "in progress" until the member's working day plus grace
      has ended in the member's zone; then the totals, gaps at or over the threshold and the
      findings. Small gaps never reach them, nor the covered spans that would outline them
      (`figures.small_gaps` and `figures.covered` are empty).
    """

    member: Member
    day: date
    state: str
    is_own: bool
    in_progress: bool
    review_opens_at: datetime
    policy: Policy
    figures: MemberDay | None

    @property
    def status(self) -> str:
        """The review state, or "in_progress" while a reviewer must still wait."""
        return IN_PROGRESS if self.in_progress else self.state

    @property
    def status_label(self) -> str:
        return "Under way" if self.in_progress else ReviewState(self.state).label

    @property
    def gaps(self) -> tuple[Span, ...]:
        return self.figures.gaps if self.figures else ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.figures.findings if self.figures else ()

    @property
    def needs_attention(self) -> bool:
        return bool(self.figures and self.figures.needs_attention)

    @property
    def may_be_marked_clean(self) -> bool:
        """Ready for "mark clean": review open, nothing to ask about, still pending."""
        return (
            not self.is_own
            and not self.in_progress
            and self.figures is not None
            and not self.figures.needs_attention
            and self.state == ReviewState.PENDING
        )


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


def _ordered(queryset: QuerySet[Member]) -> QuerySet[Member]:
    # By team, then name: never by hours or anything else that would rank people.
    return queryset.order_by(
        F("team__name").asc(nulls_last=True),
        "user__first_name",
        "user__last_name",
        "user__username",
        "pk",
    )


def reviewable_members(viewer: Viewer, *, team: Team | None = None) -> QuerySet[Member]:
    """Members whose days `viewer` may open, in review order (team, then name)."""
    if isinstance(viewer, Operator):
        queryset = Member.objects.all()
    else:
        queryset = Member.objects.filter(pk__in=members_visible_to(viewer).values("pk"))
    if team is not None:
        queryset = queryset.filter(team=team)
    return _ordered(queryset.select_related("user", "team"))


def _members(members: QuerySet[Member] | Iterable[Member], viewer: Viewer) -> list[Member]:
    if isinstance(members, QuerySet):
        wanted = Member.objects.filter(pk__in=members.values("pk"))
    else:
        wanted = Member.objects.filter(pk__in=[m.pk for m in members])
    if not isinstance(viewer, Operator):
        wanted = wanted.filter(pk__in=members_visible_to(viewer).values("pk"))
    return list(_ordered(wanted).select_related("user", "team"))


def _schedules(member_ids: list[int], weekday: int) -> dict[int, list[tuple[time, time]]]:
    blocks: dict[int, list[tuple[time, time]]] = defaultdict(list)
    rows = (
        ScheduleBlock.objects.filter(member_id__in=member_ids, weekday=weekday)
        .order_by()
        .values_list("member_id", "start", "end")
    )
    for member_id, start, end in rows:
        blocks[member_id].append((start, end))
    return blocks


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
        if row.ticket_id:
            label = f"Ticket #{row.ticket_id}"
        elif row.phase_id:
            label = f"Project phase #{row.phase_id}"
        else:
            label = work_type.name
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
            label=label,
            imported=row.source == EntrySource.IMPORT,
        )


def _expected_minutes(member: Member, scheduled: bool) -> int:
    if not scheduled:
        return 0
    return int(member.expected_hours_per_day * Decimal(60))


def _view(
    *,
    member: Member,
    day: date,
    figures: MemberDay,
    state: str,
    viewer: Viewer,
) -> DayView:
    is_own = not isinstance(viewer, Operator) and member.user_id == viewer.pk
    if is_own:
        shown: MemberDay | None = figures
    elif figures.visible_to_reviewer:
        # The covered spans would outline the small gaps, so they go too.
        shown = replace(figures, small_gaps=(), covered=())
    else:
        shown = None
    return DayView(
        member=member,
        day=day,
        state=state,
        is_own=is_own,
        in_progress=shown is None,
        review_opens_at=figures.review_opens_at,
        policy=figures.policy,
        figures=shown,
    )


def day_figures(*, day: date, members: list[Member], now: datetime) -> dict[int, MemberDay]:
    """Each member's local `day` with nothing hidden, by member id. No guardrails: callers
    show it only to the member themself (My Day, the end-of-day nudge) or pass it through
    `review_days`, which applies them."""
    if not members:
        return {}
    ids = [m.pk for m in members]
    bounds = {m.pk: local_day_bounds(day, m.zone) for m in members}
    schedules = _schedules(ids, day.weekday())
    policies = policies_for(m.team_id for m in members)
    rows = list(entries_touching(bounds))
    factory = _EntryFactory(rows)
    entries: dict[int, list] = defaultdict(list)
    for row in rows:
        entries[row.member_id].append(row)
    timers = dict(Timer.objects.filter(member_id__in=ids).values_list("member_id", "started_at"))
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
        )
    return figures


def review_days(
    *,
    day: date,
    members: QuerySet[Member] | Iterable[Member],
    viewer: Viewer,
    now: datetime | None = None,
) -> list[DayView]:
    """Each member's local `day`, as `viewer` may see it, ordered by team then name.

    Members the viewer may not see are left out. The number of queries does not depend on
    how many members there are or how much history they have.
    """
    now = now or timezone.now()
    people = _members(members, viewer)
    if not people:
        return []
    figures = day_figures(day=day, members=people, now=now)
    states = dict(
        DayReview.objects.filter(member_id__in=[m.pk for m in people], date=day)
        .order_by()
        .values_list("member_id", "state")
    )
    return [
        _view(
            member=member,
            day=day,
            figures=figures[member.pk],
            state=states.get(member.pk, ReviewState.PENDING),
            viewer=viewer,
        )
        for member in people
    ]


def review_day_for(
    *, member: Member, day: date, viewer: Viewer, now: datetime | None = None
) -> DayView | None:
    """One member's day as `viewer` may see it, or None when the viewer may not see it."""
    views = review_days(day=day, members=[member], viewer=viewer, now=now)
    return views[0] if views else None


# --- the reviewer's pages and the member's requests -----------------------------------------


def may_review(user: AbstractBaseUser) -> bool:
    """Whether `user` reviews anyone's days: a team's reviewer, or Finance and Admin."""
    if not user.is_authenticated:
        return False
    if user.has_perm("timekeeping.view_all_entries"):
        return True
    return Team.objects.filter(reviewers__user=user).exists()


def review_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    """Teams whose days `user` may review, for the team filter."""
    if user.has_perm("timekeeping.view_all_entries"):
        return Team.objects.order_by("name")
    return Team.objects.filter(reviewers__user=user).order_by("name").distinct()


@dataclass(frozen=True)
class TimelineItem:
    """One line of a member's day as a reviewer reads it: an entry or a gap."""

    kind: str  # "entry", "wrap" or "gap"
    start: datetime
    end: datetime
    entry: TimeEntry | None = None

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


def day_timeline(view: DayView) -> list[TimelineItem]:
    """The member's entries touching the day and the gaps a reviewer may see, in time order.
    Empty while the day is in progress for this viewer."""
    if view.figures is None:
        return []
    day_start, day_end = local_day_bounds(view.day, view.member.zone)
    entries = (
        TimeEntry.objects.filter(
            member=view.member,
            start__gte=day_start - LONGEST_ENTRY,
            start__lt=day_end,
            end__gt=day_start,
        )
        .select_related("ticket__company", "work_type", "work_role")
        .prefetch_related("phase__project")
        .order_by("start")
    )
    items = [
        TimelineItem(
            kind="wrap" if e.work_type.is_payroll_wrap else "entry",
            start=e.start,
            end=e.end,
            entry=e,
        )
        for e in entries
    ]
    items += [TimelineItem(kind="gap", start=g.start, end=g.end) for g in view.gaps]
    return sorted(items, key=lambda item: (item.start, item.kind != "gap"))


def follow_ups_for_day(*, member: Member, day: date) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(member=member, date=day)
        .select_related("sent_by__user")
        .prefetch_related("notices__deliveries")
        .order_by("created_at")
    )


def requests_for(member: Member) -> QuerySet[FollowUp]:
    """The member's own follow-ups: open ones first, then the last resolved ones."""
    return (
        FollowUp.objects.filter(member=member)
        .select_related("sent_by__user")
        .order_by("state", "-date", "-created_at")
    )


def open_request_count(member: Member) -> int:
    return FollowUp.objects.filter(member=member, state__in=OPEN_FOLLOW_UP_STATES).count()
