"""Reads for day reviews: whole teams in a fixed handful of queries, with the guardrails
applied here so every door (web, API, CLI) shows the same thing."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from daybook.core.time import Span, local_day_bounds
from daybook.people.models import Member, Team
from daybook.people.selectors import active_on, members_visible_to, with_holidays
from daybook.timekeeping.day import DayOff, Finding, MemberDay, Policy
from daybook.timekeeping.day_figures import member_entries_touching
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.summaries import day_summaries
from daybook.timekeeping.visibility import opened_q

from .choices import IN_PROGRESS, OPEN_FOLLOW_UP_STATES, ReviewState
from .models import DayReview, FollowUp, FollowUpMessage


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
    - A day that is no working day (`off`: a holiday, a day before the member started or after
      they left, and, once the reviewer may see the day, booked time off) is not listed for
      review, unless client work on a holiday or a day off has something to ask about.
    """

    member: Member
    day: date
    state: str
    is_own: bool
    in_progress: bool
    review_opens_at: datetime
    policy: Policy
    figures: MemberDay | None
    off: DayOff | None = None
    off_reason: str = ""

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
    def sent_to_dispatch(self) -> tuple[Finding, ...]:
        """Findings the dispatcher fixes (the ticket's agreement); nobody asks the member."""
        return tuple(f for f in self.findings if f.for_dispatch)

    @property
    def needs_attention(self) -> bool:
        return bool(self.figures and self.figures.needs_attention)

    @property
    def listed(self) -> bool:
        """Whether the day belongs in the review: a working day, or a holiday or day off
        with client work on it worth asking about. Never a day outside the member's start
        and end dates."""
        if self.off is None:
            return True
        if self.off in (DayOff.NOT_STARTED, DayOff.LEFT):
            return False
        return self.needs_attention

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


def _members(
    members: QuerySet[Member] | Iterable[Member],
    viewer: Viewer,
    *,
    day: date,
    working_only: bool = False,
) -> list[Member]:
    """The members the viewer may see, in review order, each with their holiday on `day`
    (no query of its own). `working_only` leaves out those who had not started or had left."""
    if isinstance(members, QuerySet):
        wanted = Member.objects.filter(pk__in=members.values("pk"))
    else:
        wanted = Member.objects.filter(pk__in=[m.pk for m in members])
    if not isinstance(viewer, Operator):
        wanted = wanted.filter(pk__in=members_visible_to(viewer).values("pk"))
    if working_only:
        wanted = wanted.filter(active_on(day))
    return with_holidays(_ordered(wanted).select_related("user", "team"), day)


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
        # The covered spans would outline the small gaps, so they go too (a stored day read
        # for someone else comes without them already).
        hidden = figures.small_gaps or figures.covered
        shown = replace(figures, small_gaps=(), covered=()) if hidden else figures
    else:
        shown = None
    # Holidays and start and end dates are the organisation's calendar; time off is the
    # member's own time, so it shows only once the viewer may see the day.
    off = figures.off if shown is not None or figures.off != DayOff.TIME_OFF else None
    return DayView(
        member=member,
        day=day,
        state=state,
        is_own=is_own,
        in_progress=shown is None,
        review_opens_at=figures.review_opens_at,
        policy=figures.policy,
        figures=shown,
        off=off,
        off_reason=figures.off_reason if off else "",
    )


def review_days(
    *,
    day: date,
    members: QuerySet[Member] | Iterable[Member],
    viewer: Viewer,
    now: datetime | None = None,
) -> list[DayView]:
    """Each member's local `day`, as `viewer` may see it, ordered by team then name.

    Members the viewer may not see are left out, and so are days not listed for review: a
    member who had not started or had left by then, a holiday, booked time off (see
    `DayView.listed`). The number of queries does not depend on how many members there are
    or how much history they have.
    """
    people = _members(members, viewer, day=day, working_only=True)
    views = _day_views(day=day, people=people, viewer=viewer, now=now)
    return [view for view in views if view.listed]


def _day_views(
    *, day: date, people: list[Member], viewer: Viewer, now: datetime | None
) -> list[DayView]:
    now = now or timezone.now()
    if not people:
        return []
    # Stored summaries, recomputed where missing or out of date: the same engine's figures.
    # Small gaps and covered spans are decoded only for the viewer's own day (see `_view`).
    own = (
        set() if isinstance(viewer, Operator) else {m.pk for m in people if m.user_id == viewer.pk}
    )
    figures = day_summaries(day=day, members=people, now=now, whole_for=own)
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
    """One member's day as `viewer` may see it, or None when the viewer may not see it. A
    day not listed for review comes back too (`listed` False), so a page can say why."""
    views = _day_views(day=day, people=_members([member], viewer, day=day), viewer=viewer, now=now)
    return views[0] if views else None


NO_DAY_HERE = "There is no day here for you to see."


def review_day_or_404(*, member_id: int, day: date, viewer: Viewer) -> DayView:
    """One member's day for a page or an endpoint. A member who does not exist and one whose
    days `viewer` may not see are the same 404, so an outsider learns nothing either way."""
    member = Member.objects.select_related("user", "team").filter(pk=member_id).first()
    view = review_day_for(member=member, day=day, viewer=viewer) if member else None
    if view is None:
        raise Http404(NO_DAY_HERE)
    return view


# --- the reviewer's pages and the member's requests -----------------------------------------


def may_review(user: AbstractBaseUser, *, reviews_a_team: bool | None = None) -> bool:
    """Whether `user` reviews anyone's days: a team's reviewer, or Finance and Admin.
    `reviews_a_team`: the first half when a caller read it already (reviews_a_team below)."""
    if not user.is_authenticated:
        return False
    if user.has_perm("timekeeping.view_all_entries"):
        return True
    if reviews_a_team is not None:
        return reviews_a_team
    return Team.objects.filter(reviewers__user=user).exists()


def reviews_a_team(member: OuterRef) -> Exists:
    """Whether the member is a team's reviewer, as an expression, so that a page's other
    reads about the member can ask it in the same query (may_review adds the permission)."""
    return Exists(Team.objects.filter(reviewers=member))


def open_requests_of(member: OuterRef) -> Coalesce:
    """The member's open requests (open_request_count), as an expression."""
    counted = (
        FollowUp.objects.filter(member=member, state__in=OPEN_FOLLOW_UP_STATES)
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def review_teams(viewer: Viewer) -> QuerySet[Team]:
    """Teams whose days `viewer` may review, for the team filter."""
    if isinstance(viewer, Operator) or viewer.has_perm("timekeeping.view_all_entries"):
        return Team.objects.order_by("name")
    return Team.objects.filter(reviewers__user=viewer).order_by("name").distinct()


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


def day_timeline(view: DayView, *, now: datetime | None = None) -> list[TimelineItem]:
    """The member's entries touching the day and the gaps a reviewer may see, in time order.
    Empty while the day is in progress for this viewer. A reviewer does not see an entry
    that runs on into a day not yet open (visibility.py), until that day opens too."""
    if view.figures is None:
        return []
    day_start, day_end = local_day_bounds(view.day, view.member.zone)
    entries = member_entries_touching(view.member, day_start, day_end)
    if not view.is_own:
        entries = entries.filter(opened_q(members=[view.member], now=now))
    entries = (
        entries.select_related("ticket__company", "work_type", "work_role")
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


def follow_up_messages() -> Prefetch:
    """A follow-up's messages after its question, oldest first, with who wrote each."""
    return Prefetch("messages", queryset=FollowUpMessage.objects.select_related("author__user"))


def follow_ups_for_day(*, member: Member, day: date) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(member=member, date=day)
        .select_related("sent_by__user")
        .prefetch_related("notices__deliveries", follow_up_messages())
        .order_by("created_at")
    )


def requests_for(member: Member) -> QuerySet[FollowUp]:
    """The member's own follow-ups: open ones first, then the last resolved ones."""
    return (
        FollowUp.objects.filter(member=member)
        .select_related("sent_by__user")
        .prefetch_related(follow_up_messages())
        .order_by("state", "-date", "-created_at")
    )


def may_write_in(*, follow_up: FollowUp, member: Member) -> bool:
    """Whether `member` may write in a follow-up's conversation: the member asked, a reviewer
    of that member's team, or the reviewer who asked while they may still see the member."""
    if member.pk == follow_up.member_id:
        return True
    asked = follow_up.member
    if asked.team_id and asked.team.reviewers.filter(pk=member.pk).exists():
        return True
    return (
        member.pk == follow_up.sent_by_id
        and members_visible_to(member.user).filter(pk=asked.pk).exists()
    )


def open_request_count(member: Member) -> int:
    return FollowUp.objects.filter(member=member, state__in=OPEN_FOLLOW_UP_STATES).count()
