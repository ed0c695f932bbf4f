"""Mappings between a PSA's choices and Daybook's: refreshed from the PSA at the start of each
run, matched automatically by name (boards, statuses, work roles and types) or email
(members), and never changed once an admin chose (automatic=False)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from daybook.catalogue.models import WorkRole, WorkType
from daybook.people.models import Member
from daybook.service.choices import TicketStatus
from daybook.service.models import Board

from .choices import MapKind
from .models import Connection, Mapping
from .records import RemoteChoice, RemoteMember

# PSA status names that mean a Daybook status, beyond the same name.
STATUS_WORDS: tuple[tuple[str, str], ...] = (
    (r"in ?progress|working|assigned", TicketStatus.IN_PROGRESS),
    (r"wait.*(client|customer)|customer.*(respon|repl)", TicketStatus.WAITING_CLIENT),
    (r"needs? schedul|to be scheduled", TicketStatus.NEEDS_SCHEDULING),
    (r"^scheduled", TicketStatus.SCHEDULED),
    (r"resolved|completed?$|done", TicketStatus.RESOLVED),
    (r"closed|cancel", TicketStatus.CLOSED),
    (r"^new", TicketStatus.NEW),
)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def status_guess(name: str) -> str:
    wanted = _norm(name)
    for value, label in TicketStatus.choices:
        if _norm(label) == wanted:
            return value
    for pattern, value in STATUS_WORDS:
        if re.search(pattern, wanted):
            return value
    return ""


def local_choices(kind: str) -> list[tuple]:
    """What a mapping of this kind may point at in Daybook: (key, label) pairs."""
    if kind == MapKind.STATUS:
        return list(TicketStatus.choices)
    if kind == MapKind.BOARD:
        return list(Board.objects.order_by("name").values_list("pk", "name"))
    if kind == MapKind.WORK_ROLE:
        return list(WorkRole.objects.order_by("name").values_list("pk", "name"))
    if kind == MapKind.WORK_TYPE:
        return list(
            WorkType.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
        )
    if kind == MapKind.MEMBER:
        return [
            (m.pk, f"{m} <{m.user.email}>")
            for m in Member.objects.select_related("user").order_by("user__email")
        ]
    return []


def _by_name(model) -> dict[str, int]:
    return {_norm(name): pk for pk, name in model.objects.values_list("pk", "name")}


def _refresh(
    connection: Connection, kind: str, remote: Iterable[RemoteChoice], guess
) -> tuple[int, int]:
    """Upsert mapping rows for `remote`; returns (rows seen, rows unmapped)."""
    existing = {m.remote_id: m for m in connection.mappings.filter(kind=kind)}
    seen = unmapped = 0
    for choice in remote:
        seen += 1
        row = existing.get(choice.id)
        if row is None:
            row = Mapping(connection=connection, kind=kind, remote_id=choice.id)
        row.remote_name = choice.name[:300]
        row.remote_parent = choice.parent_id
        if row.automatic:
            found = guess(choice)
            if kind == MapKind.STATUS:
                row.local_value, row.local_id = found or "", None
            else:
                row.local_id = found
        row.save()
        unmapped += not row.is_mapped
    return seen, unmapped


@transaction.atomic
def choices_refresh(connection: Connection, connector) -> int:
    """Read the PSA's boards, statuses, work roles and types; match new ones. Returns how
    many are still unmapped."""
    boards, roles, types = _by_name(Board), _by_name(WorkRole), _by_name(WorkType)
    unmapped = 0
    for kind, remote, guess in (
        (MapKind.BOARD, connector.boards(), lambda c: boards.get(_norm(c.name))),
        (MapKind.STATUS, connector.statuses(), lambda c: status_guess(c.name)),
        (MapKind.WORK_ROLE, connector.work_roles(), lambda c: roles.get(_norm(c.name))),
        (MapKind.WORK_TYPE, connector.work_types(), lambda c: types.get(_norm(c.name))),
    ):
        unmapped += _refresh(connection, kind, remote, guess)[1]
    return unmapped


def member_match(
    connection: Connection, remote: RemoteMember, emails: dict[str, int]
) -> tuple[bool, bool]:
    """Keep the mapping row for a PSA member, matched by email unless an admin chose.
    Returns (mapped, changed)."""
    row, created = Mapping.objects.get_or_create(
        connection=connection,
        kind=MapKind.MEMBER,
        remote_id=remote.id,
        defaults={"remote_name": (remote.name or remote.email)[:300]},
    )
    changed = created or row.remote_name != (remote.name or remote.email)[:300]
    changed |= row.remote_parent != remote.email[:100]
    row.remote_name = (remote.name or remote.email)[:300]
    row.remote_parent = remote.email[:100]
    if row.automatic:
        found = emails.get(remote.email.lower()) if remote.email else None
        changed |= row.local_id != found
        row.local_id = found
    if changed:
        row.save()
    return row.is_mapped, changed


def member_emails() -> dict[str, int]:
    return {
        email.lower(): pk for pk, email in Member.objects.values_list("pk", "user__email") if email
    }


class Lookup:
    """The connection's mappings in memory for one run (a few hundred rows at most)."""

    def __init__(self, connection: Connection) -> None:
        self.rows: dict[tuple[str, str], Mapping] = {
            (m.kind, m.remote_id): m for m in connection.mappings.all()
        }

    def local(self, kind: str, remote_id: str):
        """The mapped local id/value, None when there is no mapping or it is unmapped."""
        row = self.rows.get((kind, remote_id))
        if row is None or not row.is_mapped:
            return None
        return row.local_value if kind == MapKind.STATUS else row.local_id

    def remote(self, kind: str, local, parent: str = "") -> str | None:
        """The PSA id mapped to a local id/value (the first, for a status on `parent`)."""
        for (row_kind, remote_id), row in self.rows.items():
            if row_kind != kind or not row.is_mapped:
                continue
            value = row.local_value if kind == MapKind.STATUS else row.local_id
            # Statuses kept per board match their board; global ones (no parent) match any.
            if value == local and (not parent or row.remote_parent in ("", parent)):
                return remote_id
        return None
