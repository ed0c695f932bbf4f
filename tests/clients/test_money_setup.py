"""Agreements set up with what the money rules need: a fixed-fee project's estimate, and role
rates with the date each takes effect (API and admin)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate
from tests.api_support import client_for
from tests.factories import AgreementFactory, CompanyFactory, WorkRoleFactory

AGREEMENTS = "/api/agreements/"
NEEDS_ESTIMATE = "A fixed-fee project needs its estimated hours"


@pytest.fixture
def company(db):
    return CompanyFactory(name="Globex", identifier="globex")


def fixed_fee(company, **changes) -> Agreement:
    values = {
        "company": company,
        "name": "Office move",
        "type": AgreementType.PROJECT,
        "start_date": date(2025, 3, 1),
        "prepaid_amount": Decimal("6000.00"),
        "estimated_hours": None,
    }
    values.update(changes)
    return Agreement(**values)


@pytest.mark.parametrize("estimate", [None, Decimal("0")])
def test_a_fixed_fee_project_without_an_estimate_is_refused_by_the_model(company, estimate):
    with pytest.raises(ValidationError) as error:
        fixed_fee(company, estimated_hours=estimate).full_clean()
    message = error.value.message_dict["estimated_hours"][0]
    assert message.startswith(NEEDS_ESTIMATE)
    assert "effective rate" in message
    assert "time-and-materials" in message


def test_the_database_refuses_it_too(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        fixed_fee(company).save()
    assert not Agreement.objects.exists()


def test_a_project_without_a_fee_is_time_and_materials_and_needs_no_estimate(company):
    fixed_fee(company, prepaid_amount=None).full_clean()
    fixed_fee(company, estimated_hours=Decimal("40")).full_clean()


def test_the_api_refuses_a_fixed_fee_project_without_an_estimate(finance, company):
    body = {
        "company": company.pk,
        "name": "Office move",
        "type": "project",
        "start_date": "2025-03-01",
        "prepaid_amount": "6000.00",
    }
    response = client_for(finance).post(AGREEMENTS, body, format="json")
    assert response.status_code == 400
    assert response.json()["estimated_hours"][0].startswith(NEEDS_ESTIMATE)
    assert not Agreement.objects.exists()


def test_removing_the_estimate_over_the_api_changes_nothing(finance, company):
    agreement = fixed_fee(company, estimated_hours=Decimal("40"))
    agreement.save()
    response = client_for(finance).patch(
        f"{AGREEMENTS}{agreement.pk}/", {"estimated_hours": None}, format="json"
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.estimated_hours == Decimal("40")


def test_the_admin_refuses_a_fixed_fee_project_without_an_estimate(client, admin, company):
    client.force_login(admin.user)
    response = client.post(
        reverse("admin:clients_agreement_add"),
        {
            "company": company.pk,
            "name": "Office move",
            "type": AgreementType.PROJECT,
            "start_date": "2025-03-01",
            "monthly_fee": "0",
            "prepaid_amount": "6000.00",
            "role_rates-TOTAL_FORMS": "0",
            "role_rates-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert NEEDS_ESTIMATE in response.content.decode()
    assert not Agreement.objects.exists()


def test_role_rates_over_the_api_carry_their_dates(finance, company):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    agreement = AgreementFactory(company=company)
    rates = [
        {"work_role": role.pk, "rate": "140.00"},
        {"work_role": role.pk, "rate": "145.00", "effective_from": "2025-03-15"},
    ]
    response = client_for(finance).patch(
        f"{AGREEMENTS}{agreement.pk}/", {"role_rates": rates}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert sorted((r["effective_from"], r["rate"]) for r in response.json()["role_rates"]) == [
        ("1970-01-01", "140.00"),
        ("2025-03-15", "145.00"),
    ]


def test_the_same_role_twice_from_one_date_is_refused(finance, company):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    agreement = AgreementFactory(company=company)
    rates = [
        {"work_role": role.pk, "rate": "140.00", "effective_from": "2025-03-15"},
        {"work_role": role.pk, "rate": "145.00", "effective_from": "2025-03-15"},
    ]
    response = client_for(finance).patch(
        f"{AGREEMENTS}{agreement.pk}/", {"role_rates": rates}, format="json"
    )
    assert response.status_code == 400
    assert "listed twice from the same date" in str(response.json())
    assert not AgreementRate.objects.exists()


def test_a_rate_date_outside_the_window_is_refused(finance, company):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    agreement = AgreementFactory(company=company)
    rates = [{"work_role": role.pk, "rate": "140.00", "effective_from": "1900-01-01"}]
    response = client_for(finance).patch(
        f"{AGREEMENTS}{agreement.pk}/", {"role_rates": rates}, format="json"
    )
    assert response.status_code == 400
    assert not AgreementRate.objects.exists()


def test_the_admin_sets_dated_role_rates(client, admin, company):
    client.force_login(admin.user)
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150"))
    response = client.post(
        reverse("admin:clients_agreement_add"),
        {
            "company": company.pk,
            "name": "Hourly",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": "2025-01-01",
            "monthly_fee": "0",
            "role_rates-TOTAL_FORMS": "2",
            "role_rates-INITIAL_FORMS": "0",
            "role_rates-0-work_role": role.pk,
            "role_rates-0-rate": "140.00",
            "role_rates-0-effective_from": "1970-01-01",
            "role_rates-1-work_role": role.pk,
            "role_rates-1-rate": "145.00",
            "role_rates-1-effective_from": "2025-03-15",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert sorted(AgreementRate.objects.values_list("effective_from", "rate")) == [
        (date(1970, 1, 1), Decimal("140.00")),
        (date(2025, 3, 15), Decimal("145.00")),
    ]
