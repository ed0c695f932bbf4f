"""Companies, contacts and agreements set up in the app: what is saved, and bad input that
gets a clear message and saves nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate, Company, Contact
from daybook.clients.services import RoleRate, agreement_create, company_create
from tests.factories import AgreementFactory, CompanyFactory, WorkRoleFactory, WorkTypeFactory


def agreement_post(company, /, **overrides) -> dict:
    data = {
        "company": company.pk,
        "name": "Managed services",
        "type": AgreementType.MANAGED,
        "start_date": "2025-01-01",
        "end_date": "",
        "monthly_fee": "2500.00",
        "prepaid_hours": "",
        "prepaid_amount": "",
        "hourly_rate": "",
        "estimated_hours": "",
        "rates-TOTAL_FORMS": "2",
        "rates-INITIAL_FORMS": "0",
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "50",
        "rates-0-work_role": "",
        "rates-0-rate": "",
        "rates-1-work_role": "",
        "rates-1-rate": "",
    }
    data.update(overrides)
    return data


# --- companies ---------------------------------------------------------------------------------


def test_admin_adds_a_company_with_an_identifier_made_from_its_name(admin, client_for):
    response = client_for(admin).post(
        reverse("setup:company_new"),
        {
            "name": "Northwind Traders",
            "identifier": "",
            "time_zone": "Europe/Berlin",
            "is_active": "on",
        },
    )
    company = Company.objects.get(name="Northwind Traders")
    assert response.status_code == 302
    assert response.url == reverse("setup:company", args=[company.pk])
    assert company.identifier == "northwind-traders"
    assert company.time_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "time_zone": "Europe/Berlin"}, "Give the company its name."),
        ({"name": "Zed", "time_zone": "Mars/Olympus"}, "is not a time zone in the list"),
        (
            {"name": "Zed", "time_zone": "Europe/Berlin", "identifier": "no spaces!"},
            "letters, digits, dashes",
        ),
        ({"name": "acme", "time_zone": "Europe/Berlin"}, "already a company called acme"),
        (
            {"name": "Zed", "time_zone": "Europe/Berlin", "identifier": "acme"},
            "identifier acme is taken",
        ),
    ],
)
def test_bad_company_input_is_refused_and_nothing_saved(admin, client_for, data, message):
    CompanyFactory(name="Acme", identifier="acme")
    response = client_for(admin).post(reverse("setup:company_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Company.objects.count() == 1


def test_admin_renames_and_retires_a_company(admin, client_for):
    company = CompanyFactory(name="Old Name")
    response = client_for(admin).post(
        reverse("setup:company", args=[company.pk]),
        {"name": "New Name", "identifier": company.identifier, "time_zone": "UTC"},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.is_active, company.time_zone) == ("New Name", False, "UTC")


def test_the_company_service_checks_permission_itself(tech):
    with pytest.raises(PermissionDenied):
        company_create(by=tech, name="Sneaky", time_zone="UTC")
    assert not Company.objects.exists()


# --- contacts ----------------------------------------------------------------------------------


def test_admin_adds_and_edits_a_contact(admin, client_for):
    company = CompanyFactory()
    client = client_for(admin)
    client.post(
        reverse("setup:contact_new", args=[company.pk]),
        {"name": "Pat Doe", "email": "pat@example.test", "phone": "+1 555 0100"},
    )
    contact = Contact.objects.get(company=company)
    assert contact.email == "pat@example.test"
    client.post(reverse("setup:contact", args=[contact.pk]), {"name": "Pat Roe", "email": ""})
    contact.refresh_from_db()
    assert (contact.name, contact.email) == ("Pat Roe", "")
    page = client.get(reverse("setup:company", args=[company.pk])).content.decode()
    assert "Pat Roe" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": ""}, "Give the contact&#x27;s name."),
        ({"name": "Pat", "email": "not-an-address"}, "name@example.com"),
    ],
)
def test_bad_contact_input_is_refused(admin, client_for, data, message):
    company = CompanyFactory()
    response = client_for(admin).post(reverse("setup:contact_new", args=[company.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contact.objects.exists()


# --- agreements --------------------------------------------------------------------------------


def test_admin_adds_a_managed_agreement_with_coverage_and_a_role_rate(admin, client_for):
    company = CompanyFactory()
    remote = WorkTypeFactory(name="Remote Support")
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    data = agreement_post(
        company,
        covered_work_types=[remote.pk],
        **{"rates-0-work_role": engineer.pk, "rates-0-rate": "135.00"},
    )
    response = client_for(admin).post(reverse("setup:agreement_new"), data)
    assert response.status_code == 302, response.content.decode()
    agreement = Agreement.objects.get(company=company)
    assert agreement.monthly_fee == Decimal("2500.00")
    assert list(agreement.covered_work_types.all()) == [remote]
    assert [(r.work_role, r.rate) for r in agreement.role_rates.all()] == [
        (engineer, Decimal("135.00"))
    ]


def test_editing_an_agreement_replaces_its_role_rates(admin, client_for):
    agreement = AgreementFactory(type=AgreementType.TIME_AND_MATERIALS)
    old = WorkRoleFactory(name="Help Desk")
    new = WorkRoleFactory(name="Systems Engineer")
    AgreementRate.objects.create(agreement=agreement, work_role=old, rate=Decimal("90"))
    data = agreement_post(
        agreement.company,
        type=AgreementType.TIME_AND_MATERIALS,
        monthly_fee="0",
        **{
            "rates-TOTAL_FORMS": "2",
            "rates-INITIAL_FORMS": "1",
            "rates-0-work_role": old.pk,
            "rates-0-rate": "90",
            "rates-0-DELETE": "on",
            "rates-1-work_role": new.pk,
            "rates-1-rate": "160",
        },
    )
    response = client_for(admin).post(reverse("setup:agreement", args=[agreement.pk]), data)
    assert response.status_code == 302, response.content.decode()
    assert [(r.work_role, r.rate) for r in agreement.role_rates.all()] == [(new, Decimal("160.00"))]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Give the agreement a name"),
        ({"start_date": ""}, "Give the start date."),
        ({"start_date": "2025-13-40"}, "Give the start date as YYYY-MM-DD."),
        ({"start_date": "1900-01-01"}, "Give a date from 1970-01-01 to 2100-12-31."),
        ({"end_date": "2024-12-31"}, "cannot end before it starts"),
        ({"monthly_fee": "-5"}, "The monthly fee cannot be negative."),
        ({"monthly_fee": "lots"}, "Give the monthly fee as a number"),
        ({"monthly_fee": "0"}, "A managed agreement needs its monthly fee"),
        ({"type": "barter"}, "Pick one of the agreement types"),
        ({"company": "999999"}, "Pick one of the companies in the list."),
        (
            {"type": AgreementType.BLOCK_HOURS, "monthly_fee": "0", "prepaid_amount": "4000"},
            "needs the number of hours bought",
        ),
        (
            {"type": AgreementType.BLOCK_HOURS, "monthly_fee": "0", "prepaid_hours": "40"},
            "needs what the client paid for the block",
        ),
        ({"prepaid_hours": "10"}, "Prepaid hours only count on a block-hours agreement"),
        (
            {"type": AgreementType.PROJECT, "monthly_fee": "0", "prepaid_amount": "20000"},
            "A fixed-fee project needs its estimated hours",
        ),
        ({"rates-0-rate": "100"}, "Give both the work role and its rate"),
        ({"rates-0-work_role": "999999", "rates-0-rate": "100"}, "Pick one of the work roles"),
    ],
)
def test_bad_agreement_input_is_refused_and_nothing_saved(admin, client_for, overrides, message):
    company = CompanyFactory()
    response = client_for(admin).post(
        reverse("setup:agreement_new"), agreement_post(company, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Agreement.objects.exists()
    assert not AgreementRate.objects.exists()


def test_a_role_listed_twice_is_refused(admin, client_for):
    company = CompanyFactory()
    role = WorkRoleFactory(name="Help Desk")
    data = agreement_post(
        company,
        **{
            "rates-0-work_role": role.pk,
            "rates-0-rate": "100",
            "rates-1-work_role": role.pk,
            "rates-1-rate": "110",
        },
    )
    response = client_for(admin).post(reverse("setup:agreement_new"), data)
    assert response.status_code == 400
    assert "Help Desk has two rates" in response.content.decode()
    assert not Agreement.objects.exists()


def test_payroll_wrap_work_cannot_be_covered(admin):
    wrap = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    with pytest.raises(ValidationError, match="belongs to no client"):
        agreement_create(
            by=admin,
            company=CompanyFactory(),
            name="Managed",
            type=AgreementType.MANAGED,
            start_date=date(2025, 1, 1),
            monthly_fee=Decimal("100"),
            covered_work_types=[wrap],
        )
    assert not Agreement.objects.exists()


def test_a_fixed_fee_project_with_its_estimate_is_kept(admin):
    agreement = agreement_create(
        by=admin,
        company=CompanyFactory(),
        name="Office move",
        type=AgreementType.PROJECT,
        start_date=date(2025, 1, 1),
        prepaid_amount=Decimal("20000"),
        estimated_hours=Decimal("160"),
        role_rates=[RoleRate(WorkRoleFactory(), Decimal("120"))],
    )
    assert agreement.pk
    assert agreement.role_rates.count() == 1


def test_finance_sets_up_an_agreement_and_sees_its_money(finance, client_for):
    company = CompanyFactory()
    client = client_for(finance)
    response = client.post(reverse("setup:agreement_new"), agreement_post(company))
    assert response.status_code == 302
    page = client.get(reverse("setup:agreements")).content.decode()
    assert "$ 2,500.00" in page


def test_agreement_service_refuses_technicians(tech):
    with pytest.raises(PermissionDenied):
        agreement_create(
            by=tech,
            company=CompanyFactory(),
            name="x",
            type=AgreementType.TIME_AND_MATERIALS,
            start_date=date(2025, 1, 1),
        )
