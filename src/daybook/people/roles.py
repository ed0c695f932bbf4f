"""Roles are Django groups; this module says which permissions each one holds."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from .choices import Role

READ_SETUP = [
    "people.view_member",
    "people.view_team",
    "clients.view_company",
    "clients.view_contact",
    "clients.view_agreement",
    "service.view_board",
    "service.view_ticket",
    "service.view_ticketnote",
    "service.view_project",
    "service.view_phase",
    "catalogue.view_workrole",
    "catalogue.view_worktype",
]
OWN_TIME = [
    "timekeeping.view_timeentry",
    "timekeeping.add_timeentry",
    "timekeeping.change_timeentry",
    "timekeeping.delete_timeentry",
    "timekeeping.view_timer",
    "timekeeping.add_timer",
    "timekeeping.change_timer",
    "timekeeping.delete_timer",
    "service.change_ticket",
    "service.add_ticketnote",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TECHNICIAN: READ_SETUP + OWN_TIME,
    Role.DISPATCHER: READ_SETUP
    + OWN_TIME
    + ["service.add_ticket", "service.dispatch_ticket", "service.change_ticket_agreement"],
    Role.MANAGER: READ_SETUP
    + OWN_TIME
    + [
        "timekeeping.view_team_entries",
        "service.change_ticket_agreement",
        "service.add_ticket",
        "service.dispatch_ticket",
        "service.add_project",
        "service.change_project",
        "service.add_phase",
        "service.change_phase",
    ],
    Role.FINANCE: READ_SETUP
    + OWN_TIME
    + [
        "timekeeping.view_all_entries",
        "timekeeping.manage_all_entries",
        "timekeeping.view_periodclose",
        "timekeeping.add_periodclose",
        "clients.add_company",
        "clients.change_company",
        "clients.add_agreement",
        "clients.change_agreement",
        "clients.view_agreementrate",
        "clients.add_agreementrate",
        "clients.change_agreementrate",
        "clients.delete_agreementrate",
        "catalogue.view_workrolerate",
        "catalogue.add_workrolerate",
        "catalogue.change_workrolerate",
        "people.view_membercostrate",
        "people.add_membercostrate",
        "people.change_membercostrate",
        "service.change_ticket_agreement",
    ],
}
# Admins hold every permission, so new models are covered without editing this table.
STAFF_ROLES = frozenset({Role.FINANCE, Role.ADMIN})


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions. Safe to run repeatedly."""
    # post_migrate reaches this before later apps have their permissions; make them now.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            group.permissions.set(Permission.objects.all())
            continue
        wanted = ROLE_PERMISSIONS[role]
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
