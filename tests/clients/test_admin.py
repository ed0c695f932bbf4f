"""Companies and agreements set up from the admin, with agreement changes kept in history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement
from tests.admin_support import form_data
from tests.factories import AgreementFactory, CompanyFactory, WorkRoleFactory, WorkTypeFactory

LIST_URL = reverse("admin:clients_agreement_changelist")


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin.user)
    return client


def test_an_agreement_is_set_up_with_rates_and_coverage(signed_in):
    company = CompanyFactory()
    remote, onsite = WorkTypeFactory(name="Remote Support"), WorkTypeFactory(name="Onsite")
    role = WorkRoleFactory()

    response = signed_in.post(
        reverse("admin:clients_agreement_add"),
        {
            "company": company.pk,
            "name": "Managed desktops",
            "type": AgreementType.MANAGED,
            "start_date": "2025-01-01",
            "monthly_fee": "2500.00",
            "covered_work_types": [remote.pk],
            "role_rates-TOTAL_FORMS": "1",
            "role_rates-INITIAL_FORMS": "0",
            "role_rates-0-work_role": role.pk,
            "role_rates-0-rate": "135.00",
            "role_rates-0-effective_from": "1970-01-01",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert list(agreement.covered_work_types.all()) == [remote]
    assert onsite not in agreement.covered_work_types.all()
    assert agreement.role_rates.get().rate == Decimal("135.00")


def test_an_agreement_cannot_end_before_it_starts(signed_in):
    response = signed_in.post(
        reverse("admin:clients_agreement_add"),
        {
            "company": CompanyFactory().pk,
            "name": "Backwards",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": "2025-02-01",
            "end_date": "2025-01-01",
            "monthly_fee": "0",
            "role_rates-TOTAL_FORMS": "0",
            "role_rates-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert not Agreement.objects.exists()


def test_the_list_says_which_agreements_run_today(signed_in):
    today = timezone.localdate()
    running = AgreementFactory(name="Running", start_date=today - timedelta(days=30))
    AgreementFactory(name="Ended", start_date=date(2020, 1, 1), end_date=today - timedelta(days=60))

    active = signed_in.get(LIST_URL, {"active_today": "yes"}).context["cl"].result_list

    assert list(active) == [running]
    page = signed_in.get(LIST_URL).content.decode()
    assert 'alt="True"' in page
    assert 'alt="False"' in page


def test_agreement_history_shows_the_change_and_who_made_it(signed_in, admin):
    agreement = AgreementFactory(monthly_fee=Decimal("1000.00"))
    url = reverse("admin:clients_agreement_change", args=[agreement.pk])
    data = form_data(signed_in.get(url), "agreement")
    data.update(monthly_fee="1200.00", _save="Save")
    assert signed_in.post(url, data).status_code == 302

    page = signed_in.get(reverse("admin:clients_agreement_history", args=[agreement.pk]))

    content = page.content.decode()
    assert "1000.00" in content
    assert "1200.00" in content
    assert admin.user.username in content


def test_finance_sets_up_agreements_but_cannot_delete_them(client, finance):
    agreement = AgreementFactory()
    client.force_login(finance.user)

    assert client.get(reverse("admin:clients_agreement_add")).status_code == 200
    delete_url = reverse("admin:clients_agreement_delete", args=[agreement.pk])
    assert client.get(delete_url).status_code == 403
