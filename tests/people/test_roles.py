from datetime import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from daybook.people.choices import Role
from daybook.people.models import Member
from daybook.people.roles import roles_sync
from daybook.people.selectors import members_visible_to
from daybook.people.services import member_create, schedule_set


@pytest.mark.django_db
def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_roles_sync_is_repeatable_and_admin_holds_every_permission():
    roles_sync()
    roles_sync()
    assert Group.objects.get(name=Role.ADMIN).permissions.count() == Permission.objects.count()


@pytest.mark.parametrize(
    ("role", "perm", "held"),
    [
        (Role.TECHNICIAN, "timekeeping.add_timeentry", True),
        (Role.TECHNICIAN, "timekeeping.view_team_entries", False),
        (Role.TECHNICIAN, "service.change_ticket_agreement", False),
        (Role.DISPATCHER, "service.change_ticket_agreement", True),
        (Role.MANAGER, "timekeeping.view_team_entries", True),
        (Role.MANAGER, "timekeeping.view_all_entries", False),
        (Role.FINANCE, "timekeeping.view_all_entries", True),
        (Role.FINANCE, "timekeeping.add_periodclose", True),
        (Role.FINANCE, "catalogue.add_worktype", False),
        (Role.ADMIN, "catalogue.add_worktype", True),
    ],
)
def test_role_permissions(db, role, perm, held):
    member = member_create(username=f"u-{role}", role=role)
    assert member.user.has_perm(perm) is held


def test_who_sees_whose_time(tech, lead, other_team_tech, finance):
    assert set(members_visible_to(tech.user)) == {tech}
    assert set(members_visible_to(lead.user)) == {tech, lead}
    assert set(members_visible_to(other_team_tech.user)) == {other_team_tech}
    assert set(members_visible_to(finance.user)) >= {tech, lead, other_team_tech, finance}


@pytest.mark.django_db
def test_member_create_refuses_duplicate_and_bad_zone_without_side_effects():
    member_create(username="sam")
    with pytest.raises(ValidationError, match="already taken"):
        member_create(username="sam")
    with pytest.raises(ValidationError, match="not a known time zone"):
        member_create(username="zed", time_zone="Mars/Olympus")
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_finance_and_admin_get_admin_site_access():
    assert member_create(username="f", role=Role.FINANCE).user.is_staff
    assert not member_create(username="t", role=Role.TECHNICIAN).user.is_staff


def test_split_shift_schedule_and_overlap_refused(tech):
    schedule_set(member=tech, blocks=[(0, time(8), time(12)), (0, time(16), time(20))])
    assert tech.schedule.count() == 2
    with pytest.raises(ValidationError, match="overlap"):
        schedule_set(member=tech, blocks=[(1, time(8), time(12)), (1, time(11), time(14))])
    with pytest.raises(ValidationError, match="end after"):
        schedule_set(member=tech, blocks=[(1, time(12), time(8))])
    assert tech.schedule.count() == 2
