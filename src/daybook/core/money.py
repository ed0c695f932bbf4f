"""Who sees money: the one rule every page, endpoint, export and report asks.

Money is every amount and rate: agreement fees, hourly rates and prepaid amounts, the rates an
agreement sets per work role, work role rates, members' cost rates and the bill and cost rates
stored on entries. Finance and Admin see it; technicians, dispatchers and managers work with
hours and never see what an hour is charged or costs.

Core knows the rule only as a permission name, so every app can ask it without importing the
people app: the roles table in people/roles.py grants the permission to Finance (Admin holds
every permission).
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

# Seeing money goes with seeing every member's entries: the two have always belonged to the
# same roles, and one permission keeps them from drifting apart.
MONEY_PERMISSION = "timekeeping.view_all_entries"


def may_see_money(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether `user` may see amounts and rates anywhere in Daybook."""
    return bool(user is not None and user.is_authenticated and user.has_perm(MONEY_PERMISSION))
