"""An entry's audit trail, as the entry page, the admin and the API show it: only what really
changed, related records by name, times on the member's own clock."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from daybook.clients.choices import AgreementType
from daybook.timekeeping.history import entry_history
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.revisions import entry_revisions
from daybook.timekeeping.services import entry_edit, entry_log
from tests.api_support import client_for
from tests.factories import AgreementFactory, CompanyFactory, TicketFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York (EDT, -04:00)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


def ticket_for(company_name: str, summary: str):
    agreement = AgreementFactory(
        company=CompanyFactory(name=company_name),
        name="Hourly support",
        type=AgreementType.TIME_AND_MATERIALS,
    )
    return TicketFactory(agreement=agreement, summary=summary)


@pytest.fixture
def entry(tech, remote):
    return entry_log(
        member=tech,
        ticket=ticket_for("Acme", "Printer offline"),
        work_type=remote,
        start=ny(9),
        end=ny(10),
        notes="Restarted the spooler.",
        by=tech,
    )


def test_a_save_that_changes_nothing_lists_no_change(entry):
    row = TimeEntry.objects.get(pk=entry.pk)
    row.bill_rate = Decimal("100")  # the same amount as the stored 100.00, written differently
    row.save()
    _created, saved = entry_history(entry=entry)
    assert saved.history_type == "changed"
    assert saved.changes == []


def test_changes_name_the_ticket_agreement_and_work_type(tech, entry):
    other = ticket_for("Globex", "VPN drops every hour")
    entry_edit(entry=entry, by=tech, ticket=other, work_type=WorkTypeFactory(name="Onsite"))
    newest = entry_revisions(entry)[0]
    changed = {c.label: (c.old, c.new) for c in newest.changes}
    assert changed["Ticket"] == (
        f"#{entry.ticket_id} Printer offline",
        f"#{other.pk} VPN drops every hour",
    )
    assert changed["Agreement"] == ("Acme — Hourly support", "Globex — Hourly support")
    assert changed["Work type"] == ("Remote Support", "Onsite")
    assert "Notes" not in changed


def test_times_read_on_the_members_clock_whoever_looks(tech, entry):
    entry_edit(entry=entry, by=tech, end=ny(10, 30))
    with timezone.override(ZoneInfo("Europe/Berlin")):  # a reviewer six hours ahead
        newest = entry_revisions(TimeEntry.objects.get(pk=entry.pk))[0]
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("End", "2025-03-14 10:00", "2025-03-14 10:30")
    ]


def test_the_api_gives_times_with_the_members_offset_and_related_records_by_id(tech, entry):
    created = client_for(tech).get(f"/api/time-entries/{entry.pk}/history/").json()[0]
    changes = {c["field"]: c["new"] for c in created["changes"]}
    assert changes["start"] == "2025-03-14T09:00:00-04:00"
    assert changes["ticket"] == entry.ticket_id
    assert changes["work_type"] == entry.work_type_id


def test_the_admin_history_page_words_changes_like_the_entry_page(client, admin, tech, entry):
    client.force_login(admin.user)
    entry_edit(entry=entry, by=tech, end=ny(10, 30), work_type=WorkTypeFactory(name="Onsite"))
    # Others see the member's Friday once its review opens (17:00 + 30 min grace).
    with time_machine.travel(ny(18), tick=False):
        page = client.get(reverse("admin:timekeeping_timeentry_history", args=[entry.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "2025-03-14 10:30" in content  # New York, not 14:30 UTC
    assert "Remote Support" in content
    assert "Onsite" in content
