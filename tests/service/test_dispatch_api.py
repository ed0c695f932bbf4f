"""Dispatch through the API: open a ticket (agreement picked by itself), edit it, assign it,
its notes and timeline, the board's filters on the ticket list, and the members a dispatcher
may assign."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from daybook.clients.choices import AgreementType
from daybook.clients.models import Contact
from daybook.service.choices import Priority
from daybook.service.models import SlaTarget, Ticket, TicketNote
from daybook.service.services import ticket_create
from daybook.timekeeping.services import entry_log
from tests.api_support import ANONYMOUS_REFUSED, client_for, ids
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    TicketFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

TICKETS = "/api/tickets/"
MEMBERS = "/api/members/"
# Friday 14 March 2025, mid-morning in New York.
NOW = datetime(2025, 3, 14, 10, 30, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(db):
    remote = WorkTypeFactory(name="Remote Support")
    return BoardFactory(name="Help Desk", default_work_type=remote)


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme Dental")


@pytest.fixture
def managed(acme):
    return AgreementFactory(company=acme, name="Managed", type=AgreementType.MANAGED)


def new_ticket(client, desk, company, **extra):
    body = {"board": desk.pk, "company": company.pk, "summary": "Printer offline", **extra}
    return client.post(TICKETS, body, format="json")


# --- opening ------------------------------------------------------------------------------


def test_a_ticket_opened_over_the_api_gets_the_one_agreement_that_fits(
    dispatcher, desk, acme, managed
):
    response = new_ticket(client_for(dispatcher), desk, acme)
    assert response.status_code == 201, response.json()
    assert response.json()["agreement"] == managed.pk
    assert [clock["clock"] for clock in response.json()["sla"]] == ["respond", "resolve"]


def test_null_agreement_opens_the_ticket_without_one(dispatcher, desk, acme, managed):
    response = new_ticket(client_for(dispatcher), desk, acme, agreement=None)
    assert response.status_code == 201
    assert response.json()["agreement"] is None


def test_two_agreements_that_fit_leave_it_empty(dispatcher, desk, acme, managed):
    AgreementFactory(company=acme, name="Project", type=AgreementType.PROJECT)
    assert new_ticket(client_for(dispatcher), desk, acme).json()["agreement"] is None


def test_a_contact_of_another_client_is_refused_and_nothing_is_saved(dispatcher, desk, acme):
    gil = Contact.objects.create(company=CompanyFactory(name="Globex"), name="Gil")
    response = new_ticket(client_for(dispatcher), desk, acme, contact=gil.pk)
    assert response.status_code == 400
    assert "Gil is a contact of Globex" in response.json()["contact"][0]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", ["tech", "finance"])
def test_roles_outside_dispatch_may_not_open_tickets(request, role, desk, acme):
    response = new_ticket(client_for(request.getfixturevalue(role)), desk, acme)
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_manager_may_open_tickets(lead, desk, acme):
    assert new_ticket(client_for(lead), desk, acme).status_code == 201


# --- editing -----------------------------------------------------------------------------


def test_dispatch_edits_a_ticket(dispatcher, desk, acme, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    response = client_for(dispatcher).patch(
        f"{TICKETS}{ticket.pk}/",
        {"summary": "All printers offline", "priority": Priority.HIGH},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert (ticket.summary, ticket.priority) == ("All printers offline", Priority.HIGH)


def test_a_technician_may_not_edit_a_ticket(tech, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed, summary="Printer offline")
    response = client_for(tech).patch(f"{TICKETS}{ticket.pk}/", {"summary": "Mine"}, format="json")
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.summary == "Printer offline"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"summary": ""}, "summary", "may not be blank"),
        ({"priority": 9}, "priority", "not a valid choice"),
        ({"agreement": 999999}, "agreement", "There is no agreement with id 999999."),
        ({"company": "acme"}, "company", "Give the company as its numeric id."),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(dispatcher, desk, managed, body, field, words):
    ticket = TicketFactory(board=desk, agreement=managed, summary="Printer offline")
    response = client_for(dispatcher).patch(f"{TICKETS}{ticket.pk}/", body, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    ticket.refresh_from_db()
    assert (ticket.summary, ticket.agreement) == ("Printer offline", managed)


def test_an_agreement_of_another_client_is_refused(dispatcher, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    other = AgreementFactory(name="Globex plan")
    response = client_for(dispatcher).patch(
        f"{TICKETS}{ticket.pk}/", {"agreement": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "belongs to another company" in response.json()["agreement"][0]


# --- assigning -------------------------------------------------------------------------------


def test_dispatch_assigns_a_ticket_and_back_to_the_queue(dispatcher, tech, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    client = client_for(dispatcher)
    url = f"{TICKETS}{ticket.pk}/assign/"
    assert client.post(url, {"assignee": tech.pk}, format="json").json()["assignee"] == tech.pk
    assert client.post(url, {"assignee": None}, format="json").json()["assignee"] is None


def test_a_technician_may_not_assign(tech, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    response = client_for(tech).post(
        f"{TICKETS}{ticket.pk}/assign/", {"assignee": tech.pk}, format="json"
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assigning_someone_who_left_is_refused_with_why(dispatcher, tech, desk, managed):
    tech.end_date = date(2025, 3, 1)
    tech.save()
    ticket = TicketFactory(board=desk, agreement=managed)
    response = client_for(dispatcher).post(
        f"{TICKETS}{ticket.pk}/assign/", {"assignee": tech.pk}, format="json"
    )
    assert response.status_code == 400
    assert "left on 01 Mar 2025" in response.json()["assignee"][0]
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- notes and the timeline ----------------------------------------------------------------------


def test_notes_are_listed_and_added(tech, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    client = client_for(tech)
    url = f"{TICKETS}{ticket.pk}/notes/"
    added = client.post(url, {"text": "Driver reinstalled.", "client_visible": True}, format="json")
    assert added.status_code == 201
    assert added.json()["author_name"] == "Tess Tester"
    assert [note["text"] for note in client.get(url).json()] == ["Driver reinstalled."]


def test_an_empty_note_is_refused(tech, desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    response = client_for(tech).post(f"{TICKETS}{ticket.pk}/notes/", {"text": "  "}, format="json")
    assert response.status_code == 400
    assert "empty note" in response.json()["text"][0]
    assert not TicketNote.objects.exists()


def test_notes_and_timeline_are_refused_to_anonymous_callers(desk, managed):
    ticket = TicketFactory(board=desk, agreement=managed)
    client = client_for(None)
    for path in ("notes/", "timeline/"):
        assert client.get(f"{TICKETS}{ticket.pk}/{path}").status_code in ANONYMOUS_REFUSED


def test_the_timeline_keeps_a_members_day_to_them_until_its_review_opens(
    frozen, tech, lead, desk, managed
):
    ticket = TicketFactory(board=desk, agreement=managed, opened_at=NOW - timedelta(hours=2))
    entry_log(
        member=tech,
        ticket=ticket,
        work_type=desk.default_work_type,
        start=NOW - timedelta(hours=1, minutes=30),
        end=NOW - timedelta(minutes=30),
        notes="Swapped the fuser; test page prints.",
        by=tech,
    )
    url = f"{TICKETS}{ticket.pk}/timeline/"

    def kinds(member):
        return [item["kind"] for item in client_for(member).get(url).json()]

    assert kinds(tech) == ["opened", "entry"]
    assert kinds(lead) == ["opened"]  # Tess's Friday is still under way
    frozen.move_to(datetime(2025, 3, 17, 9, 0, tzinfo=NEW_YORK))
    body = client_for(lead).get(url).json()
    assert [item["kind"] for item in body] == ["opened", "entry"]
    assert body[1]["text"] == "Swapped the fuser; test page prints."


# --- the board's filters on the list ------------------------------------------------------------


def test_the_list_filters_unassigned_and_due_soon(dispatcher, tech, desk, managed):
    SlaTarget.objects.create(priority=Priority.HIGH, respond_minutes=60, resolve_minutes=480)
    urgent = ticket_create(
        by=dispatcher, board=desk, company=managed.company, summary="Server down", priority=2
    )
    calm = TicketFactory(board=desk, agreement=managed, assignee=tech)
    client = client_for(dispatcher)
    assert ids(client.get(TICKETS, {"unassigned": "true"})) == {urgent.pk}
    assert ids(client.get(TICKETS, {"unassigned": "false"})) == {calm.pk}
    assert ids(client.get(TICKETS, {"due_soon": "true"})) == {urgent.pk}
    bad = client.get(TICKETS, {"unassigned": "maybe"})
    assert bad.status_code == 400
    assert "Give true or false" in bad.json()["unassigned"][0]


# --- members a dispatcher may assign ------------------------------------------------------------


def test_a_dispatcher_sees_the_members_she_may_assign_without_money(
    dispatcher, tech, other_team_tech, lead
):
    other_team_tech.end_date = date(2025, 3, 1)
    other_team_tech.save()
    rows = client_for(dispatcher).get(MEMBERS).json()["results"]
    assert {row["id"] for row in rows} == {dispatcher.pk, tech.pk, lead.pk}
    assert not any("cost_rate" in row for row in rows)


def test_a_technician_still_sees_only_themselves(tech, dispatcher, lead):
    assert ids(client_for(tech).get(MEMBERS)) == {tech.pk}
