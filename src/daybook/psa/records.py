"""What the PSA connectors hand to the sync and take from it: plain records in Daybook's terms,
whatever the PSA calls them, and the errors a connector raises.

A connector turns its PSA's JSON into these records and nothing else leaves it; the sync
(psa/sync.py) only ever sees these. Every remote id is a string, whatever type the PSA uses.
Times are aware datetimes in UTC; dates are plain dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# --- pulled from the PSA ---------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteChoice:
    """A board/queue, ticket status, work role or work type (billing code).

    `parent_id` ties a status to its board where the PSA keeps statuses per board (ConnectWise);
    empty where statuses are global. `closed` marks statuses the PSA itself treats as closed.
    """

    id: str
    name: str
    parent_id: str = ""
    inactive: bool = False
    closed: bool = False


@dataclass(frozen=True)
class RemoteCompany:
    id: str
    name: str
    identifier: str = ""  # the PSA's short code, when it has one
    inactive: bool = False
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class RemoteMember:
    """A PSA member / resource / agent: matched to a Daybook member by email."""

    id: str
    email: str
    name: str = ""
    identifier: str = ""  # log-in name or similar
    inactive: bool = False
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class RemoteAgreement:
    """An agreement / contract. `type_name` is the PSA's own type (mapped to Daybook's agreement
    kinds by the sync); `covered_work_type_ids` lists the PSA work types it covers, when the PSA
    says (empty means "not stated", not "covers nothing")."""

    id: str
    company_id: str
    name: str
    type_name: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    covered_work_type_ids: tuple[str, ...] = ()
    inactive: bool = False
    updated_at: dt.datetime | None = None
    monthly_fee: Decimal | None = None  # the recurring amount, when the PSA keeps one
    prepaid_hours: Decimal | None = None  # block hours bought, for block agreements
    hourly_rate: Decimal | None = None


@dataclass(frozen=True)
class RemoteTicket:
    """A service ticket (or a project ticket, `kind="project"`)."""

    id: str
    summary: str
    board_id: str = ""
    status_id: str = ""
    status_name: str = ""
    company_id: str = ""
    agreement_id: str = ""
    assignee_id: str = ""  # the PSA member the ticket is assigned to, "" when nobody
    kind: str = "service"
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class RemoteStatusChange:
    """A ticket that changed status in the PSA, from a webhook callback or seen while polling.
    `ticket` is filled when the connector already has the whole ticket, else the sync fetches
    it with Connector.ticket(ticket_id)."""

    ticket_id: str
    status_id: str = ""
    assignee_id: str = ""
    changed_at: dt.datetime | None = None
    ticket: RemoteTicket | None = None


@dataclass(frozen=True)
class RemoteTimeEntry:
    """A time record kept in the PSA (for the benchmark's pull and for entries typed in the PSA
    directly). `ticket_id` is "" for time not charged to a ticket."""

    id: str
    member_id: str
    start: dt.datetime
    end: dt.datetime
    ticket_id: str = ""
    notes: str = ""
    internal_notes: str = ""
    work_role_id: str = ""
    work_type_id: str = ""
    billable: str = "billable"  # one of BILLABLE_OPTIONS
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class WebhookEvents:
    """What a callback said: the tickets whose status (or anything) changed, and tickets that
    were deleted. Empty when the callback is about something the sync does not follow."""

    changes: tuple[RemoteStatusChange, ...] = ()
    deleted_ticket_ids: tuple[str, ...] = ()


# --- pushed to the PSA -----------------------------------------------------------------------

# Daybook's billable options, as the connectors receive them (timekeeping's choices values).
BILLABLE = "billable"
DO_NOT_BILL = "do_not_bill"
NO_CHARGE = "no_charge"
BILLABLE_OPTIONS = (BILLABLE, DO_NOT_BILL, NO_CHARGE)


@dataclass(frozen=True)
class EntryPush:
    """One Daybook time entry as the PSA should hold it. `remote_id` is the PSA's id of the
    record when it was pushed before (update), None for a first push (create). `ticket_kind`
    is "service" or "project" (ConnectWise charges them differently)."""

    entry_id: int
    ticket_id: str
    member_id: str
    start: dt.datetime
    end: dt.datetime
    notes: str = ""
    internal_notes: str = ""
    work_role_id: str = ""
    work_type_id: str = ""
    billable: str = BILLABLE
    remote_id: str | None = None
    ticket_kind: str = "service"
    company_id: str = ""
    agreement_id: str = ""


@dataclass(frozen=True)
class PushResult:
    """The PSA's id of the record it holds now, and anything worth telling the admin about it
    (e.g. "the PSA rounded the start to the minute")."""

    remote_id: str
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- errors ----------------------------------------------------------------------------------


class ConnectorError(Exception):
    """Something the PSA refused or could not do. `summary` is our own short sentence (safe to
    show an admin); `psa_message` is what the PSA said about it, as it said it (kept for the
    sync log, shown to admins only, never containing credentials); `retryable` says whether
    trying the same thing later may work; `status` is the HTTP status when there was one."""

    retryable = False

    def __init__(self, summary: str, *, psa_message: str = "", status: int | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.psa_message = psa_message
        self.status = status

    def __str__(self) -> str:
        if self.psa_message:
            return f"{self.summary} (the PSA said: {self.psa_message})"
        return self.summary


class AuthFailed(ConnectorError):
    """The credentials were refused (401), or they lack a permission the call needs (403)."""


class NotFound(ConnectorError):
    """The record (or the address) does not exist in the PSA (404)."""


class Rejected(ConnectorError):
    """The PSA refused the record as invalid (400 and similar): fix the data or a mapping."""


class Locked(ConnectorError):
    """The PSA holds the record in a closed period, or as approved/billed time, or it was
    changed there at the same time (409): Daybook reports it and never overwrites it."""


# Another name for the same thing, as the brief called it.
Conflict = Locked


class RateLimited(ConnectorError):
    """The PSA asked us to slow down (429) more often than the retries allow.
    `retry_after` is the seconds it asked for, when it said."""

    retryable = True

    def __init__(self, summary: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(summary, **kwargs)
        self.retry_after = retry_after


class Unavailable(ConnectorError):
    """The PSA could not be reached, timed out or answered 5xx (after the retries)."""

    retryable = True


class Misconfigured(ConnectorError):
    """The connection's own settings are wrong (missing credential, bad base URL, address not
    allowed by the administrator's outbound allow-list)."""
