"""Large uploads are checked and imported by the worker while the page polls (issue 14).

The threshold is lowered to a few bytes, so the three-line samples take the worker's path.
Most tests run Huey in its immediate mode (the task runs as it is queued); `queue` turns it
off, so a test sees that the view only queues and that the polling card says "pending" until
the worker has run.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from daybook.interchange.files import importing
from daybook.interchange.files.importing import EntryImporter
from daybook.interchange.models import ImportUpload, UploadState
from daybook.timekeeping.models import TimeEntry
from tests.worker import run_queued

SAMPLES = Path(__file__).parent / "samples"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.DAYBOOK_IMPORT_INLINE_BYTES = 10


def upload(client, name: str = "connectwise_time.csv", content: bytes | None = None):
    data = io.BytesIO((SAMPLES / name).read_bytes() if content is None else content)
    data.name = name
    return client.post(reverse("interchange:import"), {"kind": "connectwise", "file": data})


def poll(client, pk: int):
    return client.get(reverse("interchange:upload", args=[pk]), **HTMX)


def test_a_large_file_is_checked_then_imported_by_the_worker(
    client, finance, tech, other_team_tech, tickets
):
    client.force_login(finance.user)
    page = upload(client)
    assert page.status_code == 200
    assert "3 rows: 3 new, 0 updated, 0 unchanged. Nothing is kept yet." in page.content.decode()
    stored = ImportUpload.objects.get()
    assert stored.state == UploadState.READY
    assert not TimeEntry.objects.exists()

    done = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert done.status_code == 200
    assert "Imported connectwise_time.csv" in done.content.decode()
    assert TimeEntry.objects.count() == 3
    stored.refresh_from_db()
    assert stored.state == UploadState.IMPORTED
    assert bytes(stored.content) == b""  # the counts stay, the file goes
    # Coming back to the page shows the result.
    again = client.get(reverse("interchange:import")).content.decode()
    assert "3 rows: 3 new, 0 updated, 0 unchanged." in again
    # Pressing Import again on the page left open changes nothing.
    twice = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert twice.status_code == 409
    assert "Imported connectwise_time.csv" in twice.content.decode()
    assert TimeEntry.objects.count() == 3


def test_the_view_only_queues_and_the_card_says_pending_until_the_worker_ran(
    client, finance, tech, other_team_tech, tickets, queue
):
    client.force_login(finance.user)
    page = upload(client)
    assert page.status_code == 202
    assert "Checking connectwise_time.csv…" in page.content.decode()
    stored = ImportUpload.objects.get()
    assert stored.state == UploadState.CHECKING
    assert queue.pending_count() == 1

    pending = poll(client, stored.pk)
    assert pending.status_code == 200
    text = pending.content.decode()
    assert "Checking connectwise_time.csv…" in text
    assert 'hx-trigger="every 2s"' in text
    assert "<html" not in text  # the card alone, for htmx to swap in

    assert run_queued(queue) == 1
    ready = poll(client, stored.pk).content.decode()
    assert "Ready to import" in ready
    assert "hx-trigger" not in ready  # polling stops
    assert not TimeEntry.objects.exists()

    importing_page = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert importing_page.status_code == 202
    assert "Importing connectwise_time.csv…" in importing_page.content.decode()
    assert not TimeEntry.objects.exists()
    # A second press does not queue a second import.
    twice = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert twice.status_code == 409
    assert queue.pending_count() == 1

    assert run_queued(queue) == 1
    assert "Imported connectwise_time.csv" in poll(client, stored.pk).content.decode()
    assert TimeEntry.objects.count() == 3


def test_a_job_the_worker_never_finishes_stops_the_polling_and_says_why(
    client, finance, tech, other_team_tech, tickets, queue
):
    client.force_login(finance.user)
    upload(client)
    stored = ImportUpload.objects.get()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ImportUpload.objects.filter(pk=stored.pk).update(updated_at=an_hour_ago)

    card = poll(client, stored.pk).content.decode()
    assert "Checking connectwise_time.csv has not finished" in card
    assert "<code>daybook worker</code>) is probably not running" in card
    assert "Nothing has been imported." in card
    assert "hx-trigger" not in card  # the page stops asking
    assert "Checking connectwise_time.csv…" not in card

    # A worker that comes back finishes it, and the page shows the outcome.
    assert run_queued(queue) == 1
    assert "Ready to import" in poll(client, stored.pk).content.decode()
    client.post(reverse("interchange:import_commit", args=[stored.pk]))
    ImportUpload.objects.filter(pk=stored.pk).update(updated_at=an_hour_ago)
    card = poll(client, stored.pk).content.decode()
    assert "Importing connectwise_time.csv has not finished" in card
    assert "keeps all of its rows or none of them" in card
    assert not TimeEntry.objects.exists()


def test_bad_rows_in_a_large_file_are_listed_and_nothing_can_be_imported(
    client, finance, tech, tickets
):
    client.force_login(finance.user)
    bad = (
        b"Member,Date,Start Time,End Time,Ticket #,Work Type,Notes\n"
        b"tess,03/10/2025,9:00,10:00,51234,Remote Support,Fine.\n"
        b"tess,03/10/2025,11:00,12:00,51234,Onsite,Unknown type.\n"
    )
    page = upload(client, "bad.csv", bad).content.decode()
    assert "Nothing was imported" in page
    assert "<td>3</td><td>Work Type</td><td>Onsite</td>" in page
    stored = ImportUpload.objects.get()
    assert stored.state == UploadState.REFUSED
    refused = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert refused.status_code == 409
    assert not TimeEntry.objects.exists()


def test_only_the_uploader_and_administrators_see_an_upload(
    client, finance, admin, tech, other_team_tech, tickets, queue
):
    client.force_login(admin.user)
    upload(client)
    stored = ImportUpload.objects.get()

    client.force_login(finance.user)
    assert poll(client, stored.pk).status_code == 404
    assert client.get(reverse("interchange:upload", args=[stored.pk])).status_code == 404
    assert client.post(reverse("interchange:import_commit", args=[stored.pk])).status_code == 404
    # The page shows finance's own latest upload (none), not the admin's.
    assert "connectwise_time.csv" not in client.get(reverse("interchange:import")).content.decode()

    client.force_login(tech.user)
    assert poll(client, stored.pk).status_code == 403

    client.logout()
    assert poll(client, stored.pk).status_code == 302

    # An administrator sees (not imports) another's upload: here finance's.
    client.force_login(finance.user)
    upload(client)
    theirs = ImportUpload.objects.get(uploaded_by=finance)
    client.force_login(admin.user)
    assert poll(client, theirs.pk).status_code == 200
    assert queue.pending_count() == 2
    assert not TimeEntry.objects.exists()


def test_a_kind_the_member_may_not_import_is_refused_before_it_is_queued(client, finance, queue):
    client.force_login(finance.user)
    members = io.BytesIO(b"Username,Email\nzed,zed@example.com\n")
    members.name = "members.csv"
    response = client.post(reverse("interchange:import"), {"kind": "members", "file": members})
    assert response.status_code == 403
    assert not ImportUpload.objects.exists()
    assert queue.pending_count() == 0


def test_a_failing_check_is_recorded_and_shown(
    client, finance, tech, other_team_tech, tickets, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("daybook.interchange.files.jobs.run_import", broken)
    client.force_login(finance.user)
    page = upload(client).content.decode()
    stored = ImportUpload.objects.get()
    assert stored.state == UploadState.FAILED
    assert "unexpected error while checking this file" in stored.error
    assert "Nothing was imported" in page
    assert "disk on fire" not in page  # the details go to the log, not to the page
    assert "unexpected error while checking this file" in page


def test_an_import_that_fails_half_way_keeps_nothing(
    client, finance, tech, other_team_tech, tickets, monkeypatch
):
    client.force_login(finance.user)
    upload(client)
    stored = ImportUpload.objects.get()
    finish = EntryImporter.finish

    def finish_then_fail(self):
        finish(self)  # the entries are written...
        if self.outcome.new and importing.TimeEntry.objects.exists():
            raise RuntimeError("worker lost its database")  # ...then the worker fails

    monkeypatch.setattr(EntryImporter, "finish", finish_then_fail)
    page = client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert "unexpected error while importing this file" in page.content.decode()
    stored.refresh_from_db()
    assert stored.state == UploadState.FAILED
    assert not TimeEntry.objects.exists()


def test_small_files_stay_inline(client, finance, tech, other_team_tech, tickets, queue, settings):
    settings.DAYBOOK_IMPORT_INLINE_BYTES = 1024 * 1024
    client.force_login(finance.user)
    page = upload(client)
    assert page.status_code == 200
    assert "Ready to import" in page.content.decode()
    stored = ImportUpload.objects.get()
    client.post(reverse("interchange:import_commit", args=[stored.pk]))
    assert queue.pending_count() == 0
    assert TimeEntry.objects.count() == 3
    assert not ImportUpload.objects.exists()
