"""Stored day summaries: each member's local day as `day_figures` works it out, kept in
DaySummary so the review, digests and the week read one row per member-day.

One rule, one engine: every row is written from `day_figures` (day.py) and read back into the
same MemberDay, so a stored day and a fresh computation cannot disagree on a rule. What keeps
a row current:
- Entry changes (the DAYBOOK_AFTER_ENTRY_CHANGE step `summaries_refresh`) rewrite the days
  they touch inside the writing transaction.
- Everything else a day depends on (zone, schedule, expected hours, start and end dates,
  team, holiday, review policy) is fingerprinted in `inputs`; a reader that finds another
  fingerprint recomputes the row. So a schedule, holiday or policy change needs no hook.
- Agreements and work types shape the findings of the entries pointing at them; a change to
  either marks those members' rows stale (signals from the models below timekeeping).
- A day is stored with figures only once its working day has ended: before that its gaps
  grow with the clock, so readers compute it live. A running timer that started before the
  working day ended is part of the figures and is kept with them.

Readers recompute a missing, stale or outdated row and store it, but never overwrite a row
written after they read it (`version`): a summary can be recomputed, never wrong.
"""

import hashlib
import uuid
from collections.abc import Container, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils import timezone

from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.core.time import Span, local_day_bounds
from daybook.people.models import Member

from .day import DayOff, Finding, MemberDay, Policy
from .day_figures import (
    Calendar,
    _calendar_day,
    _day_off,
    _expected_minutes,
    calendar_for,
    day_figures,
    latest_open_days,
    rows_touching,
)
from .models import DaySummary, TimeEntry, Timer

# An entry change recomputes at most this many past days in its transaction (an entry, or
# one across midnight and a DST change); a batch touching more only marks them stale.
RECOMPUTE_AT_MOST = 3

# The fields a write sets besides member and date (an upsert updates exactly these).
WRITTEN = [
    "version",
    "computed_at",
    "stale",
    "inputs",
    "timer_started_at",
    "time_zone",
    "expected_minutes",
    "client_minutes",
    "wrap_minutes",
    "gap_minutes",
    "gap_count",
    "small_gap_minutes",
    "finding_count",
    "member_finding_count",
    "needs_attention",
    "off",
    "working_day_end",
    "review_opens_at",
    "detail",
]

# What a reader needs of a stored row. Read as named rows, not model instances: the review
# reads hundreds at once.
READ = [
    "pk",
    "version",
    "member_id",
    "date",
    "stale",
    "inputs",
    "timer_started_at",
    "time_zone",
    "expected_minutes",
    "client_minutes",
    "wrap_minutes",
    "off",
    "working_day_end",
    "review_opens_at",
    "detail",
]
# A stored row as read: a DaySummary, or a named row of its READ fields.
Stored = Any


# --- the day's inputs besides its entries ----------------------------------------------------


def _inputs(
    day: date,
    members: list[Member],
    timers: dict[int, datetime | None] | None = None,
    calendar: Calendar | None = None,
) -> tuple[dict[int, str], dict[int, datetime | None]]:
    """Each member's fingerprint of what their `day` depends on besides entries, agreements
    and work types, and the running timers by member id. Four queries at most, whatever the
    number of members (the holidays come with the members when `with_holidays` loaded them,
    the timers when the caller passes them); none beyond the timers with a `calendar`.
    """
    ids = [m.pk for m in members]
    schedules, policies, holidays = _calendar_day(day, members, calendar)
    if timers is None:
        timers = dict(
            Timer.objects.filter(member_id__in=ids).values_list("member_id", "started_at")
        )
    keys = {}
    for member in members:
        blocks = sorted(schedules.get(member.pk, []))
        policy = policies[member.team_id]
        off = _day_off(member, day, holidays)
        parts = (
            member.time_zone,
            _expected_minutes(member, bool(blocks)),
            [(start.isoformat(), end.isoformat()) for start, end in blocks],
            off.value if off else "",
            holidays.get(member.team_id, ""),
            policy.gap_threshold_minutes,
            policy.realtime_window_minutes,
            policy.grace_minutes,
        )
        keys[member.pk] = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return keys, timers


def _relevant_timer(started_at: datetime | None, working_day_end: datetime) -> datetime | None:
    """The timer as far as a day that has ended is concerned: one started after its working
    day ended neither covers its windows nor counts as left running on it."""
    if started_at is None or started_at >= working_day_end:
        return None
    return started_at


# --- MemberDay <-> row -----------------------------------------------------------------------


def _spans(spans: Iterable[Span]) -> list[list[str]]:
    return [[s.start.isoformat(), s.end.isoformat()] for s in spans]


def _unspans(rows: list[list[str]]) -> tuple[Span, ...]:
    return tuple(Span(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in rows)


def _row(
    member_id: int, figures: MemberDay, *, inputs: str, timer: datetime | None, now: datetime
) -> DaySummary:
    return DaySummary(
        member_id=member_id,
        date=figures.day,
        version=uuid.uuid4(),
        computed_at=now,
        stale=False,
        inputs=inputs,
        timer_started_at=_relevant_timer(timer, figures.working_day_end),
        time_zone=figures.time_zone,
        expected_minutes=figures.expected_minutes,
        client_minutes=figures.logged_minutes_client,
        wrap_minutes=figures.logged_minutes_wrap,
        gap_minutes=round(figures.gap_minutes),
        gap_count=len(figures.gaps),
        small_gap_minutes=round(figures.small_gap_minutes),
        finding_count=len(figures.findings),
        member_finding_count=len(figures.member_findings),
        needs_attention=figures.needs_attention,
        off=figures.off.value if figures.off else "",
        working_day_end=figures.working_day_end,
        review_opens_at=figures.review_opens_at,
        detail={
            "windows": _spans(figures.windows),
            "gaps": _spans(figures.gaps),
            "small_gaps": _spans(figures.small_gaps),
            "covered": _spans(figures.covered),
            "findings": [
                [f.kind, f.message, f.at.isoformat(), f.entry_id, f.other_entry_id]
                for f in figures.findings
            ],
            "policy": [
                figures.policy.gap_threshold_minutes,
                figures.policy.realtime_window_minutes,
                figures.policy.grace_minutes,
            ],
            "holiday_name": figures.holiday_name,
        },
    )


def _figures(row: Stored, now: datetime, *, whole: bool = True) -> MemberDay:
    """The stored day, with the flags that depend on the moment worked out for `now`.
    Without `whole`, the small gaps and covered spans (for the member's eyes only, and most
    of the decoding) are left empty, as the review shows the day to anyone else."""
    detail = row.detail
    return MemberDay(
        day=row.date,
        time_zone=row.time_zone,
        windows=_unspans(detail["windows"]),
        expected_minutes=row.expected_minutes,
        logged_minutes_client=row.client_minutes,
        logged_minutes_wrap=row.wrap_minutes,
        gaps=_unspans(detail["gaps"]),
        small_gaps=_unspans(detail["small_gaps"]) if whole else (),
        covered=_unspans(detail["covered"]) if whole else (),
        findings=tuple(
            Finding(
                kind=kind,
                message=message,
                at=datetime.fromisoformat(at),
                entry_id=entry_id,
                other_entry_id=other_id,
            )
            for kind, message, at, entry_id, other_id in detail["findings"]
        ),
        working_day_end=row.working_day_end,
        review_opens_at=row.review_opens_at,
        day_ended=now >= row.working_day_end,
        visible_to_reviewer=now >= row.review_opens_at,
        policy=Policy(*detail["policy"]),
        off=DayOff(row.off) if row.off else None,
        holiday_name=detail["holiday_name"],
    )


def _current(row: Stored | None, *, inputs: str, timer: datetime | None, now: datetime) -> bool:
    """Whether a stored row still holds the day as it would be computed at `now`."""
    return (
        row is not None
        and not row.stale
        and row.working_day_end is not None
        and row.inputs == inputs
        and now >= row.working_day_end
        and row.timer_started_at == _relevant_timer(timer, row.working_day_end)
    )


# --- reading ---------------------------------------------------------------------------------


def day_summaries(
    *,
    day: date,
    members: list[Member],
    now: datetime,
    whole_for: Container[int] | None = None,
    timers: dict[int, datetime | None] | None = None,
) -> dict[int, MemberDay]:
    """Each member's local `day` with nothing hidden, by member id: `day_figures`' answer,
    read from stored summaries where they are current and computed (and stored, once the
    working day has ended) where they are not. No guardrails, as with `day_figures`.

    `whole_for` names the members whose small gaps and covered spans the caller will show
    (None: everyone); a stored day of anyone else comes back without them, saving the review
    of a whole team most of its decoding. A day computed afresh always comes whole.
    `timers`, where the caller has read them, is as for `day_figures`.

    Four or five queries when every row is current, whatever the number of members; the
    computation of the others costs what `day_figures` costs, plus one write.
    """
    if not members:
        return {}
    inputs, timers = _inputs(day, members, timers)
    rows = {
        row.member_id: row
        for row in DaySummary.objects.filter(member_id__in=[m.pk for m in members], date=day)
        .order_by()
        .values_list(*READ, named=True)
    }
    result: dict[int, MemberDay] = {}
    missing: list[Member] = []
    for member in members:
        row = rows.get(member.pk)
        timer = timers.get(member.pk)
        if _current(row, inputs=inputs[member.pk], timer=timer, now=now):
            whole = whole_for is None or member.pk in whole_for
            result[member.pk] = _figures(row, now, whole=whole)
        else:
            missing.append(member)
    if missing:
        computed = day_figures(day=day, members=missing, now=now, timers=timers)
        result.update(computed)
        _store_read(computed, rows=rows, inputs=inputs, timers=timers, now=now)
    return result


def member_days(
    *, member: Member, days: list[date], now: datetime, rows: list, timer: datetime | None
) -> dict[date, MemberDay]:
    """One member's `days`, each whole as `day_summaries` gives it, reading what the days
    share once: the calendar (schedules, policy, holidays) and the stored rows. The caller
    passes `rows` (every `entries_touching` row of the member over the days) and `timer`
    (the running timer's start, or None). Four queries, and for each day computed afresh
    the work types and agreements its entries point at and, once the day has ended, a
    write."""
    calendar = calendar_for([member], days)
    timers = {member.pk: timer}
    stored = {
        row.date: row
        for row in DaySummary.objects.filter(member=member, date__in=days)
        .order_by()
        .values_list(*READ, named=True)
    }
    result = {}
    for day in days:
        inputs, _ = _inputs(day, [member], timers, calendar)
        row = stored.get(day)
        if _current(row, inputs=inputs[member.pk], timer=timer, now=now):
            result[day] = _figures(row, now)
            continue
        computed = day_figures(
            day=day,
            members=[member],
            now=now,
            rows=rows_touching(rows, *local_day_bounds(day, member.zone)),
            timers=timers,
            calendar=calendar,
        )
        old = {member.pk: row} if row is not None else {}
        _store_read(computed, rows=old, inputs=inputs, timers=timers, now=now)
        result[day] = computed[member.pk]
    return result


def _store_read(
    computed: dict[int, MemberDay],
    *,
    rows: dict[int, Stored],
    inputs: dict[int, str],
    timers: dict[int, datetime],
    now: datetime,
) -> None:
    """Store what a reader computed, where the day has ended: new rows unless one appeared
    meanwhile, and existing rows only if nobody rewrote them since they were read."""
    fresh = []
    for member_id, figures in computed.items():
        if now < figures.working_day_end:
            continue
        row = _row(
            member_id, figures, inputs=inputs[member_id], timer=timers.get(member_id), now=now
        )
        old = rows.get(member_id)
        if old is None:
            fresh.append(row)
        else:
            DaySummary.objects.filter(pk=old.pk, version=old.version).update(
                **{name: getattr(row, name) for name in WRITTEN}
            )
    if fresh:
        DaySummary.objects.bulk_create(fresh, ignore_conflicts=True)


# --- writing ---------------------------------------------------------------------------------


def _store(rows: list[DaySummary]) -> None:
    if rows:
        DaySummary.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["member", "date"], update_fields=WRITTEN
        )


def _stale_row(member_id: int, day: date, now: datetime) -> DaySummary:
    return DaySummary(
        member_id=member_id, date=day, version=uuid.uuid4(), computed_at=now, stale=True
    )


def _write_day(day: date, members: list[Member], now: datetime) -> int:
    """Compute and store the members' `day`; a day whose working day has not ended yet is
    stored as stale, so no reader keeps figures from before. Returns rows stored with
    figures."""
    inputs, timers = _inputs(day, members)
    computed = day_figures(day=day, members=members, now=now, timers=timers)
    rows = []
    for member_id, figures in computed.items():
        if now >= figures.working_day_end:
            rows.append(
                _row(
                    member_id,
                    figures,
                    inputs=inputs[member_id],
                    timer=timers.get(member_id),
                    now=now,
                )
            )
        else:
            rows.append(_stale_row(member_id, day, now))
    _store(rows)
    return sum(not row.stale for row in rows)


def _date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def summaries_refresh(*, member: Member, days: Iterable[date], now: datetime | None = None) -> None:
    """DAYBOOK_AFTER_ENTRY_CHANGE step: rewrite the member's summaries of the days an entry
    change touched, inside the writing transaction (the caller holds the member's lock).

    `days` are the local dates the changed entries start and end on; every day between is
    touched too (a 24-hour entry can span three dates around a DST change). A day over in
    the member's zone is computed and stored now; today only has its row marked stale (its
    figures still move with the clock, and the timer-stop path stays short), and so do all
    of them when a batch touches more than RECOMPUTE_AT_MOST past days: the next reader or
    the task at review opening fills them.
    """
    days = set(days)
    if not days:
        return
    now = now or timezone.now()
    over, running = [], []
    for day in _date_range(min(days), max(days)):
        (over if now >= local_day_bounds(day, member.zone)[1] else running).append(day)
    if len(over) > RECOMPUTE_AT_MOST:
        # An import or a batch touching many days: one write marks them all, and each is
        # worked out when first read, instead of the import waiting on every day.
        over, running = [], over + running
    for day in over:
        _write_day(day, [member], now)
    _store([_stale_row(member.pk, day, now) for day in running])


def summaries_rebuild(
    *, first: date, last: date, members: QuerySet[Member], now: datetime | None = None
) -> int:
    """Compute and store the summaries of every member's days from `first` to `last`
    (days outside a member's start and end dates included: they are stored as days off).
    Returns how many member-days were stored with figures. Each day is a fixed number of
    queries whatever the number of members."""
    if last < first:
        raise ValueError("The last day comes before the first.")
    now = now or timezone.now()
    people = list(members.order_by("pk"))
    stored = 0
    for day in _date_range(first, last):
        stored += _write_day(day, people, now)
    return stored


def summaries_mark_stale(*, members: Q | QuerySet) -> int:
    """Mark the stored summaries of these members stale (they are recomputed when next read).
    `members` is a condition on member ids or a query of member ids. Returns rows marked."""
    rows = DaySummary.objects.filter(stale=False)
    rows = rows.filter(members) if isinstance(members, Q) else rows.filter(member_id__in=members)
    return rows.update(stale=True, version=uuid.uuid4())


def summaries_fill_open(*, now: datetime | None = None, back: int = 2) -> int:
    """Store the summaries of every member's latest day whose review has opened (looking
    `back` days), for the worker: reviews and digests then find them ready. Returns how many
    member-days were read or filled."""
    now = now or timezone.now()
    by_day: dict[date, list[int]] = {}
    for member_id, (_, day) in latest_open_days(Member.objects.all(), now=now, back=back).items():
        if day is not None:
            by_day.setdefault(day, []).append(member_id)
    count = 0
    for day, ids in sorted(by_day.items()):
        count += len(
            day_summaries(day=day, members=list(Member.objects.filter(pk__in=ids)), now=now)
        )
    return count


# --- what changes a day without an entry changing --------------------------------------------


def _members_with_entries(**condition) -> QuerySet:
    return TimeEntry.objects.filter(**condition).order_by().values("member_id").distinct()


@receiver(post_save, sender=Agreement, dispatch_uid="summaries_agreement_saved")
def _agreement_saved(sender, instance: Agreement, created: bool, raw: bool = False, **kwargs):
    # Its dates decide the "agreement not active" finding of every entry applied to it.
    if not created and not raw:
        summaries_mark_stale(members=_members_with_entries(agreement_id=instance.pk))


@receiver(
    m2m_changed, sender=Agreement.covered_work_types.through, dispatch_uid="summaries_coverage"
)
def _coverage_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    # The covered work types decide the "not covered" finding.
    if not action.startswith("post_"):
        return
    if reverse:  # a work type's agreements changed
        condition = {"agreement_id__in": pk_set} if pk_set else {"work_type_id": instance.pk}
    else:
        condition = {"agreement_id": instance.pk}
    summaries_mark_stale(members=_members_with_entries(**condition))


@receiver(post_save, sender=WorkType, dispatch_uid="summaries_work_type_saved")
def _work_type_saved(sender, instance: WorkType, created: bool, raw: bool = False, **kwargs):
    # Its name, wrap and time-off flags are in the words and figures of its entries' days.
    if not created and not raw:
        summaries_mark_stale(members=_members_with_entries(work_type_id=instance.pk))
