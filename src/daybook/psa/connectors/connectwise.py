"""ConnectWise PSA (formerly ConnectWise Manage), through its REST API v3.0.

A thin client of our own on httpx (through psa/http.py and core.outbound): the maintained
Python packages for this API are generated wrappers of a few hundred endpoints that bring
their own HTTP session, which would bypass Daybook's one door for outbound requests (the
allow-list and address checks), and we use a dozen endpoints. docs/integrations.md names the
ConnectWise developer documentation section each behaviour follows.

- Base URL: the API root, e.g. https://api-na.myconnectwise.net/v4_6_release/apis/3.0
- Authentication: HTTP Basic with "companyId+publicKey" as the user and the private key as
  the password, plus the integration's `clientId` header.
- Lists: `conditions` (the API's query language: `lastUpdated >= [2024-01-31T00:00:00Z]`),
  `orderBy`, `page` (from 1) and `pageSize` (at most 1000); a page shorter than pageSize is
  the last.
- Errors: a JSON body with `code`, `message` and, for invalid objects, `errors[]` naming the
  field. Time in a closed period or already approved/billed is refused with 400; that is
  reported as Locked, never forced.
- Callbacks (system/callbacks): the body is signed, `x-content-signature` = base64 of
  HMAC-SHA256 over the body with SHA-256(signing key) as the key, and the signing key is
  fetched from the `Metadata.key_url` in the body — only ever from the connection's own host.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx

from ..http import Reply
from ..records import (
    BILLABLE,
    DO_NOT_BILL,
    NO_CHARGE,
    AuthFailed,
    ConnectorError,
    EntryPush,
    Locked,
    Misconfigured,
    NotFound,
    PushResult,
    Rejected,
    RemoteAgreement,
    RemoteChoice,
    RemoteCompany,
    RemoteMember,
    RemoteStatusChange,
    RemoteTicket,
    RemoteTimeEntry,
    WebhookEvents,
)
from .base import Connector, CredentialField, WebhookRequest

MAX_PAGE_SIZE = 1000
BILLABLE_OUT = {BILLABLE: "Billable", DO_NOT_BILL: "DoNotBill", NO_CHARGE: "NoCharge"}
BILLABLE_IN = {value: key for key, value in BILLABLE_OUT.items()}
CHARGE_TYPES = {"service": "ServiceTicket", "project": "ProjectTicket"}
TICKET_PATHS = {"service": "service/tickets", "project": "project/tickets"}
# How ConnectWise words the refusal of time it keeps (closed period, approved, billed).
LOCKED_WORDS = re.compile(r"closed|approved|billed|invoiced|locked|posted", re.IGNORECASE)


def cw_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_date(value: Any) -> dt.date | None:
    moment = parse_time(value)
    return moment.date() if moment else None


def _ref(record: dict, key: str) -> str:
    value = record.get(key)
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else ""


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _updated(record: dict) -> dt.datetime | None:
    return parse_time((record.get("_info") or {}).get("lastUpdated"))


def message_of(reply: Reply) -> str:
    """ConnectWise's error body: `message`, then each of `errors[].message` with its field."""
    try:
        data = json.loads(reply.body)
    except ValueError:
        return reply.body[:300].decode("utf-8", "replace").strip()
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or data.get("code") or "")]
    for error in data.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            field = f"{error['field']}: " if error.get("field") else ""
            parts.append(f"{field}{error['message']}")
    return "; ".join(p for p in parts if p)


def classify(reply: Reply, message: str) -> ConnectorError | None:
    if reply.status == 400 and LOCKED_WORDS.search(message):
        return Locked(
            "ConnectWise keeps this time (closed period, approved or billed)",
            psa_message=message,
            status=reply.status,
        )
    if reply.status == 401:
        return AuthFailed(
            "ConnectWise refused the company id, public key or private key",
            psa_message=message,
            status=401,
        )
    if reply.status == 403:
        return AuthFailed(
            "the API member's security role does not allow this in ConnectWise",
            psa_message=message,
            status=403,
        )
    return None


class ConnectWise(Connector):
    kind = "connectwise"
    label = "ConnectWise PSA"
    credential_fields = (
        CredentialField(
            "company_id", "Company id", secret=False, help_text="As on the log-in page."
        ),
        CredentialField("public_key", "Public key", secret=False),
        CredentialField("private_key", "Private key"),
        CredentialField(
            "client_id",
            "Client id",
            secret=False,
            help_text="The integration's clientId from ConnectWise's developer site.",
        ),
    )
    base_url_help = "The API root, e.g. https://api-na.myconnectwise.net/v4_6_release/apis/3.0"
    webhooks = True
    page_size = MAX_PAGE_SIZE

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        missing = [f.label for f in self.credential_fields if not self.credentials.get(f.name)]
        if missing:
            raise Misconfigured(f"missing credentials: {', '.join(missing)}")
        creds = self.credentials
        user = f"{creds['company_id']}+{creds['public_key']}:{creds['private_key']}"
        self.http = self.make_http(
            headers={
                "Authorization": "Basic " + base64.b64encode(user.encode()).decode(),
                "clientId": creds["client_id"],
            },
            message_of=message_of,
            classify=classify,
        )
        self._work_type_ids: list[str] | None = None

    # --- reading -------------------------------------------------------------------------------

    def _pages(
        self, path: str, *, conditions: list[str], order: str = "lastUpdated asc, id asc"
    ) -> Iterator[dict]:
        page = 1
        while True:
            params = {"page": page, "pageSize": self.page_size, "orderBy": order}
            if conditions:
                params["conditions"] = " and ".join(conditions)
            rows = self.http.get(path, params=params).json() or []
            if not isinstance(rows, list):
                raise Rejected(f"ConnectWise answered {path} with something other than a list")
            yield from rows
            if len(rows) < self.page_size:
                return
            page += 1

    @staticmethod
    def _since(since: dt.datetime | None) -> list[str]:
        return [f"lastUpdated >= [{cw_time(since)}]"] if since else []

    def test(self) -> str:
        info = self.http.get("system/info").json() or {}
        boards = self.http.get("service/boards", params={"pageSize": 1}).json()
        version = info.get("version", "unknown version")
        seen = "can read service boards" if boards is not None else "sees no boards"
        return (
            f"Signed in to ConnectWise PSA {version} as company "
            f"{self.credentials['company_id']}; the API member {seen}."
        )

    def _choices(self, path: str, *, parent: str = "", inactive_key: str = "inactiveFlag"):
        return [
            RemoteChoice(
                id=str(row["id"]),
                name=row.get("name", ""),
                parent_id=parent,
                inactive=bool(row.get(inactive_key)),
                closed=bool(row.get("closedStatus")),
            )
            for row in self._pages(path, conditions=[], order="id asc")
        ]

    def boards(self) -> list[RemoteChoice]:
        return self._choices("service/boards")

    def statuses(self) -> list[RemoteChoice]:
        found: list[RemoteChoice] = []
        for board in self.boards():
            found += self._choices(
                f"service/boards/{board.id}/statuses", parent=board.id, inactive_key="inactive"
            )
        return found

    def work_roles(self) -> list[RemoteChoice]:
        return self._choices("time/workRoles")

    def work_types(self) -> list[RemoteChoice]:
        return self._choices("time/workTypes")

    def companies(self, since: dt.datetime | None = None) -> Iterator[RemoteCompany]:
        for row in self._pages("company/companies", conditions=self._since(since)):
            yield RemoteCompany(
                id=str(row["id"]),
                name=row.get("name", ""),
                identifier=row.get("identifier", "") or "",
                inactive=bool(row.get("deletedFlag")),
                updated_at=_updated(row),
            )

    def members(self, since: dt.datetime | None = None) -> Iterator[RemoteMember]:
        for row in self._pages("system/members", conditions=self._since(since)):
            name = " ".join(p for p in (row.get("firstName"), row.get("lastName")) if p)
            yield RemoteMember(
                id=str(row["id"]),
                email=(row.get("primaryEmail") or "").strip().lower(),
                name=name,
                identifier=row.get("identifier", "") or "",
                inactive=bool(row.get("inactiveFlag")),
                updated_at=_updated(row),
            )

    def _covered(self, agreement_id: int) -> tuple[str, ...]:
        """ConnectWise applies an agreement to every work type but those it excludes
        (Finance > Agreements > Work Type Exclusions), so the covered ones are the active work
        types less the agreement's exclusions."""
        if self._work_type_ids is None:
            self._work_type_ids = [c.id for c in self.work_types() if not c.inactive]
        excluded = {
            _ref(row, "workType")
            for row in self._pages(
                f"finance/agreements/{agreement_id}/workTypeExclusions",
                conditions=[],
                order="id asc",
            )
        }
        return tuple(wt for wt in self._work_type_ids if wt not in excluded)

    def agreements(self, since: dt.datetime | None = None) -> Iterator[RemoteAgreement]:
        for row in self._pages("finance/agreements", conditions=self._since(since)):
            yield RemoteAgreement(
                covered_work_type_ids=self._covered(int(row["id"])),
                id=str(row["id"]),
                company_id=_ref(row, "company"),
                name=row.get("name", ""),
                type_name=(row.get("type") or {}).get("name", ""),
                start_date=parse_date(row.get("startDate")),
                end_date=parse_date(row.get("endDate")),
                inactive=bool(row.get("cancelledFlag")),
                updated_at=_updated(row),
                monthly_fee=_money(row.get("billAmount")),
                prepaid_hours=_money(row.get("prepaidHours")) if row.get("prepaidHours") else None,
            )

    @staticmethod
    def _ticket(row: dict, kind: str = "service") -> RemoteTicket:
        return RemoteTicket(
            kind=kind,
            id=str(row["id"]),
            summary=row.get("summary", ""),
            board_id=_ref(row, "board"),
            status_id=_ref(row, "status"),
            status_name=(row.get("status") or {}).get("name", ""),
            company_id=_ref(row, "company"),
            agreement_id=_ref(row, "agreement"),
            assignee_id=_ref(row, "owner"),
            updated_at=_updated(row),
        )

    def tickets(self, since: dt.datetime | None = None) -> Iterator[RemoteTicket]:
        """Service tickets, then project tickets (one id sequence in ConnectWise, so a link
        by id never mixes them up)."""
        for kind, path in TICKET_PATHS.items():
            for row in self._pages(path, conditions=self._since(since)):
                yield self._ticket(row, kind)

    def ticket(self, ticket_id: str) -> RemoteTicket:
        try:
            return self._ticket(self.http.get(f"service/tickets/{int(ticket_id)}").json())
        except NotFound:
            row = self.http.get(f"project/tickets/{int(ticket_id)}").json()
            return self._ticket(row, "project")

    def time_entries(self, since: dt.datetime | None = None) -> Iterator[RemoteTimeEntry]:
        conditions = [
            '(chargeToType = "ServiceTicket" or chargeToType = "ProjectTicket")',
            *self._since(since),
        ]
        for row in self._pages("time/entries", conditions=conditions):
            yield RemoteTimeEntry(
                id=str(row["id"]),
                member_id=_ref(row, "member"),
                start=parse_time(row.get("timeStart")),
                end=parse_time(row.get("timeEnd")),
                ticket_id=str(row.get("chargeToId") or ""),
                notes=row.get("notes", "") or "",
                internal_notes=row.get("internalNotes", "") or "",
                work_role_id=_ref(row, "workRole"),
                work_type_id=_ref(row, "workType"),
                billable=BILLABLE_IN.get(row.get("billableOption"), BILLABLE),
                updated_at=_updated(row),
            )

    # --- writing -------------------------------------------------------------------------------

    @staticmethod
    def _entry_body(push: EntryPush) -> dict:
        body: dict[str, Any] = {
            "chargeToId": int(push.ticket_id),
            "chargeToType": CHARGE_TYPES.get(push.ticket_kind, "ServiceTicket"),
            "member": {"id": int(push.member_id)},
            "timeStart": cw_time(push.start),
            "timeEnd": cw_time(push.end),
            "notes": push.notes,
            "internalNotes": push.internal_notes,
            "billableOption": BILLABLE_OUT.get(push.billable, "Billable"),
        }
        if push.work_role_id:
            body["workRole"] = {"id": int(push.work_role_id)}
        if push.work_type_id:
            body["workType"] = {"id": int(push.work_type_id)}
        if push.agreement_id:
            body["agreement"] = {"id": int(push.agreement_id)}
        return body

    def push_entry(self, push: EntryPush) -> PushResult:
        body = self._entry_body(push)
        if push.remote_id:
            answer = self.http.put(f"time/entries/{int(push.remote_id)}", json=body).json()
        else:
            answer = self.http.post("time/entries", json=body).json()
        return PushResult(remote_id=str(answer["id"]))

    def find_entry(self, push: EntryPush) -> str | None:
        conditions = [
            f"chargeToId = {int(push.ticket_id)}",
            f"member/id = {int(push.member_id)}",
            f"timeStart = [{cw_time(push.start)}]",
        ]
        rows = self.http.get(
            "time/entries", params={"conditions": " and ".join(conditions), "pageSize": 1}
        ).json()
        return str(rows[0]["id"]) if rows else None

    def delete_entry(self, remote_id: str) -> None:
        self.http.delete(f"time/entries/{int(remote_id)}")

    def set_ticket_status(self, *, ticket_id: str, status_id: str, kind: str = "service") -> None:
        patch = [{"op": "replace", "path": "status", "value": {"id": int(status_id)}}]
        self.http.patch(f"{TICKET_PATHS.get(kind, 'service/tickets')}/{int(ticket_id)}", json=patch)

    # --- callbacks -----------------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> WebhookEvents:
        if not request.token_ok:
            raise AuthFailed("the callback address's token is wrong")
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise Rejected("the callback's body is not JSON") from None
        if not isinstance(payload, dict):
            raise Rejected("the callback's body is not a ConnectWise callback")
        self._verify_signature(payload, request)
        if str(payload.get("Type", "")).lower() != "ticket":
            return WebhookEvents()
        ticket_id = str(payload.get("ID") or "")
        if not ticket_id.isdigit():
            raise Rejected("the callback names no ticket")
        if str(payload.get("Action", "")).lower() == "deleted":
            return WebhookEvents(deleted_ticket_ids=(ticket_id,))
        ticket = None
        entity = payload.get("Entity")
        if isinstance(entity, str) and entity:
            try:
                entity = json.loads(entity)
            except ValueError:
                entity = None
        if isinstance(entity, dict) and entity.get("id") is not None:
            ticket = self._ticket(entity)
        change = RemoteStatusChange(
            ticket_id=ticket_id,
            status_id=ticket.status_id if ticket else "",
            assignee_id=ticket.assignee_id if ticket else "",
            changed_at=ticket.updated_at if ticket else None,
            ticket=ticket,
        )
        return WebhookEvents(changes=(change,))

    def _verify_signature(self, payload: dict, request: WebhookRequest) -> None:
        signature = request.headers.get("x-content-signature", "")
        key_url = str((payload.get("Metadata") or {}).get("key_url") or "")
        if not signature or not key_url:
            raise AuthFailed("the callback is not signed")
        ours, theirs = httpx.URL(self.base_url), httpx.URL(key_url)
        if (theirs.scheme, theirs.host, theirs.port) != (ours.scheme, ours.host, ours.port):
            raise AuthFailed("the callback's signing key is not on this connection's host")
        key = (self.http.get(key_url).json() or {}).get("signing_key", "")
        if not key:
            raise AuthFailed("ConnectWise gave no signing key for the callback")
        expected = sign(request.body, key)
        if not hmac.compare_digest(expected, signature):
            raise AuthFailed("the callback's signature does not match its body")

    def webhook_setup(self, callback_url: str) -> str:
        existing = self.http.get(
            "system/callbacks", params={"conditions": f'url = "{callback_url}"'}
        ).json()
        if existing:
            return "ConnectWise already calls Daybook back when a ticket changes."
        self.http.post(
            "system/callbacks",
            json={
                "description": "Daybook: ticket changes",
                "url": callback_url,
                "objectId": 1,
                "type": "ticket",
                "level": "owner",
                "inactiveFlag": False,
            },
        )
        return "ConnectWise now calls Daybook back when a ticket changes."


def sign(body: bytes, signing_key: str) -> str:
    """ConnectWise's callback signature of `body`."""
    key = hashlib.sha256(signing_key.encode()).digest()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


__all__ = ["ConnectWise", "NotFound", "sign"]
