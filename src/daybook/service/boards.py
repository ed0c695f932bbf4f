"""Writes to boards, the queues tickets wait on. Each service checks the acting member's
permission itself, so the setup pages, the API, the admin and commands can share it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from daybook.catalogue.models import WorkType
from daybook.people.models import Member

from .models import Board


def _ensure_may(by: Member, permission: str, action: str) -> None:
    if not by.user.has_perm(permission):
        raise PermissionDenied(f"Only an administrator can {action}.")


def _board_apply(board: Board, *, name: str, default_work_type: WorkType | None) -> Board:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the board a name, e.g. Help Desk."]})
    others = Board.objects.exclude(pk=board.pk) if board.pk else Board.objects.all()
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"There is already a board called {name}."]})
    if default_work_type is not None and default_work_type.is_payroll_wrap:
        raise ValidationError(
            {
                "default_work_type": [
                    f"{default_work_type} is internal time; a board's tickets are client work, "
                    "so pick a client work type or none."
                ]
            }
        )
    board.name = name
    board.default_work_type = default_work_type
    board.full_clean()
    board.save()
    return board


@transaction.atomic
def board_create(*, by: Member, name: str, default_work_type: WorkType | None = None) -> Board:
    """Add a board; its default work type is offered first for time on its tickets."""
    _ensure_may(by, "service.add_board", "add boards")
    return _board_apply(Board(), name=name, default_work_type=default_work_type)


@transaction.atomic
def board_update(
    *, by: Member, board: Board, name: str, default_work_type: WorkType | None
) -> Board:
    """Rename a board or change its default work type."""
    _ensure_may(by, "service.change_board", "change boards")
    return _board_apply(board, name=name, default_work_type=default_work_type)
