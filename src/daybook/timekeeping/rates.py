"""Rate resolution: the one place that decides what an hour of work is billed at and costs.

Rates are dated (work role rates, agreement role rates, members' cost rates), so an entry
resolves them for its **work date**: the member-local date its start falls on. The entry
services store what this module resolves when an entry is saved; reports only read the stored
rates, so a later rate change never rewrites an entry unless Finance re-rates it on purpose
(`services.entries_rerate`).
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.catalogue.rates import work_role_rate_on
from daybook.clients.models import Agreement
from daybook.clients.rates import agreement_role_rate_on
from daybook.clients.selectors import covered_by_fee
from daybook.core.time import local_date
from daybook.people.models import Member
from daybook.people.rates import member_cost_rate_on

ZERO = Decimal("0.00")
CENTS = Decimal("0.01")


def work_date(*, member: Member, start: datetime) -> date:
    """The date whose rates an entry takes: the member's local date of its start."""
    return local_date(start, member.zone)


def _today() -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(settings.TIME_ZONE))


def resolve_bill_rate(
    *,
    work_role: WorkRole,
    work_type: WorkType,
    billable: str,
    agreement: Agreement | None,
    on: date | None = None,
) -> Decimal:
    """Hourly bill rate for one piece of work done on `on` (its work date; today if None).

    1. Do Not Bill and No Charge carry no revenue: 0.
    2. Base rate, each as in effect on that date: the agreement's dated rate for this work
       role, else the agreement's own hourly rate, else the work role's standard rate.
    3. Times the work type's multiplier (After Hours 1.5, say), rounded to cents.
    """
    if billable != BillableOption.BILLABLE:
        return ZERO
    on = on or _today()
    base = None
    if agreement is not None:
        base = agreement_role_rate_on(agreement=agreement, work_role=work_role, day=on)
        if base is None:
            base = agreement.hourly_rate
    if base is None:
        base = work_role_rate_on(work_role, on)
    return (base * work_type.rate_multiplier).quantize(CENTS)


def resolve_cost_rate(*, member: Member, on: date) -> Decimal:
    """What an hour of the member's work on `on` (their local date) costs."""
    return member_cost_rate_on(member, on)


def default_billable(*, work_type: WorkType, agreement: Agreement | None, covered: bool) -> str:
    """The billable option a new entry starts with.

    Internal time and work types that default to Do Not Bill / No Charge keep their default.
    Work a managed agreement covers is already paid for by its fee, so it shows to the client
    at no charge; anything else billable is charged.
    """
    if work_type.is_payroll_wrap:
        return BillableOption.DO_NOT_BILL
    if work_type.billable_default != BillableOption.BILLABLE:
        return work_type.billable_default
    if covered and covered_by_fee(agreement=agreement):
        return BillableOption.NO_CHARGE
    return BillableOption.BILLABLE
