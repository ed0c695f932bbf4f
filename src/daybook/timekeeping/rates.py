"""Rate resolution: the one place that decides what an hour of work is billed at."""

from decimal import Decimal

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate

ZERO = Decimal("0.00")
CENTS = Decimal("0.01")


def resolve_bill_rate(
    *,
    work_role: WorkRole,
    work_type: WorkType,
    billable: str,
    agreement: Agreement | None,
) -> Decimal:
    """Hourly bill rate for one piece of work.

    1. Do Not Bill and No Charge carry no revenue: 0.
    2. Base rate: the agreement's rate for this work role, else the agreement's own hourly
       rate, else the work role's standard rate.
    3. Times the work type's multiplier (After Hours 1.5, say), rounded to cents.
    """
    if billable != BillableOption.BILLABLE:
        return ZERO
    base = work_role.rate
    if agreement is not None:
        role_rate = (
            AgreementRate.objects.filter(agreement=agreement, work_role=work_role)
            .values_list("rate", flat=True)
            .first()
        )
        if role_rate is not None:
            base = role_rate
        elif agreement.hourly_rate is not None:
            base = agreement.hourly_rate
    return (base * work_type.rate_multiplier).quantize(CENTS)


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
    if agreement is not None and agreement.type == AgreementType.MANAGED and covered:
        return BillableOption.NO_CHARGE
    return BillableOption.BILLABLE
