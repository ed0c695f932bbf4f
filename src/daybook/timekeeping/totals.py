"""Monthly totals: each member's time per local month, agreement, work type and billable
option (models.MonthlyTotal), kept in step with the entries so that period reports add up a
few thousand rows instead of millions of entries.

Writes: `monthly_totals_refresh` is a DAYBOOK_AFTER_ENTRY_CHANGE step, so every door that
changes entries (the entry services, the timer, imports, re-rating, agreement fixes, the admin)
recomputes the member's months it touched inside its own transaction; `monthly_totals_rebuild`
recomputes any range from the entries (the `daybook totals --rebuild` command, the demo
loader); `member_totals_rebuild` recomputes a member's months when their time zone changes.
All are one grouped aggregate per time zone, written with INSERT ... SELECT: the rows never
pass through Python.

Reads: `settled_months` says which whole months a report may take from the totals rather than
from the entries (see its docstring for the trust rule it keeps).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from daybook.core.expressions import sum_seconds, sum_seconds_times
from daybook.core.periods import local_month_starts
from daybook.people.models import Member
from daybook.people.services import members_lock

from .models import LONGEST_ENTRY, MonthlyRollup, MonthlyTotal, RolledUpMonth, TimeEntry
from .visibility import LOOKBACK_DAYS


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months = [month_of(first)]
    while months[-1] < month_of(last):
        months.append(add_months(months[-1], 1))
    return months


# The totals table's columns, in the order the grouped query below selects them.
COLUMNS = (
    ("member_id", "member_id"),
    ("month", "total_month"),
    ("agreement_id", "agreement_id"),
    ("work_type_id", "work_type_id"),
    ("billable", "billable"),
    ("entries", "total_entries"),
    ("seconds", "total_seconds"),
    ("bill_amount", "total_bill_amount"),
    ("cost_amount", "total_cost_amount"),
)


def _insert_grouped(
    member_ids: list[int], months: list[date], zone: ZoneInfo, *, entry_model, total_model
) -> None:
    """Insert the totals of these members (all in ``zone``) for these consecutive months,
    summed from their entries by the database."""
    bounds = local_month_starts(months[0], len(months), zone)
    month_case = Case(
        *[
            When(start__lt=bound, then=Value(month))
            for month, bound in zip(months, bounds[1:], strict=True)
        ],
        output_field=DateField(),
    )
    grouped = (
        entry_model.objects.filter(
            member_id__in=member_ids, start__gte=bounds[0], start__lt=bounds[-1]
        )
        .annotate(total_month=month_case)
        .order_by()
        .values("member_id", "total_month", "agreement_id", "work_type_id", "billable")
        .annotate(
            total_entries=Count("pk"),
            total_seconds=sum_seconds(),
            total_bill_amount=sum_seconds_times("bill_rate"),
            total_cost_amount=sum_seconds_times("cost_rate"),
        )
    )
    _insert_select(total_model, COLUMNS, grouped)


def _insert_select(model, columns: tuple[tuple[str, str], ...], grouped: QuerySet) -> None:
    """INSERT INTO the model's table SELECT the grouped query's rows: ``columns`` pairs each
    column with the query's alias for it."""
    select_sql, params = grouped.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    targets = ", ".join(quote(column) for column, _ in columns)
    sources = ", ".join(f"grouped.{quote(alias)}" for _, alias in columns)
    sql = f"INSERT INTO {table} ({targets}) SELECT {sources} FROM ({select_sql}) grouped"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _pairs(rows: QuerySet) -> set[tuple[int | None, int]]:
    return set(rows.order_by().values_list("agreement_id", "work_type_id").distinct())


# The rollup's columns, from the grouped totals below.
ROLLUP_COLUMNS = tuple((column, alias) for column, alias in COLUMNS if column != "member_id")


def rollup_recompute(months: list[date], pairs: set[tuple[int | None, int]] | None = None) -> None:
    """Replace the rollup's rows of these months by the sums of their totals rows, in one
    statement: only the cells of ``pairs`` (agreement or None, work type) when given, else
    all. Any cell of the agreements and work types in the pairs is redone, a few more than
    were touched: one condition for the delete and the sums keeps them the same cells."""
    cells = Q(month__in=months)
    if pairs is not None:
        if not pairs:
            return
        agreements = {agreement for agreement, _ in pairs}
        on = Q(agreement_id__in=agreements - {None})
        if None in agreements:
            on |= Q(agreement_id__isnull=True)
        cells &= on & Q(work_type_id__in={work_type for _, work_type in pairs})
    # Two members' writes to a rolled-up month may share cells (one agreement, one work
    # type): each would delete the cell and add it up again without the other's new totals,
    # and the second insert would collide with the first. One writer at a time, until commit;
    # readers never wait (SHARE ROW EXCLUSIVE conflicts only with writes).
    _lock(MonthlyRollup, "SHARE ROW EXCLUSIVE")
    MonthlyRollup.objects.filter(cells).delete()
    grouped = (
        MonthlyTotal.objects.filter(cells)
        .annotate(total_month=F("month"))
        .order_by()
        .values("total_month", "agreement_id", "work_type_id", "billable")
        .annotate(
            total_entries=Sum("entries"),
            total_seconds=Sum("seconds"),
            total_bill_amount=Sum("bill_amount"),
            total_cost_amount=Sum("cost_amount"),
        )
    )
    _insert_select(MonthlyRollup, ROLLUP_COLUMNS, grouped)


def _lock(model, mode: str) -> None:
    """Lock the model's table in ``mode`` until the transaction ends, on PostgreSQL. SQLite
    lets only one transaction write at a time anyway."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")


def rollup_ensure(first: date | None, end: date) -> None:
    """Roll up the months from ``first`` (None: the earliest with totals) to ``end``
    (exclusive), all settled, that are not yet: the first report to read a month adds it up
    from the totals and marks it done: one statement for all the months missing (at the
    large demo size about 0.15 s a month; a whole history at once only the first time).

    The totals are locked against writes meanwhile (on PostgreSQL), so a write to the month
    either commits before the sums are taken, or waits and then finds the month rolled up and
    brings its cells in step itself (`totals_recompute`)."""
    if first is None:
        wanted = MonthlyTotal.objects.filter(totals_in(first, end))
        first = wanted.aggregate(first=Min("month"))["first"]
        if first is None:
            return
    months = months_between(first, add_months(end, -1)) if first < end else []
    done = set(RolledUpMonth.objects.filter(month__in=months).values_list("month", flat=True))
    missing = [month for month in months if month not in done]
    if not missing:
        return
    with transaction.atomic():
        _lock(MonthlyTotal, "SHARE")
        done = set(RolledUpMonth.objects.filter(month__in=missing).values_list("month", flat=True))
        missing = [month for month in missing if month not in done]
        if missing:
            rollup_recompute(missing)
            RolledUpMonth.objects.bulk_create(RolledUpMonth(month=month) for month in missing)


def rollup_settled(now: datetime | None = None) -> None:
    """Roll up every month settled at ``now`` that is not yet (after a bulk load, and when
    the rollup arrives on a database with history, so no report pays for years at once)."""
    now = now or timezone.now()
    rollup_ensure(None, settled_months(None, month_of(now.date()), floor=visible_floor(now)))


def rollup_fill(apps, schema_editor) -> None:
    """Data migration: roll up the settled months of a database with history."""
    rollup_settled()


def settled_totals(first: date | None, end: date) -> QuerySet[MonthlyRollup]:
    """The rollup's rows of the settled months from ``first`` (None: the earliest) to ``end``
    (exclusive), rolled up first where they are not yet: what a report adds up for them."""
    rollup_ensure(first, end)
    return MonthlyRollup.objects.filter(totals_in(first, end))


def totals_recompute(
    members: dict[int, str],
    months: list[date],
    *,
    keep_rollup: bool = True,
    entry_model=TimeEntry,
    total_model=MonthlyTotal,
) -> None:
    """Replace the totals of these members ({id: time zone}) for these consecutive months,
    and the cells they are part of in any of the months already rolled up (``keep_rollup``;
    data migrations, from before the rollup, pass False and their historical models)."""
    rows = total_model.objects.filter(
        member_id__in=list(members), month__gte=months[0], month__lte=months[-1]
    )
    # Only settled months are ever rolled up: a write to the months time is being logged
    # into now (nearly all of them) has nothing more to do, and asks nothing to know it.
    unsettled = settled_months(None, months[-1], floor=visible_floor())
    settled = [month for month in months if month < unsettled] if keep_rollup else []
    cells = _pairs(rows.filter(month__in=settled)) if settled else set()
    rows.delete()
    by_zone: dict[str, list[int]] = {}
    for member_id, zone in members.items():
        by_zone.setdefault(zone, []).append(member_id)
    for zone, ids in by_zone.items():
        _insert_grouped(
            sorted(ids), months, ZoneInfo(zone), entry_model=entry_model, total_model=total_model
        )
    if not settled:
        return
    # Asked after the totals were written: a first rollup of a month (`rollup_ensure`) waits
    # for this write to commit, or has committed before it and is seen here.
    rolled_up = sorted(
        RolledUpMonth.objects.filter(month__in=settled).values_list("month", flat=True)
    )
    if rolled_up:
        cells |= _pairs(rows.filter(month__in=rolled_up))
        rollup_recompute(rolled_up, cells)


def monthly_totals_refresh(*, member: Member, days: Iterable[date]) -> None:
    """DAYBOOK_AFTER_ENTRY_CHANGE step: recompute the member's totals for the local months of
    the changed days (an entry counts in the month of its start day, which is among them).

    Runs inside the writer's transaction, which holds the member's lock (members_lock), so
    two writes to one member's time cannot interleave their recomputations. Two statements
    however many entries changed; a change spanning months recomputes the months between."""
    changed = sorted(set(days))
    if not changed:
        return
    totals_recompute({member.pk: member.time_zone}, months_between(changed[0], changed[-1]))


def member_totals_rebuild(*, member: Member) -> None:
    """Recompute all of the member's totals, in their time zone as it is now: after a change
    of zone an entry near a month's edge may fall in the other local month. Takes the
    member's lock, inside the caller's transaction when there is one."""
    with transaction.atomic():
        members_lock([member.pk])
        span = TimeEntry.objects.filter(member=member).aggregate(
            low=Min("start"), high=Max("start")
        )
        if span["low"] is None:
            return
        months = months_between(_utc_date(span["low"], -1), _utc_date(span["high"], +1))
        totals_recompute({member.pk: member.time_zone}, months)


# Member is a model below timekeeping, so its saves are heard here rather than calling up:
# whichever door changes a member's zone (the people service, the admin), the totals follow.
@receiver(pre_save, sender=Member, dispatch_uid="totals_member_zone_before")
def _member_zone_before(sender, instance: Member, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        instance._zone_before = (
            Member.objects.filter(pk=instance.pk).values_list("time_zone", flat=True).first()
        )


@receiver(post_save, sender=Member, dispatch_uid="totals_member_zone_after")
def _member_zone_after(
    sender, instance: Member, created: bool, raw: bool = False, **kwargs
) -> None:
    before = instance.__dict__.pop("_zone_before", None)
    if not created and not raw and before is not None and before != instance.time_zone:
        member_totals_rebuild(member=instance)


@dataclass(frozen=True)
class RebuildResult:
    members: int
    months: int
    rows: int


@transaction.atomic
def monthly_totals_rebuild(
    *, first: date | None = None, last: date | None = None, dry_run: bool = False
) -> RebuildResult:
    """Recompute every member's totals for the local months from ``first``'s to ``last``'s
    (by default, all months with time), from the entries, in one transaction. The members
    are locked meanwhile, so no entry write can slip between the delete and the insert.
    ``dry_run``: count what would be written, and write nothing."""
    if first is not None and last is not None and last < first:
        raise ValueError("The last month comes before the first.")
    whole = first is None and last is None
    members = dict(Member.objects.order_by("pk").values_list("pk", "time_zone"))
    if not members:
        return RebuildResult(members=0, months=0, rows=0)
    members_lock(members)
    if first is None or last is None:
        span = TimeEntry.objects.aggregate(low=Min("start"), high=Max("start"))
        if span["low"] is None:
            MonthlyTotal.objects.all().delete()
            RolledUpMonth.objects.all().delete()
            MonthlyRollup.objects.all().delete()
            return RebuildResult(members=len(members), months=0, rows=0)
        # A day of slack either side: a member's local month may begin before (or end after)
        # the UTC one.
        first = first or _utc_date(span["low"], -1)
        last = last or _utc_date(span["high"], +1)
    months = months_between(first, last)
    with transaction.atomic():
        totals_recompute(members, months, keep_rollup=False)
        # The rollup of these months (all, for a whole rebuild) is added up again when a
        # report next reads them.
        in_range = Q() if whole else Q(month__gte=months[0], month__lte=months[-1])
        RolledUpMonth.objects.filter(in_range).delete()
        MonthlyRollup.objects.filter(in_range).delete()
        rows = MonthlyTotal.objects.filter(month__gte=months[0], month__lte=months[-1]).count()
        if dry_run:
            transaction.set_rollback(True)
    return RebuildResult(members=len(members), months=len(months), rows=rows)


def totals_fill(apps, schema_editor) -> None:
    """Data migration: sum the totals of every member's months from the entries already
    there (with the migration's historical models), unless there are totals already: then an
    earlier migration summed them, and the entry writes have kept them since."""
    entry_model = apps.get_model("timekeeping", "TimeEntry")
    total_model = apps.get_model("timekeeping", "MonthlyTotal")
    if total_model.objects.exists():
        return
    members = dict(apps.get_model("people", "Member").objects.values_list("pk", "time_zone"))
    span = entry_model.objects.aggregate(low=Min("start"), high=Max("start"))
    if not members or span["low"] is None:
        return
    months = months_between(_utc_date(span["low"], -1), _utc_date(span["high"], +1))
    totals_recompute(
        members, months, keep_rollup=False, entry_model=entry_model, total_model=total_model
    )


def _utc_date(moment: datetime, days: int) -> date:
    return date.fromordinal(moment.date().toordinal() + days)


def _stored(first: date | None, last: date | None) -> set[tuple]:
    """The totals rows and the rollup's (marked "rollup" where the totals have the member),
    their first five fields the cell."""
    months = Q()
    if first is not None:
        months &= Q(month__gte=month_of(first))
    if last is not None:
        months &= Q(month__lte=month_of(last))
    sums = ("entries", "seconds", "bill_amount", "cost_amount")
    cells = ("month", "agreement_id", "work_type_id", "billable")
    totals = MonthlyTotal.objects.filter(months).values_list("member_id", *cells, *sums)
    rollup = MonthlyRollup.objects.filter(months).values_list(*cells, *sums)
    return {_rounded(row) for row in totals} | {_rounded(("rollup", *row)) for row in rollup}


def _rounded(row: tuple) -> tuple:
    return (*row[:6], round(row[6], 3), round(row[7], 3), round(row[8], 3))


def monthly_totals_differences(*, first: date | None = None, last: date | None = None) -> int:
    """How many stored totals rows and rolled-up cells (from ``first``'s month to
    ``last``'s; by default all) differ from the entries: missing, left over, or with other
    sums. Changes nothing: the fresh rows are computed inside a transaction that is rolled
    back."""
    with transaction.atomic():
        stored = _stored(first, last)
        rolled_up = list(RolledUpMonth.objects.values_list("month", flat=True))
        monthly_totals_rebuild(first=first, last=last)
        if rolled_up:
            rollup_recompute(rolled_up)
        fresh = _stored(first, last)
        transaction.set_rollback(True)
    # Counted by cell: a cell whose sums differ is one difference, not an old and a new row.
    return len({row[:5] for row in stored ^ fresh})


# Reads ---------------------------------------------------------------------------------------


def visible_floor(now: datetime | None = None) -> datetime:
    """An instant before which every member's time is open to anyone who may see it at all.

    Each member's cutoff (timekeeping.visibility) is at least the start of the oldest of the
    LOOKBACK_DAYS local days it looks at, which began less than LOOKBACK_DAYS days and a few
    hours ago in any zone; a whole day more of margin makes this a bound for every member,
    worked out without a query. An entry that ended by then is counted by every report,
    whoever asks (their own time is all visible anyway)."""
    return (now or timezone.now()) - timedelta(days=LOOKBACK_DAYS + 1)


# A member-local month ends at most 12 hours after the UTC one (UTC-12 is the latest zone),
# and an entry starting in it lasts at most LONGEST_ENTRY: two days after the UTC month ends,
# every entry a month can hold has ended.
MONTH_SETTLES_AFTER = timedelta(days=2)
assert timedelta(hours=12) + LONGEST_ENTRY <= MONTH_SETTLES_AFTER


def settled_months(first: date | None, last: date, *, floor: datetime) -> date | None:
    """The end (exclusive) of the run of whole months from ``first`` (None: the earliest) to
    ``last`` that a report may read from the totals; None when not even ``first`` may.

    A month is settled when every entry it can hold ended by ``floor`` (`visible_floor`),
    so the totals count exactly the entries a report counts under the trust rule — no day
    whose review has not opened. That follows from the calendar alone, with no query: a
    month is settled once its UTC end plus MONTH_SETTLES_AFTER has passed by ``floor``.
    Usually every month but the current one (and the one before it, for the first days
    after it ends)."""
    end = min(month_of((floor - MONTH_SETTLES_AFTER).date()), add_months(last, 1))
    if first is not None and end <= first:
        return None
    return end


def totals_in(first: date | None, end: date) -> Q:
    """The totals rows of the months from ``first`` (None: the earliest) up to ``end``
    (exclusive)."""
    condition = Q(month__lt=end)
    if first is not None:
        condition &= Q(month__gte=first)
    return condition
