"""The large loader writes time entries in bulk: the rows must be the ones the entry service
would have saved for the same work, audit history included."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkType
from daybook.clients.models import AgreementRate
from daybook.demo.bulk import FastInsert
from daybook.demo.generator import ENTRY_FIELDS, build_demo
from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.history import entry_history
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.services import entry_edit, entry_log

TODAY = date(2025, 11, 20)
# The columns a history record copies from its entry: all but those the database works out.
ENTRY_COLUMNS = [f.attname for f in TimeEntry._meta.concrete_fields if not f.generated]
# Internal notes the demo writes when a member marks work Do Not Bill or No Charge by hand.
BY_HAND = ("Not charged:", "Goodwill:")
PLACEHOLDER_NOTES = "Notes the demo left out on purpose (a review finding)."


@pytest.fixture
def bulk_load(db):
    """A small run of the large loader: the demo staff (including their project engineers and
    the office) over three weeks, written in batches of 250."""
    summary = build_demo(seed=11, size="large", members=12, days=21, today=TODAY, batch_size=250)
    assert summary.created
    return summary


def _sample(per_kind: int = 3) -> list[TimeEntry]:
    """A few entries of every kind: by source, work type, billable option and agreement type,
    with and without the agreement's own rates."""
    negotiated = set(AgreementRate.objects.values_list("agreement", flat=True))
    kinds: dict[tuple, list[TimeEntry]] = defaultdict(list)
    entries = TimeEntry.objects.select_related(
        "member__user", "ticket", "phase__project", "agreement", "work_type", "work_role"
    ).order_by("pk")
    for entry in entries:
        agreement = entry.agreement
        kind = (
            entry.source,
            entry.work_type_id,
            entry.billable,
            agreement.type if agreement else None,
            agreement is not None and agreement.hourly_rate is None,
            entry.agreement_id in negotiated,
        )
        if len(kinds[kind]) < per_kind:
            kinds[kind].append(entry)
    return [entry for group in kinds.values() for entry in group]


def _chosen_billable(entry: TimeEntry) -> str | None:
    """What the member picked on the form: nothing (the default) unless they marked the work
    by hand, or the import brought it along from the session it repeats."""
    if entry.source == EntrySource.IMPORT or entry.internal_notes.startswith(BY_HAND):
        return entry.billable
    return None


def _through_the_service(entry: TimeEntry) -> tuple[TimeEntry, list]:
    """Log the same work with entry_log, where the bulk entry was, and roll it all back."""
    with transaction.atomic():
        # The loader wrote this span already (and imports overlap on purpose): clear it.
        TimeEntry.objects.filter(
            member=entry.member, start__lt=entry.end, end__gt=entry.start
        ).delete()
        ticket = entry.ticket
        if ticket is not None:
            # The ticket was open when the work was logged; it may have closed since.
            Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.IN_PROGRESS)
            ticket = Ticket.objects.get(pk=ticket.pk)
        needs_notes = not entry.work_type.is_payroll_wrap and not entry.notes
        logged = entry_log(
            member=entry.member,
            start=entry.start,
            end=entry.end,
            work_type=entry.work_type,
            ticket=ticket,
            phase=entry.phase,
            work_role=entry.work_role,
            billable=_chosen_billable(entry),
            notes=PLACEHOLDER_NOTES if needs_notes else entry.notes,
            internal_notes=entry.internal_notes,
            source=entry.source,
        )
        history = list(logged.history.values_list("history_type", "history_user"))
        transaction.set_rollback(True)
    return logged, history


def test_bulk_entries_store_what_entry_log_would(bulk_load):
    sample = _sample()
    assert len(sample) >= 30
    seen = {(e.source, e.billable, e.work_type.name) for e in sample}
    # The sample reaches the interesting rules: multipliers, coverage, hand-marked and imports.
    # Accepted suggestions are made on My Day, one at a time, never by the bulk loader.
    assert {s for s, _, _ in seen} == set(EntrySource.values) - {EntrySource.SUGGESTION}
    assert {b for _, b, _ in seen} == set(BillableOption.values)
    assert any(e.agreement_id in set(AgreementRate.objects.values_list("agreement", flat=True))
               for e in sample)  # fmt: skip
    assert any(e.phase_id for e in sample)
    assert any(e.work_type.rate_multiplier != 1 for e in sample)  # After Hours
    for entry in sample:
        logged, history = _through_the_service(entry)
        expected = (logged.billable, logged.bill_rate, logged.cost_rate, logged.agreement_id)
        assert (entry.billable, entry.bill_rate, entry.cost_rate, entry.agreement_id) == (
            expected
        ), entry
        assert entry.work_role_id == logged.work_role_id
        assert history == [("+", None)]


def test_each_bulk_entry_has_one_created_record_with_its_values(bulk_load):
    entries = {row[0]: row for row in TimeEntry.objects.values_list(*ENTRY_COLUMNS)}
    records = list(
        TimeEntry.history.values_list(
            *ENTRY_COLUMNS, "history_type", "history_date", "history_user", "history_change_reason"
        )
    )
    assert len(entries) == bulk_load.counts["time entries"] > 1000
    assert len(records) == len(entries) == bulk_load.counts["history records"]
    assert sorted(r[0] for r in records) == sorted(entries)  # one each
    created_at = ENTRY_COLUMNS.index("created_at")
    for *values, kind, when, user, reason in records:
        assert tuple(values) == entries[values[0]]
        assert (kind, when, user, reason) == ("+", values[created_at], None, None)


def test_the_first_edit_of_a_bulk_entry_shows_only_what_changed(bulk_load):
    entry = (
        TimeEntry.objects.filter(ticket__isnull=False, approval_state="open")
        .exclude(ticket__status=TicketStatus.CLOSED)
        .exclude(notes="")
        .order_by("-start")
        .first()
    )
    entry_edit(entry=entry, by=None, notes="Replaced the dock's power supply.")
    created, edited = entry_history(entry=entry)
    assert created.history_type == "created"
    assert created.history_date == entry.created_at
    assert {"member", "start", "end", "ticket", "bill_rate"} <= {c.field for c in created.changes}
    assert [(c.field, c.old, c.new) for c in edited.changes] == [
        ("notes", entry.notes, "Replaced the dock's power supply.")
    ]


def test_entries_logged_after_a_bulk_load_get_fresh_ids(bulk_load):
    # The loader chose the ids itself; the database's own counter must have moved past them.
    last = TimeEntry.objects.order_by("-pk").first()
    start = datetime(2025, 12, 1, 14, tzinfo=UTC)  # after the demo's time, before today
    logged = entry_log(
        member=last.member,
        start=start,
        end=start + timedelta(minutes=30),
        work_type=WorkType.objects.get(name="Admin"),
    )
    assert logged.pk > last.pk
    assert logged.history.get().history_type == "+"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics: PostgreSQL")
def test_the_large_loader_leaves_statistics_for_the_planner(bulk_load):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [TimeEntry._meta.db_table]
        )
        (estimated,) = cursor.fetchone()
    assert estimated == TimeEntry.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="visibility map: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_large_loader_vacuums_so_index_only_scans_skip_the_table():
    """Outside a transaction the loader vacuums as well: the reports' covering indexes then
    answer without visiting the table for each row, from the first run on."""
    build_demo(seed=11, size="large", members=12, days=7, today=TODAY)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = %s",
            [TimeEntry._meta.db_table],
        )
        all_visible, pages = cursor.fetchone()
    assert pages > 0
    assert all_visible == pages


def test_history_rows_need_the_ids_of_their_rows():
    with pytest.raises(ValueError, match="ids of their rows"):
        FastInsert(
            TimeEntry, [name for name in ENTRY_FIELDS if name != "id"], history_date="created_at"
        )


def test_a_model_without_history_gets_none_written():
    with pytest.raises(ValueError, match="keeps no history"):
        FastInsert(
            AgreementRate,
            ["id", "agreement", "work_role", "rate", "effective_from"],
            history_date="id",
        )
