"""Boards set up in the app."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from daybook.service.boards import board_create
from daybook.service.models import Board
from tests.factories import BoardFactory, WorkTypeFactory


def test_admin_adds_a_board_with_its_default_work_type(admin, client_for):
    remote = WorkTypeFactory(name="Remote Support")
    response = client_for(admin).post(
        reverse("setup:board_new"), {"name": "Help Desk", "default_work_type": remote.pk}
    )
    assert response.status_code == 302
    assert Board.objects.get(name="Help Desk").default_work_type == remote


def test_admin_renames_a_board(admin, client_for):
    board = BoardFactory(name="Alerts")
    client_for(admin).post(reverse("setup:board", args=[board.pk]), {"name": "Monitoring"})
    board.refresh_from_db()
    assert board.name == "Monitoring"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the board a name"),
        ({"name": "help desk"}, "already a board called help desk"),
        ({"name": "New", "default_work_type": "999999"}, "Pick a client work type"),
    ],
)
def test_bad_boards_are_refused(admin, client_for, data, message):
    BoardFactory(name="Help Desk")
    response = client_for(admin).post(reverse("setup:board_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Board.objects.count() == 1


def test_internal_time_cannot_be_a_boards_default(admin):
    wrap = WorkTypeFactory(name="Admin", is_payroll_wrap=True)
    with pytest.raises(Exception, match="is internal time"):
        board_create(by=admin, name="Help Desk", default_work_type=wrap)
    assert not Board.objects.exists()


def test_the_board_service_checks_permission_itself(dispatcher):
    with pytest.raises(PermissionDenied):
        board_create(by=dispatcher, name="Mine")


def test_the_boards_page_counts_each_boards_open_tickets_as_the_admin_does(
    admin, client_for, boards_with_tickets
):
    response = client_for(admin).get(reverse("setup:boards"))

    rows = sorted((b.name, b.open_tickets) for b in response.context["boards"])
    # Closed and resolved tickets are not open; a board without tickets counts none.
    assert rows == [("Desk", 2), ("Projects", 1), ("Quiet", 0)]
    assert "Open tickets" in response.content.decode()
