"""People fixtures shared by every test: tech, lead (same team), other_team_tech, finance, admin."""

import pytest

from daybook.people.choices import Role

from .factories import MemberFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs a third of a second per login created; tests don't need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Service Desk")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Projects")


@pytest.fixture
def tech(team):
    return MemberFactory(user=UserFactory(username="tess", first_name="Tess"), team=team)


@pytest.fixture
def lead(team):
    member = MemberFactory(
        user=UserFactory(username="lena", first_name="Lena"), team=team, role=Role.MANAGER
    )
    team.reviewers.add(member)
    return member


@pytest.fixture
def other_team_tech(other_team):
    return MemberFactory(user=UserFactory(username="otto", first_name="Otto"), team=other_team)


@pytest.fixture
def dispatcher(team):
    return MemberFactory(
        user=UserFactory(username="dana", first_name="Dana"), team=team, role=Role.DISPATCHER
    )


@pytest.fixture
def finance(db):
    member = MemberFactory(user=UserFactory(username="fin", first_name="Fiona"), role=Role.FINANCE)
    member.user.is_staff = True
    member.user.save()
    return member


@pytest.fixture
def admin(db):
    member = MemberFactory(user=UserFactory(username="ada", first_name="Ada"), role=Role.ADMIN)
    member.user.is_staff = True
    member.user.is_superuser = True
    member.user.save()
    return member
