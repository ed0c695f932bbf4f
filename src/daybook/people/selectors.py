from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from .models import Holiday, Member


def member_for(user: AbstractBaseUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("user", "team").first()


def members_visible_to(user: AbstractBaseUser) -> QuerySet[Member]:
    """Whose time a user may see: everyone (finance, admin), their reviewed teams (managers),
    otherwise only themselves."""
    if not user.is_authenticated:
        return Member.objects.none()
    if user.has_perm("timekeeping.view_all_entries"):
        return Member.objects.all()
    own = Q(user=user)
    if user.has_perm("timekeeping.view_team_entries"):
        return Member.objects.filter(own | Q(team__reviewers__user=user)).distinct()
    return Member.objects.filter(own)


def member_zone_groups() -> dict[str, list[int]]:
    """Member ids by time zone: one small query, so entry filters need no join to members."""
    groups: dict[str, list[int]] = {}
    for pk, zone in Member.objects.order_by("pk").values_list("pk", "time_zone"):
        groups.setdefault(zone, []).append(pk)
    return groups


# How reports and trends name the group of members who belong to no team.
NO_TEAM = "No team"


def holidays_on(*, day: date, team_ids: Iterable[int | None]) -> dict[int | None, str]:
    """The holiday's name on `day` for each of these teams (None: members without a team), in
    one query. The organisation's holiday covers every team; a team's own holiday on the same
    date gives its own name. Teams with no holiday that day are left out."""
    return holidays_within(first=day, last=day, team_ids=team_ids)[day]


def holidays_within(
    *, first: date, last: date, team_ids: Iterable[int | None]
) -> dict[date, dict[int | None, str]]:
    """`holidays_on` for every date from `first` to `last`, by date, in one query."""
    wanted = {team_id for team_id in team_ids if team_id is not None}
    rows = Holiday.objects.filter(
        Q(team__isnull=True) | Q(team_id__in=wanted), date__gte=first, date__lte=last
    ).values_list("date", "team_id", "name")
    names: dict[date, dict[int | None, str]] = defaultdict(dict)
    for day, team_id, name in rows:
        names[day][team_id] = name
    result = {}
    for day in (first + timedelta(days=i) for i in range((last - first).days + 1)):
        found = names.get(day, {})
        result[day] = {team_id: found[team_id] for team_id in wanted if team_id in found}
        if None in found:
            for team_id in [None, *wanted]:
                result[day].setdefault(team_id, found[None])
    return result


def with_holidays(members: QuerySet[Member], day: date) -> list[Member]:
    """The members, each with `holiday_name` (their team's holiday on `day`, else the
    organisation's, else None) worked out inside the members query, and `holiday_day` set to
    `day` so a reader can tell which day the name is for (`day_figures` then skips its own
    holiday query)."""
    names = (
        Holiday.objects.filter(Q(team=OuterRef("team")) | Q(team__isnull=True), date=day)
        .order_by(F("team").asc(nulls_last=True))
        .values("name")[:1]
    )
    people = list(members.annotate(holiday_name=Subquery(names)))
    for member in people:
        member.holiday_day = day
    return people


def active_on(day: date) -> Q:
    """Members who work here on `day`: started on or before it and not yet left."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
