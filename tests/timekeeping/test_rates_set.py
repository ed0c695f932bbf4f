"""Setting dated rates: work role rates, agreement role rates and members' cost rates."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from daybook.catalogue.models import RATES_SINCE, WorkRoleRate
from daybook.catalogue.rates import dated_rate_on, work_role_rate_on, work_role_rate_set
from daybook.clients.models import AgreementRate
from daybook.clients.rates import agreement_rate_delete, agreement_rate_set, agreement_role_rate_on
from daybook.people.models import MemberCostRate
from daybook.people.rates import member_cost_rate_on, member_cost_rate_set
from tests.admin_support import form_data
from tests.factories import AgreementFactory, WorkRoleFactory

MARCH_15 = date(2025, 3, 15)


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2024, 12, 31), Decimal("40")),  # before the first date: the first rate
        (date(2025, 1, 1), Decimal("40")),
        (date(2025, 3, 14), Decimal("40")),
        (MARCH_15, Decimal("44")),  # in effect from its own date
        (date(2025, 9, 30), Decimal("44")),
        (date(2025, 10, 1), Decimal("47")),
        (date(2031, 1, 1), Decimal("47")),
    ],
)
def test_the_dated_rate_in_effect_on_a_day(day, rate):
    rates = [
        (date(2025, 1, 1), Decimal("40")),
        (MARCH_15, Decimal("44")),
        (date(2025, 10, 1), Decimal("47")),
    ]
    assert dated_rate_on(rates, day) == rate


def test_without_dated_rates_there_is_no_dated_rate():
    assert dated_rate_on([], MARCH_15) is None


def test_first_dated_role_rate_keeps_the_old_rate_for_earlier_dates(finance):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    work_role_rate_set(work_role=role, rate=Decimal("165.00"), effective_from=MARCH_15, by=finance)
    role.refresh_from_db()
    assert role.rate == Decimal("165.00")
    assert work_role_rate_on(role, date(2025, 3, 14)) == Decimal("150.00")
    assert work_role_rate_on(role, MARCH_15) == Decimal("165.00")
    assert work_role_rate_on(role, date(2030, 1, 1)) == Decimal("165.00")
    assert list(role.dated_rates.values_list("effective_from", "rate")) == [
        (MARCH_15, Decimal("165.00")),
        (RATES_SINCE, Decimal("150.00")),
    ]


def test_a_rate_on_the_same_date_replaces_it_and_a_backdated_one_leaves_the_latest(finance):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    work_role_rate_set(work_role=role, rate=Decimal("165.00"), effective_from=MARCH_15, by=finance)
    work_role_rate_set(work_role=role, rate=Decimal("160.00"), effective_from=MARCH_15, by=finance)
    work_role_rate_set(
        work_role=role, rate=Decimal("155.00"), effective_from=date(2025, 1, 1), by=finance
    )
    role.refresh_from_db()
    assert role.rate == Decimal("160.00")  # the latest dated rate
    assert WorkRoleRate.objects.filter(work_role=role).count() == 3
    assert work_role_rate_on(role, date(2025, 2, 1)) == Decimal("155.00")


def test_role_without_dated_rates_bills_its_rate_on_every_date(db):
    role = WorkRoleFactory(name="Field Tech", rate=Decimal("90.00"))
    assert work_role_rate_on(role, date(1999, 1, 1)) == Decimal("90.00")


@pytest.mark.parametrize(
    ("rate", "effective_from", "field", "words"),
    [
        (Decimal("-1"), MARCH_15, "rate", "cannot be negative"),
        (None, MARCH_15, "rate", "Give the rate"),
        ("abc", MARCH_15, "rate", "is not an amount"),
        (Decimal("10.005"), MARCH_15, "rate", "whole cents"),
        (Decimal("100000000"), MARCH_15, "rate", "at most"),
        (Decimal("NaN"), MARCH_15, "rate", "is not an amount"),
        (Decimal("10"), None, "effective_from", "date the rate takes effect"),
        (Decimal("10"), "2025-03-15", "effective_from", "date the rate takes effect"),
        (Decimal("10"), datetime(2025, 3, 15, 9, tzinfo=UTC), "effective_from", "YYYY-MM-DD"),
        (Decimal("10"), date(1900, 1, 1), "effective_from", "1970-01-01"),
    ],
)
def test_bad_rates_are_refused_with_a_sentence_and_change_nothing(
    finance, rate, effective_from, field, words
):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    with pytest.raises(ValidationError) as error:
        work_role_rate_set(work_role=role, rate=rate, effective_from=effective_from, by=finance)
    assert words in error.value.message_dict[field][0]
    role.refresh_from_db()
    assert role.rate == Decimal("150.00")
    assert not role.dated_rates.exists()
    with pytest.raises(ValidationError) as error:
        member_cost_rate_set(member=finance, rate=rate, effective_from=effective_from, by=finance)
    assert field in error.value.message_dict
    assert not MemberCostRate.objects.filter(member=finance).exists()


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher"])
def test_only_finance_and_admin_set_rates(request, who, tech):
    member = request.getfixturevalue(who)
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    agreement = AgreementFactory()
    with pytest.raises(PermissionDenied):
        work_role_rate_set(work_role=role, rate=Decimal("1"), effective_from=MARCH_15, by=member)
    with pytest.raises(PermissionDenied):
        member_cost_rate_set(member=tech, rate=Decimal("1"), effective_from=MARCH_15, by=member)
    with pytest.raises(PermissionDenied):
        agreement_rate_set(
            agreement=agreement,
            work_role=role,
            rate=Decimal("1"),
            effective_from=MARCH_15,
            by=member,
        )
    assert not role.dated_rates.exists()
    assert not tech.cost_rates.exists()
    assert not agreement.role_rates.exists()


def test_admin_sets_a_cost_rate_from_a_date(admin, tech):
    member_cost_rate_set(member=tech, rate=Decimal("44.00"), effective_from=MARCH_15, by=admin)
    tech.refresh_from_db()
    assert tech.cost_rate == Decimal("44.00")
    assert member_cost_rate_on(tech, date(2025, 3, 14)) == Decimal("40.00")
    assert member_cost_rate_on(tech, MARCH_15) == Decimal("44.00")


def test_agreement_role_rates_by_date(finance):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    agreement = AgreementFactory(start_date=date(2025, 1, 1))
    agreement_rate_set(
        agreement=agreement,
        work_role=role,
        rate=Decimal("140.00"),
        effective_from=date(2025, 1, 1),
        by=finance,
    )
    later = agreement_rate_set(
        agreement=agreement, work_role=role, rate=Decimal("145.00"), effective_from=MARCH_15,
        by=finance,
    )  # fmt: skip
    on = agreement_role_rate_on
    assert on(agreement=agreement, work_role=role, day=date(2024, 12, 31)) is None
    assert on(agreement=agreement, work_role=role, day=date(2025, 3, 14)) == Decimal("140.00")
    assert on(agreement=agreement, work_role=role, day=MARCH_15) == Decimal("145.00")
    agreement_rate_delete(rate=later, by=finance)
    assert on(agreement=agreement, work_role=role, day=MARCH_15) == Decimal("140.00")


def test_agreement_rate_after_the_agreement_ends_is_refused(finance):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    agreement = AgreementFactory(start_date=date(2025, 1, 1), end_date=date(2025, 2, 28))
    with pytest.raises(ValidationError) as error:
        agreement_rate_set(
            agreement=agreement, work_role=role, rate=Decimal("1"), effective_from=MARCH_15,
            by=finance,
        )  # fmt: skip
    assert "ends on 2025-02-28" in error.value.message_dict["effective_from"][0]
    assert not AgreementRate.objects.exists()


def test_a_rate_typed_over_the_old_one_in_the_admin_takes_effect_today(client, admin):
    role = WorkRoleFactory(name="Systems Engineer", rate=Decimal("150.00"))
    client.force_login(admin.user)
    url = reverse("admin:catalogue_workrole_change", args=[role.pk])
    data = form_data(client.get(url), "workrole")
    data["rate"] = "170.00"
    assert client.post(url, data).status_code == 302
    role.refresh_from_db()
    today = timezone.localdate()
    assert role.rate == Decimal("170.00")
    assert list(role.dated_rates.values_list("effective_from", "rate")) == [
        (today, Decimal("170.00")),
        (RATES_SINCE, Decimal("150.00")),
    ]


def test_a_cost_rate_typed_over_the_old_one_in_the_admin_takes_effect_today(client, admin, tech):
    client.force_login(admin.user)
    url = reverse("admin:people_member_change", args=[tech.pk])
    data = form_data(client.get(url), "member")
    data["cost_rate"] = "48.00"
    assert client.post(url, data).status_code == 302
    tech.refresh_from_db()
    assert tech.cost_rate == Decimal("48.00")
    assert tech.cost_rates.count() == 2
    assert member_cost_rate_on(tech, date(2000, 1, 1)) == Decimal("40.00")
