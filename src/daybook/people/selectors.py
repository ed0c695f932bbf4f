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
