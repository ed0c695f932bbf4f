"""Writes to clients: companies, their contacts and their agreements.

Each service checks the acting member's permission itself, so the setup pages, the API, the
admin and commands can share it. Every refusal is a ValidationError whose messages say what
is wrong and what to do instead; nothing is saved when one is raised.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from daybook.catalogue.models import RATES_SINCE, WorkRole, WorkType
from daybook.core.validators import validate_time_zone
from daybook.people.models import Member

from .choices import AgreementType
from .models import Agreement, Company, Contact
from .rates import agreement_rate_delete, agreement_rate_set


def _ensure_may(by: Member, permission: str, action: str) -> None:
    if not by.user.has_perm(permission):
        raise PermissionDenied(f"You may not {action}; ask an administrator.")


# --- companies --------------------------------------------------------------------------------


def _company_apply(
    company: Company, *, name: str, identifier: str, time_zone: str, is_active: bool
) -> Company:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the company its name."]})
    identifier = (identifier or "").strip() or slugify(name)[:50]
    if not identifier:
        raise ValidationError(
            {"identifier": ["Give a short identifier of letters, digits and dashes."]}
        )
    others = Company.objects.exclude(pk=company.pk) if company.pk else Company.objects.all()
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"There is already a company called {name}."]})
    if others.filter(identifier=identifier).exists():
        raise ValidationError(
            {"identifier": [f"The identifier {identifier} is taken by another company."]}
        )
    validate_time_zone(time_zone)
    company.name = name
    company.identifier = identifier
    company.time_zone = time_zone
    company.is_active = is_active
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def company_create(
    *, by: Member, name: str, identifier: str = "", time_zone: str, is_active: bool = True
) -> Company:
    """Add a client. An empty identifier is made from the name."""
    _ensure_may(by, "clients.add_company", "add companies")
    return _company_apply(
        Company(), name=name, identifier=identifier, time_zone=time_zone, is_active=is_active
    )


@transaction.atomic
def company_update(
    *, by: Member, company: Company, name: str, identifier: str, time_zone: str, is_active: bool
) -> Company:
    """Change a client's name, identifier, zone, or retire it (is_active False)."""
    _ensure_may(by, "clients.change_company", "change companies")
    return _company_apply(
        company, name=name, identifier=identifier, time_zone=time_zone, is_active=is_active
    )


# --- contacts ---------------------------------------------------------------------------------


def _contact_apply(contact: Contact, *, name: str, email: str, phone: str) -> Contact:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the contact's name."]})
    contact.name = name
    contact.email = (email or "").strip()
    contact.phone = (phone or "").strip()
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_create(
    *, by: Member, company: Company, name: str, email: str = "", phone: str = ""
) -> Contact:
    """Add a person at a client."""
    _ensure_may(by, "clients.add_contact", "add contacts")
    return _contact_apply(Contact(company=company), name=name, email=email, phone=phone)


@transaction.atomic
def contact_update(
    *, by: Member, contact: Contact, name: str, email: str = "", phone: str = ""
) -> Contact:
    _ensure_may(by, "clients.change_contact", "change contacts")
    return _contact_apply(contact, name=name, email=email, phone=phone)


# --- agreements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleRate:
    """One work role's hourly rate on an agreement, from a date on (RATES_SINCE: from the
    start) until the same role's next dated rate on the agreement."""

    work_role: WorkRole
    rate: Decimal
    effective_from: date = RATES_SINCE


def _role_rates_check(role_rates: Sequence[RoleRate]) -> None:
    seen: set[tuple[int, date]] = set()
    for item in role_rates:
        key = (item.work_role.pk, item.effective_from)
        if key in seen:
            when = (
                "from the start"
                if item.effective_from == RATES_SINCE
                else f"from {item.effective_from:%d %b %Y}"
            )
            raise ValidationError(
                {
                    "role_rates": [
                        f"{item.work_role} has two rates {when}; keep one of them, or give "
                        "the other the date it takes effect."
                    ]
                }
            )
        seen.add(key)


def _role_rates_sync(agreement: Agreement, role_rates: Sequence[RoleRate], by: Member) -> None:
    """Make the agreement's dated role rates exactly `role_rates`, through the dated-rate
    services (which check permissions and refuse a bad rate or date)."""
    wanted = {(r.work_role.pk, r.effective_from) for r in role_rates}
    for row in agreement.role_rates.all():
        if (row.work_role_id, row.effective_from) not in wanted:
            agreement_rate_delete(rate=row, by=by)
    for item in role_rates:
        try:
            agreement_rate_set(
                agreement=agreement,
                work_role=item.work_role,
                rate=item.rate,
                effective_from=item.effective_from,
                by=by,
            )
        except ValidationError as error:
            raise ValidationError(
                {"role_rates": [f"{item.work_role}: {m}" for m in error.messages]}
            ) from None


def _agreement_apply(
    agreement: Agreement,
    *,
    by: Member,
    fields: dict,
    covered_work_types: Iterable[WorkType],
    role_rates: Sequence[RoleRate] | None,
) -> Agreement:
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.name = (agreement.name or "").strip()
    if not agreement.name:
        raise ValidationError({"name": ["Give the agreement a name, e.g. Managed services."]})
    covered = list(covered_work_types)
    wrap = [wt.name for wt in covered if wt.is_payroll_wrap]
    if wrap:
        raise ValidationError(
            {
                "covered_work_types": [
                    f"{', '.join(wrap)} is internal time that belongs to no client; "
                    "an agreement cannot cover it."
                ]
            }
        )
    # The model's clean() holds what each agreement type needs (one rule for every door).
    agreement.full_clean()
    if role_rates is not None:
        _role_rates_check(role_rates)
    agreement.save()
    agreement.covered_work_types.set(covered)
    if role_rates is not None:
        _role_rates_sync(agreement, role_rates, by)
    return agreement


@transaction.atomic
def agreement_create(
    *,
    by: Member,
    company: Company,
    name: str,
    type: AgreementType | str,
    start_date: date,
    end_date: date | None = None,
    monthly_fee: Decimal = Decimal("0"),
    prepaid_hours: Decimal | None = None,
    prepaid_amount: Decimal | None = None,
    hourly_rate: Decimal | None = None,
    estimated_hours: Decimal | None = None,
    covered_work_types: Iterable[WorkType] = (),
    role_rates: Sequence[RoleRate] = (),
) -> Agreement:
    """Add an agreement with a company, with the work it covers and its per-role rates,
    refusing one that lacks what the reports need for its type."""
    _ensure_may(by, "clients.add_agreement", "add agreements")
    return _agreement_apply(
        Agreement(company=company),
        by=by,
        fields={
            "name": name,
            "type": type,
            "start_date": start_date,
            "end_date": end_date,
            "monthly_fee": monthly_fee if monthly_fee is not None else Decimal("0"),
            "prepaid_hours": prepaid_hours,
            "prepaid_amount": prepaid_amount,
            "hourly_rate": hourly_rate,
            "estimated_hours": estimated_hours,
        },
        covered_work_types=covered_work_types,
        role_rates=list(role_rates),
    )


@transaction.atomic
def agreement_update(
    *,
    by: Member,
    agreement: Agreement,
    name: str,
    type: AgreementType | str,
    start_date: date,
    end_date: date | None,
    monthly_fee: Decimal,
    prepaid_hours: Decimal | None,
    prepaid_amount: Decimal | None,
    hourly_rate: Decimal | None,
    estimated_hours: Decimal | None,
    covered_work_types: Iterable[WorkType],
    role_rates: Sequence[RoleRate] | None = None,
) -> Agreement:
    """Change an agreement. `role_rates` replaces its dated per-role rates (rows kept as they
    are stay untouched); None leaves them."""
    _ensure_may(by, "clients.change_agreement", "change agreements")
    return _agreement_apply(
        agreement,
        by=by,
        fields={
            "name": name,
            "type": type,
            "start_date": start_date,
            "end_date": end_date,
            "monthly_fee": monthly_fee if monthly_fee is not None else Decimal("0"),
            "prepaid_hours": prepaid_hours,
            "prepaid_amount": prepaid_amount,
            "hourly_rate": hourly_rate,
            "estimated_hours": estimated_hours,
        },
        covered_work_types=covered_work_types,
        role_rates=None if role_rates is None else list(role_rates),
    )
