"""Dated agreement rates: a work role's rate on one agreement from a date on.

An agreement's role rate applies from its `effective_from` date until the same role's next
dated rate on the agreement, and beats the agreement's own hourly rate and the work role's
standard rate. Before a role's first dated rate on the agreement, no override applies.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from daybook.catalogue.models import WorkRole
from daybook.catalogue.rates import ensure_may, rate_errors
from daybook.people.models import Member

from .models import Agreement, AgreementRate

RATE_PERMISSION_MESSAGE = "Only Finance or an administrator can set an agreement's rates."


def agreement_rate_ensure_may(by: Member | None) -> None:
    """Whether `by` may set an agreement's rates (PermissionDenied when not)."""
    ensure_may(by, "clients.add_agreementrate", RATE_PERMISSION_MESSAGE)
    ensure_may(by, "clients.change_agreementrate", RATE_PERMISSION_MESSAGE)


def agreement_rate_errors(
    *, agreement: Agreement, rate: Decimal, effective_from: date
) -> dict[str, list[str]]:
    """What is wrong with a dated rate on this agreement, by field; empty when nothing is.
    The one rule for agreement_rate_set and the agreements created in a batch."""
    errors = rate_errors(rate=rate, effective_from=effective_from)
    if (
        "effective_from" not in errors
        and agreement.end_date is not None
        and effective_from > agreement.end_date
    ):
        errors["effective_from"] = [
            f"The agreement ends on {agreement.end_date}; a rate from {effective_from} would "
            "never apply. Give a date on or before its end."
        ]
    return errors


@transaction.atomic
def agreement_rate_set(
    *,
    agreement: Agreement,
    work_role: WorkRole,
    rate: Decimal,
    effective_from: date,
    by: Member | None,
) -> AgreementRate:
    """Bill `work_role` at `rate` on this agreement from `effective_from` on. A rate for the
    same role and date replaces it. Refused after the agreement ends (no work applies to it
    then). Entries already saved keep their rates."""
    agreement_rate_ensure_may(by)
    errors = agreement_rate_errors(agreement=agreement, rate=rate, effective_from=effective_from)
    if errors:
        raise ValidationError(errors)
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    row, _ = AgreementRate.objects.update_or_create(
        agreement=agreement,
        work_role=work_role,
        effective_from=effective_from,
        defaults={"rate": Decimal(str(rate))},
    )
    return row


@transaction.atomic
def agreement_rate_delete(*, rate: AgreementRate, by: Member | None) -> None:
    """Remove one dated role rate from an agreement; the role's earlier rate on the agreement
    (or, with none, the agreement's hourly rate or the role's standard rate) applies again
    from its date. Entries already saved keep their rates."""
    ensure_may(by, "clients.delete_agreementrate", RATE_PERMISSION_MESSAGE)
    AgreementRate.objects.filter(pk=rate.pk).delete()


def agreement_role_rate_on(*, agreement: Agreement, work_role: WorkRole, day: date):
    """The agreement's rate for this work role on `day`, or None when none is in effect."""
    return (
        AgreementRate.objects.filter(
            agreement=agreement, work_role=work_role, effective_from__lte=day
        )
        .order_by("-effective_from")
        .values_list("rate", flat=True)
        .first()
    )
