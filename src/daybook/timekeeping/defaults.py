"""What the entry form starts with, and the agreement check it shows next to it.

Reads only: the sensible defaults for a piece of work (work role from the member, work type
from the ticket or its board, billable option from the work type and the agreement's
coverage), so saving is usually notes and one click.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone

from daybook.catalogue.choices import AgreementCheck, BillableOption
from daybook.catalogue.models import WorkType
from daybook.clients.models import Agreement
from daybook.clients.selectors import AgreementVerdict, agreement_check, agreement_verdict
from daybook.people.models import Member
from daybook.service.models import Phase, Ticket

from .models import TimeEntry
from .rates import default_billable

# How far back a member's own entries decide which kind of client work is "usual" for them.
USUAL_WORK_DAYS = 90


@dataclass(frozen=True)
class AgreementStatus:
    """The agreement a piece of work would be applied to, and whether it fits."""

    agreement: Agreement | None
    check: AgreementCheck
    work_type: WorkType | None
    choices: tuple[Agreement, ...] = ()
    on: date | None = None

    @property
    def verdict(self) -> AgreementVerdict:
        # One verdict for the panel, worded as the entry services refuse (clients.selectors).
        return agreement_verdict(agreement=self.agreement, work_type=self.work_type, on=self.on)

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def label(self) -> str:
        return self.verdict.text


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
        agreement=agreement,
        check=AgreementCheck(check),
        work_type=work_type,
        choices=choices,
        on=on,
    )


def usual_client_work_type(member: Member | None) -> WorkType | None:
    """The client work type the member logged most in the last few months; for someone new,
    the organisation's plain client work (no surcharge), else any active client work type."""
    client_types = WorkType.objects.filter(is_active=True, is_payroll_wrap=False)
    if member is not None:
        since = timezone.now() - timedelta(days=USUAL_WORK_DAYS)
        usual = (
            TimeEntry.objects.filter(
                member=member, start__gte=since, work_type__in=client_types.values("pk")
            )
            .values("work_type")
            .annotate(n=Count("pk"))
            .order_by("-n", "work_type")
            .first()
        )
        if usual is not None:
            return client_types.get(pk=usual["work_type"])
    return client_types.filter(rate_multiplier=1).first() or client_types.first()


def default_work_type(
    *,
    ticket: Ticket | None,
    phase: Phase | None = None,
    member: Member | None = None,
    usual: Callable[[], WorkType | None] | None = None,
) -> WorkType | None:
    """The work type new work on a ticket or phase starts with: the ticket's own default, else
    its board's, else the member's usual client work. Never a payroll-wrap type: wrap time
    cannot go on a ticket or project, so offering one would only earn a refusal. None for
    internal time, whose kind the member picks. `usual` stands in for the member's usual
    client work where a caller asks for many tickets at once (computed once, not per ticket)."""
    if ticket is None and phase is None:
        return None
    if ticket is not None:
        for candidate in (ticket.work_type, ticket.board.default_work_type):
            if candidate is not None and candidate.is_active and not candidate.is_payroll_wrap:
                return candidate
    return usual() if usual is not None else usual_client_work_type(member)


def internal_work_type() -> WorkType | None:
    """What internal time (a timer or parked time on no ticket) starts as: the first active
    payroll-wrap type."""
    return WorkType.objects.filter(is_active=True, is_payroll_wrap=True).first()


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
    internal: bool = False,
) -> dict:
    """Initial values for the entry form. `internal` says the work is known to be on no ticket
    or phase (a stopped internal timer); otherwise a form without a target yet starts on the
    member's usual client work, since most time logged after the fact is for a client."""
    if work_type is None:
        if ticket is not None or phase is not None:
            work_type = default_work_type(ticket=ticket, phase=phase, member=member)
        elif internal:
            work_type = internal_work_type()
        else:
            work_type = usual_client_work_type(member)
    return {
        "work_type": work_type,
        "work_role": member.default_work_role,
        "billable": billable_for(work_type=work_type, ticket=ticket, phase=phase, on=on),
    }
