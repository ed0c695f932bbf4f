"""Two people logging time on the same agreement and work type at the same moment, into a
month already rolled up: each write recomputes its member's monthly totals and the same rollup
cell, and neither may fail or leave the other's time out."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum

from daybook.timekeeping.models import MonthlyRollup, MonthlyTotal
from daybook.timekeeping.services import entry_log
from daybook.timekeeping.totals import rollup_ensure
from tests.factories import TicketFactory, WorkTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
NOW = datetime(2025, 3, 28, 21, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_two_members_logging_on_one_agreement_at_once_both_count(tech, lead):
    # A ticket each: one ticket would be locked by both writes, and they would take turns.
    ticket = TicketFactory()
    tickets = {
        tech: ticket,
        lead: TicketFactory(agreement=ticket.agreement, company=ticket.company),
    }
    remote = WorkTypeFactory(name="Remote Support")
    failures: list[BaseException] = []

    def log(member, start: datetime, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            entry_log(
                member=member,
                ticket=tickets[member],
                work_type=remote,
                start=start,
                end=start + timedelta(minutes=30),
                notes="Patched the file server.",
                by=member,
            )
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    rollup_ensure(date(2025, 2, 1), date(2025, 3, 1))  # February is settled on 28 March
    first = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)
    for round_ in range(ROUNDS):
        start = first + timedelta(hours=round_)
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=log, args=(member, start, barrier)) for member in (tech, lead)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert failures == []
    cells = MonthlyTotal.objects.filter(agreement=ticket.agreement, work_type=remote)
    assert cells.count() == 2  # one per member
    assert cells.aggregate(entries=Sum("entries"), seconds=Sum("seconds")) == {
        "entries": 2 * ROUNDS,
        "seconds": 2 * ROUNDS * 1800.0,
    }
    cell = MonthlyRollup.objects.get(agreement=ticket.agreement, work_type=remote)
    assert (cell.entries, cell.seconds) == (2 * ROUNDS, 2 * ROUNDS * 1800.0)
