from datetime import UTC, datetime

import pytest
import time_machine

from daybook.clients.choices import AgreementType
from daybook.people.models import Member
from daybook.service.choices import TicketStatus
from daybook.service.models import Phase, Project, SlaTarget, Ticket, TicketStatusChange
from tests.api_support import ANONYMOUS_REFUSED, client_for, ids
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    UserFactory,
)

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
TICKETS = "/api/tickets/"
BOARDS = "/api/boards/"
PROJECTS = "/api/projects/"
PHASES = "/api/phases/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(db):
    return TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))


@pytest.fixture
def phase(db):
    return PhaseFactory()


def new_ticket(ticket: Ticket, **changes) -> dict:
    return {
        "board": ticket.board_id,
        "company": ticket.company_id,
        "agreement": ticket.agreement_id,
        "summary": "Scanner on reception does not send email",
        **changes,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", BOARDS),
        ("get", "boards/{board}/"),
        ("get", TICKETS),
        ("post", TICKETS),
        ("get", "tickets/{ticket}/"),
        ("post", "tickets/{ticket}/status/"),
        ("post", "tickets/{ticket}/agreement/"),
        ("get", PROJECTS),
        ("post", PROJECTS),
        ("get", "projects/{project}/"),
        ("patch", "projects/{project}/"),
        ("put", "projects/{project}/"),
        ("get", PHASES),
        ("post", PHASES),
        ("get", "phases/{phase}/"),
        ("patch", "phases/{phase}/"),
        ("put", "phases/{phase}/"),
    ],
)
def test_anonymous_callers_are_refused_service_endpoints(ticket, phase, method, path):
    url = path if path.startswith("/") else "/api/" + path
    url = url.format(
        board=ticket.board_id, ticket=ticket.pk, project=phase.project_id, phase=phase.pk
    )
    client = client_for(None)
    if method == "get":
        response = client.get(url)
    else:
        body = {"status": "resolved", "agreement": None, "name": "Hijacked"}
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code in ANONYMOUS_REFUSED
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert ticket.agreement is not None
    assert not Project.objects.filter(name="Hijacked").exists()


def test_a_login_without_service_permissions_is_refused(ticket, phase):
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = client_for(outsider)
    for url in [
        BOARDS,
        f"{BOARDS}{ticket.board_id}/",
        TICKETS,
        f"{TICKETS}{ticket.pk}/",
        PROJECTS,
        f"{PROJECTS}{phase.project_id}/",
        PHASES,
        f"{PHASES}{phase.pk}/",
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(f"{TICKETS}{ticket.pk}/status/", {"status": "resolved"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_technician_reads_boards_and_tickets(tech, ticket):
    client = client_for(tech)
    assert ids(client.get(BOARDS)) == {ticket.board_id}
    assert ids(client.get(TICKETS)) == {ticket.pk}
    body = client.get(f"{TICKETS}{ticket.pk}/").json()
    assert body["status"] == "new"
    assert body["agreement"] == ticket.agreement_id


def test_ticket_filters(tech, ticket):
    other = TicketFactory(
        board=BoardFactory(name="Alerts"), status=TicketStatus.IN_PROGRESS, priority=1
    )
    client = client_for(tech)
    assert ids(client.get(f"{TICKETS}?status=in_progress")) == {other.pk}
    assert ids(client.get(f"{TICKETS}?status=new&status=in_progress")) == {ticket.pk, other.pk}
    assert ids(client.get(f"{TICKETS}?board={ticket.board_id}")) == {ticket.pk}
    assert ids(client.get(f"{TICKETS}?company={other.company_id}")) == {other.pk}
    assert ids(client.get(f"{TICKETS}?agreement={ticket.agreement_id}")) == {ticket.pk}
    assert ids(client.get(f"{TICKETS}?priority=1")) == {other.pk}
    assert client.get(f"{TICKETS}?status=lost").status_code == 400


def test_ticket_filter_by_assignee(dispatcher, tech, ticket):
    ticket.assignee = tech
    ticket.save()
    TicketFactory()
    assert ids(client_for(dispatcher).get(f"{TICKETS}?assignee={tech.pk}")) == {ticket.pk}


def test_technician_cannot_open_tickets(tech, ticket):
    response = client_for(tech).post(TICKETS, new_ticket(ticket), format="json")
    assert response.status_code == 403
    assert Ticket.objects.count() == 1


def test_dispatcher_opens_a_ticket(dispatcher, ticket):
    response = client_for(dispatcher).post(TICKETS, new_ticket(ticket, priority=2), format="json")
    assert response.status_code == 201, response.json()
    created = Ticket.objects.get(pk=response.json()["id"])
    assert created.status == TicketStatus.NEW
    assert created.opened_at == NOW
    assert created.priority == 2
    assert created.history.first().history_user == dispatcher.user


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"board": 999_999}, "board"),
        ({"company": "acme"}, "company"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 251}, "summary"),
        ({"priority": 9}, "priority"),
        ({"assignee": 999_999}, "assignee"),
        ({"description": ["a", "b"]}, "description"),
    ],
)
def test_bad_ticket_input_is_refused_on_its_field(dispatcher, ticket, changes, field):
    response = client_for(dispatcher).post(TICKETS, new_ticket(ticket, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Ticket.objects.count() == 1


def test_a_ticket_cannot_open_on_another_companys_agreement(dispatcher, ticket):
    stranger = CompanyFactory(name="Initech")
    response = client_for(dispatcher).post(
        TICKETS, new_ticket(ticket, company=stranger.pk), format="json"
    )
    assert response.status_code == 400
    assert "another company" in response.json()["agreement"][0]
    assert Ticket.objects.count() == 1


def test_technician_moves_a_ticket_along_its_workflow(tech, ticket):
    response = client_for(tech).post(f"{TICKETS}{ticket.pk}/status/", {"status": "in_progress"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    change = TicketStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.by) == ("new", "in_progress", tech)


@pytest.mark.parametrize(
    ("body", "message"),
    [({"status": "lost"}, "not a ticket status"), ({}, "required")],
)
def test_unknown_or_missing_status_is_refused(tech, ticket, body, message):
    response = client_for(tech).post(f"{TICKETS}{ticket.pk}/status/", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["status"][0]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert not TicketStatusChange.objects.exists()


def test_illegal_status_transition_is_refused(tech, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
    response = client_for(tech).post(f"{TICKETS}{ticket.pk}/status/", {"status": "in_progress"})
    assert response.status_code == 400
    assert "cannot go from Closed to In Progress" in response.json()["status"][0]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert not TicketStatusChange.objects.exists()


def test_status_of_an_unknown_ticket_is_404(tech, db):
    response = client_for(tech).post(f"{TICKETS}999999/status/", {"status": "resolved"})
    assert response.status_code == 404


def test_technician_cannot_change_a_tickets_agreement(tech, ticket):
    original = ticket.agreement_id
    response = client_for(tech).post(
        f"{TICKETS}{ticket.pk}/agreement/", {"agreement": None}, format="json"
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.agreement_id == original


@pytest.mark.parametrize("who", ["dispatcher", "lead", "finance"])
def test_dispatchers_managers_and_finance_change_a_tickets_agreement(request, who, ticket):
    managed = AgreementFactory(company=ticket.company, type=AgreementType.MANAGED)
    client = client_for(request.getfixturevalue(who))
    response = client.post(
        f"{TICKETS}{ticket.pk}/agreement/", {"agreement": managed.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["agreement"] == managed.pk
    response = client.post(f"{TICKETS}{ticket.pk}/agreement/", {"agreement": None}, format="json")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.agreement is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"agreement": 999_999}, "no agreement with id 999999"),
        ({"agreement": "managed"}, "numeric id"),
        ({}, "required"),
    ],
)
def test_bad_agreement_change_is_refused(dispatcher, ticket, body, message):
    original = ticket.agreement_id
    response = client_for(dispatcher).post(f"{TICKETS}{ticket.pk}/agreement/", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["agreement"][0]
    ticket.refresh_from_db()
    assert ticket.agreement_id == original


def test_agreement_of_another_company_is_refused(dispatcher, ticket):
    foreign = AgreementFactory()
    original = ticket.agreement_id
    response = client_for(dispatcher).post(
        f"{TICKETS}{ticket.pk}/agreement/", {"agreement": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "another company" in response.json()["agreement"][0]
    ticket.refresh_from_db()
    assert ticket.agreement_id == original


def test_technician_reads_projects_and_phases_but_cannot_write_them(tech, phase):
    client = client_for(tech)
    assert ids(client.get(PROJECTS)) == {phase.project_id}
    assert ids(client.get(f"{PHASES}?project={phase.project_id}")) == {phase.pk}
    body = {"company": phase.project.company_id, "name": "Firewall refresh"}
    assert client.post(PROJECTS, body, format="json").status_code == 403
    response = client.patch(f"{PROJECTS}{phase.project_id}/", {"name": "X"}, format="json")
    assert response.status_code == 403
    response = client.post(PHASES, {"project": phase.project_id, "name": "Build"}, format="json")
    assert response.status_code == 403
    assert client.patch(f"{PHASES}{phase.pk}/", {"name": "X"}, format="json").status_code == 403
    assert Project.objects.count() == 1
    assert Phase.objects.get().name == "Discovery"


def test_manager_creates_a_project_and_its_phases(lead):
    agreement = AgreementFactory(type=AgreementType.PROJECT)
    client = client_for(lead)
    body = {"company": agreement.company_id, "agreement": agreement.pk, "name": "Firewall refresh"}
    response = client.post(PROJECTS, body, format="json")
    assert response.status_code == 201, response.json()
    project_id = response.json()["id"]
    body = {"project": project_id, "name": "Build", "estimated_hours": "12.50"}
    response = client.post(PHASES, body, format="json")
    assert response.status_code == 201, response.json()
    assert Phase.objects.get(project_id=project_id).estimated_hours == 12.5
    response = client.patch(f"{PHASES}{response.json()['id']}/", {"position": 2}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "someday"}, "status"),
        ({"company": 999_999}, "company"),
        ({"due_date": "next week"}, "due_date"),
    ],
)
def test_bad_project_input_is_refused(lead, changes, field):
    company = CompanyFactory()
    body = {"company": company.pk, "name": "Firewall refresh", **changes}
    response = client_for(lead).post(PROJECTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Project.objects.count() == 0


def test_project_on_another_companys_agreement_is_refused(lead):
    project = ProjectFactory()
    foreign = AgreementFactory()
    response = client_for(lead).patch(
        f"{PROJECTS}{project.pk}/", {"agreement": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "another company" in response.json()["agreement"][0]
    project.refresh_from_db()
    assert project.agreement_id != foreign.pk


def test_phase_with_a_negative_estimate_is_refused(lead, phase):
    response = client_for(lead).patch(
        f"{PHASES}{phase.pk}/", {"estimated_hours": "-3"}, format="json"
    )
    assert response.status_code == 400
    assert "estimated_hours" in response.json()
    phase.refresh_from_db()
    assert phase.estimated_hours == 10


def test_an_opened_ticket_shows_its_sla_clock(dispatcher, ticket):
    SlaTarget.objects.create(priority=2, respond_minutes=30, resolve_minutes=480)
    response = client_for(dispatcher).post(TICKETS, new_ticket(ticket, priority=2), format="json")
    body = response.json()
    assert (body["respond_target_minutes"], body["resolve_target_minutes"]) == (30, 480)
    assert body["respond_due_at"] == "2025-03-14T15:30:00Z"
    assert body["respond_breached_at"] is None


def test_project_due_before_it_starts_is_refused(lead):
    company = CompanyFactory()
    body = {"company": company.pk, "name": "Office move", "start_date": "2025-04-01",
            "due_date": "2025-03-01"}  # fmt: skip
    response = client_for(lead).post(PROJECTS, body, format="json")
    assert response.status_code == 400
    assert "cannot be due" in response.json()["due_date"][0]
    assert not Project.objects.exists()
