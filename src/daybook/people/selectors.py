from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from .models import Member


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
