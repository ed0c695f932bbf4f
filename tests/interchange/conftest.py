"""Shared data for the import and export tests: a frozen Friday in New York, two clients'
tickets known to each PSA by its own number, and the usual work type and role."""

import io
from datetime import datetime

import pytest
import time_machine

from daybook.interchange.models import ImportLink, LinkKind
from tests.factories import TicketFactory, WorkRoleFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def help_desk(db):
    return WorkRoleFactory(name="Help Desk")


@pytest.fixture
def tickets(db, remote, help_desk):
    """Two tickets, each known to ConnectWise, Autotask and Halo by its number there."""
    first, second = TicketFactory(), TicketFactory()
    numbers = {
        "connectwise": ("51234", "51235"),
        "autotask": ("T20250310.0001", "T20250311.0002"),
        "halo": ("1042", "1043"),
    }
    for source, (one, two) in numbers.items():
        ImportLink.objects.create(
            kind=LinkKind.TICKET, source=source, external_id=one, object_id=first.pk
        )
        ImportLink.objects.create(
            kind=LinkKind.TICKET, source=source, external_id=two, object_id=second.pk
        )
    return first, second


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())
