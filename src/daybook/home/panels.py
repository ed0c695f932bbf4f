"""What each role's panel on the home page shows. Read-only, and each panel a bounded number
of queries: none of them grows with history.

Which panels a member gets follows their roles (people/roles.py groups); a member with several
roles gets several panels. None of them shows money: the home page is for what to do next.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, Q, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from daybook.catalogue.choices import BillableOption
from daybook.clients.models import Company
from daybook.core.periods import Period
from daybook.core.time import Span, local_date
from daybook.insights.models import IssuedStatement
from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.people.selectors import active_on
from daybook.review.choices import OPEN_FOLLOW_UP_STATES, FollowUpState, ReviewState
from daybook.review.models import FollowUp
from daybook.review.selectors import DayView, review_days
from daybook.service.models import Ticket
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.labels import entry_label
from daybook.timekeeping.models import PeriodClose, TimeEntry, Timer

from .selectors import process_current

try:  # The setup pages (daybook.setup) provide the first-run checklist.
    from daybook.setup.selectors import setup_checklist
except ImportError:  # pragma: no cover - only while the setup pages are not installed
    setup_checklist = None

# How many rows a panel lists; the count says how many there are in all.
LISTED = 8
# Days a reviewer is reminded of: today and the days before it, as the morning digest does.
REVIEW_DAYS_BACK = 7
# Tickets whose SLA clock runs out within this are "due soon".
DUE_SOON = timedelta(hours=4)
TIME_ROLES = frozenset({Role.TECHNICIAN, Role.DISPATCHER, Role.MANAGER})


def member_roles(member: Member) -> frozenset[str]:
    """The roles a member holds, as their group names; a superuser counts as Admin."""
    roles = set(member.user.groups.values_list("name", flat=True))
    if member.user.is_superuser:
        roles.add(Role.ADMIN)
    return frozenset(roles)


# --- the member's own day ----------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    log_url: str

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


@dataclass(frozen=True)
class TodayPanel:
    day: date
    timer: Timer | None
    timer_label: str
    expected_minutes: int
    logged_minutes: int
    gaps: tuple[Gap, ...]
    open_requests: tuple[FollowUp, ...]
    open_request_count: int

    @property
    def unaccounted_minutes(self) -> int:
        return max(0, self.expected_minutes - self.logged_minutes)


def _gap(span: Span, zone: ZoneInfo) -> Gap:
    start, end = span.start.astimezone(zone), span.end.astimezone(zone)
    query = f"start={start:%Y-%m-%dT%H:%M}&end={end:%Y-%m-%dT%H:%M}"
    return Gap(start=start, end=end, log_url=f"{reverse('timekeeping:entry_new')}?{query}")


def today_panel(member: Member, *, now: datetime | None = None) -> TodayPanel:
    """The member's own day so far: their timer, logged against expected hours, the gaps at
    or over the threshold (what My Day would ask them to fill), and their open requests."""
    now = now or timezone.now()
    day = local_date(now, member.zone)
    figures = day_figures(day=day, members=[member], now=now)[member.pk]
    timer = (
        Timer.objects.filter(member=member)
        .select_related("ticket")
        .prefetch_related("phase__project")
        .first()
    )
    requests = FollowUp.objects.filter(member=member, state__in=OPEN_FOLLOW_UP_STATES)
    return TodayPanel(
        day=day,
        timer=timer,
        timer_label=entry_label(timer) if timer else "",
        expected_minutes=figures.expected_minutes,
        logged_minutes=figures.logged_minutes,
        gaps=tuple(_gap(span, member.zone) for span in figures.gaps),
        open_requests=tuple(
            requests.select_related("sent_by__user").order_by("-date", "-created_at")[:LISTED]
        ),
        open_request_count=requests.count(),
    )


# --- reviewers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingDay:
    day: date
    count: int
    to_ask_about: int


@dataclass(frozen=True)
class ReviewPanel:
    reviews_teams: bool
    waiting: tuple[WaitingDay, ...]
    follow_ups: tuple[FollowUp, ...]
    follow_up_count: int
    answered_count: int

    @property
    def waiting_count(self) -> int:
        return sum(w.count for w in self.waiting)


def _waiting(view: DayView) -> bool:
    """A day the reviewer can act on now: opened, still pending, with something in it."""
    return (
        not view.in_progress
        and view.state == ReviewState.PENDING
        and view.figures is not None
        and bool(view.figures.expected_minutes or view.figures.logged_minutes or view.findings)
    )


def review_panel(reviewer: Member, *, now: datetime | None = None) -> ReviewPanel:
    """Days of the teams `reviewer` reviews that are open and still pending (today and the
    week before), and the follow-ups still open about those teams' members or sent by them.
    A fixed number of queries per day looked at, whatever the team's size."""
    now = now or timezone.now()
    members = Member.objects.filter(team__reviewers=reviewer).exclude(pk=reviewer.pk)
    reviews_teams = reviewer.reviewed_teams.exists()
    today = local_date(now, reviewer.zone)
    waiting = []
    if reviews_teams:
        for back in range(REVIEW_DAYS_BACK + 1):
            day = today - timedelta(days=back)
            views = [
                v
                for v in review_days(day=day, members=members, viewer=reviewer.user, now=now)
                if _waiting(v)
            ]
            if views:
                waiting.append(
                    WaitingDay(
                        day=day,
                        count=len(views),
                        to_ask_about=sum(1 for v in views if v.needs_attention),
                    )
                )
    follow_ups = FollowUp.objects.filter(
        Q(member__team__reviewers=reviewer) | Q(sent_by=reviewer),
        state__in=OPEN_FOLLOW_UP_STATES,
    ).exclude(member=reviewer)
    counts = follow_ups.aggregate(
        total=Count("pk", distinct=True),
        answered=Count("pk", distinct=True, filter=Q(state=FollowUpState.ANSWERED)),
    )
    listed = (
        FollowUp.objects.filter(pk__in=follow_ups.values("pk"))
        .select_related("member__user")
        # Answers first: those wait for the reviewer, the rest wait for the member.
        .order_by(Case(When(state=FollowUpState.ANSWERED, then=0), default=1), "-date")
    )
    return ReviewPanel(
        reviews_teams=reviews_teams,
        waiting=tuple(waiting),
        follow_ups=tuple(listed[:LISTED]),
        follow_up_count=counts["total"],
        answered_count=counts["answered"],
    )


# --- dispatchers -------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchPanel:
    unassigned: tuple[Ticket, ...]
    unassigned_count: int
    due_soon: tuple[Ticket, ...]
    due_soon_count: int
    now: datetime


def dispatch_panel(*, now: datetime | None = None) -> DispatchPanel:
    """Open tickets nobody is assigned to (oldest first), and open tickets whose respond or
    resolve clock runs out within DUE_SOON or already has (soonest first). A ticket waiting
    for the client has its clock stopped, so it is never due soon. Four queries."""
    now = now or timezone.now()
    # is_open, not "not resolved or closed": the partial indexes of open tickets find the few
    # among a million closed ones (0.10-0.16 s -> 2 ms a query at the large size).
    open_tickets = Ticket.objects.filter(is_open=True)
    unassigned = open_tickets.filter(assignee__isnull=True)
    # The clock that is still running: respond until the first response, then resolve.
    due = Case(
        When(first_response_at__isnull=True, then=F("respond_due_at")),
        default=F("resolve_due_at"),
    )
    running = (
        open_tickets.filter(waiting_since__isnull=True, resolved_at__isnull=True)
        .annotate(due_at=due)
        .filter(due_at__isnull=False, due_at__lte=now + DUE_SOON)
    )
    return DispatchPanel(
        unassigned=tuple(unassigned.select_related("company").order_by("opened_at")[:LISTED]),
        unassigned_count=unassigned.count(),
        due_soon=tuple(
            running.select_related("company", "assignee__user").order_by("due_at")[:LISTED]
        ),
        due_soon_count=running.count(),
        now=now,
    )


# --- finance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementDue:
    company: Company
    period: Period


@dataclass(frozen=True)
class FinancePanel:
    last_close: PeriodClose | None
    open_since: date | None
    month: Period
    statements_due: tuple[StatementDue, ...]
    statements_due_count: int

    @property
    def statements_more(self) -> int:
        return self.statements_due_count - len(self.statements_due)


def last_month(today: date) -> Period:
    """The calendar month before the one holding `today`."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period(start=end.replace(day=1), end=end)


def statements_to_issue(month: Period) -> list[StatementDue]:
    """Companies with time a client statement would carry in `month` (on the company's own
    calendar days, Do Not Bill left out) and no statement issued that covers the whole month.
    Two queries: the entries are read once, each against its company's own month."""
    covered = IssuedStatement.objects.filter(
        period_start__lte=month.start, period_end__gte=month.end
    ).values("company_id")
    zones = Company.objects.order_by().values_list("time_zone", flat=True).distinct()
    bounds = {zone: month.bounds(ZoneInfo(zone)) for zone in zones}
    if not bounds:
        return []
    in_its_month = [
        Q(company_zone=zone, start__gte=low, start__lt=high) for zone, (low, high) in bounds.items()
    ]
    with_time = (
        TimeEntry.objects.filter(
            # Every company's month lies between these two moments.
            start__gte=min(low for low, _ in bounds.values()),
            start__lt=max(high for _, high in bounds.values()),
        )
        .exclude(billable=BillableOption.DO_NOT_BILL)
        .annotate(
            company=Coalesce(
                "agreement__company_id", "ticket__company_id", "phase__project__company_id"
            ),
            # The agreement's company, else the ticket's or the project's (an entry is on
            # one or the other).
            company_zone=Coalesce(
                "agreement__company__time_zone",
                "ticket__company__time_zone",
                "phase__project__company__time_zone",
            ),
        )
        .filter(company__isnull=False)
        .filter(reduce(or_, in_its_month))
        .order_by()
        .values("company")
        .distinct()
    )
    companies = Company.objects.filter(pk__in=with_time).exclude(pk__in=covered).order_by("name")
    return [StatementDue(company=c, period=month) for c in companies]


def finance_panel(member: Member, *, now: datetime | None = None) -> FinancePanel:
    """The close in force (through which date, by whom) and the time still open since, and
    last month's client statements not issued yet."""
    now = now or timezone.now()
    today = local_date(now, member.zone)
    last_close = (
        PeriodClose.objects.select_related("closed_by__user").order_by("-closed_at").first()
    )
    month = last_month(today)
    due = statements_to_issue(month)
    return FinancePanel(
        last_close=last_close,
        open_since=last_close.closed_through + timedelta(days=1) if last_close else None,
        month=month,
        statements_due=tuple(due[:LISTED]),
        statements_due_count=len(due),
    )


# --- administrators ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    label: str
    done: bool
    url: str
    hint: str = ""


@dataclass(frozen=True)
class AdminPanel:
    checklist: tuple[ChecklistRow, ...] | None  # None: the setup pages are not installed
    process_number: int | None
    process_read: int
    members_working: int

    @property
    def checklist_done(self) -> bool:
        return self.checklist is not None and all(row.done for row in self.checklist)


def _checklist(source: Callable | None) -> tuple[ChecklistRow, ...] | None:
    if source is None:
        return None
    return tuple(
        ChecklistRow(
            label=str(item.label),
            done=bool(item.done),
            url=str(getattr(item, "url", "") or ""),
            hint=str(getattr(item, "hint", "") or ""),
        )
        for item in source()
    )


def admin_panel(*, today: date | None = None) -> AdminPanel:
    """The first-run checklist (daybook.setup.selectors.setup_checklist: items with label,
    done and url) and how many working members have read the process in force."""
    today = today or timezone.localdate()
    current = process_current()
    working = Member.objects.filter(active_on(today))
    read = working.filter(process_acknowledgements__version=current).count() if current else 0
    return AdminPanel(
        checklist=_checklist(setup_checklist),
        process_number=current.number if current else None,
        process_read=read,
        members_working=working.count(),
    )


# --- the page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePanels:
    today: TodayPanel | None = None
    review: ReviewPanel | None = None
    dispatch: DispatchPanel | None = None
    finance: FinancePanel | None = None
    admin: AdminPanel | None = None


def home_panels(member: Member, *, now: datetime | None = None) -> HomePanels:
    """The panels `member` gets, one per role they hold. Everyone who logs time in the field
    (technicians, dispatchers, managers, and a member without any role) gets their own day;
    Finance and administrators get theirs only on top of such a role."""
    now = now or timezone.now()
    roles = member_roles(member)
    reviews = Role.MANAGER in roles or member.reviewed_teams.exists()
    return HomePanels(
        today=today_panel(member, now=now) if (roles & TIME_ROLES or not roles) else None,
        review=review_panel(member, now=now) if reviews else None,
        dispatch=dispatch_panel(now=now) if Role.DISPATCHER in roles else None,
        finance=finance_panel(member, now=now) if Role.FINANCE in roles else None,
        admin=admin_panel(today=local_date(now, member.zone)) if Role.ADMIN in roles else None,
    )
