"""Dated work role rates: set one from a date, and read the one in effect on a date.

A rate applies from its `effective_from` date until the next dated rate of the same role.
Entries resolve it for their work date when saved (`timekeeping/rates.py`), so setting a rate
never changes entries already saved; Finance re-rates unlocked ones on purpose
(`timekeeping.services.entries_rerate`).
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window

from .models import RATES_SINCE, WorkRole, WorkRoleRate

MAX_RATE = Decimal("99999999.99")  # what max_digits=10, decimal_places=2 holds


class Actor(Protocol):
    """Whoever sets a rate: a member (this app sits below people, so it knows only `user`)."""

    user: AbstractBaseUser


def rate_errors(
    *, rate: object, effective_from: object, what: str = "rate"
) -> dict[str, list[str]]:
    """What is wrong with a rate and its date, by field; empty when both are fine. Shared by
    every dated rate (work roles, agreements, members' cost rates)."""
    errors: dict[str, list[str]] = {}
    if rate is None or rate == "":
        errors["rate"] = [f"Give the {what}, e.g. 95.00."]
    else:
        try:
            value = Decimal(str(rate))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            errors["rate"] = [f"{rate!r} is not an amount; give the {what} like 95.00."]
        elif value < 0:
            errors["rate"] = [f"The {what} cannot be negative."]
        elif value > MAX_RATE:
            errors["rate"] = [f"The {what} can be at most {MAX_RATE}."]
        elif value != value.quantize(Decimal("0.01")):
            errors["rate"] = [f"Give the {what} in whole cents (two decimal places at most)."]
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        errors["effective_from"] = ["Give the date the rate takes effect, as YYYY-MM-DD."]
    elif not in_date_window(effective_from):
        errors["effective_from"] = [DATE_WINDOW_MESSAGE]
    return errors


def ensure_may(by: Actor | None, permission: str, message: str) -> None:
    """None is the system (migrations, demo data); anyone else needs the permission."""
    if by is not None and not by.user.has_perm(permission):
        raise PermissionDenied(message)


@transaction.atomic
def work_role_rate_set(
    *, work_role: WorkRole, rate: Decimal, effective_from: date, by: Actor | None
) -> WorkRoleRate:
    """Bill the work role at `rate` from `effective_from` on, until its next dated rate.

    A rate on the same date as an existing one replaces it. The first dated rate of a role
    keeps the role's rate so far as its rate for the dates before. `WorkRole.rate` follows
    the latest dated rate. Finance and Admin only; entries already saved keep their rates.
    """
    ensure_may(
        by,
        "catalogue.add_workrolerate",
        "Only Finance or an administrator can set work role rates.",
    )
    errors = rate_errors(rate=rate, effective_from=effective_from)
    if errors:
        raise ValidationError(errors)
    rate = Decimal(str(rate))
    role = WorkRole.objects.select_for_update().get(pk=work_role.pk)
    if effective_from > RATES_SINCE and not role.dated_rates.exists():
        WorkRoleRate.objects.create(work_role=role, rate=role.rate, effective_from=RATES_SINCE)
    row, _ = WorkRoleRate.objects.update_or_create(
        work_role=role, effective_from=effective_from, defaults={"rate": rate}
    )
    work_role.rate = work_role_latest_rate_keep(role)
    return row


def work_role_latest_rate_keep(work_role: WorkRole) -> Decimal:
    """Make `WorkRole.rate` the latest dated rate again (after dated rates were edited in
    the admin, say); returns it. A role without dated rates keeps its rate."""
    latest = (
        work_role.dated_rates.order_by("-effective_from").values_list("rate", flat=True).first()
    )
    if latest is not None and latest != work_role.rate:
        WorkRole.objects.filter(pk=work_role.pk).update(rate=latest)
        work_role.rate = latest
    return work_role.rate


def dated_rate_on(rates: Sequence[tuple[date, Decimal]], day: date) -> Decimal | None:
    """From dated rates, (effective from, rate) in date order: the rate in effect on `day`;
    before the first date, the first rate; None without any. A role or a member has a
    handful of dated rates, so they are read in one query and chosen from here."""
    if not rates:
        return None
    in_effect = [rate for since, rate in rates if since <= day]
    return in_effect[-1] if in_effect else rates[0][1]


def work_role_rate_on(work_role: WorkRole, day: date) -> Decimal:
    """The work role's standard rate for work on `day` (a local date): its dated rate in
    effect then; before its first dated rate, that first rate; with none, `WorkRole.rate`."""
    rates = WorkRoleRate.objects.filter(work_role=work_role).order_by("effective_from")
    rate = dated_rate_on(list(rates.values_list("effective_from", "rate")), day)
    return work_role.rate if rate is None else rate
