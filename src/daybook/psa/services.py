"""Writes for PSA connections: set-up, the connection test, mappings and the sync log's
problems. The sync itself is in sync.py (pull) and push.py (push)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping as MappingType

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from daybook.people.models import Member

from . import crypto
from .choices import MapKind
from .connectors.base import Connector, connector_class, connector_classes
from .models import Connection, Mapping, SyncProblem
from .records import ConnectorError

PERMISSION = "psa.change_connection"


def may_manage(member: Member | None) -> bool:
    """Only admins set up PSA connections (they hold credentials to the whole PSA)."""
    return member is not None and member.user.has_perm(PERMISSION)


def _ensure_may(by: Member) -> None:
    if not may_manage(by):
        raise PermissionDenied("Only administrators may set up PSA connections.")


def _credentials_clean(
    kind: str, given: MappingType[str, str], current: MappingType[str, str]
) -> dict[str, str]:
    """Credentials to store: the fields given replace the stored ones; an empty secret field
    keeps what is stored (it is never shown again, so the form leaves it blank)."""
    cls = connector_class(kind)
    result: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for spec in cls.credential_fields:
        value = (given.get(spec.name) or "").strip()
        if not value:
            value = current.get(spec.name, "")
        if spec.required and not value:
            errors[spec.name] = [f"{cls.label} needs the {spec.label.lower()}."]
        result[spec.name] = value
    if errors:
        raise ValidationError(errors)
    return result


def _key_or_refuse() -> None:
    problem = crypto.key_problem()
    if problem:
        raise ValidationError(problem)


@transaction.atomic
def connection_create(
    *, by: Member, kind: str, name: str, base_url: str, credentials: MappingType[str, str]
) -> Connection:
    """Add a connection. Credentials are encrypted with DAYBOOK_PSA_KEY before saving."""
    _ensure_may(by)
    _key_or_refuse()
    if kind not in connector_classes():
        raise ValidationError({"kind": [f"No connector for {kind!r} is installed."]})
    connection = Connection(
        kind=kind,
        name=(name or "").strip(),
        base_url=(base_url or "").strip().rstrip("/"),
        run_as=by,
        webhook_token=secrets.token_urlsafe(32),
    )
    connection.credentials = crypto.encrypt(_credentials_clean(kind, credentials, {}))
    connection.full_clean()
    connection.save()
    return connection


@transaction.atomic
def connection_update(
    *,
    by: Member,
    connection: Connection,
    name: str,
    base_url: str,
    credentials: MappingType[str, str],
    is_active: bool,
    push_entries: bool,
) -> Connection:
    """Change a connection. Credential fields left empty keep their stored values."""
    _ensure_may(by)
    _key_or_refuse()
    current = crypto.decrypt(connection.credentials) if connection.credentials else {}
    connection.name = (name or "").strip()
    connection.base_url = (base_url or "").strip().rstrip("/")
    connection.is_active = is_active
    connection.push_entries = push_entries
    connection.credentials = crypto.encrypt(
        _credentials_clean(connection.kind, credentials, current)
    )
    connection.full_clean()
    connection.save()
    return connection


def connector_for(connection: Connection, **kwargs) -> Connector:
    """The connection's connector, with its credentials decrypted for this use only."""
    cls = connector_class(connection.kind)
    return cls(
        base_url=connection.base_url,
        credentials=crypto.decrypt(connection.credentials),
        connection_key=f"psa-{connection.pk}",
        **kwargs,
    )


def connection_test(*, connection: Connection, **kwargs) -> tuple[bool, str]:
    """Sign in to the PSA and read a little. Returns (worked, what was found or what failed)."""
    try:
        ok, message = True, connector_for(connection, **kwargs).test()
    except crypto.KeyMissing as missing:
        ok, message = False, str(missing)
    except ConnectorError as error:
        ok, message = False, f"{error.summary[:1].upper()}{error.summary[1:]}."
        if error.psa_message:
            message += f" {connection.get_kind_display()} said: {error.psa_message}"
    Connection.objects.filter(pk=connection.pk).update(
        last_tested_at=timezone.now(), last_test_result=message[:500]
    )
    return ok, message


@transaction.atomic
def mapping_set(
    *, by: Member, mapping: Mapping, local_id: int | None = None, local_value: str = ""
) -> Mapping:
    """An admin's choice for a mapping (None/"" unmaps it). Automatic matching never replaces
    it afterwards."""
    _ensure_may(by)
    from .mapping import local_choices

    allowed = local_choices(mapping.kind)
    chosen = local_value if mapping.kind == MapKind.STATUS else local_id
    if chosen not in (None, "") and chosen not in {key for key, _ in allowed}:
        raise ValidationError({"local": ["Choose one of the listed Daybook values."]})
    mapping.local_id = local_id if mapping.kind != MapKind.STATUS else None
    mapping.local_value = local_value if mapping.kind == MapKind.STATUS else ""
    mapping.automatic = False
    mapping.save(update_fields=["local_id", "local_value", "automatic"])
    return mapping


def problem_retry_mark(*, by: Member, problem: SyncProblem) -> SyncProblem:
    """Ask for a problem to be tried again by the next run (the view queues that run)."""
    _ensure_may(by)
    if problem.resolved_at is not None:
        raise ValidationError("That problem is already resolved.")
    return problem
