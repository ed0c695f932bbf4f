"""Who may open each setup page: admins everything; finance companies and agreements (with
their money); technicians, managers and dispatchers nothing."""

import pytest
from django.urls import reverse

from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)


@pytest.fixture
def records(tech, team):
    agreement = AgreementFactory()
    contact = agreement.company.contacts.create(name="Pat Doe")
    return {
        "company": agreement.company.pk,
        "agreement": agreement.pk,
        "contact": contact.pk,
        "member": tech.pk,
        "team": team.pk,
        "work_role": WorkRoleFactory().pk,
        "work_type": WorkTypeFactory().pk,
        "board": BoardFactory().pk,
    }


def pages(records) -> dict[str, str]:
    r = records
    return {
        "index": reverse("setup:index"),
        "companies": reverse("setup:companies"),
        "company_new": reverse("setup:company_new"),
        "company": reverse("setup:company", args=[r["company"]]),
        "contact_new": reverse("setup:contact_new", args=[r["company"]]),
        "contact": reverse("setup:contact", args=[r["contact"]]),
        "agreements": reverse("setup:agreements"),
        "agreement_new": reverse("setup:agreement_new"),
        "agreement": reverse("setup:agreement", args=[r["agreement"]]),
        "members": reverse("setup:members"),
        "member_invite": reverse("setup:member_invite"),
        "member": reverse("setup:member", args=[r["member"]]),
        "member_schedule": reverse("setup:member_schedule", args=[r["member"]]),
        "teams": reverse("setup:teams"),
        "team_new": reverse("setup:team_new"),
        "team": reverse("setup:team", args=[r["team"]]),
        "work_roles": reverse("setup:work_roles"),
        "work_role_new": reverse("setup:work_role_new"),
        "work_role": reverse("setup:work_role", args=[r["work_role"]]),
        "work_types": reverse("setup:work_types"),
        "work_type_new": reverse("setup:work_type_new"),
        "work_type": reverse("setup:work_type", args=[r["work_type"]]),
        "boards": reverse("setup:boards"),
        "board_new": reverse("setup:board_new"),
        "board": reverse("setup:board", args=[r["board"]]),
    }


FINANCE_PAGES = {
    "index",
    "companies",
    "company_new",
    "company",
    "agreements",
    "agreement_new",
    "agreement",
}


def test_an_admin_opens_every_setup_page(admin, records, client_for):
    client = client_for(admin)
    for name, url in pages(records).items():
        response = client.get(url)
        assert response.status_code == 200, name


@pytest.mark.parametrize("persona", ["tech", "lead", "dispatcher"])
def test_people_who_do_not_set_up_are_refused_everywhere(persona, request, records, client_for):
    client = client_for(request.getfixturevalue(persona))
    for name, url in pages(records).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"name": "Sneaky"}).status_code == 403, name


def test_finance_sets_up_companies_and_agreements_only(finance, records, client_for):
    client = client_for(finance)
    for name, url in pages(records).items():
        expected = 200 if name in FINANCE_PAGES else 403
        assert client.get(url).status_code == expected, name


def test_finance_sees_only_its_areas_on_the_index(finance, client_for):
    page = client_for(finance).get(reverse("setup:index")).content.decode()
    assert "Companies and contacts" in page
    assert "Agreements" in page
    assert "Members and schedules" not in page
    assert "Work roles" not in page
    assert "Getting started" not in page


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(reverse("setup:index"))
    assert response.status_code == 302
    assert "login" in response.url


def test_resending_an_invitation_is_refused_to_non_admins(tech, finance, client_for):
    url = reverse("setup:member_resend", args=[tech.pk])
    for member in (tech, finance):
        assert client_for(member).post(url).status_code == 403


def test_a_missing_record_is_a_404(admin, client_for):
    client = client_for(admin)
    for name in (
        "company",
        "agreement",
        "member",
        "team",
        "work_role",
        "work_type",
        "contact",
        "board",
    ):
        assert client.get(reverse(f"setup:{name}", args=[999999])).status_code == 404, name


def test_company_list_is_searchable_and_paged(admin, client_for):
    for n in range(30):
        CompanyFactory(name=f"Acme {n:02d}", identifier=f"acme-{n}")
    CompanyFactory(name="Globex", identifier="globex")
    client = client_for(admin)
    first = client.get(reverse("setup:companies")).content.decode()
    assert "Page 1 of 2" in first
    found = client.get(reverse("setup:companies"), {"q": "glob"}).content.decode()
    assert "Globex" in found
    assert "Acme 00" not in found
