"""A page of PSA tickets new to Daybook is written in one go (service.tickets_create_many),
through the same rule as one ticket at a time: the same tickets, the same SLA clocks and
history, and a refused or waiting ticket listed while the rest of its page lands."""

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from daybook.clients.models import Agreement
from daybook.psa.choices import LinkKind, MapKind
from daybook.psa.models import RecordLink, SyncProblem, SyncRun
from daybook.psa.services import connector_for
from daybook.psa.sync import Runner, sync_run
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import SlaTarget, Ticket, TicketStatusChange
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=False)
NOW = dt.datetime(2025, 6, 2, 14, tzinfo=dt.UTC)
BEFORE_PAGES = ("companies", "members", "agreements")


def seed(app, tech):
    """Tickets of every kind a first sync meets: with and without an agreement, assigned and
    not, new and already on their way (In Progress, Waiting Client, Closed)."""
    member = app.add_member(tech.user.email, "Tess", "Tester")
    stranger = app.add_member("nobody@example.test", "No", "Body")
    statuses = ["New", "In Progress", "Waiting Client", "Closed", "Resolved"]
    for n in range(4):
        company = app.add_company(f"Client {n}")
        agreement = app.add_agreement(company, f"Managed {n}")
        agreement["billAmount"] = 1500
        for t in range(10):
            app.add_ticket(
                company,
                f"Ticket {n}.{t}",
                status=statuses[t % len(statuses)],
                owner=[member, None, stranger][t % 3],
                agreement=agreement if t % 4 else None,
            )


def snapshot() -> dict:
    """Every ticket by its summary, as a user would compare them: its fields (the company
    and agreement by name), its status moves and its history records."""
    skip = {"id", "company", "agreement"}
    names = [f.attname for f in Ticket._meta.concrete_fields if f.name not in skip]
    seen = {}
    for ticket in Ticket.objects.select_related("company", "agreement"):
        seen[ticket.summary] = (
            tuple(getattr(ticket, name) for name in names),
            ticket.company.name,
            ticket.agreement.name if ticket.agreement else None,
            tuple(
                TicketStatusChange.objects.filter(ticket=ticket)
                .order_by("pk")
                .values_list("from_status", "to_status", "at", "by")
            ),
            tuple(
                ticket.history.order_by("history_id").values_list(
                    "history_type", "history_user", "history_date", "status", "respond_due_at"
                )
            ),
        )
    return seen


def one_by_one(self, records, links):
    """The single path, for comparison: every ticket through take (ticket_create)."""
    for record in records:
        self.take("tickets", record, links, {})


@time_machine.travel(NOW, tick=False)
def test_batch_and_one_by_one_give_identical_tickets(cw, cw_connection, tech, monkeypatch):
    app, _ = cw
    seed(app, tech)
    SlaTarget.objects.create(priority=Priority.MEDIUM, respond_minutes=60, resolve_minutes=480)
    with transaction.atomic():
        run = sync_run(connection=cw_connection, push=False)
        batch = snapshot()
        batch_counts = (run.pulled, run.skipped, run.failed)
        batch_links = set(
            RecordLink.objects.filter(kind=LinkKind.TICKET).values_list(
                "remote_id", "fingerprint", "state"
            )
        )
        transaction.set_rollback(True)
    assert not Ticket.objects.exists()
    monkeypatch.setattr(Runner, "take_tickets", one_by_one)
    run = sync_run(connection=cw_connection, push=False)
    # Four companies, one member matched (the stranger waits), four agreements, 40 tickets.
    assert (run.pulled, run.skipped, run.failed) == batch_counts == (4 + 1 + 4 + 40, 1, 0)
    assert snapshot() == batch
    assert (
        set(
            RecordLink.objects.filter(kind=LinkKind.TICKET).values_list(
                "remote_id", "fingerprint", "state"
            )
        )
        == batch_links
    )
    assert len(batch) == 40
    closed = Ticket.objects.filter(status=TicketStatus.CLOSED)
    assert closed.count() == 8
    assert all(ticket.respond_target_minutes == 60 for ticket in closed)
    assert Ticket.objects.filter(agreement__isnull=True).count() == 12
    assert Ticket.objects.filter(assignee=tech).count() == 16


def test_a_refused_ticket_is_listed_and_the_rest_of_its_page_lands(
    cw, cw_connection, tech, catalogue
):
    app, _ = cw
    gone = MemberFactory(
        user=UserFactory(username="gone", first_name="Gabe", email="gabe@example.test"),
        end_date=dt.date(2024, 12, 31),
    )
    here = app.add_member(tech.user.email, "Tess", "Tester")
    left = app.add_member(gone.user.email, "Gabe", "Gone")
    company = app.add_company("Acme")
    app.add(app.boards, {"id": 2, "name": "Escalations", "inactiveFlag": False})
    app.statuses[2] = {17: {"id": 17, "name": "New", "closedStatus": False, "inactive": False}}
    for n in range(6):
        app.add_ticket(company, f"Fine {n}", owner=here)
    app.add_ticket(company, "For someone who left", owner=left)
    waiting = app.add_ticket(company, "On an unmapped board", board=2)
    waiting["status"] = {"id": 17, "name": "New"}
    run = sync_run(connection=cw_connection, push=False)
    assert sorted(Ticket.objects.values_list("summary", flat=True)) == [
        f"Fine {n}" for n in range(6)
    ]
    assert run.failed == 2
    problems = {p.record: p for p in SyncProblem.objects.filter(resolved_at__isnull=True)}
    refused = next(p for record, p in problems.items() if "For someone who left" in record)
    assert refused.summary.startswith("Daybook refused it:")
    assert "Gabe" in refused.summary
    assert "left on 31 Dec 2024" in refused.summary
    assert not refused.retryable
    on_hold = next(p for record, p in problems.items() if "On an unmapped board" in record)
    assert on_hold.waiting_for_mapping == MapKind.BOARD
    assert RecordLink.objects.filter(kind=LinkKind.TICKET).count() == 6

    # Once the member is back, the next run takes the refused ticket (and only it).
    gone.end_date = None
    gone.save()
    run = sync_run(connection=cw_connection, push=False)
    assert Ticket.objects.get(summary="For someone who left").assignee == gone
    assert Ticket.objects.count() == 7
    refused.refresh_from_db()
    assert refused.resolved_at is not None


def test_a_ticket_met_twice_in_one_page_is_made_once(cw, cw_connection, tech):
    app, _ = cw
    company = app.add_company("Acme")
    app.add_ticket(company, "Printer jams")
    sync_run(connection=cw_connection, kinds=BEFORE_PAGES, push=False)
    run = SyncRun.objects.create(connection=cw_connection, trigger="manual", started_at=NOW)
    runner = Runner(cw_connection, connector_for(cw_connection), run)
    (record,) = list(runner.connector.tickets(None))
    later = dataclasses.replace(record, summary="Printer jams and smokes")
    runner.take_tickets([record, later], runner._links("tickets", [record.id]))
    ticket = Ticket.objects.get()
    assert ticket.summary == "Printer jams and smokes"
    assert ticket.history.count() == 2
    assert RecordLink.objects.get(kind=LinkKind.TICKET).local_id == ticket.pk
    assert run.pulled == 2


def test_a_page_of_new_tickets_costs_a_few_queries_not_a_few_per_ticket(cw, cw_connection, tech):
    app, _ = cw
    member = app.add_member(tech.user.email, "Tess", "Tester")
    for n in range(3):
        company = app.add_company(f"Client {n}")
        agreement = app.add_agreement(company, f"Managed {n}")
        agreement["billAmount"] = 900
        for t in range(100):
            app.add_ticket(company, f"Ticket {n}.{t}", owner=member, agreement=agreement)
    sync_run(connection=cw_connection, kinds=BEFORE_PAGES, push=False)
    assert Agreement.objects.count() == 3
    with CaptureQueriesContext(connection) as queries:
        run = sync_run(connection=cw_connection, kinds=("tickets",), push=False)
    assert run.pulled == 300
    assert Ticket.objects.count() == 300
    # One by one this was about a dozen queries a ticket (checks, SLA targets, savepoints,
    # history, link); now the page's lookups, the inserts in batches, and the run's own.
    assert len(queries) < 100, len(queries)
