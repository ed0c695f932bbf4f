from dataclasses import dataclass
from datetime import date

from daybook.catalogue.choices import AgreementCheck
from daybook.catalogue.models import WorkType

from .choices import AgreementType
from .models import Agreement, Company


def agreement_company_error(*, agreement: Agreement | None, company: Company) -> str | None:
    """Why this agreement cannot take work for this company, or None when it can.

    Time on a ticket or project is applied to its agreement, so the agreement has to be that
    same client's. The one place this rule is written; tickets and projects ask it through
    every door.
    """
    if agreement is None or agreement.company_id == company.pk:
        return None
    return (
        f"{agreement} belongs to another company than {company}; "
        f"choose one of {company}'s agreements."
    )


def agreement_check(
    *, agreement: Agreement | None, work_type: WorkType, on: date
) -> AgreementCheck:
    """Would this work be properly applied to this agreement on this date?

    Internal (payroll-wrap) work belongs to no agreement and always checks out. An agreement
    with no covered work types listed covers all client work.
    """
    if work_type.is_payroll_wrap:
        return AgreementCheck.OK
    if agreement is None:
        return AgreementCheck.NO_AGREEMENT
    if not agreement.is_active_on(on):
        return AgreementCheck.OUT_OF_DATES
    covered_ids = {wt.pk for wt in agreement.covered_work_types.all()}
    if covered_ids and work_type.pk not in covered_ids:
        return AgreementCheck.NOT_COVERED
    return AgreementCheck.OK


def covered_by_fee(*, agreement: Agreement | None) -> bool:
    """Whether work this agreement covers is paid for by its fee (a managed agreement), so
    it earns nothing more: it shows to the client at no charge and may not be billed."""
    return agreement is not None and agreement.type == AgreementType.MANAGED


def covered_billable_error(
    *, agreement: Agreement | None, work_type: WorkType, on: date
) -> str | None:
    """Why work marked Billable may not be billed here, or None when it may: work a managed
    agreement covers on that date is paid for by the monthly fee. The one sentence the entry
    services refuse with and the agreement panel shows before saving."""
    if not covered_by_fee(agreement=agreement):
        return None
    if agreement_check(agreement=agreement, work_type=work_type, on=on) != AgreementCheck.OK:
        return None
    return (
        f"{work_type} is covered by {agreement.name}, whose monthly fee already pays for it, "
        "so it cannot be billed on top. Choose No Charge, or a work type the agreement does "
        "not cover if this work falls outside it."
    )


@dataclass(frozen=True)
class AgreementVerdict:
    """One answer, in words, to "where does this work go and what does it earn?" — what the
    agreement panel shows before saving, in the same terms the entry services refuse with."""

    check: AgreementCheck
    ok: bool
    text: str


def agreement_verdict(
    *, agreement: Agreement | None, work_type: WorkType | None, on: date
) -> AgreementVerdict:
    """The verdict for client work (on a ticket or project phase) of `work_type` applied to
    `agreement` on `on`. Without a work type yet, only the agreement and its dates count."""
    if work_type is not None and work_type.is_payroll_wrap:
        return AgreementVerdict(
            AgreementCheck.NOT_COVERED,
            False,
            f"{work_type} is internal time; it cannot go on a ticket or project. "
            "Pick a client work type.",
        )
    if agreement is None:
        return AgreementVerdict(
            AgreementCheck.NO_AGREEMENT,
            False,
            f"{AgreementCheck.NO_AGREEMENT.label}: the time is saved but earns nothing until "
            "one is set.",
        )
    if not agreement.is_active_on(on):
        return AgreementVerdict(
            AgreementCheck.OUT_OF_DATES,
            False,
            f"{AgreementCheck.OUT_OF_DATES.label}: {agreement.name} does not run on {on:%Y-%m-%d}.",
        )
    check = (
        AgreementCheck.OK
        if work_type is None
        else agreement_check(agreement=agreement, work_type=work_type, on=on)
    )
    if check == AgreementCheck.NOT_COVERED:
        tail = (
            " It is billed by the hour on top of the monthly fee."
            if covered_by_fee(agreement=agreement)
            else ""
        )
        return AgreementVerdict(
            check, False, f"{check.label}: {agreement.name} does not cover {work_type}.{tail}"
        )
    if covered_by_fee(agreement=agreement):
        how = (
            "its monthly fee pays for it, so it shows to the client as No Charge and cannot "
            "be billed on top"
        )
    elif agreement.type == AgreementType.BLOCK_HOURS:
        how = "billable hours are drawn from the prepaid block"
    elif agreement.is_fixed_fee:
        how = "it is part of the project's fixed fee"
    else:
        how = "billable hours are charged at the agreement's rates"
    return AgreementVerdict(check, True, f"{AgreementCheck.OK.label}: {how}.")
