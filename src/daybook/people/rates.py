"""Dated cost rates: what an hour of a member costs from a date on.

The cost rate applies from its `effective_from` date until the member's next dated cost rate.
Entries resolve it for their work date when saved (`timekeeping/rates.py`).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from daybook.catalogue.models import RATES_SINCE
from daybook.catalogue.rates import dated_rate_on, ensure_may, rate_errors

from .models import Member, MemberCostRate


@transaction.atomic
def member_cost_rate_set(
    *, member: Member, rate: Decimal, effective_from: date, by: Member | None
) -> MemberCostRate:
    """The member costs `rate` an hour from `effective_from` on, until their next dated cost
    rate. A rate on the same date as an existing one replaces it; the first dated rate keeps
    the cost rate so far for the dates before. `Member.cost_rate` follows the latest dated
    rate. Finance and Admin only; entries already saved keep their cost rates."""
    ensure_may(
        by,
        "people.add_membercostrate",
        "Only Finance or an administrator can set what a member costs.",
    )
    errors = rate_errors(rate=rate, effective_from=effective_from, what="cost rate")
    if errors:
        raise ValidationError(errors)
    rate = Decimal(str(rate))
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if effective_from > RATES_SINCE and not locked.cost_rates.exists():
        MemberCostRate.objects.create(
            member=locked, rate=locked.cost_rate, effective_from=RATES_SINCE
        )
    row, _ = MemberCostRate.objects.update_or_create(
        member=locked, effective_from=effective_from, defaults={"rate": rate}
    )
    latest = locked.cost_rates.order_by("-effective_from").values_list("rate", flat=True).first()
    if latest != locked.cost_rate:
        Member.objects.filter(pk=locked.pk).update(cost_rate=latest)
    member.cost_rate = latest
    return row


def member_cost_rate_on(member: Member, day: date) -> Decimal:
    """The member's cost rate for work on `day` (their local date): the dated rate in effect
    then; before their first dated rate, that first rate; with none, `Member.cost_rate`."""
    rates = MemberCostRate.objects.filter(member=member).order_by("effective_from")
    rate = dated_rate_on(list(rates.values_list("effective_from", "rate")), day)
    return member.cost_rate if rate is None else rate
