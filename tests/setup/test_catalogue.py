"""Work roles (with dated rates) and work types set up in the app."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.catalogue.services import work_type_create
from tests.factories import WorkRoleFactory, WorkTypeFactory


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel("2025-03-11T14:00:00Z", tick=False):
        yield


def test_admin_adds_a_work_role(admin, client_for):
    response = client_for(admin).post(
        reverse("setup:work_role_new"), {"name": "Systems Engineer", "rate": "150.00"}
    )
    assert response.status_code == 302
    assert WorkRole.objects.get(name="Systems Engineer").rate == Decimal("150.00")


def test_a_new_rate_applies_from_its_date_and_the_old_one_stays_before(admin, client_for):
    role = WorkRoleFactory(name="Help Desk", rate=Decimal("100"))
    client = client_for(admin)
    response = client.post(
        reverse("setup:work_role", args=[role.pk]),
        {"name": "Service Desk", "rate": "110.00", "effective_from": "2025-04-01"},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.name == "Service Desk"
    assert role.rate == Decimal("110.00")
    rates = dict(role.dated_rates.values_list("effective_from", "rate"))
    assert rates[date(2025, 4, 1)] == Decimal("110.00")
    assert Decimal("100.00") in rates.values()
    page = client.get(reverse("setup:work_role", args=[role.pk])).content.decode()
    assert "1 Apr 2025" in page
    assert "110.00" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "rate": "100"}, "Give the work role a name."),
        ({"name": "help desk", "rate": "100"}, "already a work role called help desk"),
        ({"name": "New", "rate": ""}, "Give the standard rate."),
        ({"name": "New", "rate": "-1"}, "The standard rate cannot be negative."),
        ({"name": "New", "rate": "1.234"}, "to the cent"),
    ],
)
def test_bad_work_roles_are_refused(admin, client_for, data, message):
    WorkRoleFactory(name="Help Desk")
    response = client_for(admin).post(reverse("setup:work_role_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert WorkRole.objects.count() == 1


def test_a_rate_change_without_a_date_is_refused(admin, client_for):
    role = WorkRoleFactory(name="Help Desk", rate=Decimal("100"))
    response = client_for(admin).post(
        reverse("setup:work_role", args=[role.pk]),
        {"name": "Help Desk", "rate": "120", "effective_from": ""},
    )
    assert response.status_code == 400
    assert "Give the new rate from." in response.content.decode()
    role.refresh_from_db()
    assert role.rate == Decimal("100")
    assert not role.dated_rates.filter(rate=120).exists()


def test_admin_adds_a_payroll_wrap_work_type(admin, client_for):
    response = client_for(admin).post(
        reverse("setup:work_type_new"),
        {
            "name": "Internal Meeting",
            "billable_default": BillableOption.DO_NOT_BILL,
            "rate_multiplier": "1.00",
            "is_payroll_wrap": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    work_type = WorkType.objects.get(name="Internal Meeting")
    assert work_type.is_payroll_wrap
    assert not work_type.counts_toward_utilization


def test_admin_retires_a_work_type(admin, client_for):
    work_type = WorkTypeFactory(name="Onsite")
    client_for(admin).post(
        reverse("setup:work_type", args=[work_type.pk]),
        {"name": "Onsite", "billable_default": "billable", "rate_multiplier": "1.5"},
    )
    work_type.refresh_from_db()
    assert not work_type.is_active
    assert work_type.rate_multiplier == Decimal("1.50")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the work type a name."),
        ({"name": "remote support"}, "already a work type called remote support"),
        ({"billable_default": "maybe"}, "Pick Billable, Do Not Bill or No Charge."),
        ({"rate_multiplier": "-1"}, "The multiplier cannot be negative."),
        ({"rate_multiplier": "100"}, "Keep the multiplier below 100."),
        ({"is_time_off": "on"}, "mark the type as payroll wrap too"),
    ],
)
def test_bad_work_types_are_refused(admin, client_for, data, message):
    WorkTypeFactory(name="Remote Support")
    post = {"name": "PTO", "billable_default": "do_not_bill", "rate_multiplier": "1"}
    post.update(data)
    response = client_for(admin).post(reverse("setup:work_type_new"), post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert WorkType.objects.count() == 1


def test_the_work_type_service_checks_permission_itself(finance):
    with pytest.raises(PermissionDenied):
        work_type_create(by=finance, name="Sneaky")
    assert not WorkType.objects.filter(name="Sneaky").exists()
