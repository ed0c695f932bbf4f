"""Fixtures shared by every test: people (tech, lead of the same team, other_team_tech,
dispatcher, finance, admin) and an SMTP server on 127.0.0.1 that keeps what it receives."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from daybook.people.choices import Role
from daybook.service.choices import TicketStatus

from .factories import BoardFactory, MemberFactory, TeamFactory, TicketFactory, UserFactory


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def boards_with_tickets(db):
    """Three boards: Desk with two open tickets and a closed one, Projects with one open and
    one resolved, Quiet with none: open tickets 2, 1 and 0."""
    desk, projects = BoardFactory(name="Desk"), BoardFactory(name="Projects")
    BoardFactory(name="Quiet")
    for status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.CLOSED):
        TicketFactory(board=desk, status=status)
    TicketFactory(board=projects, status=TicketStatus.WAITING_CLIENT)
    TicketFactory(board=projects, status=TicketStatus.RESOLVED)
