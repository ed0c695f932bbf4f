"""A member's local day read from the database: schedule, entries, timer and the policy in
force, turned into the engine's figures (`day.py`) for whole teams in a fixed handful of
queries. My Day and the review both read days through here."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Length, Trim

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.core.time import local_date, local_day_bounds
from daybook.people.models import Member, ScheduleBlock, Team

from .choices import EntrySource
from .day import EntryFacts, MemberDay, Policy, review_member_day, schedule_windows
from .models import ReviewPolicy, TimeEntry, Timer

# The service refuses entries longer than this, so an entry touching a day starts at most
# this long before it. Bounding `start` from below keeps the (member, start) index scan
# short however many years of history there are.
LONGEST_ENTRY = timedelta(hours=24)


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
