"""The dispatcher's agreement queue: tickets whose time went to no valid agreement, and tickets
a member flagged; putting the agreement right moves that time to it (unless it is locked), and
the review's finding goes with it. Times frozen in New York (daylight time since 9 March)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from daybook.clients.choices import AgreementType
from daybook.service.models import AgreementFlag
from daybook.service.services import ticket_flag_agreement
from daybook.timekeeping.agreement_queue import agreement_queue, unapplied_entries
from daybook.timekeeping.choices import ApprovalState, FindingKind
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.models import PeriodClose
from daybook.timekeeping.services import entry_log, ticket_agreement_fix
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    CompanyFactory,
    TicketFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 18, 0, tzinfo=NEW_YORK)
QUEUE = reverse("tickets:agreement_queue")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme")


@pytest.fixture
def bare(acme):
    """A ticket opened before anyone picked its agreement."""
    return TicketFactory(company=acme, agreement=None, summary="New office network")


def log(member, ticket, remote, day: int, start: int, end: int):
    return entry_log(
        member=member,
        ticket=ticket,
        work_type=remote,
        start=ny(day, start),
        end=ny(day, end),
        notes="Cabling and switches.",
        by=member,
    )


def client_for(client, member):
    client.force_login(member.user)
    return client


# --- what the queue lists ---------------------------------------------------------------------


def test_tickets_with_time_on_no_valid_agreement_are_listed(tech, acme, bare, remote):
    expired = AgreementFactory(company=acme, name="Old plan", end_date=date(2025, 3, 12))
    late = TicketFactory(company=acme, agreement=expired, summary="Slow laptop")
    fine = TicketFactory(company=acme, agreement=AgreementFactory(company=acme, name="Plan"))
    quiet = TicketFactory(company=acme, agreement=None, summary="Nothing logged yet")
    log(tech, bare, remote, 12, 9, 10)
    log(tech, bare, remote, 13, 9, 10)
    log(tech, late, remote, 12, 11, 12)  # inside the old plan's dates: fine
    log(tech, late, remote, 13, 11, 12)  # the day after it ended
    log(tech, fine, remote, 13, 14, 15)
    rows = {row.ticket.pk: row for row in agreement_queue()}
    assert set(rows) == {bare.pk, late.pk}
    assert quiet.pk not in rows
    assert (rows[bare.pk].waiting, rows[bare.pk].first_day, rows[bare.pk].last_day) == (
        2,
        date(2025, 3, 12),
        date(2025, 3, 13),
    )
    assert rows[bare.pk].reason == "2 entries on no agreement"
    assert rows[late.pk].reason == "1 entry on an agreement not active that day"


def test_the_local_date_decides_whether_the_agreement_was_active(tech, acme, remote):
    # Ends on the 12th: 21:00 in New York on the 12th is already the 13th in UTC.
    plan = AgreementFactory(company=acme, name="Plan", end_date=date(2025, 3, 12))
    ticket = TicketFactory(company=acme, agreement=plan)
    log(tech, ticket, remote, 12, 21, 22)
    assert unapplied_entries() == []
    log(tech, ticket, remote, 13, 0, 1)  # 04:00 UTC on the 13th, and the 13th locally
    assert len(unapplied_entries()) == 1


def test_locked_time_is_not_the_dispatchers_to_fix(tech, finance, bare, remote):
    approved = log(tech, bare, remote, 11, 9, 10)
    type(approved).objects.filter(pk=approved.pk).update(approval_state=ApprovalState.APPROVED)
    in_closed_period = log(tech, bare, remote, 10, 9, 10)
    assert unapplied_entries() == [in_closed_period]  # approved time is not listed
    PeriodClose.objects.create(closed_through=date(2025, 3, 10), closed_by=finance)
    assert unapplied_entries() == []  # Finance's to sort out with the period now


def test_flagged_tickets_are_listed_with_their_reason(tech, acme, remote):
    plan = AgreementFactory(company=acme, name="Managed plan")
    ticket = TicketFactory(company=acme, agreement=plan, summary="Server move")
    ticket_flag_agreement(ticket=ticket, by=tech, reason="This is the migration project")
    [row] = agreement_queue()
    assert (row.ticket, row.waiting, row.reason) == (ticket, 0, "Flagged")
    assert [flag.reason for flag in row.flags] == ["This is the migration project"]
    assert [a.name for a in row.agreements] == ["Managed plan"]


# --- the page ----------------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_technicians_are_refused_the_queue(client, tech):
    assert client_for(client, tech).get(QUEUE).status_code == 403


@pytest.mark.parametrize("who", ["dispatcher", "lead", "finance"])
def test_people_who_set_agreements_see_tickets_never_people_or_hours(
    client, request, tech, bare, remote, who
):
    log(tech, bare, remote, 13, 9, 12)
    ticket_flag_agreement(ticket=bare, by=tech, reason="Should be Acme's project")
    page = client_for(client, request.getfixturevalue(who)).get(QUEUE).content.decode()
    assert f"#{bare.pk} New office network" in page
    assert "1 entry on no agreement, Thu 13 Mar" in page
    assert "Should be Acme&#x27;s project" in page
    assert "3 h" not in page
    assert "180" not in page


def test_a_long_queue_comes_in_pages_the_longest_waiting_first(
    client, tech, dispatcher, acme, bare, remote, monkeypatch
):
    monkeypatch.setattr("daybook.timekeeping.ticket_views.PAGE_SIZE", 2)
    log(tech, bare, remote, 10, 9, 10)  # waiting since Monday: first
    flagged = [TicketFactory(company=acme, summary=f"Flagged {n}") for n in range(2)]
    for ticket in flagged:  # flagged today, in this order
        ticket_flag_agreement(ticket=ticket, by=tech, reason="Wrong plan")
    client_for(client, dispatcher)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})

    assert [row.ticket for row in first.context["rows"]] == [bare, flagged[0]]
    assert [row.ticket for row in second.context["rows"]] == [flagged[1]]
    assert "of 3" in first.content.decode()  # the pager counts every ticket
    # Putting a row right comes back to the page it was on.
    assert f'name="next" value="{QUEUE}?page=2"' in second.content.decode()


def test_the_queue_page_asks_the_same_queries_however_long_it_is(
    client, tech, dispatcher, acme, bare, remote
):
    log(tech, bare, remote, 10, 9, 10)
    client_for(client, dispatcher).get(QUEUE)
    with CaptureQueriesContext(connection) as short:
        client.get(QUEUE)
    for day in (11, 12, 13):
        log(tech, TicketFactory(company=acme, agreement=None), remote, day, 9, 10)
    with CaptureQueriesContext(connection) as longer:
        page = client.get(QUEUE).content.decode()
    assert page.count('<tr id="queue-') == 4
    assert len(longer) == len(short)


def test_an_empty_queue_says_so(client, dispatcher):
    page = client_for(client, dispatcher).get(QUEUE).content.decode()
    assert "Nothing waiting" in page


# --- putting it right -------------------------------------------------------------------------


@pytest.fixture
def project(acme):
    agreement = AgreementFactory(
        company=acme,
        name="Network project",
        type=AgreementType.TIME_AND_MATERIALS,
        start_date=date(2025, 3, 11),
    )
    # Help Desk, the factories' default role, at the project's own rate.
    AgreementRateFactory(agreement=agreement, rate=Decimal("150.00"))
    return agreement


def test_applying_the_agreement_moves_the_waiting_time(
    client, tech, dispatcher, bare, project, remote
):
    before_start = log(tech, bare, remote, 10, 9, 10)  # the project had not started
    waiting = log(tech, bare, remote, 13, 9, 12)
    approved = log(tech, bare, remote, 12, 9, 10)
    type(approved).objects.filter(pk=approved.pk).update(approval_state=ApprovalState.APPROVED)
    assert waiting.bill_rate == Decimal("100.00")  # the role's own rate, with no agreement
    response = client_for(client, dispatcher).post(
        reverse("tickets:ticket_agreement", args=[bare.pk]),
        {"agreement": project.pk, "next": QUEUE},
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    waiting.refresh_from_db()
    assert (waiting.agreement, waiting.bill_rate) == (project, Decimal("150.00"))
    assert waiting.history.first().history_user == dispatcher.user
    for untouched in (before_start, approved):
        untouched.refresh_from_db()
        assert untouched.agreement is None
    bare.refresh_from_db()
    assert bare.agreement == project
    shown = client.get(QUEUE).content.decode()
    assert "1 entry that had no valid agreement moved to it" in shown
    # Still listed: the day before the project started has no agreement it fits.
    assert "1 entry on an agreement not active that day, Mon 10 Mar" in shown


def test_once_fixed_the_review_finding_is_gone(tech, dispatcher, bare, project, remote):
    log(tech, bare, remote, 13, 9, 17)
    thursday = date(2025, 3, 13)

    def sent_to_dispatch():
        found = day_figures(day=thursday, members=[tech], now=NOW)[tech.pk].findings
        return [f.kind for f in found if f.for_dispatch]

    assert sent_to_dispatch() == [FindingKind.NO_AGREEMENT]
    ticket, moved = ticket_agreement_fix(ticket=bare, agreement=project, by=dispatcher)
    assert (ticket.agreement, moved) == (project, 1)
    assert sent_to_dispatch() == []
    assert agreement_queue() == []


def test_time_already_on_a_valid_agreement_keeps_it(tech, dispatcher, acme, project, remote):
    plan = AgreementFactory(company=acme, name="Managed plan")
    ticket = TicketFactory(company=acme, agreement=plan)
    kept = log(tech, ticket, remote, 13, 9, 10)
    ticket_agreement_fix(ticket=ticket, agreement=project, by=dispatcher)
    kept.refresh_from_db()
    assert kept.agreement == plan


def test_a_technician_cannot_apply_an_agreement(client, tech, bare, project, remote):
    entry = log(tech, bare, remote, 13, 9, 10)
    response = client_for(client, tech).post(
        reverse("tickets:ticket_agreement", args=[bare.pk]), {"agreement": project.pk}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.agreement is None


def test_the_api_moves_the_waiting_time_too(tech, dispatcher, bare, project, remote):
    entry = log(tech, bare, remote, 13, 9, 10)
    api = APIClient()
    api.force_login(dispatcher.user)
    response = api.post(
        f"/api/tickets/{bare.pk}/agreement/", {"agreement": project.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["agreement"] == project.pk
    entry.refresh_from_db()
    assert entry.agreement == project


# --- flags from the ticket page -------------------------------------------------------------------


def test_a_technician_flags_the_agreement_from_the_ticket_page(client, tech, bare):
    web = client_for(client, tech)
    response = web.post(reverse("tickets:ticket_flag", args=[bare.pk]), {"reason": "Project?"})
    assert response.status_code == 302
    flag = AgreementFlag.objects.get()
    assert (flag.ticket, flag.raised_by, flag.reason) == (bare, tech, "Project?")
    page = web.get(response["Location"]).content.decode()
    assert "Flagged for dispatch" in page
    assert "dispatch will look at the agreement" in page
    assert "The agreement is right" not in page  # answering is the dispatcher's


def test_an_empty_reason_is_explained_and_nothing_is_saved(client, tech, bare):
    response = client_for(client, tech).post(
        reverse("tickets:ticket_flag", args=[bare.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert "Say in a few words what looks off" in response.content.decode()
    assert not AgreementFlag.objects.exists()


def test_visitors_cannot_flag(client, bare):
    response = client.post(reverse("tickets:ticket_flag", args=[bare.pk]), {"reason": "x"})
    assert response.status_code == 302
    assert not AgreementFlag.objects.exists()


def test_the_dispatcher_answers_a_flag_and_the_ticket_leaves_the_queue(
    client, tech, dispatcher, bare
):
    flag = ticket_flag_agreement(ticket=bare, by=tech, reason="Looks off")
    url = reverse("tickets:flag_resolve", args=[flag.pk])
    assert client_for(client, tech).post(url).status_code == 403
    flag.refresh_from_db()
    assert flag.is_open
    response = client_for(client, dispatcher).post(url, {"next": QUEUE})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.is_open, flag.resolved_by) == (False, dispatcher)
    assert agreement_queue() == []
