"""What a viewer may see of a member's time, and from when: the one policy every door asks.

- The member sees all of their own time, at any moment.
- Anyone else who may see the member's time at all (a reviewer of their team, Finance,
  Admin, the command line) sees only the local days whose review has opened: the member's
  working day plus the grace, in the member's zone (`review_opening` in day.py, the rule the
  review itself uses). Days still under way and future days are not open.

Per member that comes down to one instant, the *cutoff*: the end of the latest local day whose
review has opened (UTC). Another viewer sees an entry when it ends at or before the cutoff,
so an entry that runs on into a day not yet open stays hidden until that day opens. A
running timer is seen when it started before the cutoff: one left running from a day already
open (the review shows it as a finding), never today's.

Members with the same cutoff (one zone, the same schedule state) share one condition, so the
filter grows with zones and schedules, not with people. Working it out costs two small
queries (the members with their schedules, the review policies) however many members there
are, and a third for the holidays only in the evening hours (day_figures.latest_open_days).

Which members' time a viewer may see at all is `people.selectors.members_visible_to`; this
module says which part of it. `selectors.entries_visible_to` puts the two together for the
pages, the API and the admin; reports combine `visible_entry_q` with their own choice of
members.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from daybook.core.time import local_date, local_day_bounds
from daybook.people.models import Member

from .day_figures import latest_open_days

# How many local days back (today included) to look for the latest open one. Three are
# enough: a day lasts at least 23 hours and the grace at most 24, so the day before the oldest
# of them ended at least 46 hours before today began and has opened by then. Should none of
# the three have opened yet, the cutoff is the start of the oldest (the end of that day).
LOOKBACK_DAYS = 3

# How an entry (or a draft) is compared with its member's cutoff: it must have ended by then.
ENDED_BY = "end__lte"
# How a running timer is: it must have started before, on a day already open.
STARTED_BEFORE = "started_at__lt"

NOTHING = Q(pk__in=[])

Members = QuerySet[Member] | Iterable[Member]


def _as_queryset(members: Members) -> QuerySet[Member]:
    if isinstance(members, QuerySet):
        return members
    return Member.objects.filter(pk__in=[m.pk for m in members])


def open_cutoffs(members: Members, *, now: datetime) -> dict[int, datetime]:
    """For each member (by id), the end of their latest local day whose review has opened at
    `now`: the UTC instant up to which others may see their time."""
    cutoffs = {}
    for member_id, (member, day) in latest_open_days(
        _as_queryset(members), now=now, back=LOOKBACK_DAYS
    ).items():
        if day is not None:
            cutoffs[member_id] = local_day_bounds(day, member.zone)[1]
        else:
            oldest = local_date(now, member.zone) - timedelta(days=LOOKBACK_DAYS - 1)
            cutoffs[member_id] = local_day_bounds(oldest, member.zone)[0]
    return cutoffs


def _grouped_q(
    cutoffs: Mapping[int, datetime], *, lookup: str, member_field: str, floor: datetime | None
) -> Q:
    """One condition per distinct cutoff. With a `floor` (the smallest cutoff of all), rows at
    or before it need no member list, and only members with a later cutoff are named."""
    by_cutoff: dict[datetime, list[int]] = defaultdict(list)
    for member_id, cutoff in cutoffs.items():
        if floor is None or cutoff > floor:
            by_cutoff[cutoff].append(member_id)
    parts = [] if floor is None else [Q(**{lookup: floor})]
    for cutoff, ids in sorted(by_cutoff.items()):
        parts.append(Q(**{f"{member_field}__in": sorted(ids), lookup: cutoff}))
    if not parts:
        return NOTHING
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def opened_q(
    *,
    members: Members | None = None,
    now: datetime | None = None,
    lookup: str = ENDED_BY,
    member_field: str = "member_id",
) -> Q:
    """Rows (entries by default) on days whose review has opened for their member.

    `members`: only these members' rows pass (a reviewer's team). None: every member's; then
    the cutoffs are worked out for everyone, so the smallest is a floor below which no member
    list is needed — in the middle of a working day in one zone the whole condition is one
    comparison.
    """
    now = now or timezone.now()
    if members is None:
        cutoffs = open_cutoffs(Member.objects.all(), now=now)
        if not cutoffs:
            return NOTHING
        floor = min(cutoffs.values())
        return _grouped_q(cutoffs, lookup=lookup, member_field=member_field, floor=floor)
    cutoffs = open_cutoffs(members, now=now)
    return _grouped_q(cutoffs, lookup=lookup, member_field=member_field, floor=None)


def own_member_id(viewer) -> int | None:
    """The viewer's own member id: None for the command line, anonymous or memberless logins."""
    if not isinstance(viewer, AbstractBaseUser) or not viewer.is_authenticated:
        return None
    return Member.objects.filter(user_id=viewer.pk).values_list("pk", flat=True).first()


def own_q(viewer, *, member_field: str = "member_id") -> Q:
    """The viewer's own rows, whatever the day; nothing for the command line, anonymous or
    memberless logins. A subquery, so asking costs no query of its own."""
    if not isinstance(viewer, AbstractBaseUser) or not viewer.is_authenticated:
        return NOTHING
    mine = Member.objects.filter(user_id=viewer.pk).values("pk")
    return Q(**{f"{member_field}__in": mine})


def visible_entry_q(
    viewer, *, now: datetime | None = None, lookup: str = ENDED_BY, member_field: str = "member_id"
) -> Q:
    """The part of anyone's time `viewer` may see, whoever the member: all of their own, and
    every member's days whose review has opened. Combine it with the members the viewer may
    see at all (or a report's own choice of members). `viewer`: a login, or None for a door
    that serves no one in particular (the command line, a stored statement)."""
    return own_q(viewer, member_field=member_field) | opened_q(
        now=now, lookup=lookup, member_field=member_field
    )


def visible_or_opened(visible: Q | None) -> Q:
    """What a report selector counts: the condition its door passed, or by default only the
    days already open for everyone (no one's own time early)."""
    return opened_q() if visible is None else visible
