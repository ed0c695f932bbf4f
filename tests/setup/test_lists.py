"""The setup lists that grow with the business: paged on the server, sorted by the database on
the columns they offer, and never refused for a sort they do not offer."""

import re

import pytest
from django.urls import reverse

from daybook.clients.models import Contact
from daybook.setup import views
from tests.factories import AgreementFactory, CompanyFactory


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def company_names(page: str) -> list[str]:
    table = page.split('id="company-list"')[1].split("</table>")[0]
    return re.findall(r'title="([^"]+)">\1</a>', table)


@pytest.fixture
def companies():
    return [CompanyFactory(name=name) for name in ["Cobalt", "Acme", "Birch"]]


def test_the_second_page_of_companies_shows_the_rest(admin, client_for, companies, small_pages):
    client = client_for(admin)
    first = client.get(reverse("setup:companies")).content.decode()
    second = client.get(reverse("setup:companies"), {"page": 2}).content.decode()
    assert company_names(first) == ["Acme", "Birch"]
    assert company_names(second) == ["Cobalt"]
    assert "3\N{EN DASH}3 of 3" in second


def test_companies_sort_by_a_column_both_ways(admin, client_for, companies):
    AgreementFactory.create_batch(2, company=companies[0])
    AgreementFactory(company=companies[2])
    client = client_for(admin)
    fewest = client.get(reverse("setup:companies"), {"sort": "agreements"}).content.decode()
    most = client.get(reverse("setup:companies"), {"sort": "-agreements"}).content.decode()
    assert company_names(fewest) == ["Acme", "Birch", "Cobalt"]
    assert company_names(most) == ["Cobalt", "Birch", "Acme"]
    # The header now offers the other direction.
    assert 'aria-sort="descending"' in most
    assert "?sort=agreements" in most


@pytest.mark.parametrize("sort", ["nonsense", "-", "agreement_count", "name;drop"])
def test_an_unknown_sort_gives_the_default_order(admin, client_for, companies, sort):
    response = client_for(admin).get(reverse("setup:companies"), {"sort": sort})
    assert response.status_code == 200
    assert company_names(response.content.decode()) == ["Acme", "Birch", "Cobalt"]


def test_paging_keeps_the_search_and_the_sort(admin, client_for, small_pages):
    for name in ["Acme North", "Acme South", "Acme East", "Birch"]:
        CompanyFactory(name=name)
    page = client_for(admin).get(reverse("setup:companies"), {"q": "acme", "sort": "-name"})
    text = page.content.decode()
    assert company_names(text) == ["Acme South", "Acme North"]
    assert "q=acme&amp;sort=-name&amp;page=2" in text


def test_the_second_page_of_agreements_shows_the_rest(finance, client_for, small_pages):
    for name in ["Zeta", "Alpha", "Mid"]:
        AgreementFactory(company=CompanyFactory(name=name))
    client = client_for(finance)
    second = client.get(reverse("setup:agreements"), {"page": 2}).content.decode()
    assert "Zeta" in second
    assert "Alpha" not in second


def test_a_companys_contacts_are_paged(admin, client_for, small_pages):
    company = CompanyFactory()
    for name in ["Carla", "Ann", "Bo"]:
        Contact.objects.create(company=company, name=name)
    client = client_for(admin)
    url = reverse("setup:company", args=[company.pk])
    first = client.get(url).content.decode().split('id="contacts"')[1]
    second = client.get(url, {"page": 2}).content.decode().split('id="contacts"')[1]
    assert "Ann" in first
    assert "Bo" in first
    assert "Carla" not in first
    assert "Carla" in second
    assert "Ann" not in second


def test_the_member_list_pages_and_ignores_an_unknown_sort(
    admin, tech, lead, client_for, small_pages
):
    client = client_for(admin)
    first = client.get(reverse("setup:members"), {"sort": "salary"})
    second = client.get(reverse("setup:members"), {"sort": "salary", "page": 2})
    assert first.status_code == second.status_code == 200
    listed = [
        m.pk
        for m in (admin, tech, lead)
        if f'id="member-{m.pk}"' in first.content.decode() + second.content.decode()
    ]
    assert sorted(listed) == sorted(m.pk for m in (admin, tech, lead))


def test_a_refused_field_is_marked_and_says_why(admin, client_for):
    response = client_for(admin).post(
        reverse("setup:company_new"), {"name": "", "time_zone": "Europe/Berlin"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved." in page
    field = re.search(r'<input[^>]*name="name"[^>]*>', page).group(0)
    assert "is-invalid" in field
    assert "form-control" in field
    assert "Give the company its name." in page
