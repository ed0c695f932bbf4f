"""The first-run checklist: what a new installation has done, with where to do the rest."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daybook.people.models import Holiday
from daybook.setup.selectors import ChecklistItem, setup_checklist
from daybook.timekeeping.models import ReviewPolicy
from tests.factories import AgreementFactory, BoardFactory, TeamFactory, WorkTypeFactory


def done(items: list[ChecklistItem]) -> set[str]:
    return {item.key for item in items if item.done}


def test_an_empty_installation_has_everything_to_do(db):
    items = setup_checklist()
    assert [item.key for item in items] == [
        "work_roles",
        "work_types",
        "board",
        "agreement",
        "team",
        "member_schedule",
        "review_policy",
        "holidays",
    ]
    assert not done(items)
    assert all(item.url.startswith("/") and item.label for item in items)


def test_steps_tick_off_as_the_installation_is_set_up(tech, lead):
    # tech brings a work role and a schedule; lead reviews tech's team.
    WorkTypeFactory(name="Remote Support")
    assert "work_types" not in done(setup_checklist())  # no payroll-wrap type yet
    WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    BoardFactory()
    AgreementFactory()
    Holiday.objects.create(date=date(2025, 12, 25), name="Christmas Day")
    policy = ReviewPolicy.objects.get(team__isnull=True)
    policy.grace_minutes = 90
    policy.save()
    assert done(setup_checklist()) == {
        "work_roles",
        "work_types",
        "board",
        "agreement",
        "team",
        "member_schedule",
        "review_policy",
        "holidays",
    }


def test_a_team_without_a_reviewer_is_not_done(db):
    TeamFactory(name="Nobody reviews us")
    assert "team" not in done(setup_checklist())


def test_the_checklist_costs_a_fixed_number_of_queries(db):
    with CaptureQueriesContext(connection) as queries:
        setup_checklist()
    assert len(queries) <= 9


def test_the_admin_sees_the_checklist_on_the_setup_page(admin, client_for):
    page = client_for(admin).get(reverse("setup:index")).content.decode()
    assert "Getting started" in page
    assert reverse("setup:companies") in page
    assert reverse("review:settings") in page
    assert reverse("people:holidays") in page
