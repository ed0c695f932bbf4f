from datetime import date

from daybook.catalogue.choices import AgreementCheck
from daybook.catalogue.models import WorkType

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
