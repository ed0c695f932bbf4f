"""Writes to clients: companies, their contacts and their agreements.

Each service checks the acting member's permission itself, so the setup pages, the API, the
admin and commands can share it. Every refusal is a ValidationError whose messages say what
is wrong and what to do instead; nothing is saved when one is raised.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from daybook.catalogue.models import RATES_SINCE, WorkRole, WorkType
from daybook.core.validators import validate_time_zone
from daybook.people.models import Member

from .choices import AgreementType
from .models import Agreement, AgreementRate, Company, Contact
from .rates import (
    agreement_rate_delete,
    agreement_rate_ensure_may,
    agreement_rate_errors,
    agreement_rate_set,
)

BULK_SIZE = 500


def _ensure_may(by: Member, permission: str, action: str) -> None:
    if not by.user.has_perm(permission):
        raise PermissionDenied(f"You may not {action}; ask an administrator.")


# --- companies --------------------------------------------------------------------------------


def _company_names(name: str, identifier: str) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the company its name."]})
    identifier = (identifier or "").strip() or slugify(name)[:50]
    if not identifier:
        raise ValidationError(
            {"identifier": ["Give a short identifier of letters, digits and dashes."]}
        )
    return name, identifier


class _CompanyBatch:
    """What companies_create_many reads once for all its rows instead of once per row: the
    names and identifiers already taken (and, as rows pass, those the batch takes)."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        names: set[str] = set()
        identifiers: set[str] = set()
        for row in rows:
            try:
                name, identifier = _company_names(row.get("name", ""), row.get("identifier", ""))
            except ValidationError:
                continue
            names.add(name.lower())
            identifiers.add(identifier)
        self.names = {
            name.lower()
            for name in Company.objects.annotate(lowered=Lower("name"))
            .filter(lowered__in=names)
            .values_list("name", flat=True)
        }
        self.identifiers = set(
            Company.objects.filter(identifier__in=identifiers).values_list("identifier", flat=True)
        )

    def name_taken(self, name: str) -> bool:
        if name.isascii():
            return name.lower() in self.names
        # Outside ASCII, each database folds case its own way: ask it, as the single path does.
        return name.lower() in self.names or Company.objects.filter(name__iexact=name).exists()

    def claim(self, company: Company) -> None:
        self.names.add(company.name.lower())
        self.identifiers.add(company.identifier)


def _company_prepare(
    company: Company,
    *,
    name: str,
    identifier: str,
    time_zone: str,
    is_active: bool,
    batch: _CompanyBatch | None = None,
) -> Company:
    """The company checked and ready to save: the one rule for company_create,
    company_update and companies_create_many. Raises ValidationError and writes nothing.
    `batch` holds the names and identifiers a batch read once for all its rows."""
    name, identifier = _company_names(name, identifier)
    if batch is None:
        others = Company.objects.exclude(pk=company.pk) if company.pk else Company.objects.all()
        name_taken = others.filter(name__iexact=name).exists()
    else:
        name_taken = batch.name_taken(name)
    if name_taken:
        raise ValidationError({"name": [f"There is already a company called {name}."]})
    if (
        others.filter(identifier=identifier).exists()
        if batch is None
        else identifier in batch.identifiers
    ):
        raise ValidationError(
            {"identifier": [f"The identifier {identifier} is taken by another company."]}
        )
    validate_time_zone(time_zone)
    company.name = name
    company.identifier = identifier
    company.time_zone = time_zone
    company.is_active = is_active
    # In a batch, the two unique fields were checked against the batch's reads just above.
    company.full_clean(validate_unique=batch is None)
    return company


def _company_apply(company: Company, **values) -> Company:
    company = _company_prepare(company, **values)
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
def companies_create_many(
    *, rows: Sequence[Mapping[str, Any]], by: Member
) -> list[Company | ValidationError]:
    """Add many clients at once (a first PSA sync, a large import): each row holds
    company_create's arguments but `by`, and is checked by the same rule (_company_prepare),
    a row also meeting the names and identifiers of the rows before it; the good rows are
    then inserted together.

    Permission is checked once, for the whole batch. Returns, row for row, the new company or
    the ValidationError that refused it: a bad row never stops the others. Should the insert
    itself fail (a row the database refuses although it passed the checks), the good rows
    are saved one by one and only the refused ones answered with an error."""
    _ensure_may(by, "clients.add_company", "add companies")
    batch = _CompanyBatch(rows)
    results: list[Company | ValidationError] = []
    for row in rows:
        try:
            company = _company_prepare(
                Company(),
                name=row.get("name", ""),
                identifier=row.get("identifier", ""),
                time_zone=row.get("time_zone", ""),
                is_active=row.get("is_active", True),
                batch=batch,
            )
        except ValidationError as error:
            results.append(error)
            continue
        batch.claim(company)
        results.append(company)
    good = [company for company in results if isinstance(company, Company)]
    if good:
        _insert_many(good, results, lambda company: f"the company {company.name!r}")
    return results


def _insert_many(good: list, results: list, label, *, history_user=None) -> None:
    """Insert `good` in batches (with history records when the model keeps them); should the
    database refuse the batch, save them one by one and answer each refused one in
    `results` with a ValidationError instead."""
    model = type(good[0])
    try:
        with transaction.atomic():
            if hasattr(model, "history"):
                bulk_create_with_history(
                    good, model, batch_size=BULK_SIZE, default_user=history_user
                )
            else:
                model.objects.bulk_create(good, batch_size=BULK_SIZE)
        return
    except (IntegrityError, DataError):
        pass
    for index, obj in enumerate(results):
        if not isinstance(obj, model):
            continue
        obj.pk = None
        obj._state.adding = True
        try:
            with transaction.atomic():
                obj.save()
        except (IntegrityError, DataError) as refused:
            obj.pk = None
            results[index] = ValidationError(f"The database refused {label(obj)}: {refused}")


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


class _AgreementBatch:
    """What agreements_create_many reads once for all its rows instead of once per row: the
    companies the rows point at. Its full_clean is the model's own, with the company looked
    up among those and the check constraints tested in Python rather than by a query each
    (Django's test, three-valued like SQL: only a condition known to be false refuses)."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        wanted = {row["company"].pk for row in rows if row.get("company") is not None}
        self.companies = set(
            Company._base_manager.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        self.may_set_rates: bool | None = None

    def full_clean(self, agreement: Agreement) -> None:
        """Model.full_clean, unchanged, with two of its steps answered from the batch."""
        agreement.clean_fields = lambda exclude=None: self._clean_fields(agreement, exclude)
        agreement.validate_constraints = lambda exclude=None: self._constraints(agreement, exclude)
        try:
            agreement.full_clean()
        finally:
            del agreement.clean_fields, agreement.validate_constraints

    def _clean_fields(self, agreement: Agreement, exclude) -> None:
        exclude = set(exclude or ())
        errors: dict[str, list] = {}
        field = Agreement._meta.get_field("company")
        if field.name not in exclude:
            try:
                value = field.to_python(agreement.company_id)
                models.Field.validate(field, value, agreement)  # null: as ForeignKey does
                if value not in self.companies:
                    raise ValidationError(
                        field.error_messages["invalid"],
                        code="invalid",
                        params={
                            "model": Company._meta.verbose_name,
                            "pk": value,
                            "field": field.remote_field.field_name,
                            "value": value,
                        },
                    )
            except ValidationError as error:
                errors[field.name] = error.error_list
        try:
            models.Model.clean_fields(agreement, exclude=exclude | {field.name})
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            order = [f.name for f in Agreement._meta.fields]
            raise ValidationError(dict(sorted(errors.items(), key=lambda i: order.index(i[0]))))

    @staticmethod
    def _constraints(agreement: Agreement, exclude) -> None:
        exclude = set(exclude or ())
        values = {
            f.name: getattr(agreement, f.attname)
            for f in Agreement._meta.concrete_fields
            if f.name not in exclude
        }
        errors: dict = {}
        for constraint in Agreement._meta.constraints:
            try:
                if not isinstance(constraint, models.CheckConstraint):
                    raise _NotInPython
                holds = _holds(constraint.condition, values)
            except _FieldLeftOut:
                continue  # as Django does for a constraint on a field left out
            except _NotInPython:
                try:
                    constraint.validate(Agreement, agreement, exclude=exclude)
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
                continue
            if holds is False:
                error = ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class _NotInPython(Exception):
    """A condition _holds cannot test; the database tests it instead."""


class _FieldLeftOut(Exception):
    """A condition on a field left out of the check."""


_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _holds(condition: Q, values: dict) -> bool | None:
    """Whether a check constraint's condition holds for these field values: True, False, or
    None when unknown (a comparison with a NULL), which a CHECK lets through."""
    answers: list[bool | None] = []
    for child in condition.children:
        if isinstance(child, Q):
            answers.append(_holds(child, values))
            continue
        lookup, wanted = child
        name, _, op = lookup.partition("__")
        op = op or "exact"
        if name not in values:
            raise _FieldLeftOut
        value = values[name]
        if isinstance(wanted, F):
            if wanted.name not in values:
                raise _FieldLeftOut
            wanted = values[wanted.name]
        elif hasattr(wanted, "resolve_expression"):
            raise _NotInPython
        if op == "isnull":
            answers.append((value is None) == bool(wanted))
        elif op == "exact" and wanted is None:
            answers.append(value is None)
        elif op in _COMPARE:
            answers.append(None if value is None or wanted is None else _COMPARE[op](value, wanted))
        else:
            raise _NotInPython
    if condition.connector == Q.AND:
        answer = False if False in answers else (None if None in answers else True)
    elif condition.connector == Q.OR:
        answer = True if True in answers else (None if None in answers else False)
    else:
        raise _NotInPython
    if condition.negated and answer is not None:
        answer = not answer
    return answer


def _agreement_prepare(
    agreement: Agreement,
    *,
    fields: dict,
    covered_work_types: Iterable[WorkType],
    role_rates: Sequence[RoleRate] | None,
    batch: _AgreementBatch | None = None,
) -> list[WorkType]:
    """The agreement checked and ready to save, returning the work types it is to cover: the
    one rule for agreement_create, agreement_update and agreements_create_many. Raises
    ValidationError and writes nothing."""
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
    if batch is None:
        agreement.full_clean()
    else:
        batch.full_clean(agreement)
    if role_rates is not None:
        _role_rates_check(role_rates)
    return covered


def _agreement_apply(
    agreement: Agreement,
    *,
    by: Member,
    fields: dict,
    covered_work_types: Iterable[WorkType],
    role_rates: Sequence[RoleRate] | None,
) -> Agreement:
    covered = _agreement_prepare(
        agreement, fields=fields, covered_work_types=covered_work_types, role_rates=role_rates
    )
    agreement._history_user = by.user
    agreement.save()
    agreement.covered_work_types.set(covered)
    if role_rates is not None:
        _role_rates_sync(agreement, role_rates, by)
    return agreement


def _agreement_fields(
    *,
    name: str,
    type: AgreementType | str,
    start_date: date,
    end_date: date | None = None,
    monthly_fee: Decimal | None = Decimal("0"),
    prepaid_hours: Decimal | None = None,
    prepaid_amount: Decimal | None = None,
    hourly_rate: Decimal | None = None,
    estimated_hours: Decimal | None = None,
) -> dict:
    return {
        "name": name,
        "type": type,
        "start_date": start_date,
        "end_date": end_date,
        "monthly_fee": monthly_fee if monthly_fee is not None else Decimal("0"),
        "prepaid_hours": prepaid_hours,
        "prepaid_amount": prepaid_amount,
        "hourly_rate": hourly_rate,
        "estimated_hours": estimated_hours,
    }


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
        fields=_agreement_fields(
            name=name,
            type=type,
            start_date=start_date,
            end_date=end_date,
            monthly_fee=monthly_fee,
            prepaid_hours=prepaid_hours,
            prepaid_amount=prepaid_amount,
            hourly_rate=hourly_rate,
            estimated_hours=estimated_hours,
        ),
        covered_work_types=covered_work_types,
        role_rates=list(role_rates),
    )


@transaction.atomic
def agreements_create_many(
    *, rows: Sequence[Mapping[str, Any]], by: Member
) -> list[Agreement | ValidationError]:
    """Add many agreements at once (a first PSA sync, a large import): each row holds
    agreement_create's arguments but `by`, and is checked by the same rule
    (_agreement_prepare, and the dated-rate services' own checks for its role rates); the
    good rows are then inserted together with their history records, the work they cover
    and their role rates, in a few queries.

    Permission is checked once, for the whole batch (and the rates permission once, when a
    good row has role rates). Returns, row for row, the new agreement or the ValidationError
    that refused it: a bad row never stops the others."""
    _ensure_may(by, "clients.add_agreement", "add agreements")
    batch = _AgreementBatch(rows)
    results: list[Agreement | ValidationError] = []
    extras: dict[int, tuple[list[WorkType], list[RoleRate]]] = {}
    for row in rows:
        row = dict(row)
        covered_work_types = row.pop("covered_work_types", ())
        role_rates = list(row.pop("role_rates", ()))
        agreement = Agreement(company=row.pop("company", None))
        try:
            covered = _agreement_prepare(
                agreement,
                fields=_agreement_fields(**row),
                covered_work_types=covered_work_types,
                role_rates=role_rates,
                batch=batch,
            )
            if role_rates:
                agreement_rate_ensure_may(by)  # PermissionDenied: the whole batch, as one
                for item in role_rates:
                    errors = agreement_rate_errors(
                        agreement=agreement, rate=item.rate, effective_from=item.effective_from
                    )
                    if errors:
                        raise ValidationError(
                            {
                                "role_rates": [
                                    f"{item.work_role}: {m}"
                                    for m in ValidationError(errors).messages
                                ]
                            }
                        )
        except ValidationError as error:
            results.append(error)
            continue
        agreement._history_user = by.user
        extras[id(agreement)] = (covered, role_rates)
        results.append(agreement)
    good = [agreement for agreement in results if isinstance(agreement, Agreement)]
    if not good:
        return results
    _insert_many(good, results, lambda a: f"the agreement {a.name!r}", history_user=by.user)
    made = [agreement for agreement in results if isinstance(agreement, Agreement)]
    _covered_insert(made, {id(a): extras[id(a)][0] for a in made}, by)
    AgreementRate.objects.bulk_create(
        [
            AgreementRate(
                agreement=agreement,
                work_role=item.work_role,
                rate=Decimal(str(item.rate)),
                effective_from=item.effective_from,
            )
            for agreement in made
            for item in extras[id(agreement)][1]
        ],
        batch_size=BULK_SIZE,
    )
    return results


def _covered_insert(made: list[Agreement], covered: dict[int, list[WorkType]], by) -> None:
    """The work new agreements cover, in one insert, with the history record the single
    path's covered_work_types.set() leaves (a change, "~", listing the covered work)."""
    through = Agreement.covered_work_types.through
    rows = [
        through(agreement_id=agreement.pk, worktype_id=work_type.pk)
        for agreement in made
        for work_type in covered[id(agreement)]
    ]
    if not rows:
        return
    through.objects.bulk_create(rows, batch_size=BULK_SIZE)
    covering = [agreement for agreement in made if covered[id(agreement)]]
    records = Agreement.history.bulk_history_create(
        covering, batch_size=BULK_SIZE, update=True, default_user=by.user
    )
    history_m2m = Agreement.history.model.covered_work_types.model
    stored = {(row.agreement_id, row.worktype_id): row for row in rows}
    history_m2m.objects.bulk_create(
        [
            history_m2m(
                history=record,
                id=stored[(agreement.pk, work_type.pk)].pk,
                agreement_id=agreement.pk,
                worktype_id=work_type.pk,
            )
            for agreement, record in zip(covering, records, strict=True)
            for work_type in covered[id(agreement)]
        ],
        batch_size=BULK_SIZE,
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
        fields=_agreement_fields(
            name=name,
            type=type,
            start_date=start_date,
            end_date=end_date,
            monthly_fee=monthly_fee,
            prepaid_hours=prepaid_hours,
            prepaid_amount=prepaid_amount,
            hourly_rate=hourly_rate,
            estimated_hours=estimated_hours,
        ),
        covered_work_types=covered_work_types,
        role_rates=None if role_rates is None else list(role_rates),
    )
