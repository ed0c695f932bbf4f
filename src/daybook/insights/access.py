"""Who may see which report. One rule per report, asked alike by its page, its CSV/PDF
download and its API endpoint (reports.py names each report's rule).

- Finance and Admin see every report and produce client statements: the reports with money
  in them are theirs, by the one rule of who sees money (core/money.py).
- Managers (``timekeeping.view_team_entries``) see capacity, workload, projects and SLA for
  the teams they review.
- Everyone else sees only their own hours.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from daybook.core.money import may_see_money
from daybook.people.models import Team
from daybook.people.selectors import member_for

ALL = "timekeeping.view_all_entries"
TEAMS = "timekeeping.view_team_entries"


def sees_finance(user: AbstractBaseUser) -> bool:
    """Reports with money in them: whoever may see money."""
    return may_see_money(user)


def require_finance(user: AbstractBaseUser) -> None:
    """Agreement profitability, the financial forecast and client statements."""
    if not sees_finance(user):
        raise PermissionDenied("Only Finance and Admin can see this report.")


def require_statement_issuer(user: AbstractBaseUser) -> None:
    """Issuing a statement: Finance and Admin, as a member, so the statement names who issued
    it."""
    require_finance(user)
    if member_for(user) is None:
        raise PermissionDenied("Only a member can issue a statement.")


def require_team_reports(user: AbstractBaseUser) -> None:
    """Capacity, projects and SLA: Finance, Admin and managers (their teams)."""
    if not (user.is_authenticated and (user.has_perm(ALL) or user.has_perm(TEAMS))):
        raise PermissionDenied("Only managers, Finance and Admin can see this report.")


def require_signed_in(user: AbstractBaseUser) -> None:
    """Workload: everyone signed in. Whose hours it shows is members_visible_to's answer:
    everyone for Finance and Admin, their teams and themselves for managers, else only
    themselves."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to see this report.")


def teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    if user.has_perm(ALL):
        return Team.objects.all()
    if user.has_perm(TEAMS):
        return Team.objects.filter(reviewers__user=user).distinct()
    return Team.objects.none()


def report_teams(user: AbstractBaseUser) -> QuerySet[Team] | None:
    """The teams a team report covers for this user: every team (None) for Finance and
    Admin, the teams they review for managers. Refuses everyone else."""
    require_team_reports(user)
    return None if sees_finance(user) else teams_for(user)
