"""The batch entry write (timekeeping.batch.entries_log_many) against the single one
(services.entry_log): for the same rows, the same entries, history, refusals (word for word),
ticket first responses and follow-on calls."""

import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import override_settings

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.batch import EntryRow, entries_log_many
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_log
from tests.factories import (
    AgreementFactory,
    MemberFactory,
    PhaseFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)
CALLS: list[tuple[int, frozenset]] = []


def record_change(*, member, days):
    CALLS.append((member.pk, frozenset(days)))


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db, tech, other_team_tech, finance, remote_work):
    """Two members, open and managed tickets, a phase, wrap time, an inactive work type, an
    entry already saved and a period closed through March 3rd."""
    managed = AgreementFactory(type=AgreementType.MANAGED, monthly_fee=Decimal("2000"))
    managed.covered_work_types.add(remote_work)
    PeriodClose.objects.create(closed_through=date(2025, 3, 3), closed_by=finance)
    existing = TimeEntryFactory(
        member=tech,
        start=datetime(2025, 3, 12, 9, 0, tzinfo=NEW_YORK),
        end=datetime(2025, 3, 12, 10, 0, tzinfo=NEW_YORK),
        work_type=remote_work,
    )
    return {
        "members": [tech, other_team_tech],
        "tickets": [
            TicketFactory(),
            TicketFactory(agreement=managed),
            TicketFactory(status=TicketStatus.CLOSED),
            None,
        ],
        "phase": PhaseFactory(),
        "types": [
            remote_work,
            WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill"),
            WorkTypeFactory(name="Old work", is_active=False),
            WorkTypeFactory(name="After Hours", rate_multiplier=Decimal("1.5")),
        ],
        "existing": existing,
    }


@pytest.fixture
def remote_work(db):
    return WorkTypeFactory(name="Remote Support")


def _random_rows(world, seed: int, count: int) -> list[EntryRow]:
    """Varied rows: DST (March 9th in New York), midnight crossings, covered and wrap work,
    overlaps with saved entries and with each other, a closed period, and bad values."""
    pick = random.Random(seed)
    days = [date(2025, 3, d) for d in (2, 3, 4, 8, 9, 10, 12, 13, 14)]
    rows = []
    for _ in range(count):
        day = pick.choice(days)
        hour, minute = pick.choice([0, 1, 2, 6, 9, 9, 10, 14, 22, 23]), pick.choice([0, 30, 45])
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)
        length = timedelta(minutes=pick.choice([15, 30, 60, 90, 120, 240, 25 * 60, 0]))
        end = (start.astimezone(UTC) + length).astimezone(NEW_YORK)
        if pick.random() < 0.05:
            start = start.replace(tzinfo=None)
        ticket = pick.choice(world["tickets"])
        phase = world["phase"] if ticket is None and pick.random() < 0.5 else None
        if pick.random() < 0.05:
            phase = world["phase"]
        rows.append(
            EntryRow(
                member=pick.choice(world["members"]),
                start=start,
                end=end,
                work_type=pick.choice(world["types"]),
                ticket=ticket,
                phase=phase,
                billable=pick.choice([None, None, BillableOption.BILLABLE, "no_charge", "nope"]),
                notes=pick.choice(["Replaced the toner.", "", "   "])
                if pick.random() < 0.3
                else "Fixed it.",
                source=EntrySource.IMPORT,
                import_key=f"k{seed}-{len(rows)}",
            )
        )
    return rows


def _error(error) -> object:
    if isinstance(error, PermissionDenied):
        return ("denied", str(error))
    return ("refused", error.message_dict)


ENTRY_FIELDS = (
    "member_id", "start", "end", "ticket_id", "phase_id", "agreement_id", "work_role_id",
    "work_type_id", "billable", "bill_rate", "cost_rate", "notes", "internal_notes", "source",
    "import_key",
)  # fmt: skip


def _state(results) -> dict:
    """What a user would notice, with database ids replaced by the entry's own times."""
    starts = {e.pk: f"{e.start:%Y-%m-%d %H:%M}" for e in TimeEntry.objects.all()}

    def plain(value):
        text = repr(value)
        return re.sub(r"entry (\d+)", lambda m: f"entry @{starts.get(int(m[1]), '?')}", text)

    return {
        "results": [
            plain(_error(r)) if not isinstance(r, TimeEntry) else ("saved", f"{r.start}")
            for r in results
        ],
        "entries": sorted(
            tuple(str(v) for v in row) for row in TimeEntry.objects.values_list(*ENTRY_FIELDS)
        ),
        "history": sorted(
            tuple(str(v) for v in row)
            for row in TimeEntry.history.values_list(
                *ENTRY_FIELDS, "history_type", "history_user_id", "history_change_reason"
            )
        ),
        "responses": sorted(Ticket.objects.values_list("pk", "first_response_at")),
        "calls": sorted((pk, tuple(sorted(days))) for pk, days in CALLS),
    }


def _single(rows, by):
    results = []
    for row in rows:
        try:
            with transaction.atomic():
                results.append(entry_log(by=by, **vars(row)))
        except (ValidationError, PermissionDenied) as error:
            results.append(error)
    return results


def _both(rows, by) -> tuple[dict, dict]:
    """The state after the single path and after the batch, each from the same start."""
    hooks = {"DAYBOOK_AFTER_ENTRY_CHANGE": ["tests.timekeeping.test_batch.record_change"]}
    with override_settings(**hooks):
        with transaction.atomic():
            CALLS.clear()
            single = _state(_single(rows, by))
            transaction.set_rollback(True)
        # The single path calls the steps per row; the batch once per member with every day.
        merged: dict[int, set] = {}
        for pk, days in CALLS:
            merged.setdefault(pk, set()).update(days)
        single["calls"] = sorted((pk, tuple(sorted(days))) for pk, days in merged.items())
        with transaction.atomic():
            CALLS.clear()
            batch = _state(entries_log_many(rows, by=by))
            transaction.set_rollback(True)
    return single, batch


@pytest.mark.parametrize("seed", range(6))
def test_the_batch_gives_what_logging_one_by_one_gives(world, finance, seed):
    rows = _random_rows(world, seed, 80)
    single, batch = _both(rows, finance)
    assert batch == single
    saved = [r for r in single["results"] if r[0] == "saved"]
    refused = [r for r in single["results"] if r[0] != "saved"]
    assert saved  # the rows exercise both ways
    assert refused


def test_every_member_calls_the_follow_on_steps_once_with_all_days(world, tech):
    rows = [
        EntryRow(
            member=tech,
            start=datetime(2025, 3, 10 + n, 23, 0, tzinfo=NEW_YORK),
            end=datetime(2025, 3, 11 + n, 0, 30, tzinfo=NEW_YORK),
            work_type=world["types"][0],
            ticket=world["tickets"][0],
            notes="Patched the server.",
        )
        for n in range(2)
    ]
    hooks = {"DAYBOOK_AFTER_ENTRY_CHANGE": ["tests.timekeeping.test_batch.record_change"]}
    with override_settings(**hooks):
        CALLS.clear()
        entries_log_many(rows, by=tech)
    assert [(tech.pk, frozenset(date(2025, 3, d) for d in (10, 11, 12)))] == CALLS


def _kinds(world, tech):
    remote, wrap, old, _ = world["types"]
    ticket, managed, closed, _ = world["tickets"]
    at = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    hour = timedelta(hours=1)
    base = {"member": tech, "work_type": remote, "ticket": ticket, "notes": "Did it."}
    return {
        "naive": {**base, "start": at.replace(tzinfo=None), "end": at + hour},
        "end before start": {**base, "start": at, "end": at - hour},
        "too long": {**base, "start": at - timedelta(days=2), "end": at},
        "future": {**base, "start": at, "end": NOW + timedelta(hours=2)},
        "ticket and phase": {**base, "start": at, "end": at + hour, "phase": world["phase"]},
        "wrap on a ticket": {**base, "start": at, "end": at + hour, "work_type": wrap},
        "wrap billed": {
            **base, "start": at, "end": at + hour, "work_type": wrap, "ticket": None,
            "billable": BillableOption.BILLABLE,
        },
        "client work nowhere": {**base, "start": at, "end": at + hour, "ticket": None},
        "inactive type": {**base, "start": at, "end": at + hour, "work_type": old},
        "closed ticket": {**base, "start": at, "end": at + hour, "ticket": closed},
        "bad billable": {**base, "start": at, "end": at + hour, "billable": "maybe"},
        "no notes": {**base, "start": at, "end": at + hour, "notes": " "},
        "long notes": {**base, "start": at, "end": at + hour, "notes": "x" * 10_001},
        "long internal": {**base, "start": at, "end": at + hour, "internal_notes": "x" * 10_001},
        "closed period": {
            **base, "start": datetime(2025, 3, 3, 9, tzinfo=NEW_YORK),
            "end": datetime(2025, 3, 3, 10, tzinfo=NEW_YORK),
        },
        "overlap saved": {
            **base, "start": datetime(2025, 3, 12, 9, 30, tzinfo=NEW_YORK),
            "end": datetime(2025, 3, 12, 11, tzinfo=NEW_YORK),
        },
        "covered billable": {
            **base, "start": at, "end": at + hour, "ticket": managed,
            "billable": BillableOption.BILLABLE,
        },
    }  # fmt: skip


KINDS = [
    "naive", "end before start", "too long", "future", "ticket and phase", "wrap on a ticket",
    "wrap billed", "client work nowhere", "inactive type", "closed ticket", "bad billable",
    "no notes", "long notes", "long internal", "closed period", "overlap saved",
    "covered billable",
]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_each_bad_row_gets_the_single_paths_message_and_saves_nothing(world, tech, kind):
    row = EntryRow(**_kinds(world, tech)[kind])
    with pytest.raises(ValidationError) as single:
        entry_log(by=tech, **vars(row))
    before = TimeEntry.objects.count()
    [result] = entries_log_many([row], by=tech)
    assert isinstance(result, ValidationError)
    assert result.message_dict == single.value.message_dict
    assert TimeEntry.objects.count() == before


def test_a_row_overlapping_an_earlier_row_of_the_batch_names_that_entry(world, tech):
    remote, ticket = world["types"][0], world["tickets"][0]
    at = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    first, second = entries_log_many(
        [
            EntryRow(tech, at, at + timedelta(hours=1), remote, ticket, notes="One."),
            EntryRow(tech, at + timedelta(minutes=30), at + timedelta(hours=2), remote, ticket,
                     notes="Two."),
        ],
        by=tech,
    )  # fmt: skip
    assert isinstance(first, TimeEntry)
    assert f"This overlaps entry {first.pk} (" in second.messages[0]
    assert TimeEntry.objects.filter(member=tech).count() == 2  # the saved one and `first`


def test_someone_elses_time_is_refused_without_the_right(world, tech, other_team_tech):
    remote, ticket = world["types"][0], world["tickets"][0]
    at = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    mine, theirs = entries_log_many(
        [
            EntryRow(tech, at, at + timedelta(hours=1), remote, ticket, notes="Mine."),
            EntryRow(other_team_tech, at, at + timedelta(hours=1), remote, ticket, notes="No."),
        ],
        by=tech,
    )
    assert isinstance(mine, TimeEntry)
    assert isinstance(theirs, PermissionDenied)
    assert "only change your own" in str(theirs)
    assert not TimeEntry.objects.filter(member=other_team_tech).exists()


def test_the_first_response_is_the_first_row_logged_to_the_ticket(world, tech):
    remote = world["types"][0]
    ticket = TicketFactory(opened_at=datetime(2025, 3, 10, 8, 0, tzinfo=NEW_YORK))
    assert ticket.first_response_at is None
    later = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    earlier = datetime(2025, 3, 12, 14, 0, tzinfo=NEW_YORK)
    entries_log_many(
        [
            EntryRow(tech, later, later + timedelta(hours=1), remote, ticket, notes="A."),
            EntryRow(tech, earlier, earlier + timedelta(hours=1), remote, ticket, notes="B."),
        ],
        by=None,
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == later  # as entry_log row after row gives


def test_history_names_who_logged(world, finance, tech):
    remote, ticket = world["types"][0], world["tickets"][0]
    at = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    [entry] = entries_log_many(
        [EntryRow(tech, at, at + timedelta(hours=1), remote, ticket, notes="Done.")], by=finance
    )
    [record] = entry.history.all()
    assert record.history_type == "+"
    assert record.history_user == finance.user


def test_a_member_without_a_default_role_must_name_one(world):
    member = MemberFactory(user=UserFactory(username="norole"), default_work_role=None)
    remote, ticket = world["types"][0], world["tickets"][0]
    at = datetime(2025, 3, 13, 9, 0, tzinfo=NEW_YORK)
    [result] = entries_log_many(
        [EntryRow(member, at, at + timedelta(hours=1), remote, ticket, notes="X.")], by=None
    )
    assert result.message_dict == {
        "work_role": ["Pick a work role; this member has no default one."]
    }
