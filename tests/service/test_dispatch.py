"""Dispatch's rules in the services: the agreement a ticket gets by itself, assigning, notes,
contacts, and the SLA clock as the board reads it."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.clients.choices import AgreementType
from daybook.clients.models import Contact
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket, TicketNote
from daybook.service.selectors import agreement_pick, ticket_changes, tickets_due_soon
from daybook.service.services import (
    AUTO,
    ticket_assign,
    ticket_create,
    ticket_note_add,
    ticket_set_status,
    ticket_update,
)
from daybook.service.sla import clock_states
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    TicketFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def board(remote):
    return BoardFactory(name="Help Desk", default_work_type=remote)


@pytest.fixture
def company(db):
    return CompanyFactory(name="Acme Dental")


def open_ticket(by, company, board, **extra):
    return ticket_create(by=by, board=board, company=company, summary="Printer offline", **extra)


# --- the agreement picked by itself ----------------------------------------------------------


def test_the_only_active_agreement_that_fits_is_picked(dispatcher, company, board):
    managed = AgreementFactory(company=company, name="Managed", type=AgreementType.MANAGED)
    AgreementFactory(company=company, name="Old plan", end_date=date(2024, 12, 31))
    AgreementFactory(name="Someone else's")  # another company's
    ticket = open_ticket(dispatcher, company, board)
    assert ticket.agreement == managed


def test_no_agreement_fits_so_none_is_picked(dispatcher, company, board):
    AgreementFactory(company=company, name="Starts later", start_date=date(2025, 6, 1))
    ticket = open_ticket(dispatcher, company, board)
    assert ticket.agreement is None
    pick = agreement_pick(company=company, work_type=board.default_work_type, on=NOW.date())
    assert "has no active agreement that covers Remote Support" in pick.reason


def test_two_agreements_that_fit_leave_the_choice_to_dispatch(dispatcher, company, board):
    AgreementFactory(company=company, name="Managed")
    AgreementFactory(company=company, name="Project work", type=AgreementType.PROJECT)
    ticket = open_ticket(dispatcher, company, board)
    assert ticket.agreement is None
    pick = agreement_pick(company=company, work_type=board.default_work_type, on=NOW.date())
    assert pick.agreement is None
    assert "2 active agreements" in pick.reason
    assert "Managed" in pick.reason


def test_an_agreement_that_does_not_cover_the_boards_work_does_not_fit(dispatcher, company, board):
    onsite = WorkTypeFactory(name="Onsite")
    managed = AgreementFactory(company=company, name="Managed", type=AgreementType.MANAGED)
    managed.covered_work_types.add(onsite)
    hourly = AgreementFactory(company=company, name="Hourly")
    assert open_ticket(dispatcher, company, board).agreement == hourly


def test_no_agreement_on_purpose_is_kept(dispatcher, company, board):
    AgreementFactory(company=company, name="Managed")
    assert open_ticket(dispatcher, company, board, agreement=None).agreement is None


def test_a_new_company_picks_its_agreement_again_and_lets_the_contact_go(
    dispatcher, company, board
):
    AgreementFactory(company=company, name="Managed")
    contact = Contact.objects.create(company=company, name="Rita Reception")
    ticket = open_ticket(dispatcher, company, board, contact=contact)
    globex = CompanyFactory(name="Globex")
    globex_plan = AgreementFactory(company=globex, name="Hourly")
    ticket = ticket_update(ticket=ticket, by=dispatcher, company=globex)
    assert (ticket.agreement, ticket.contact) == (globex_plan, None)


def test_auto_on_edit_picks_by_the_same_rule(dispatcher, company, board):
    managed = AgreementFactory(company=company, name="Managed")
    ticket = open_ticket(dispatcher, company, board, agreement=None)
    assert ticket_update(ticket=ticket, by=dispatcher, agreement=AUTO).agreement == managed


def test_a_contact_of_another_company_is_refused_and_nothing_saved(dispatcher, company, board):
    stranger = Contact.objects.create(company=CompanyFactory(name="Globex"), name="Gil")
    with pytest.raises(ValidationError) as refused:
        open_ticket(dispatcher, company, board, contact=stranger)
    assert "Gil is a contact of Globex, not of Acme Dental" in refused.value.messages[0]
    assert not Ticket.objects.exists()


# --- assigning ----------------------------------------------------------------------------------


def test_dispatch_assigns_and_the_history_names_who_did(dispatcher, tech, company, board):
    ticket = open_ticket(dispatcher, company, board)
    ticket = ticket_assign(ticket=ticket, assignee=tech, by=dispatcher)
    assert ticket.assignee == tech
    [change] = ticket_changes(ticket)
    assert (change.field, change.before, change.after, change.by) == (
        "assignee",
        "none",
        "Tess Tester",
        "Dana Tester",
    )


def test_a_member_who_left_cannot_be_assigned(dispatcher, tech, company, board):
    tech.end_date = date(2025, 3, 13)
    tech.save()
    ticket = open_ticket(dispatcher, company, board)
    with pytest.raises(ValidationError) as refused:
        ticket_assign(ticket=ticket, assignee=tech, by=dispatcher)
    assert refused.value.message_dict["assignee"] == [
        "Tess Tester left on 13 Mar 2025 and can no longer be given tickets; choose someone "
        "who works here now."
    ]
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_member_leaving_today_can_still_be_assigned(dispatcher, tech, company, board):
    tech.end_date = date(2025, 3, 14)
    tech.save()
    ticket = open_ticket(dispatcher, company, board)
    assert ticket_assign(ticket=ticket, assignee=tech, by=dispatcher).assignee == tech


def test_a_switched_off_login_cannot_be_assigned(dispatcher, tech, company, board):
    tech.user.is_active = False
    tech.user.save()
    ticket = open_ticket(dispatcher, company, board)
    with pytest.raises(ValidationError, match="login is switched off"):
        ticket_assign(ticket=ticket, assignee=tech, by=dispatcher)
    with pytest.raises(ValidationError, match="login is switched off"):
        open_ticket(dispatcher, company, board, assignee=tech)


def test_a_technician_may_not_assign(tech, company, board, dispatcher):
    ticket = open_ticket(dispatcher, company, board)
    with pytest.raises(PermissionDenied):
        ticket_assign(ticket=ticket, assignee=tech, by=tech)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_closed_ticket_keeps_its_assignee(dispatcher, tech, company, board):
    ticket = open_ticket(dispatcher, company, board)
    ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, by=dispatcher)
    with pytest.raises(ValidationError, match="is closed"):
        ticket_assign(ticket=ticket, assignee=tech, by=dispatcher)


# --- notes -------------------------------------------------------------------------------------


def test_a_client_visible_note_is_the_first_response(dispatcher, tech, company, board):
    ticket = open_ticket(dispatcher, company, board, opened_at=NOW - timedelta(hours=1))
    ticket_note_add(ticket=ticket, by=tech, text="Looking at it now.", client_visible=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at == NOW


def test_an_internal_note_leaves_the_respond_clock_running(dispatcher, tech, company, board):
    ticket = open_ticket(dispatcher, company, board)
    note = ticket_note_add(ticket=ticket, by=tech, text="Vendor case 4411 opened.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert (note.client_visible, note.author) == (False, tech)
    assert note.text == "Vendor case 4411 opened."


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_note_is_refused(dispatcher, company, board, text):
    ticket = open_ticket(dispatcher, company, board)
    with pytest.raises(ValidationError, match="empty note says nothing"):
        ticket_note_add(ticket=ticket, by=dispatcher, text=text)
    assert not TicketNote.objects.exists()


def test_a_closed_ticket_takes_no_notes(dispatcher, company, board):
    ticket = open_ticket(dispatcher, company, board)
    ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, by=dispatcher)
    with pytest.raises(ValidationError, match="is closed"):
        ticket_note_add(ticket=ticket, by=dispatcher, text="Anything else?")


# --- the SLA clock as the board reads it ------------------------------------------------------


@pytest.fixture
def targets(db):
    SlaTarget.objects.create(priority=Priority.HIGH, respond_minutes=60, resolve_minutes=480)


def test_clock_states_running_due_soon_late_and_paused(targets, dispatcher, company, board):
    ticket = open_ticket(dispatcher, company, board, priority=Priority.HIGH)
    respond, resolve = clock_states(ticket, now=NOW)
    assert (respond.state, resolve.state) == ("due_soon", "running")
    assert respond.due_at == NOW + timedelta(hours=1)
    respond, _ = clock_states(ticket, now=NOW + timedelta(hours=2))
    assert respond.state == "late"
    assert list(tickets_due_soon(now=NOW)) == [ticket]
    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.WAITING_CLIENT, by=None)
    respond, resolve = clock_states(ticket, now=NOW + timedelta(minutes=10))
    assert (respond.state, resolve.state) == ("paused", "paused")
    assert not tickets_due_soon(now=NOW).exists()


def test_clock_met_after_the_response(targets, dispatcher, tech, company, board):
    ticket = open_ticket(dispatcher, company, board, priority=Priority.HIGH)
    ticket_note_add(ticket=ticket, by=tech, text="On it.", client_visible=True)
    ticket.refresh_from_db()
    respond, _ = clock_states(ticket, now=NOW + timedelta(hours=3))
    assert respond.state == "met"


def test_a_ticket_without_targets_shows_none(dispatcher, company, board):
    ticket = open_ticket(dispatcher, company, board)
    assert [c.state for c in clock_states(ticket, now=NOW)] == ["none", "none"]
    assert TicketFactory(agreement=None).pk
