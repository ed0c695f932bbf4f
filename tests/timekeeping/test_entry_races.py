"""One entry deleted and changed at the same moment through the API: whichever lands first
wins, and the other gets a clear answer (404 for an entry that is gone), never a 500."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from daybook.timekeeping.models import TimeEntry
from tests.factories import TicketFactory, TimeEntryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENTRIES = 12


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    return client


def test_delete_and_patch_of_one_entry_at_once_never_answer_500(tech):
    ticket = TicketFactory()
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    entries = [
        TimeEntryFactory(
            member=tech,
            ticket=ticket,
            start=start + timedelta(minutes=30 * i),
            end=start + timedelta(minutes=30 * i + 20),
            notes="Before",
        )
        for i in range(ENTRIES)
    ]
    deleting, patching = signed_in(tech), signed_in(tech)
    outcomes: list[tuple[int, int, int]] = []

    for entry in entries:
        url = f"/api/time-entries/{entry.pk}/"
        barrier = threading.Barrier(2)
        codes: dict[str, int] = {}

        def delete(url=url, codes=codes, barrier=barrier) -> None:
            try:
                barrier.wait()
                codes["delete"] = deleting.delete(url).status_code
            finally:
                connection.close()

        def patch(url=url, codes=codes, barrier=barrier) -> None:
            try:
                barrier.wait()
                body = {"notes": "After"}
                codes["patch"] = patching.patch(
                    url, body, content_type="application/json"
                ).status_code
            finally:
                connection.close()

        threads = [threading.Thread(target=delete), threading.Thread(target=patch)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes.append((entry.pk, codes["delete"], codes["patch"]))

    answered = Counter(code for _, *codes in outcomes for code in codes)
    assert not [code for code in answered if code >= 500], answered
    for pk, deleted, patched in outcomes:
        # The delete always lands (before or after the change); the change lands or finds
        # the entry gone.
        assert deleted == 204
        assert patched in (200, 404)
        assert not TimeEntry.objects.filter(pk=pk).exists()
        history = TimeEntry.history.filter(id=pk)
        changed = history.filter(history_type="~", notes="After").exists()
        assert changed == (patched == 200)
