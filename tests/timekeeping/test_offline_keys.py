"""Browser-made keys for entries saved offline: sent twice, saved once, per member."""

import uuid
from datetime import datetime

import pytest
import time_machine

from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import TimeEntry, Timer
from daybook.timekeeping.services import entry_log, timer_start, timer_stop, work_start
from tests.api_support import client_for
from tests.factories import TicketFactory, TimeEntryFactory, WorkTypeFactory
from tests.zones import NEW_YORK

ENTRIES = "/api/time-entries/"
STOP = "/api/timer/stop/"
KEY = uuid.UUID("3f2c8e1a-5b7d-4c0e-9a61-2d4b8f0c7e15")


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(ny(15), tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=ny(8), summary="Printer offline")


def payload(ticket, work_type, **changes) -> dict:
    return {
        "start": ny(10).isoformat(),
        "end": ny(10, 45).isoformat(),
        "ticket": ticket.pk,
        "work_type": work_type.pk,
        "notes": "Cleared the print queue.",
        "client_key": str(KEY),
        **changes,
    }


def test_the_same_key_twice_saves_one_entry(tech, ticket, remote):
    api = client_for(tech)
    first = api.post(ENTRIES, payload(ticket, remote), format="json")
    again = api.post(ENTRIES, payload(ticket, remote), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    entry = TimeEntry.objects.get(member=tech)
    assert entry.client_key == KEY
    assert entry.source == EntrySource.MANUAL


def test_the_same_key_with_other_details_is_still_the_first_entry(tech, ticket, remote):
    api = client_for(tech)
    api.post(ENTRIES, payload(ticket, remote), format="json")
    changed = payload(ticket, remote, end=ny(11).isoformat(), notes="Something else")
    response = api.post(ENTRIES, changed, format="json")
    assert response.status_code == 200
    entry = TimeEntry.objects.get(member=tech)
    assert (entry.end, entry.notes) == (ny(10, 45), "Cleared the print queue.")


def test_another_members_key_does_not_collide(tech, other_team_tech, ticket, remote):
    mine = client_for(tech).post(ENTRIES, payload(ticket, remote), format="json")
    theirs = client_for(other_team_tech).post(ENTRIES, payload(ticket, remote), format="json")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert TimeEntry.objects.filter(client_key=KEY).count() == 2


def test_a_key_that_is_not_a_uuid_is_refused_naming_the_field(tech, ticket, remote):
    response = client_for(tech).post(
        ENTRIES, payload(ticket, remote, client_key="not-a-uuid"), format="json"
    )
    assert response.status_code == 400
    assert "UUID" in response.json()["client_key"][0]
    assert not TimeEntry.objects.exists()


def test_a_refused_entry_saves_nothing_and_may_be_sent_again_fixed(tech, ticket, remote):
    TimeEntryFactory(member=tech, start=ny(10, 30), end=ny(11))
    api = client_for(tech)
    refused = api.post(ENTRIES, payload(ticket, remote), format="json")
    assert refused.status_code == 400
    assert "overlaps" in refused.json()["start"][0]
    fixed = api.post(ENTRIES, payload(ticket, remote, end=ny(10, 30).isoformat()), format="json")
    assert fixed.status_code == 201
    assert TimeEntry.objects.get(client_key=KEY).end == ny(10, 30)


def test_a_resend_finds_its_entry_even_when_it_would_now_be_refused(tech, ticket, remote):
    """The first send went through but its answer was lost; meanwhile the ticket closed."""
    client_for(tech).post(ENTRIES, payload(ticket, remote), format="json")
    ticket.status = "closed"
    ticket.save()
    response = client_for(tech).post(ENTRIES, payload(ticket, remote), format="json")
    assert response.status_code == 200


def test_entry_log_returns_the_entry_a_key_already_saved(tech, ticket, remote):
    details = {"member": tech, "ticket": ticket, "work_type": remote, "notes": "Fixed."}
    first = entry_log(start=ny(9), end=ny(9, 30), client_key=KEY, by=tech, **details)
    second = entry_log(start=ny(12), end=ny(13), client_key=KEY, by=tech, **details)
    assert first.pk == second.pk
    # Without a key every call is a new entry, as before.
    entry_log(start=ny(12), end=ny(13), by=tech, **details)
    assert TimeEntry.objects.filter(member=tech).count() == 2


def test_a_stop_saved_offline_ends_when_it_was_saved_and_counts_once(tech, ticket, remote):
    work_start(member=tech, ticket=ticket, at=ny(13))
    api = client_for(tech)
    stop = {
        "work_type": remote.pk,
        "notes": "Swapped the toner.",
        "at": ny(13, 40).isoformat(),
        "client_key": str(KEY),
    }
    first = api.post(STOP, stop, format="json")
    assert first.status_code == 201
    assert datetime.fromisoformat(first.json()["end"]) == ny(13, 40)
    # A new timer runs by the time the same stop is sent again: it is left alone.
    timer_start(member=tech, at=ny(14))
    again = api.post(STOP, stop, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Timer.objects.filter(member=tech, started_at=ny(14)).exists()
    assert TimeEntry.objects.filter(member=tech).count() == 1


def test_an_offline_stop_later_than_now_is_refused(tech, ticket, remote):
    work_start(member=tech, ticket=ticket, at=ny(13))
    response = client_for(tech).post(
        STOP,
        {
            "work_type": remote.pk,
            "notes": "Done.",
            "at": ny(16).isoformat(),
            "client_key": str(KEY),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "future" in response.json()["end"][0]
    assert Timer.objects.filter(member=tech).exists()


def test_timer_stop_with_a_key_sent_before_returns_that_entry(tech, ticket, remote):
    work_start(member=tech, ticket=ticket, at=ny(13))
    first = timer_stop(member=tech, work_type=remote, notes="Done.", client_key=KEY)
    assert timer_stop(member=tech, work_type=remote, notes="Done.", client_key=KEY) == first


def test_a_bad_key_on_a_stop_is_refused_and_the_timer_keeps_running(tech, ticket, remote):
    work_start(member=tech, ticket=ticket, at=ny(13))
    response = client_for(tech).post(
        STOP, {"work_type": remote.pk, "notes": "Done.", "client_key": "12"}, format="json"
    )
    assert response.status_code == 400
    assert "client_key" in response.json()
    assert Timer.objects.filter(member=tech).exists()


def test_nobody_signed_out_sends_a_keyed_entry(db, ticket, remote):
    response = client_for(None).post(ENTRIES, payload(ticket, remote), format="json")
    assert response.status_code in (401, 403)
    assert not TimeEntry.objects.exists()


# --- the installable app: manifest and service worker ----------------------------------------


def test_the_manifest_opens_on_my_day_for_anyone(client):
    """Public like the sign-in page: it names our pages and icons, nobody's data."""
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["start_url"], manifest["scope"]) == ("/time/day/", "/")
    icons = {icon["src"] for icon in manifest["icons"]}
    assert icons == {"/static/core/icon-192.png", "/static/core/icon-512.png"}


def test_the_service_worker_may_look_after_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    head = response.content.decode().splitlines()[0]
    assert '"pages": ["/time/day/", "/time/entries/new/"]' in head
    assert '"kept": ["/time/day/", "/time/entries/new/", "/time/timer/stop/"]' in head
    assert '"/static/timekeeping/offline.js"' in head


def test_the_manifest_and_worker_take_no_writes(client):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405
