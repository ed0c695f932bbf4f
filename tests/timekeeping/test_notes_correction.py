"""Finance corrects the notes of time that can no longer change (approved, invoiced, in a
closed period, on a closed ticket); the old notes, who changed them and why stay in the
entry's history. Nobody else may, and nothing but the notes moves."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import ApprovalState
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_correct_notes, entry_log
from tests.api_support import client_for
from tests.factories import TicketFactory, WorkTypeFactory

NOW = datetime(2025, 3, 20, 15, 0, tzinfo=UTC)
REASON = "Client asked for the asset tag in the notes"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def entry(tech):
    return entry_log(
        member=tech,
        start=datetime(2025, 3, 14, 14, tzinfo=UTC),
        end=datetime(2025, 3, 14, 15, tzinfo=UTC),
        ticket=TicketFactory(),
        work_type=WorkTypeFactory(),
        notes="Replced the laptop.",
        by=tech,
    )


def lock(entry: TimeEntry, how: str, finance) -> None:
    if how == "closed period":
        PeriodClose.objects.create(closed_through=date(2025, 3, 14), closed_by=finance)
    elif how == "closed ticket":
        entry.ticket.status = TicketStatus.CLOSED
        entry.ticket.save()
    else:
        TimeEntry.objects.filter(pk=entry.pk).update(approval_state=how)


@pytest.mark.parametrize(
    "how", [ApprovalState.APPROVED, ApprovalState.INVOICED, "closed period", "closed ticket"]
)
def test_finance_corrects_locked_notes_and_the_history_keeps_why(finance, entry, how):
    lock(entry, how, finance)
    before = TimeEntry.objects.get(pk=entry.pk)

    entry_correct_notes(
        entry=entry,
        by=finance,
        notes="Replaced the laptop (asset 4411).",
        internal_notes="Old one sent for recycling.",
        reason=REASON,
    )

    after = TimeEntry.objects.get(pk=entry.pk)
    assert after.notes == "Replaced the laptop (asset 4411)."
    assert after.internal_notes == "Old one sent for recycling."
    # Billed figures stay as they were.
    assert (after.start, after.end, after.bill_rate, after.billable, after.approval_state) == (
        before.start,
        before.end,
        before.bill_rate,
        before.billable,
        before.approval_state,
    )
    newest, previous = after.history.all()[:2]
    assert newest.history_user == finance.user
    assert newest.history_change_reason == f"Notes corrected: {REASON}"
    assert previous.notes == "Replced the laptop."


def test_the_technician_cannot_correct_locked_notes(tech, finance, entry):
    lock(entry, ApprovalState.INVOICED, finance)
    with pytest.raises(PermissionDenied, match="Only Finance"):
        entry_correct_notes(entry=entry, by=tech, notes="Mine now", internal_notes="", reason="x")
    assert TimeEntry.objects.get(pk=entry.pk).notes == "Replced the laptop."


def test_a_reason_is_required(finance, entry):
    lock(entry, ApprovalState.APPROVED, finance)
    with pytest.raises(ValidationError) as refusal:
        entry_correct_notes(entry=entry, by=finance, notes="Fixed", internal_notes="", reason=" ")
    assert "Say why" in refusal.value.message_dict["reason"][0]


def test_client_notes_cannot_be_emptied(finance, entry):
    lock(entry, ApprovalState.APPROVED, finance)
    with pytest.raises(ValidationError) as refusal:
        entry_correct_notes(entry=entry, by=finance, notes="  ", internal_notes="", reason=REASON)
    assert "client sees" in refusal.value.message_dict["notes"][0]


def test_an_unlocked_entry_is_edited_the_usual_way(finance, entry):
    with pytest.raises(ValidationError, match="editing it as usual"):
        entry_correct_notes(entry=entry, by=finance, notes="New", internal_notes="", reason=REASON)


def test_the_api_lets_finance_correct_and_refuses_the_technician(tech, finance, entry):
    lock(entry, ApprovalState.INVOICED, finance)
    url = f"/api/time-entries/{entry.pk}/correct-notes/"
    body = {"notes": "Replaced the laptop (asset 4411).", "reason": REASON}

    refused = client_for(tech).post(url, body, format="json")
    assert refused.status_code == 403
    assert "Only Finance" in refused.json()["detail"]

    response = client_for(finance).post(url, body, format="json")
    assert response.status_code == 200
    assert response.json()["notes"] == "Replaced the laptop (asset 4411)."
    history = client_for(finance).get(f"/api/time-entries/{entry.pk}/history/").json()
    assert len(history) == 2

    missing = client_for(finance).post(url, {"notes": "x"}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()


def test_a_long_reason_is_kept_whole(finance, entry):
    """The history keeps the whole reason, up to the 200 characters the form allows (the
    history's own column once held 100, which PostgreSQL enforced)."""
    lock(entry, ApprovalState.APPROVED, finance)
    reason = "The client asked for the asset number on the statement. " * 3 + "Agreed by phone."
    assert 100 < len(reason) <= 200

    entry_correct_notes(
        entry=entry,
        by=finance,
        notes="Replaced the laptop (asset 4411).",
        internal_notes="",
        reason=reason,
    )

    newest = TimeEntry.objects.get(pk=entry.pk).history.first()
    assert newest.history_change_reason == f"Notes corrected: {reason}"
