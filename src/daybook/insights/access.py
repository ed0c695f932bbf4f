"""Who may see which report. One helper per kind of access; views and the API use them alike.

- Finance and Admin (they hold ``timekeeping.view_all_entries``) see every report and produce
  client statements.
- Managers (``timekeeping.view_team_entries``) see capacity, workload, projects and SLA for
  the teams they review.
- Everyone else sees only their own hours.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from daybook.people.models import Team

ALL = "timekeeping.view_all_entries"
TEAMS = "timekeeping.view_team_entries"


def sees_finance(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.has_perm(ALL)


def require_finance(user: AbstractBaseUser) -> None:
    """Agreement profitability, the financial forecast and client statements."""
    if not sees_finance(user):
        raise PermissionDenied("Only Finance and Admin can see this report.")


def require_team_reports(user: AbstractBaseUser) -> None:
    """Capacity, workload, projects and SLA: Finance, Admin and managers (their teams)."""
    if not (user.is_authenticated and (user.has_perm(ALL) or user.has_perm(TEAMS))):
        raise PermissionDenied("Only managers, Finance and Admin can see this report.")


def teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    if user.has_perm(ALL):
        return Team.objects.all()
    if user.has_perm(TEAMS):
        return Team.objects.filter(reviewers__user=user).distinct()
    return Team.objects.none()
