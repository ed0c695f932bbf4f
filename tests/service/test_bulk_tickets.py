"""tickets_create_many: the batch door for opening tickets (a first PSA sync, a large import)
keeps ticket_create's rules row for row, and writes in a few queries."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.signals import pre_save

from daybook.clients.models import Contact
from daybook.service import services
from daybook.service.choices import Priority, TicketStatus
from daybook.service.models import Board, SlaTarget, Ticket
from daybook.service.services import AUTO, ticket_create, tickets_create_many
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 14, 15, tzinfo=UTC)
OPENED = datetime(2025, 3, 14, 13, tzinfo=UTC)

# Everything a ticket keeps but its id and what the database works out from the rest, and
# what its history record says.
COMPARED = [f.attname for f in Ticket._meta.concrete_fields if f.name != "id" and not f.generated]
HISTORY = ["history_type", "history_user_id", "history_change_reason", "history_date"]


@pytest.fixture
def world(db):
    """Companies with one, two or no agreements; default and agreement-specific SLA targets;
    a contact; someone who left."""
    board = BoardFactory(name="Help Desk")
    one = CompanyFactory(name="One Agreement")
    one_agreement = AgreementFactory(company=one, name="Managed")
    two = CompanyFactory(name="Two Agreements")
    AgreementFactory(company=two, name="Managed A")
    AgreementFactory(company=two, name="Managed B")
    none = CompanyFactory(name="No Agreement")
    SlaTarget.objects.create(priority=Priority.MEDIUM, respond_minutes=60, resolve_minutes=480)
    SlaTarget.objects.create(priority=Priority.HIGH, respond_minutes=30, resolve_minutes=240)
    SlaTarget.objects.create(
        priority=Priority.MEDIUM, agreement=one_agreement, respond_minutes=15, resolve_minutes=120
    )
    left = MemberFactory(
        user=UserFactory(username="gone", first_name="Gabe"), end_date=date(2024, 12, 31)
    )
    return {
        "board": board,
        "one": one,
        "one_agreement": one_agreement,
        "two": two,
        "none": none,
        "contact": Contact.objects.create(company=one, name="Olga Owner"),
        "left": left,
    }


def good_rows(world, tech):
    board = world["board"]
    return [
        {"board": board, "company": world["one"], "summary": "Picked by itself"},
        {"board": board, "company": world["two"], "summary": "Two fit: none picked"},
        {"board": board, "company": world["none"], "summary": "No agreement at all"},
        {
            "board": board,
            "company": world["one"],
            "summary": "Given on purpose, high",
            "agreement": world["one_agreement"],
            "priority": Priority.HIGH,
            "assignee": tech,
            "contact": world["contact"],
            "description": "Server room is warm.",
            "opened_at": OPENED,
        },
        {
            "board": board,
            "company": world["one"],
            "summary": "None on purpose",
            "agreement": None,
            "opened_at": OPENED,
        },
    ]


def snapshot(ticket: Ticket) -> tuple:
    history = ticket.history.get()
    return (
        tuple(getattr(ticket, name) for name in COMPARED),
        tuple(getattr(history, name) for name in HISTORY),
        tuple(getattr(history, name) for name in COMPARED),
    )


@time_machine.travel(NOW, tick=False)
def test_batch_and_single_give_identical_tickets(world, tech, dispatcher):
    rows = good_rows(world, tech)
    single = [ticket_create(by=dispatcher, **row) for row in rows]
    batch = tickets_create_many(rows=rows, by=dispatcher)
    assert all(isinstance(ticket, Ticket) and ticket.pk for ticket in batch)
    assert Ticket.objects.count() == 2 * len(rows)
    for one, many in zip(single, batch, strict=True):
        one.refresh_from_db()
        many.refresh_from_db()
        assert snapshot(many) == snapshot(one), one.summary
    picked, two, nothing, given, none = batch
    assert picked.agreement == world["one_agreement"]
    assert (picked.respond_target_minutes, picked.resolve_target_minutes) == (15, 120)
    assert two.agreement is None
    assert nothing.agreement is None
    assert none.agreement is None
    assert (two.respond_target_minutes, two.resolve_target_minutes) == (60, 480)
    assert (given.respond_target_minutes, given.resolve_target_minutes) == (30, 240)
    assert all(ticket.status == TicketStatus.NEW for ticket in batch)
    assert given.history.get().history_user == dispatcher.user


def refusals(world, tech):
    board = world["board"]
    other = CompanyFactory(name="Somebody Else")
    gone_board = Board(pk=987_654, name="Gone")  # points at a row that is not there
    rows = {
        "contact of another company": {
            "board": board,
            "company": world["two"],
            "summary": "Wrong contact",
            "contact": world["contact"],
        },
        "assignee who left": {
            "board": board,
            "company": world["one"],
            "summary": "Old hand",
            "assignee": world["left"],
        },
        "agreement of another company": {
            "board": board,
            "company": other,
            "summary": "Wrong agreement",
            "agreement": world["one_agreement"],
        },
        "empty summary": {"board": board, "company": world["one"], "summary": ""},
        "summary too long": {"board": board, "company": world["one"], "summary": "x" * 251},
        "board no longer there": {"board": gone_board, "company": other, "summary": "Lost"},
    }
    return rows


def test_bad_rows_are_refused_with_ticket_creates_own_words_and_the_rest_land(
    world, tech, dispatcher
):
    bad = refusals(world, tech)
    expected = {}
    for name, row in bad.items():
        with pytest.raises(ValidationError) as refused:
            ticket_create(by=dispatcher, **row)
        expected[name] = refused.value.message_dict
    assert not Ticket.objects.exists()
    good = good_rows(world, tech)
    rows = [good[0], *bad.values(), good[1]]
    results = tickets_create_many(rows=rows, by=dispatcher)
    assert isinstance(results[0], Ticket)
    assert isinstance(results[-1], Ticket)
    for name, result in zip(bad, results[1:-1], strict=True):
        assert isinstance(result, ValidationError), name
        assert result.message_dict == expected[name], name
    assert "Gabe" in " ".join(expected["assignee who left"]["assignee"])
    assert "987654 is not a valid choice" in " ".join(expected["board no longer there"]["board"])
    assert set(Ticket.objects.values_list("summary", flat=True)) == {
        "Picked by itself",
        "Two fit: none picked",
    }
    assert Ticket.history.count() == 2


def test_only_refused_rows_gives_nothing_to_write(world, tech, dispatcher):
    bad = refusals(world, tech)
    results = tickets_create_many(rows=list(bad.values())[:2], by=dispatcher)
    assert all(isinstance(result, ValidationError) for result in results)
    assert not Ticket.objects.exists()
    assert tickets_create_many(rows=[], by=dispatcher) == []


def test_a_batch_is_written_in_a_few_queries_whatever_its_size(
    world, tech, dispatcher, django_assert_max_num_queries
):
    rows = [
        {**row, "summary": f"{row['summary']} {n}"}
        for n in range(40)
        for row in good_rows(world, tech)
    ]
    # The keys' rows (6), the SLA table, one agreement pick per company and day (3), the
    # inserts of tickets and history (a few batches on SQLite), savepoints.
    with django_assert_max_num_queries(30):
        results = tickets_create_many(rows=rows, by=dispatcher)
    assert Ticket.objects.count() == 200
    assert Ticket.history.count() == 200
    assert all(isinstance(ticket, Ticket) for ticket in results)


def test_when_the_batch_insert_fails_the_rows_go_one_by_one(world, tech, dispatcher, monkeypatch):
    """A row the database refuses although it passed the checks (here a trigger-like
    receiver stands in for the database) fails alone; the others still land."""

    def refuse_batches(*args, **kwargs):
        raise IntegrityError("batch refused")

    def refuse_one(sender, instance, **kwargs):
        if instance.summary == "Two fit: none picked":
            raise IntegrityError("this row is refused")

    monkeypatch.setattr(services, "bulk_create_with_history", refuse_batches)
    pre_save.connect(refuse_one, sender=Ticket)
    try:
        results = tickets_create_many(rows=good_rows(world, tech), by=dispatcher)
    finally:
        pre_save.disconnect(refuse_one, sender=Ticket)
    refused = results[1]
    assert isinstance(refused, ValidationError)
    assert "The database refused the ticket 'Two fit: none picked'" in refused.messages[0]
    assert sum(isinstance(result, Ticket) for result in results) == 4
    assert Ticket.objects.count() == 4
    assert Ticket.history.filter(history_user=dispatcher.user).count() == 4


def test_automatic_pick_is_the_same_per_row_when_many_share_a_company(world, dispatcher):
    rows = [
        {"board": world["board"], "company": world["one"], "summary": f"T{n}", "agreement": AUTO}
        for n in range(5)
    ]
    results = tickets_create_many(rows=rows, by=dispatcher)
    assert all(isinstance(ticket, Ticket) for ticket in results), results
    assert {ticket.agreement for ticket in results} == {world["one_agreement"]}
