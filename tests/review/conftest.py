import pytest

from daybook.people.choices import Role
from tests.factories import MemberFactory, TicketFactory, UserFactory, WorkTypeFactory

from .helpers import FRIDAY, at


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def wrap(db):
    return WorkTypeFactory(name="Admin", is_payroll_wrap=True)


@pytest.fixture
def ticket(db):
    return TicketFactory()


@pytest.fixture
def other_manager(other_team):
    """A manager who reviews another team, not the one `tech` and `lead` are on."""
    member = MemberFactory(
        user=UserFactory(username="omar", first_name="Omar"), team=other_team, role=Role.MANAGER
    )
    other_team.reviewers.add(member)
    return member


@pytest.fixture
def after_review_opens(time_machine):
    """Friday 18:00 in New York: the day (09-17) plus the 30-minute grace has ended."""
    time_machine.move_to(at(FRIDAY, 18), tick=False)
