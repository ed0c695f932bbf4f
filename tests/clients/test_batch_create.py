"""Companies and agreements added in a batch (companies_create_many, agreements_create_many)
follow exactly the rule of adding them one at a time: the same rows saved (fields, covered
work, role rates, history), the same message for each refused row while the rest land, and
a few queries for the whole batch rather than a few per row."""

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from daybook.catalogue.models import RATES_SINCE
from daybook.clients.choices import AgreementType
from daybook.clients.models import Agreement, AgreementRate, Company
from daybook.clients.services import (
    RoleRate,
    agreement_create,
    agreements_create_many,
    companies_create_many,
    company_create,
)
from tests.factories import CompanyFactory, WorkRoleFactory, WorkTypeFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 6, 2, 14, tzinfo=dt.UTC)
ZONE = "Europe/Paris"


def outcome(result) -> object:
    """What a user sees of one row: the messages of a refusal, or the saved row's name."""
    if isinstance(result, ValidationError):
        return result.message_dict if hasattr(result, "error_dict") else result.messages
    return ("saved", result.name)


def one_by_one(create, rows, by) -> list:
    results = []
    for row in rows:
        try:
            with transaction.atomic():
                results.append(create(by=by, **row))
        except ValidationError as error:
            results.append(error)
    return results


# --- companies --------------------------------------------------------------------------------


def company_rows() -> list[dict]:
    return [
        {"name": "Acme", "identifier": "acme", "time_zone": ZONE},
        {"name": "  Globex Corp ", "time_zone": ZONE, "is_active": False},
        {"name": "", "time_zone": ZONE},  # no name
        {"name": "!!!", "time_zone": ZONE},  # no identifier can be made of it
        {"name": "ACME", "identifier": "acme-2", "time_zone": ZONE},  # name of the first row
        {"name": "Initech", "identifier": "acme", "time_zone": ZONE},  # its identifier
        {"name": "Umbrella", "time_zone": "Mars/Olympus"},  # no such zone
        {"name": "Hooli", "identifier": "already", "time_zone": ZONE},  # taken in the database
        {"name": "Existing Co", "time_zone": ZONE},  # name taken in the database
        {"name": "Stark", "identifier": "not a slug!", "time_zone": ZONE},  # the model refuses
        {"name": "Wayne", "time_zone": ZONE},
    ]


def companies_seen() -> dict:
    return {
        c.name: (c.identifier, c.time_zone, c.is_active)
        for c in Company.objects.exclude(name="Existing Co")
    }


def test_companies_in_a_batch_are_those_made_one_at_a_time(admin):
    CompanyFactory(name="Existing Co", identifier="already")
    rows = company_rows()
    with transaction.atomic():
        single = [outcome(r) for r in one_by_one(company_create, rows, admin)]
        single_saved = companies_seen()
        transaction.set_rollback(True)
    assert companies_seen() == {}
    batch = [outcome(r) for r in companies_create_many(rows=rows, by=admin)]
    assert batch == single
    assert companies_seen() == single_saved
    assert single_saved == {
        "Acme": ("acme", ZONE, True),
        "Globex Corp": ("globex-corp", ZONE, False),
        "Wayne": ("wayne", ZONE, True),
    }
    assert batch[4] == {"name": ["There is already a company called ACME."]}
    assert batch[5] == {"identifier": ["The identifier acme is taken by another company."]}


def test_a_batch_of_companies_costs_a_few_queries(admin):
    rows = [{"name": f"Client {n}", "time_zone": ZONE} for n in range(200)]
    with CaptureQueriesContext(connection) as queries:
        results = companies_create_many(rows=rows, by=admin)
    assert all(isinstance(r, Company) and r.pk for r in results)
    assert Company.objects.count() == 200
    assert len(queries) < 12, [q["sql"][:80] for q in queries]


def test_only_who_may_add_companies_may_add_a_batch(tech):
    with pytest.raises(PermissionDenied, match="add companies"):
        companies_create_many(rows=[{"name": "Acme", "time_zone": ZONE}], by=tech)
    assert not Company.objects.exists()


# --- agreements -------------------------------------------------------------------------------


@pytest.fixture
def setup(db):
    company = CompanyFactory(name="Globex", identifier="globex")
    return {
        "company": company,
        "remote": WorkTypeFactory(name="Remote Support"),
        "onsite": WorkTypeFactory(name="Onsite"),
        "holiday": WorkTypeFactory(name="Holiday", is_payroll_wrap=True),
        "help": WorkRoleFactory(name="Help Desk"),
        "engineer": WorkRoleFactory(name="Engineer", rate=Decimal("150.00")),
    }


def agreement_rows(s) -> list[dict]:
    company = s["company"]
    managed = {
        "company": company,
        "type": AgreementType.MANAGED,
        "start_date": date(2025, 1, 1),
        "monthly_fee": Decimal("1500.00"),
    }
    return [
        {**managed, "name": " Managed ", "covered_work_types": [s["remote"], s["onsite"]]},
        {
            "company": company,
            "name": "Hourly",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": date(2025, 1, 1),
            "hourly_rate": Decimal("120.00"),
        },
        {
            "company": company,
            "name": "Block",
            "type": AgreementType.BLOCK_HOURS,
            "start_date": date(2025, 2, 1),
            "end_date": date(2025, 12, 31),
            "prepaid_hours": Decimal("20"),
            "prepaid_amount": Decimal("2000"),
            "covered_work_types": [s["remote"]],
            "role_rates": [
                RoleRate(s["help"], Decimal("90.00")),
                RoleRate(s["engineer"], Decimal("140.00"), date(2025, 6, 1)),
            ],
        },
        {
            "company": company,
            "name": "Office move",
            "type": AgreementType.PROJECT,
            "start_date": date(2025, 3, 1),
            "prepaid_amount": Decimal("6000"),
            "estimated_hours": Decimal("40"),
        },
        {**managed, "name": "  "},
        {**managed, "name": "Wrapped", "covered_work_types": [s["holiday"]]},
        {**managed, "name": "No fee", "monthly_fee": Decimal("0")},
        {**managed, "name": "Backwards", "end_date": date(2024, 12, 31)},
        {**managed, "name": "Negative", "monthly_fee": Decimal("-5")},
        {
            "company": company,
            "name": "Fixed, no estimate",
            "type": AgreementType.PROJECT,
            "start_date": date(2025, 3, 1),
            "prepaid_amount": Decimal("6000"),
        },
        {
            "company": company,
            "name": "Hours on hourly",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": date(2025, 1, 1),
            "prepaid_hours": Decimal("5"),
        },
        {
            **managed,
            "name": "Two rates",
            "role_rates": [RoleRate(s["help"], Decimal("90")), RoleRate(s["help"], Decimal("95"))],
        },
        {
            **managed,
            "name": "Rate after end",
            "end_date": date(2025, 3, 31),
            "role_rates": [RoleRate(s["help"], Decimal("90"), date(2025, 4, 1))],
        },
        {**managed, "name": "Cents", "role_rates": [RoleRate(s["help"], Decimal("90.001"))]},
        {**managed, "name": "Nobody's", "company": Company(pk=987654, name="Gone")},
        {**managed, "name": "Type", "type": "retainer"},
    ]


def agreements_seen() -> dict:
    """Every agreement by name as a user would compare them: fields, covered work, role
    rates, and its history records with the work each one lists."""
    skip = {"id"}
    names = [f.attname for f in Agreement._meta.concrete_fields if f.name not in skip]
    seen = {}
    for agreement in Agreement.objects.all():
        seen[agreement.name] = (
            tuple(getattr(agreement, name) for name in names),
            tuple(sorted(agreement.covered_work_types.values_list("name", flat=True))),
            tuple(
                sorted(
                    agreement.role_rates.values_list("work_role__name", "rate", "effective_from")
                )
            ),
            tuple(
                (
                    record.history_type,
                    record.history_user_id,
                    record.history_date,
                    record.name,
                    record.monthly_fee,
                    tuple(
                        sorted(record.covered_work_types.values_list("worktype__name", flat=True))
                    ),
                )
                for record in agreement.history.order_by("history_date", "history_id")
            ),
        )
    return seen


@time_machine.travel(NOW, tick=False)
def test_agreements_in_a_batch_are_those_made_one_at_a_time(finance, setup):
    rows = agreement_rows(setup)
    with transaction.atomic():
        single = [outcome(r) for r in one_by_one(agreement_create, rows, finance)]
        single_saved = agreements_seen()
        transaction.set_rollback(True)
    assert not Agreement.objects.exists()
    results = agreements_create_many(rows=rows, by=finance)
    batch = [outcome(r) for r in results]
    for n, (mine, theirs) in enumerate(zip(batch, single, strict=True)):
        assert mine == theirs, (n, rows[n]["name"])
    assert agreements_seen() == single_saved
    assert sorted(single_saved) == ["Block", "Hourly", "Managed", "Office move"]
    managed = single_saved["Managed"]
    assert managed[1] == ("Onsite", "Remote Support")
    # Created, then the work it covers set: two records, the second listing the work.
    assert [(r[0], r[5]) for r in managed[3]] == [
        ("+", ()),
        ("~", ("Onsite", "Remote Support")),
    ]
    assert all(r[1] == finance.user.pk for r in managed[3])
    assert single_saved["Block"][2] == (
        ("Engineer", Decimal("140.00"), date(2025, 6, 1)),
        ("Help Desk", Decimal("90.00"), RATES_SINCE),
    )
    assert [r[0] for r in single_saved["Hourly"][3]] == ["+"]
    assert AgreementRate.objects.count() == 2
    # A few of the refusals, as the user reads them.
    by_name = dict(zip([r["name"] for r in rows], batch, strict=True))
    assert "An agreement cannot end before it starts." in by_name["Backwards"]["__all__"]
    assert by_name["Wrapped"]["covered_work_types"] == [
        "Holiday is internal time that belongs to no client; an agreement cannot cover it."
    ]
    assert by_name["Rate after end"]["role_rates"][0].startswith(
        "Help Desk: The agreement ends on 2025-03-31"
    )
    assert "company" in by_name["Nobody's"]


def test_a_batch_of_agreements_costs_a_few_queries(finance, setup):
    rows = [
        {
            "company": setup["company"],
            "name": f"Managed {n}",
            "type": AgreementType.MANAGED,
            "start_date": date(2025, 1, 1),
            "monthly_fee": Decimal("1000"),
            "covered_work_types": [setup["remote"]],
            "role_rates": [RoleRate(setup["help"], Decimal("95"))],
        }
        for n in range(200)
    ]
    with CaptureQueriesContext(connection) as queries:
        results = agreements_create_many(rows=rows, by=finance)
    assert all(isinstance(r, Agreement) and r.pk for r in results)
    assert Agreement.objects.count() == 200
    assert AgreementRate.objects.count() == 200
    assert Agreement.history.filter(history_type="~").count() == 200
    # One by one this was over a dozen queries an agreement.
    assert len(queries) < 25, [q["sql"][:80] for q in queries]


def test_only_who_may_add_agreements_may_add_a_batch(tech, dispatcher, setup):
    row = {
        "company": setup["company"],
        "name": "Hourly",
        "type": AgreementType.TIME_AND_MATERIALS,
        "start_date": date(2025, 1, 1),
    }
    with pytest.raises(PermissionDenied, match="add agreements"):
        agreements_create_many(rows=[row], by=tech)
    assert not Agreement.objects.exists()


def test_role_rates_in_a_batch_need_the_rates_permission(admin, setup, monkeypatch):
    """Whoever may add agreements but not set their rates is refused the batch, as the single
    path refuses the agreement: nothing is written."""
    from daybook.clients import rates

    def refuse(by):
        raise PermissionDenied(rates.RATE_PERMISSION_MESSAGE)

    monkeypatch.setattr("daybook.clients.services.agreement_rate_ensure_may", refuse)
    rows = [
        {
            "company": setup["company"],
            "name": "Plain",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": date(2025, 1, 1),
        },
        {
            "company": setup["company"],
            "name": "Rated",
            "type": AgreementType.TIME_AND_MATERIALS,
            "start_date": date(2025, 1, 1),
            "role_rates": [RoleRate(setup["help"], Decimal("90"))],
        },
    ]
    with pytest.raises(PermissionDenied, match="agreement's rates"):
        agreements_create_many(rows=rows, by=admin)
    assert not Agreement.objects.exists()
