"""The contract every PSA connector keeps, and the registry that finds them by kind.

A connector is a thin translator between one PSA's REST API and psa.records: it knows the
PSA's paths, query language, paging, authentication and error bodies, and nothing about
Daybook's models. The sync (psa/sync.py) decides what to do with what it yields.

To add a PSA: subclass Connector in psa/connectors/<kind>.py, set `kind`, `label`,
`credential_fields` (and `webhooks` if it offers callbacks), implement every abstract method,
and list the class's dotted path in the DAYBOOK_PSA_CONNECTORS setting.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..http import PsaHttp, Reply
from ..records import (
    ConnectorError,
    EntryPush,
    PushResult,
    RemoteAgreement,
    RemoteChoice,
    RemoteCompany,
    RemoteMember,
    RemoteTicket,
    RemoteTimeEntry,
    WebhookEvents,
)


@dataclass(frozen=True)
class CredentialField:
    """One credential a connection of this kind needs; the connection form is built from
    these. `secret` fields are write-only: never shown again once saved, never logged."""

    name: str
    label: str
    secret: bool = True
    help_text: str = ""
    required: bool = True


@dataclass(frozen=True)
class WebhookRequest:
    """A callback as the PSA sent it, without Django's request object. `token_ok` is True when
    the secret token in the callback address matched the connection's (checked by the view
    before the connector sees it)."""

    body: bytes
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    token_ok: bool


class Connector(ABC):
    """One PSA instance, as seen through its API.

    Construct with the connection's base URL and decrypted credentials (a mapping of
    CredentialField.name → value) and an optional PsaHttp factory (tests pass `sleep`).

    Paged reads (`companies`, `members`, `agreements`, `tickets`, `time_entries`) are
    generators: they fetch one page at a time the PSA's own way and yield records, so a first
    sync of any size runs in flat memory. With `since`, they yield only records the PSA changed
    at or after that moment (inclusive: the sync takes the newest `updated_at` it saw as the
    next cursor, and a record seen twice is harmless); they yield in ascending `updated_at`
    order where the PSA can sort, so a run that stops half-way resumes from its cursor.

    Every method raises psa.records' ConnectorError kinds and nothing else (the PsaHttp client
    does the mapping from HTTP statuses).
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    # Where to find the base URL, as a hint on the connection form.
    base_url_help: ClassVar[str] = ""
    # Whether the PSA can call Daybook back when a ticket changes (else polling only).
    webhooks: ClassVar[bool] = False
    # Page size used for paged reads (the PSA's maximum, or close to it).
    page_size: ClassVar[int] = 100

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        connection_key: str = "",
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = dict(credentials)
        self.connection_key = connection_key or self.base_url
        self._sleep = sleep

    def make_http(
        self, *, base_url: str | None = None, headers: Mapping[str, str], **kw
    ) -> PsaHttp:
        """The PsaHttp for this connection (rate-limited per connection)."""
        if self._sleep is not None:
            kw.setdefault("sleep", self._sleep)
        return PsaHttp(
            base_url=base_url or self.base_url, headers=headers, rate_key=self.connection_key, **kw
        )

    # --- checks and choices -------------------------------------------------------------------

    @abstractmethod
    def test(self) -> str:
        """Sign in and read something small. Return a short sentence of what was found (e.g.
        "Signed in to ConnectWise PSA 2024.1 as company acme"); raise ConnectorError saying
        exactly what failed."""

    @abstractmethod
    def boards(self) -> list[RemoteChoice]:
        """Service boards / queues."""

    @abstractmethod
    def statuses(self) -> list[RemoteChoice]:
        """Ticket statuses (`parent_id` = board id where statuses belong to boards)."""

    @abstractmethod
    def work_roles(self) -> list[RemoteChoice]: ...

    @abstractmethod
    def work_types(self) -> list[RemoteChoice]:
        """Work types / billing codes."""

    # --- paged pulls --------------------------------------------------------------------------

    @abstractmethod
    def companies(self, since: dt.datetime | None = None) -> Iterator[RemoteCompany]: ...

    @abstractmethod
    def members(self, since: dt.datetime | None = None) -> Iterator[RemoteMember]: ...

    @abstractmethod
    def agreements(self, since: dt.datetime | None = None) -> Iterator[RemoteAgreement]: ...

    @abstractmethod
    def tickets(self, since: dt.datetime | None = None) -> Iterator[RemoteTicket]: ...

    @abstractmethod
    def ticket(self, ticket_id: str) -> RemoteTicket:
        """One ticket by id (after a webhook said it changed). NotFound when gone."""

    @abstractmethod
    def time_entries(self, since: dt.datetime | None = None) -> Iterator[RemoteTimeEntry]:
        """Time records kept in the PSA against tickets."""

    # --- pushes -------------------------------------------------------------------------------

    @abstractmethod
    def push_entry(self, push: EntryPush) -> PushResult:
        """Create the PSA's time record (push.remote_id None) or update it (replace what the
        PSA holds with push). Locked when the PSA holds it in a closed period or as approved
        or billed time: never force it. NotFound when updating a record deleted in the PSA."""

    @abstractmethod
    def find_entry(self, push: EntryPush) -> str | None:
        """The id of a time record the PSA already holds for this push (same ticket, member
        and start), or None: asked before creating again after a create whose answer was
        lost, so a retry never duplicates."""

    @abstractmethod
    def delete_entry(self, remote_id: str) -> None:
        """Remove the PSA's time record. NotFound when already gone (the sync treats that as
        done); Locked when the PSA keeps it (closed period, approved, billed)."""

    @abstractmethod
    def set_ticket_status(self, *, ticket_id: str, status_id: str, kind: str = "service") -> None:
        """Move the ticket to the PSA status (the entry's next status, mapped). `kind` is the
        RemoteTicket's kind the ticket was pulled as."""

    # --- callbacks ----------------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> WebhookEvents:
        """Read a callback. Raise AuthFailed when it cannot be trusted, Rejected when it is
        not a callback this connector understands. Connectors without callbacks refuse all."""
        raise ConnectorError(f"{self.label} connections take no callbacks")

    def webhook_setup(self, callback_url: str) -> str:
        """Register (or describe how to register) Daybook's callback address with the PSA.
        Returns a sentence for the admin. Default: nothing to do."""
        return ""

    @classmethod
    def webhook_help(cls, callback_url: str) -> str:
        """What an admin enters in the PSA so it calls `callback_url` back, for the connection
        page (no request to the PSA). Empty when the connector registers itself."""
        return ""


# --- the registry --------------------------------------------------------------------------


@cache
def _load(paths: tuple[str, ...]) -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for path in paths:
        module = path.rpartition(".")[0]
        try:
            cls = import_string(path)
        except ImportError as error:
            # A connector module not (yet) installed is left out; any other import error is a
            # bug and is raised.
            if getattr(error, "name", None) == module or module in str(error):
                continue
            raise
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ImproperlyConfigured(f"DAYBOOK_PSA_CONNECTORS: {path} is not a Connector class")
        if cls.kind in found:
            raise ImproperlyConfigured(f"DAYBOOK_PSA_CONNECTORS: two connectors for {cls.kind}")
        found[cls.kind] = cls
    return found


def connector_classes() -> dict[str, type[Connector]]:
    """Every installed connector class by kind ("connectwise", "autotask", "halo")."""
    return _load(tuple(settings.DAYBOOK_PSA_CONNECTORS))


def connector_class(kind: str) -> type[Connector]:
    try:
        return connector_classes()[kind]
    except KeyError:
        raise ImproperlyConfigured(f"No PSA connector of kind {kind!r} is installed.") from None


__all__ = [
    "Connector",
    "CredentialField",
    "Reply",
    "WebhookRequest",
    "connector_class",
    "connector_classes",
]
