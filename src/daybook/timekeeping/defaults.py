"""What the entry form starts with, and the agreement check it shows next to it.

Reads only: the sensible defaults for a piece of work (work role from the member, work type
from the ticket or its board, billable option from the work type and the agreement's
coverage), so saving is usually notes and one click.
"""

from dataclasses import dataclass
from datetime import date

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import agreement_check
from daybook.people.models import Member
from daybook.service.models import Phase, Ticket

from .rates import default_billable


@dataclass(frozen=True)
class AgreementStatus:
    """The agreement a piece of work would be applied to, and whether it fits."""

    agreement: Agreement | None
    check: AgreementCheck
    work_type: WorkType | None
    choices: tuple[Agreement, ...] = ()

    @property
    def ok(self) -> bool:
        return self.check == AgreementCheck.OK

    @property
    def label(self) -> str:
        return self.check.label


def agreement_for(*, ticket: Ticket | None, phase: Phase | None) -> Agreement | None:
    if ticket is not None:
        return ticket.agreement
    if phase is not None:
        return phase.project.agreement
    return None


def agreement_status(
    *, ticket: Ticket | None, phase: Phase | None, work_type: WorkType | None, on: date
) -> AgreementStatus | None:
    """None for internal time, which belongs to no agreement."""
    if ticket is None and phase is None:
        return None
    agreement = agreement_for(ticket=ticket, phase=phase)
    if work_type is None:
        check = AgreementCheck.NO_AGREEMENT if agreement is None else AgreementCheck.OK
        if agreement is not None and not agreement.is_active_on(on):
            check = AgreementCheck.OUT_OF_DATES
    else:
        check = agreement_check(agreement=agreement, work_type=work_type, on=on)
    # The agreements a ticket could be moved to: its company's, newest first.
    choices = (
        tuple(Agreement.objects.filter(company_id=ticket.company_id).order_by("-start_date"))
        if ticket is not None
        else ()
    )
    return AgreementStatus(
        agreement=agreement, check=AgreementCheck(check), work_type=work_type, choices=choices
    )


def default_work_type(*, ticket: Ticket | None) -> WorkType | None:
    """The ticket's own default, else its board's."""
    if ticket is None:
        return None
    return ticket.work_type or ticket.board.default_work_type


def billable_for(
    *, work_type: WorkType | None, ticket: Ticket | None, phase: Phase | None, on: date
) -> str:
    if work_type is None:
        return BillableOption.BILLABLE
    agreement = agreement_for(ticket=ticket, phase=phase)
    covered = agreement_check(agreement=agreement, work_type=work_type, on=on) == AgreementCheck.OK
    return default_billable(work_type=work_type, agreement=agreement, covered=covered)


def entry_initial(
    *,
    member: Member,
    on: date,
    ticket: Ticket | None = None,
    phase: Phase | None = None,
    work_type: WorkType | None = None,
) -> dict:
    """Initial values for the entry form."""
    work_type = work_type or default_work_type(ticket=ticket)
    return {
        "work_type": work_type,
        "work_role": member.default_work_role,
        "billable": billable_for(work_type=work_type, ticket=ticket, phase=phase, on=on),
    }
