"""Writes to the catalogue: work roles and work types.

Each service checks the acting member's permission itself, so the setup pages, the API, the
admin and commands can all call it and behave the same. `by` is the member acting (the
catalogue sits below the people app, so it knows the member only by its `user`).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model

from .choices import BillableOption
from .models import WorkRole, WorkType
from .rates import work_role_rate_set


def _ensure_may(by: Model, permission: str, action: str) -> None:
    if not by.user.has_perm(permission):
        raise PermissionDenied(f"Only an administrator can {action}.")


def _clean_name(name: str, model: type[Model], instance: Model | None, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [f"Give the {what} a name."]})
    taken = model.objects.filter(name__iexact=name)
    if instance is not None and instance.pk:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise ValidationError({"name": [f"There is already a {what} called {name}."]})
    return name


@transaction.atomic
def work_role_create(*, by: Model, name: str, rate: Decimal) -> WorkRole:
    """Add a work role with its standard hourly bill rate (applying to every date until a
    dated rate says otherwise)."""
    _ensure_may(by, "catalogue.add_workrole", "add work roles")
    role = WorkRole(name=_clean_name(name, WorkRole, None, "work role"), rate=rate)
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def work_role_update(
    *,
    by: Model,
    role: WorkRole,
    name: str,
    rate: Decimal | None = None,
    effective_from: date | None = None,
) -> WorkRole:
    """Rename a work role and, when `rate` differs from its latest rate, bill it at `rate`
    from `effective_from` on (a dated rate: entries already saved keep their rates)."""
    _ensure_may(by, "catalogue.change_workrole", "change work roles")
    role.name = _clean_name(name, WorkRole, role, "work role")
    role.full_clean()
    role.save(update_fields=["name"])
    if rate is not None and rate != role.rate:
        if effective_from is None:
            raise ValidationError({"effective_from": ["Say from which date the new rate applies."]})
        work_role_rate_set(work_role=role, rate=rate, effective_from=effective_from, by=by)
    return role


def _work_type_apply(
    work_type: WorkType,
    *,
    name: str,
    billable_default: str,
    rate_multiplier: Decimal,
    is_payroll_wrap: bool,
    is_time_off: bool,
    counts_toward_utilization: bool,
    is_active: bool,
) -> WorkType:
    work_type.name = _clean_name(name, WorkType, work_type, "work type")
    if billable_default not in BillableOption.values:
        raise ValidationError(
            {"billable_default": ["Pick Billable, Do Not Bill or No Charge as the default."]}
        )
    if is_time_off and not is_payroll_wrap:
        raise ValidationError(
            {
                "is_time_off": [
                    "Time off is internal time: mark the type as payroll wrap too, "
                    "or untick time off."
                ]
            }
        )
    work_type.billable_default = billable_default
    work_type.rate_multiplier = rate_multiplier
    work_type.is_payroll_wrap = is_payroll_wrap
    work_type.is_time_off = is_time_off
    work_type.counts_toward_utilization = counts_toward_utilization
    work_type.is_active = is_active
    work_type.full_clean()
    work_type.save()
    return work_type


@transaction.atomic
def work_type_create(
    *,
    by: Model,
    name: str,
    billable_default: str = BillableOption.BILLABLE,
    rate_multiplier: Decimal = Decimal("1.00"),
    is_payroll_wrap: bool = False,
    is_time_off: bool = False,
    counts_toward_utilization: bool = True,
    is_active: bool = True,
) -> WorkType:
    """Add a kind of work: its billable default, rate multiplier and whether it is payroll
    wrap (internal time that belongs to no client) or time off (which is also wrap)."""
    _ensure_may(by, "catalogue.add_worktype", "add work types")
    return _work_type_apply(
        WorkType(),
        name=name,
        billable_default=billable_default,
        rate_multiplier=rate_multiplier,
        is_payroll_wrap=is_payroll_wrap,
        is_time_off=is_time_off,
        counts_toward_utilization=counts_toward_utilization,
        is_active=is_active,
    )


@transaction.atomic
def work_type_update(
    *,
    by: Model,
    work_type: WorkType,
    name: str,
    billable_default: str,
    rate_multiplier: Decimal,
    is_payroll_wrap: bool,
    is_time_off: bool,
    counts_toward_utilization: bool,
    is_active: bool,
) -> WorkType:
    """Change a work type. Entries already saved keep the rates they stored."""
    _ensure_may(by, "catalogue.change_worktype", "change work types")
    return _work_type_apply(
        work_type,
        name=name,
        billable_default=billable_default,
        rate_multiplier=rate_multiplier,
        is_payroll_wrap=is_payroll_wrap,
        is_time_off=is_time_off,
        counts_toward_utilization=counts_toward_utilization,
        is_active=is_active,
    )
