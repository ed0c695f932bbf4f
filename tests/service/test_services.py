from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.service.choices import ProjectStatus, TicketStatus
from daybook.service.models import Phase, Project
from daybook.service.services import (
    phase_create,
    phase_update,
    project_create,
    project_update,
    ticket_set_agreement,
    ticket_set_status,
    ticket_update,
)
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
)

OPENED = datetime(2025, 3, 14, 13, tzinfo=UTC)


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=OPENED)


def test_first_status_change_by_a_member_is_the_first_response(tech, ticket):
    ticket = ticket_set_status(
        ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=OPENED + timedelta(minutes=20)
    )
    assert ticket.first_response_at == OPENED + timedelta(minutes=20)
    change = ticket.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("new", "in_progress", tech)


def test_resolving_stamps_and_reopening_clears_resolve_time(tech, ticket):
    at = OPENED + timedelta(hours=2)
    ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=OPENED)
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, by=tech, at=at)
    assert ticket.resolved_at == at
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=tech, at=at)
    assert ticket.resolved_at is None
    assert ticket.status_changes.count() == 3


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([TicketStatus.IN_PROGRESS], TicketStatus.NEW),
        ([TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED], TicketStatus.WAITING_CLIENT),
        ([TicketStatus.CLOSED], TicketStatus.IN_PROGRESS),
    ],
)
def test_illegal_status_moves_are_refused(tech, ticket, path, target):
    for status in path:
        ticket = ticket_set_status(ticket=ticket, status=status, by=tech, at=OPENED)
    with pytest.raises(ValidationError, match="cannot go from"):
        ticket_set_status(ticket=ticket, status=target, by=tech, at=OPENED)
    ticket.refresh_from_db()
    assert ticket.status == path[-1]


def test_unknown_status_is_refused(tech, ticket):
    with pytest.raises(ValidationError, match="not a ticket status"):
        ticket_set_status(ticket=ticket, status="done-ish", by=tech)


def test_technician_cannot_change_a_tickets_agreement(tech, ticket):
    other = AgreementFactory(company=ticket.company, name="Second agreement")
    with pytest.raises(PermissionDenied):
        ticket_set_agreement(ticket=ticket, agreement=other, by=tech)


def test_dispatcher_fixes_the_agreement_within_the_same_company(dispatcher, ticket):
    right = AgreementFactory(company=ticket.company, name="Right agreement")
    assert ticket_set_agreement(ticket=ticket, agreement=right, by=dispatcher).agreement == right
    with pytest.raises(ValidationError, match="another company"):
        ticket_set_agreement(ticket=ticket, agreement=AgreementFactory(), by=dispatcher)
    ticket.refresh_from_db()
    assert ticket.agreement == right
    assert ticket.history.first().history_user == dispatcher.user


def test_a_project_cannot_use_another_clients_agreement(db):
    company = CompanyFactory(name="Initech")
    foreign = AgreementFactory(name="Elsewhere")
    with pytest.raises(ValidationError, match="another company") as refusal:
        project_create(company=company, name="Firewall refresh", agreement=foreign)
    assert list(refusal.value.message_dict) == ["agreement"]
    assert not Project.objects.exists()


def test_a_project_keeps_its_own_clients_agreement_when_changed(db):
    project = project_create(company=CompanyFactory(), name="Firewall refresh")
    ours = AgreementFactory(company=project.company, name="Project work")
    project = project_update(project=project, agreement=ours, status=ProjectStatus.ACTIVE)
    assert (project.agreement, project.status) == (ours, ProjectStatus.ACTIVE)
    with pytest.raises(ValidationError, match="another company"):
        project_update(project=project, agreement=AgreementFactory())
    project.refresh_from_db()
    assert project.agreement == ours


def test_a_project_cannot_be_due_before_it_starts(db):
    with pytest.raises(ValidationError, match="cannot be due") as refusal:
        project_create(
            company=CompanyFactory(),
            name="Office move",
            start_date=date(2025, 4, 1),
            due_date=date(2025, 3, 1),
        )
    assert list(refusal.value.message_dict) == ["due_date"]


def test_project_and_phase_updates_refuse_fields_they_do_not_own(db):
    phase = PhaseFactory()
    with pytest.raises(ValidationError, match="cannot be changed"):
        project_update(project=phase.project, phases=[])
    with pytest.raises(ValidationError, match="cannot be changed"):
        phase_update(phase=phase, id=99)


def test_phases_are_written_with_their_estimates_checked(db):
    project = ProjectFactory()
    phase = phase_create(project=project, name="Build", position=2, estimated_hours=Decimal("12.5"))
    assert (phase.project, phase.estimated_hours) == (project, Decimal("12.5"))
    phase = phase_update(phase=phase, estimated_hours=Decimal("14"))
    assert Phase.objects.get().estimated_hours == Decimal("14")
    with pytest.raises(ValidationError) as refusal:
        phase_update(phase=phase, estimated_hours=Decimal("-1"))
    assert "estimated_hours" in refusal.value.message_dict
    assert Phase.objects.get().estimated_hours == Decimal("14")


def test_ticket_update_keeps_the_agreement_with_the_client(dispatcher, ticket):
    with pytest.raises(ValidationError, match="another company"):
        ticket_update(ticket=ticket, by=dispatcher, agreement=AgreementFactory())
    with pytest.raises(ValidationError, match="cannot be changed"):
        ticket_update(ticket=ticket, by=dispatcher, status=TicketStatus.CLOSED)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_technician_cannot_change_the_agreement_through_ticket_update(tech, ticket):
    other = AgreementFactory(company=ticket.company, name="Second agreement")
    with pytest.raises(PermissionDenied):
        ticket_update(ticket=ticket, by=tech, agreement=other)
    # Naming the agreement it already has is no change.
    updated = ticket_update(ticket=ticket, by=tech, agreement=ticket.agreement, summary="Fixed")
    assert updated.summary == "Fixed"
