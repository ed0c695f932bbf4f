from decimal import Decimal

import pytest

from daybook.clients.models import Agreement, AgreementRate, Company
from daybook.people.models import Member
from tests.api_support import ANONYMOUS_REFUSED, client_for, ids
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    CompanyFactory,
    UserFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)

COMPANIES = "/api/companies/"
AGREEMENTS = "/api/agreements/"


@pytest.fixture
def company(db):
    return CompanyFactory(name="Acme", identifier="acme")


@pytest.fixture
def agreement(company):
    return AgreementFactory(company=company, name="Acme T&M")


def new_agreement(for_company, **changes) -> dict:
    return {
        "company": for_company.pk,
        "name": "Managed 2025",
        "type": "managed",
        "start_date": "2025-01-01",
        "monthly_fee": "1500.00",
        **changes,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", COMPANIES),
        ("post", COMPANIES),
        ("get", "companies/{company}/"),
        ("patch", "companies/{company}/"),
        ("put", "companies/{company}/"),
        ("get", AGREEMENTS),
        ("post", AGREEMENTS),
        ("get", "agreements/{agreement}/"),
        ("patch", "agreements/{agreement}/"),
        ("put", "agreements/{agreement}/"),
    ],
)
def test_anonymous_callers_are_refused_client_endpoints(agreement, method, path):
    url = path if path.startswith("/") else "/api/" + path
    url = url.format(company=agreement.company_id, agreement=agreement.pk)
    response = getattr(client_for(None), method)(url, {"name": "Hijacked"}, format="json")
    assert response.status_code in ANONYMOUS_REFUSED
    assert not Company.objects.filter(name="Hijacked").exists()


def test_everyone_with_a_role_reads_companies_and_agreements(tech, agreement):
    client = client_for(tech)
    assert ids(client.get(COMPANIES)) == {agreement.company_id}
    assert ids(client.get(AGREEMENTS)) == {agreement.pk}
    assert client.get(f"{AGREEMENTS}{agreement.pk}/").status_code == 200


def test_a_login_without_client_permissions_is_refused(agreement):
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = client_for(outsider)
    assert client.get(COMPANIES).status_code == 403
    assert client.get(f"{COMPANIES}{agreement.company_id}/").status_code == 403
    assert client.get(AGREEMENTS).status_code == 403
    assert client.get(f"{AGREEMENTS}{agreement.pk}/").status_code == 403


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_only_finance_and_admin_create_or_change_companies_and_agreements(request, who, agreement):
    client = client_for(request.getfixturevalue(who))
    company = agreement.company
    body = {"name": "Globex", "identifier": "globex", "time_zone": "Europe/Berlin"}
    assert client.post(COMPANIES, body, format="json").status_code == 403
    response = client.patch(f"{COMPANIES}{company.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert client.post(AGREEMENTS, new_agreement(company), format="json").status_code == 403
    response = client.patch(f"{AGREEMENTS}{agreement.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert Company.objects.count() == 1
    assert Agreement.objects.get().name == "Acme T&M"
    company.refresh_from_db()
    assert company.name == "Acme"


def test_finance_creates_a_company(finance):
    body = {"name": "Globex", "identifier": "globex", "time_zone": "Europe/Berlin"}
    response = client_for(finance).post(COMPANIES, body, format="json")
    assert response.status_code == 201, response.json()
    assert Company.objects.get().time_zone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["CEST", "+02:00", "Mars/Olympus", ""])
def test_company_with_a_bad_time_zone_is_refused_on_that_field(finance, zone):
    body = {"name": "Globex", "identifier": "globex", "time_zone": zone}
    response = client_for(finance).post(COMPANIES, body, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()
    assert Company.objects.count() == 0


def test_changing_a_company_to_a_bad_time_zone_changes_nothing(finance, company):
    response = client_for(finance).patch(
        f"{COMPANIES}{company.pk}/", {"time_zone": "Europe/Atlantis", "name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "Europe/Atlantis" in response.json()["time_zone"][0]
    company.refresh_from_db()
    assert (company.name, company.time_zone) == ("Acme", "America/New_York")


def test_duplicate_company_name_is_refused(finance, company):
    body = {"name": "Acme", "identifier": "acme-2", "time_zone": "UTC"}
    response = client_for(finance).post(COMPANIES, body, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert Company.objects.count() == 1


def test_finance_creates_an_agreement_with_coverage_and_role_rates(finance, company):
    remote = WorkTypeFactory(name="Remote Support")
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("140.00"))
    body = new_agreement(
        company,
        covered_work_types=[remote.pk],
        role_rates=[{"work_role": engineer.pk, "rate": "165.00"}],
    )
    response = client_for(finance).post(AGREEMENTS, body, format="json")
    assert response.status_code == 201, response.json()
    agreement = Agreement.objects.get()
    assert list(agreement.covered_work_types.all()) == [remote]
    assert agreement.role_rates.get().rate == Decimal("165.00")
    assert response.json()["covered_work_types"] == [remote.pk]
    assert response.json()["role_rates"] == [
        {"work_role": engineer.pk, "rate": "165.00", "effective_from": "1970-01-01"}
    ]


def test_sending_role_rates_replaces_them(finance, agreement):
    old = AgreementRateFactory(agreement=agreement)
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("140.00"))
    body = {"role_rates": [{"work_role": engineer.pk, "rate": "150.00"}]}
    response = client_for(finance).patch(f"{AGREEMENTS}{agreement.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert not AgreementRate.objects.filter(pk=old.pk).exists()
    assert response.json()["role_rates"] == [
        {"work_role": engineer.pk, "rate": "150.00", "effective_from": "1970-01-01"}
    ]


def test_role_rates_are_hidden_from_technicians(tech, agreement):
    AgreementRateFactory(agreement=agreement)
    assert "role_rates" not in client_for(tech).get(f"{AGREEMENTS}{agreement.pk}/").json()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2024-12-31"}, "end_date"),
        ({"start_date": "01/01/2025"}, "start_date"),
        ({"type": "forever"}, "type"),
        ({"monthly_fee": "-5"}, "monthly_fee"),
        ({"monthly_fee": "lots"}, "monthly_fee"),
        ({"company": 999_999}, "company"),
        ({"covered_work_types": [999_999]}, "covered_work_types"),
        ({"covered_work_types": "remote"}, "covered_work_types"),
        ({"role_rates": [{"work_role": 999_999, "rate": "100"}]}, "role_rates"),
        ({"role_rates": [{"rate": "100"}]}, "role_rates"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_agreement_input_is_refused_on_its_field(finance, company, changes, field):
    response = client_for(finance).post(
        AGREEMENTS, new_agreement(company, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Agreement.objects.count() == 0


def test_a_role_listed_twice_is_refused(finance, company):
    role = WorkRoleFactory()
    rates = [{"work_role": role.pk, "rate": "100"}, {"work_role": role.pk, "rate": "120"}]
    body = new_agreement(company, role_rates=rates)
    response = client_for(finance).post(AGREEMENTS, body, format="json")
    assert response.status_code == 400
    assert "twice" in str(response.json()["role_rates"])
    assert Agreement.objects.count() == 0


def test_agreement_filters(tech, agreement):
    other = AgreementFactory(name="Other client", end_date="2024-06-30")
    client = client_for(tech)
    assert ids(client.get(f"{AGREEMENTS}?company={agreement.company_id}")) == {agreement.pk}
    assert ids(client.get(f"{AGREEMENTS}?active_on=2025-03-01")) == {agreement.pk}
    assert ids(client.get(f"{AGREEMENTS}?active_on=2024-03-01")) == {agreement.pk, other.pk}
