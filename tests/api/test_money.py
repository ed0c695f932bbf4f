"""Who sees money: one rule (core/money.py), asked by every serializer with amounts or rates,
the timer's stop, an entry's history over the API and on its page, and the finance reports.

Finance and Admin see fees, rates, prepaid amounts and cost rates; technicians, dispatchers
and managers see the same records without them."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import path, reverse
from drf_spectacular.generators import SchemaGenerator

from daybook.clients.choices import AgreementType
from daybook.core.money import may_see_money
from daybook.insights.access import sees_finance
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_edit, timer_start
from tests.api_support import client_for
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)
ROLES = ["tech", "dispatcher", "lead", "finance", "admin"]
SEES_MONEY = {"tech": False, "dispatcher": False, "lead": False, "finance": True, "admin": True}
AGREEMENT_MONEY = {"monthly_fee", "prepaid_amount", "hourly_rate", "role_rates"}
ENTRY_MONEY = {"bill_rate", "cost_rate"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def help_desk(db):
    return WorkRoleFactory(name="Network Engineer", rate=Decimal("95.00"))


@pytest.fixture
def agreement(help_desk):
    agreement = AgreementFactory(
        type=AgreementType.BLOCK_HOURS,
        prepaid_hours=Decimal(20),
        prepaid_amount=Decimal("2400.00"),
        hourly_rate=Decimal("125.00"),
    )
    AgreementRateFactory(agreement=agreement, work_role=help_desk, rate=Decimal("130.00"))
    return agreement


@pytest.fixture(params=ROLES)
def viewer(request):
    """(fixture name, member) for each role."""
    return request.param, request.getfixturevalue(request.param)


def own_entry(member, help_desk):
    start = NOW - timedelta(days=1, hours=5)
    return TimeEntryFactory(
        member=member, work_role=help_desk, start=start, end=start + timedelta(hours=1)
    )


def test_the_rule_is_finance_and_admin(viewer):
    name, member = viewer
    assert may_see_money(member.user) is SEES_MONEY[name]
    # The finance reports ask the same rule.
    assert sees_finance(member.user) is SEES_MONEY[name]


def test_nobody_unknown_sees_money(db):
    assert may_see_money(None) is False
    assert may_see_money(AnonymousUser()) is False
    assert may_see_money(UserFactory(username="no-role")) is False


def test_work_role_rates(viewer, help_desk):
    name, member = viewer
    client = client_for(member)
    listed = client.get("/api/work-roles/").json()["results"]
    one = client.get(f"/api/work-roles/{help_desk.pk}/").json()
    assert {row["name"] for row in listed} >= {"Network Engineer"}
    assert all(("rate" in row) is SEES_MONEY[name] for row in listed)
    assert one["name"] == "Network Engineer"
    assert ("rate" in one) is SEES_MONEY[name]
    if SEES_MONEY[name]:
        assert one["rate"] == "95.00"


def test_agreement_fees_rates_and_prepaid_amount(viewer, agreement):
    name, member = viewer
    shown = client_for(member).get(f"/api/agreements/{agreement.pk}/").json()
    assert shown["prepaid_hours"] == "20.00"  # hours are not money
    if SEES_MONEY[name]:
        assert shown.keys() >= AGREEMENT_MONEY
        assert shown["prepaid_amount"] == "2400.00"
        assert shown["hourly_rate"] == "125.00"
        assert shown["role_rates"][0]["rate"] == "130.00"
    else:
        assert not AGREEMENT_MONEY & shown.keys()


@pytest.mark.parametrize("name", ["tech", "finance"])
def test_rates_do_not_order_lists(request, name, help_desk):
    # The order alone would tell how rates compare: Help Desk (100), Network Engineer (95)
    # and Zeta Consulting (200) would come Zeta first by rate.
    member = request.getfixturevalue(name)
    WorkRoleFactory(name="Zeta Consulting", rate=Decimal("200.00"))
    response = client_for(member).get("/api/work-roles/", {"ordering": "-rate"})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["Help Desk", "Network Engineer", "Zeta Consulting"]


def test_member_cost_rate(viewer):
    name, member = viewer
    me = client_for(member).get("/api/members/me/").json()
    assert ("cost_rate" in me) is SEES_MONEY[name]


def test_own_entries_rates(viewer, help_desk):
    name, member = viewer
    entry = own_entry(member, help_desk)
    client = client_for(member)
    one = client.get(f"/api/time-entries/{entry.pk}/").json()
    listed = client.get("/api/time-entries/").json()["results"]
    assert one["id"] == entry.pk
    assert [row["id"] for row in listed] == [entry.pk]
    for shown in (one, listed[0]):
        assert (shown.keys() >= ENTRY_MONEY) is SEES_MONEY[name]
        assert bool(ENTRY_MONEY & shown.keys()) is SEES_MONEY[name]


def test_entry_history_over_the_api(viewer, help_desk, frozen):
    name, member = viewer
    entry = own_entry(member, help_desk)
    # A new work role re-rates the entry: its bill rate changes with it.
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("140.00"))
    entry_edit(entry=TimeEntry.objects.get(pk=entry.pk), by=member, work_role=engineer)
    history = client_for(member).get(f"/api/time-entries/{entry.pk}/history/").json()
    fields = {change["field"] for record in history for change in record["changes"]}
    assert "work_role" in fields
    assert ("bill_rate" in fields) is SEES_MONEY[name]
    assert ("cost_rate" in fields) is SEES_MONEY[name]  # in the version that created it


def test_entry_history_page(viewer, help_desk, frozen):
    name, member = viewer
    entry = own_entry(member, help_desk)
    engineer = WorkRoleFactory(name="Systems Engineer", rate=Decimal("140.00"))
    entry_edit(entry=TimeEntry.objects.get(pk=entry.pk), by=member, work_role=engineer)
    client = client_for(None)
    client.force_login(member.user)
    page = client.get(reverse("timekeeping:entry_history", args=[entry.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Systems Engineer" in body
    assert ("Bill rate" in body) is SEES_MONEY[name]
    assert ("Cost rate" in body) is SEES_MONEY[name]


def test_timer_stop_answer(viewer, help_desk, frozen):
    name, member = viewer
    ticket = TicketFactory()
    timer_start(member=member, ticket=ticket, at=NOW - timedelta(minutes=40))
    response = client_for(member).post(
        "/api/timer/stop/",
        {"work_type": WorkTypeFactory().pk, "notes": "Cleared the print queue."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert ("bill_rate" in response.json()) is SEES_MONEY[name]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        from django.urls import include

        generator = SchemaGenerator(patterns=[path("api/", include("daybook.api_urls"))])
        return generator.get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("component", "fields"),
    [
        ("WorkRole", {"rate"}),
        ("Agreement", AGREEMENT_MONEY),
        ("Member", {"cost_rate"}),
        ("TimeEntry", ENTRY_MONEY),
        ("StoppedEntry", {"bill_rate"}),
    ],
)
def test_schema_marks_money_optional_and_says_who_sees_it(schema, component, fields):
    shape = schema["components"]["schemas"][component]
    assert fields <= shape["properties"].keys()
    assert not fields & set(shape.get("required", []))
    for name in fields - {"role_rates"}:  # a list of objects has no note of its own
        assert "Finance and Admin" in shape["properties"][name]["description"]


def test_a_write_may_still_require_what_an_answer_leaves_out(schema):
    # Requests have their own shapes: a new work role needs its rate.
    assert "rate" in schema["components"]["schemas"]["WorkRoleRequest"]["required"]
