"""Flags about a ticket's agreement: a member tells dispatch it looks off; setting the
agreement or finding it right answers the flag. And the workflow's refusal, asked before
anything else happens."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from daybook.service.choices import TicketStatus
from daybook.service.models import AgreementFlag
from daybook.service.services import (
    ticket_flag_agreement,
    ticket_flag_resolve,
    ticket_move_error,
    ticket_set_agreement,
)
from tests.factories import AgreementFactory, TicketFactory

NOW = datetime(2025, 3, 14, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=NOW - timedelta(hours=2))


def test_a_technician_flags_the_agreement_with_a_reason(tech, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=tech, reason="  This is project work.  ")
    assert (flag.ticket, flag.raised_by, flag.reason) == (ticket, tech, "This is project work.")
    assert (flag.created_at, flag.is_open) == (NOW, True)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("   ", "Say in a few words what looks off"), ("x" * 1001, "1000 characters or fewer")],
)
def test_a_flag_needs_a_short_reason(tech, ticket, reason, message):
    with pytest.raises(ValidationError, match=message):
        ticket_flag_agreement(ticket=ticket, by=tech, reason=reason)
    assert not AgreementFlag.objects.exists()


def test_one_open_flag_per_member_and_none_on_a_closed_ticket(tech, dispatcher, ticket):
    ticket_flag_agreement(ticket=ticket, by=tech, reason="Wrong client plan")
    with pytest.raises(ValidationError, match="flagged this ticket's agreement already"):
        ticket_flag_agreement(ticket=ticket, by=tech, reason="Still wrong")
    ticket_flag_agreement(ticket=ticket, by=dispatcher, reason="Agree with Tess")
    closed = TicketFactory(status=TicketStatus.CLOSED)
    with pytest.raises(ValidationError, match="is closed"):
        ticket_flag_agreement(ticket=closed, by=tech, reason="Too late")
    assert AgreementFlag.objects.count() == 2


def test_setting_the_agreement_answers_the_open_flags(tech, dispatcher, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=tech, reason="Should be the project")
    project = AgreementFactory(company=ticket.company, name="Migration project")
    ticket_set_agreement(ticket=ticket, agreement=project, by=dispatcher)
    flag.refresh_from_db()
    assert (flag.is_open, flag.resolved_by, flag.resolved_at) == (False, dispatcher, NOW)
    assert flag.resolution == f"Agreement set to {project}."


def test_the_dispatcher_finds_the_agreement_right(tech, dispatcher, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=tech, reason="Is this covered?")
    answered = ticket_flag_resolve(flag=flag, by=dispatcher, resolution="Yes, it is covered.")
    assert (answered.is_open, answered.resolution) == (False, "Yes, it is covered.")
    with pytest.raises(ValidationError, match="already answered"):
        ticket_flag_resolve(flag=flag, by=dispatcher)


def test_an_empty_answer_says_the_agreement_was_checked(tech, dispatcher, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=tech, reason="Is this covered?")
    answered = ticket_flag_resolve(flag=flag, by=dispatcher)
    assert answered.resolution == "Checked: the agreement is right as it is."


def test_a_technician_cannot_answer_a_flag(tech, other_team_tech, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=other_team_tech, reason="Looks off")
    with pytest.raises(PermissionDenied):
        ticket_flag_resolve(flag=flag, by=tech)
    flag.refresh_from_db()
    assert flag.is_open


def test_a_flag_cannot_be_answered_before_it_was_raised(tech, ticket):
    flag = ticket_flag_agreement(ticket=ticket, by=tech, reason="Looks off")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementFlag.objects.filter(pk=flag.pk).update(resolved_at=NOW - timedelta(minutes=1))


def test_the_workflow_refusal_is_asked_before_anything_moves(ticket):
    assert ticket_move_error(ticket=ticket, status=TicketStatus.IN_PROGRESS) is None
    assert ticket_move_error(ticket=ticket, status=TicketStatus.NEW) is None  # already there
    ticket.status = TicketStatus.CLOSED
    refused = ticket_move_error(ticket=ticket, status=TicketStatus.IN_PROGRESS)
    assert refused == (
        f"A ticket cannot go from Closed to In Progress. #{ticket.pk} is closed, and a closed "
        "ticket stays closed."
    )
    ticket.status = TicketStatus.RESOLVED
    assert ticket_move_error(ticket=ticket, status=TicketStatus.WAITING_CLIENT) == (
        "A ticket cannot go from Resolved to Waiting Client."
    )


def test_flags_are_listed_in_the_admin_to_read(client, admin, tech, ticket):
    ticket_flag_agreement(ticket=ticket, by=tech, reason="Should be the project agreement")
    client.force_login(admin.user)
    page = client.get(reverse("admin:service_agreementflag_changelist")).content.decode()
    assert "Should be the project agreement" in page
    assert client.get(reverse("admin:service_agreementflag_add")).status_code == 403
