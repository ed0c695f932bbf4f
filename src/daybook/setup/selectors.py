"""Reads for the setup pages: the first-run checklist and the counts on the setup index."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from daybook.catalogue.models import WorkRole, WorkType
from daybook.clients.models import Agreement, Company
from daybook.people.models import Holiday, Member, Team
from daybook.service.models import Board
from daybook.timekeeping.models import ReviewPolicy


@dataclass(frozen=True)
class ChecklistItem:
    """One step of setting up an installation.

    key: a stable name for the step (e.g. "work_roles"), for tests and templates.
    label: what to do, in a few words.
    done: whether the installation has done it.
    url: where to do it (a path in this site).
    hint: one sentence on why the step matters.
    """

    key: str
    label: str
    done: bool
    url: str
    hint: str = ""


def setup_checklist() -> list[ChecklistItem]:
    """The first-run checklist: the steps a new installation goes through before its people
    can log time that reports can trust, each with whether it is done and a link to the page
    that does it. In order; every step is one small EXISTS query (a fixed number of queries
    whatever the size of the data). Anyone who may set up may be shown it; it holds no money
    and no one's time.

    Stable for the home page: `setup_checklist() -> list[ChecklistItem]`, each item with
    key, label, done (bool), url and hint.
    """
    client_types = WorkType.objects.filter(is_payroll_wrap=False, is_active=True)
    wrap_types = WorkType.objects.filter(is_payroll_wrap=True, is_active=True)
    return [
        ChecklistItem(
            key="work_roles",
            label="Add the work roles your people work in, with their rates",
            done=WorkRole.objects.exists(),
            url=reverse("setup:work_roles"),
            hint="Every entry names a role; its rate is what an hour is billed at.",
        ),
        ChecklistItem(
            key="work_types",
            label="Add work types for client work and for internal time",
            done=client_types.exists() and wrap_types.exists(),
            url=reverse("setup:work_types"),
            hint="Client work goes on tickets; payroll-wrap types (admin, training, time off) "
            "fill the rest of the day.",
        ),
        ChecklistItem(
            key="board",
            label="Create a board for tickets",
            done=Board.objects.exists(),
            url=reverse("setup:boards"),
            hint="Tickets are queued on boards, such as Help Desk or Projects.",
        ),
        ChecklistItem(
            key="agreement",
            label="Add a client company with an agreement",
            done=Agreement.objects.exists(),
            url=reverse("setup:companies"),
            hint="Time on a client's tickets is applied to its agreement; reports read the "
            "agreement's fees and rates.",
        ),
        ChecklistItem(
            key="team",
            label="Form a team and say who reviews it",
            done=Team.objects.filter(reviewers__isnull=False).exists(),
            url=reverse("setup:teams"),
            hint="Reviewers look over their team's days once each day is over.",
        ),
        ChecklistItem(
            key="member_schedule",
            label="Invite a member and give them a working schedule",
            done=Member.objects.filter(schedule__isnull=False).exists(),
            url=reverse("setup:members"),
            hint="The schedule says when someone is expected to work, so gaps can be found.",
        ),
        ChecklistItem(
            key="review_policy",
            label="Look over the review settings and save them",
            done=ReviewPolicy.history.exists(),
            url=reverse("review:settings"),
            hint="The gap threshold and the grace after a working day decide what reviewers "
            "see and when.",
        ),
        ChecklistItem(
            key="holidays",
            label="Put the public holidays on the calendar",
            done=Holiday.objects.exists(),
            url=reverse("people:holidays"),
            hint="Nobody is expected to work on a holiday, so it holds no gaps.",
        ),
    ]


@dataclass(frozen=True)
class SetupArea:
    """One area on the setup index, shown to those who may manage it."""

    key: str
    label: str
    url: str
    count: int
    description: str


# What each area is, which permissions manage it (any one will do) and how to count it.
AREAS = [
    (
        "companies",
        "Companies and contacts",
        "setup:companies",
        ("clients.add_company", "clients.change_company"),
        Company.objects.all,
        "The clients you work for, and the people there.",
    ),
    (
        "agreements",
        "Agreements",
        "setup:agreements",
        ("clients.add_agreement", "clients.change_agreement"),
        Agreement.objects.all,
        "Contracts: type, dates, fees, block hours, estimates, covered work, role rates.",
    ),
    (
        "members",
        "Members and schedules",
        "setup:members",
        ("people.add_member", "people.change_member"),
        Member.objects.all,
        "Who logs time: role, team, time zone, start date, cost rate and weekly schedule.",
    ),
    (
        "teams",
        "Teams",
        "setup:teams",
        ("people.add_team", "people.change_team"),
        Team.objects.all,
        "Groups of members and who reviews their days.",
    ),
    (
        "boards",
        "Boards",
        "setup:boards",
        ("service.add_board", "service.change_board"),
        Board.objects.all,
        "The queues tickets wait on, each with the work type it suggests.",
    ),
    (
        "work_roles",
        "Work roles",
        "setup:work_roles",
        ("catalogue.add_workrole", "catalogue.change_workrole"),
        WorkRole.objects.all,
        "The capacities people work in, with their standard rates.",
    ),
    (
        "work_types",
        "Work types",
        "setup:work_types",
        ("catalogue.add_worktype", "catalogue.change_worktype"),
        WorkType.objects.all,
        "Kinds of work: billable default, rate multiplier, payroll wrap.",
    ),
]


def may_manage(user: AbstractBaseUser, key: str) -> bool:
    """Whether `user` may manage the setup area `key` (one of AREAS)."""
    for area_key, _, _, perms, _, _ in AREAS:
        if area_key == key:
            return any(user.has_perm(p) for p in perms)
    raise KeyError(key)


def setup_areas(user: AbstractBaseUser) -> list[SetupArea]:
    """The setup areas `user` may manage, each with how many records it holds."""
    return [
        SetupArea(key=key, label=label, url=reverse(name), count=rows().count(), description=text)
        for key, label, name, perms, rows, text in AREAS
        if any(user.has_perm(p) for p in perms)
    ]
