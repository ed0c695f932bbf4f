"""Dispatch's pages: the board, opening and editing tickets, assigning, notes, and the ticket
page's timeline and SLA clock. Technicians and Finance are refused the dispatch pages."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from daybook.clients.choices import AgreementType
from daybook.clients.models import Contact
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket, TicketNote
from daybook.service.services import ticket_create, ticket_note_add, ticket_set_status
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    MemberFactory,
    TicketFactory,
    WorkTypeFactory,
    closed_copies,
)
from tests.statements import plans_of, statements_sent
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 10, 30, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def desk(db):
    return BoardFactory(name="Help Desk", default_work_type=WorkTypeFactory(name="Remote Support"))


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme Dental")


@pytest.fixture
def managed(acme):
    return AgreementFactory(company=acme, name="Managed", type=AgreementType.MANAGED)


@pytest.fixture
def ticket(desk, managed):
    return TicketFactory(board=desk, agreement=managed, summary="Printer offline")


def new_form(desk, acme, **extra):
    return {
        "company": acme.pk,
        "board": desk.pk,
        "summary": "Scanner jams",
        "priority": Priority.MEDIUM,
        "agreement": "auto",
        **extra,
    }


# --- who may use the pages --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tech", "finance"])
def test_dispatch_pages_refuse_roles_outside_dispatch(request, role, ticket, desk, acme):
    client = signed_in(request.getfixturevalue(role))
    pk = ticket.pk
    assert client.get(reverse("tickets:board")).status_code == 403
    assert client.get(reverse("tickets:ticket_new")).status_code == 403
    assert client.post(reverse("tickets:ticket_new"), new_form(desk, acme)).status_code == 403
    assert client.get(reverse("tickets:ticket_edit", args=[pk])).status_code == 403
    assert client.post(reverse("tickets:ticket_edit", args=[pk]), {}).status_code == 403
    assert client.get(reverse("tickets:ticket_form_check")).status_code == 403
    assign = reverse("tickets:ticket_assign", args=[pk])
    assert client.post(assign, {"assignee": ""}).status_code == 403
    assert Ticket.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("tickets:board"))
    assert response.status_code == 302
    assert "login" in response.url


# --- the board --------------------------------------------------------------------------------


def test_the_board_lists_open_tickets_with_their_sla_clock(dispatcher, tech, desk, managed):
    SlaTarget.objects.create(priority=Priority.HIGH, respond_minutes=60, resolve_minutes=480)
    urgent = ticket_create(
        by=dispatcher, board=desk, company=managed.company, summary="Server down", priority=2
    )
    TicketFactory(board=desk, agreement=managed, summary="Toner low", assignee=tech)
    page = signed_in(dispatcher).get(reverse("tickets:board")).content.decode()
    assert "Server down" in page
    assert "Toner low" in page
    assert 'data-state="due_soon"' in page  # the respond clock runs out at 11:30
    assert page.index("Server down") < page.index("Toner low")  # due first
    only = signed_in(dispatcher).get(reverse("tickets:board"), {"unassigned": "true"})
    assert "Server down" in only.content.decode()
    assert "Toner low" not in only.content.decode()
    assert f"#{urgent.pk}" in only.content.decode()


def test_the_board_s_queries_do_not_grow_with_the_people_and_clients_it_offers(
    dispatcher, ticket, django_assert_max_num_queries
):
    """Its filters list every client and member by name: one query each, however many."""
    client = signed_in(dispatcher)
    client.get(reverse("tickets:board"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("tickets:board"))
    MemberFactory.create_batch(6)
    CompanyFactory.create_batch(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("tickets:board")).content.decode()
    assert page.count("<option") >= 12  # the new ones are offered


def test_a_manager_may_use_the_board(lead, ticket):
    assert signed_in(lead).get(reverse("tickets:board")).status_code == 200


def test_bad_board_filters_say_what_is_wrong(dispatcher, ticket):
    response = signed_in(dispatcher).get(reverse("tickets:board"), {"due_soon": "soonish"})
    assert response.status_code == 400
    assert "Give true or false" in response.content.decode()


# --- opening and editing -----------------------------------------------------------------------


def test_dispatch_opens_a_ticket_with_the_agreement_picked_by_itself(
    dispatcher, tech, desk, acme, managed
):
    response = signed_in(dispatcher).post(
        reverse("tickets:ticket_new"), new_form(desk, acme, assignee=tech.pk)
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.agreement, ticket.assignee, ticket.summary) == (managed, tech, "Scanner jams")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"summary": ""}, "Give the ticket a summary"),
        ({"company": ""}, "Choose the client this ticket is for."),
        ({"board": "999"}, "Choose one of the boards in the list."),
        ({"agreement": "12345"}, "Choose one of this client"),
        ({"priority": "7"}, "Choose one of the priorities"),
    ],
)
def test_bad_input_on_the_new_ticket_form_saves_nothing(dispatcher, desk, acme, change, words):
    response = signed_in(dispatcher).post(
        reverse("tickets:ticket_new"), new_form(desk, acme, **change)
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_contact_of_another_client_is_refused_on_the_form(dispatcher, desk, acme):
    gil = Contact.objects.create(company=CompanyFactory(name="Globex"), name="Gil")
    response = signed_in(dispatcher).post(
        reverse("tickets:ticket_new"), new_form(desk, acme, contact=gil.pk)
    )
    assert response.status_code == 400
    assert "Choose one of this client&#x27;s contacts" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_form_check_shows_the_pick_and_the_agreement_check(dispatcher, desk, acme, managed):
    response = signed_in(dispatcher).get(
        reverse("tickets:ticket_form_check"),
        {"company": acme.pk, "board": desk.pk, "agreement": "auto"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "Managed is Acme Dental&#x27;s only active agreement that covers Remote Support" in page
    assert "Agreement covers this work" in page
    assert "<html" not in page  # only the company's part of the form


def test_the_form_check_warns_when_two_agreements_fit(dispatcher, desk, acme, managed):
    AgreementFactory(company=acme, name="Project", type=AgreementType.PROJECT)
    page = (
        signed_in(dispatcher)
        .get(reverse("tickets:ticket_form_check"), {"company": acme.pk, "board": desk.pk})
        .content.decode()
    )
    assert "2 active agreements" in page
    assert "No agreement on the ticket" in page


def test_dispatch_edits_a_ticket(dispatcher, ticket, desk, acme):
    response = signed_in(dispatcher).post(
        reverse("tickets:ticket_edit", args=[ticket.pk]),
        new_form(desk, acme, summary="All printers offline", agreement=ticket.agreement_id),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.summary == "All printers offline"


def test_a_bad_edit_changes_nothing(dispatcher, ticket, desk, acme):
    response = signed_in(dispatcher).post(
        reverse("tickets:ticket_edit", args=[ticket.pk]),
        new_form(desk, acme, summary="x" * 300),
    )
    assert response.status_code == 400
    assert "Keep the summary to 250 characters" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.summary == "Printer offline"


# --- assigning and notes -------------------------------------------------------------------------


def test_dispatch_assigns_from_the_ticket_page(dispatcher, tech, ticket):
    client = signed_in(dispatcher)
    page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="assign-button"' in page
    assert "Tess Tester" in page
    response = client.post(
        reverse("tickets:ticket_assign", args=[ticket.pk]), {"assignee": tech.pk}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == tech
    page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Assigned: none → Tess Tester" in page


def test_the_picker_does_not_offer_members_who_left(dispatcher, tech, other_team_tech, ticket):
    other_team_tech.end_date = date(2025, 3, 1)
    other_team_tech.save()
    client = signed_in(dispatcher)
    page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Otto Tester" not in page
    response = client.post(
        reverse("tickets:ticket_assign", args=[ticket.pk]), {"assignee": other_team_tech.pk}
    )
    assert response.status_code == 400
    assert "Choose someone from the list" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_technician_sees_no_picker(tech, ticket):
    page = signed_in(tech).get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="assign-button"' not in page
    assert 'id="edit-ticket"' not in page


def test_a_note_appears_on_the_timeline(tech, ticket):
    client = signed_in(tech)
    response = client.post(
        reverse("tickets:ticket_note", args=[ticket.pk]),
        {"text": "Called the front desk; it prints again.", "client_visible": "on"},
    )
    assert response.status_code == 302
    page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Called the front desk; it prints again." in page
    assert "note for the client" in page


def test_an_empty_note_is_refused_on_the_page(tech, ticket):
    response = signed_in(tech).post(reverse("tickets:ticket_note", args=[ticket.pk]), {"text": ""})
    assert response.status_code == 400
    assert "Write the note first" in response.content.decode()
    assert not TicketNote.objects.exists()


def test_the_timeline_is_in_time_order_in_the_viewers_zone(tech, dispatcher, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(opened_at=NOW - timedelta(hours=2))
    ticket_note_add(ticket=ticket, by=dispatcher, text="Second", at=NOW - timedelta(minutes=5))
    ticket_note_add(ticket=ticket, by=tech, text="First", at=NOW - timedelta(hours=1))
    page = signed_in(tech).get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    assert page.index("First") < page.index("Second")
    assert "Fri 14 Mar 2025, 09:30" in page  # 13:30 UTC, in New York


def test_the_ticket_page_shows_the_sla_clock(dispatcher, desk, managed):
    SlaTarget.objects.create(priority=Priority.HIGH, respond_minutes=60, resolve_minutes=480)
    ticket = ticket_create(
        by=dispatcher, board=desk, company=managed.company, summary="Server down", priority=2
    )
    page = signed_in(dispatcher).get(reverse("tickets:ticket_detail", args=[ticket.pk]))
    text = page.content.decode()
    assert 'id="sla-clocks"' in text
    assert "due Fri 14 Mar 11:30 — soon" in text


# --- open tickets among many closed ---------------------------------------------------------


def test_the_board_s_status_filter_lists_open_closed_and_mixed_choices(dispatcher, desk, managed):
    new = TicketFactory(board=desk, agreement=managed, summary="Brand new")
    waiting = TicketFactory(
        board=desk, agreement=managed, summary="Waiting on them", status=TicketStatus.WAITING_CLIENT
    )
    done = TicketFactory(
        board=desk, agreement=managed, summary="All done", status=TicketStatus.RESOLVED
    )
    client = signed_in(dispatcher)

    def listed(*statuses) -> set[str]:
        page = client.get(reverse("tickets:board"), {"status": statuses}).content.decode()
        return {t.summary for t in (new, waiting, done) if t.summary in page}

    assert listed() == {"Brand new", "Waiting on them"}  # open ones by default
    assert listed(TicketStatus.NEW) == {"Brand new"}
    assert listed(TicketStatus.RESOLVED) == {"All done"}
    assert listed(TicketStatus.NEW, TicketStatus.RESOLVED) == {"Brand new", "All done"}


def test_a_ticket_is_open_exactly_while_its_status_is(dispatcher, ticket):
    def is_open() -> bool:
        return Ticket.objects.values_list("is_open", flat=True).get(pk=ticket.pk)

    assert is_open()
    ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, by=dispatcher)
    assert not is_open()
    ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, by=dispatcher)
    assert is_open()
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)  # any write
    assert not is_open()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_board_reads_open_tickets_without_reading_closed_ones(dispatcher, ticket):
    closed_copies(ticket, 300)
    client = signed_in(dispatcher)
    sent = statements_sent(lambda: client.get(reverse("tickets:board")))
    reads = [(sql, params) for sql, params in sent if 'FROM "service_ticket"' in sql]
    assert reads
    for plan in plans_of(reads):
        assert "USING INDEX ticket_open" in plan, plan
