"""Autotask PSA (Datto / Kaseya), through its REST API.

A thin client of our own on psa/http.py: the Python packages for Autotask's REST API are small
one-person projects that make their own HTTP requests, and every request Daybook makes must go
through core.outbound (the allow-list and the address checks). docs/integrations.md lists which
section of Autotask's developer help each behaviour here follows. In short:

- The connection's base URL is the zone-discovery address (normally
  https://webservices.autotask.net/ATServicesRest). The connector asks it which zone the API
  user lives in (`V1.0/zoneInformation?user=`) and talks to that zone's address from then on.
- Every call carries the headers ApiIntegrationCode, UserName and Secret.
- Lists are JSON queries (`<Entity>/query?search={"filter": [...], "MaxRecords": 500}`), read a
  page of at most 500 records at a time by following `pageDetails.nextPageUrl`.
- Autotask answers most refusals with status 500 and `{"errors": [...]}`; `_classify` reads
  the message to tell a refused credential, an approved (locked) time entry or a missing record
  from a real server error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

from ..http import PsaHttp, Reply, default_message_of
from ..records import (
    BILLABLE,
    DO_NOT_BILL,
    NO_CHARGE,
    AuthFailed,
    ConnectorError,
    EntryPush,
    Locked,
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
    Unavailable,
    WebhookEvents,
)
from .base import Connector, CredentialField, WebhookRequest

API_VERSION = "V1.0"
MAX_RECORDS = 500
# Ticket status "Complete": a system value every Autotask instance has.
COMPLETE_STATUS = "5"
# BillingCodes.useType of the codes that are charged on labour: Autotask's "work types".
WORK_TYPE_USE = 1
# Contracts.status of an active contract.
ACTIVE_CONTRACT = 1
# The most contract ids one `in` filter carries (Autotask allows 500 values in a list).
IN_LIMIT = 500

_LOCKED_WORDS = ("approved", "posted", "submitted", "timesheet", "locked")
_CODE_WORDS = ("integrationcode", "integration code", "tracking identifier")
_PERMISSION_WORDS = ("permission", "not authorized", "not authorised")


def autotask_message(reply: Reply) -> str:
    """The messages of an Autotask error body, `{"errors": ["...", ...]}`."""
    try:
        data = json.loads(reply.body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        found = data.get("errors") or data.get("Errors")
        if isinstance(found, list) and found:
            return "; ".join(str(m) for m in found)
    return default_message_of(reply)


def _classify(reply: Reply, message: str) -> ConnectorError | None:
    text = message.lower()
    kwargs = {"psa_message": message, "status": reply.status}
    if reply.status == 401:
        return AuthFailed("Autotask refused the API user's secret", **kwargs)
    if reply.status not in (403, 500):
        return None
    if any(word in text for word in _CODE_WORDS):
        return AuthFailed(
            "Autotask refused the API integration code (tracking identifier)", **kwargs
        )
    if "api user" in text or "user name" in text or "username" in text:
        return AuthFailed("Autotask does not know this API user name", **kwargs)
    if any(word in text for word in _PERMISSION_WORDS) or reply.status == 403:
        return AuthFailed("the Autotask API user's security level does not allow this", **kwargs)
    if "no matching records" in text:
        return NotFound("Autotask has no such record", **kwargs)
    if any(word in text for word in _LOCKED_WORDS):
        return Locked(
            "Autotask keeps this time entry as approved or on a submitted timesheet", **kwargs
        )
    return None


def _discovery_classify(reply: Reply, message: str) -> ConnectorError | None:
    if reply.status == 500:
        return AuthFailed(
            "Autotask's zone lookup does not know this API user name",
            psa_message=message,
            status=reply.status,
        )
    return None


def parse_moment(value: Any) -> dt.datetime | None:
    """An Autotask date-time (UTC, with or without a Z, up to seven decimals) as aware UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _date(value: Any) -> dt.date | None:
    moment = parse_moment(value)
    return moment.date() if moment else None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(value: Any) -> str:
    return "" if value in (None, "", 0) else str(value)


def _number(remote_id: str, what: str) -> int:
    try:
        return int(remote_id)
    except (TypeError, ValueError):
        raise Rejected(f"{what} {remote_id!r} is not an Autotask id (a whole number)") from None


def _since_filter(field: str, since: dt.datetime | None) -> list[dict[str, Any]]:
    if since is None:
        return [{"op": "gte", "field": "id", "value": 0}]
    return [{"op": "gte", "field": field, "value": _stamp(since)}]


class Autotask(Connector):
    kind = "autotask"
    label = "Autotask PSA"
    base_url_help = (
        "Autotask's zone lookup address, normally https://webservices.autotask.net/ATServicesRest "
        "(Daybook finds your zone from it). Allow *.autotask.net in DAYBOOK_OUTBOUND_HOSTS."
    )
    credential_fields = (
        CredentialField(
            "username",
            "API user name",
            secret=False,
            help_text="The user name of an API-only resource (Admin > Resources, security level "
            "API User), usually an email address.",
        ),
        CredentialField("secret", "Secret", help_text="The API user's secret (its password)."),
        CredentialField(
            "integration_code",
            "API tracking identifier",
            help_text="The integration code (tracking identifier) set on the API user.",
        ),
        CredentialField(
            "webhook_secret",
            "Webhook secret key",
            required=False,
            help_text="The SecretKey of the Ticket webhook that calls Daybook back (optional: "
            "without a webhook, Daybook polls Autotask for changes).",
        ),
    )
    page_size = MAX_RECORDS
    webhooks = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._api: PsaHttp | None = None
        self.zone_name = ""
        self.zone_url = ""
        self._picklists: dict[str, dict[str, dict[str, Any]]] = {}

    # --- the zone and the client --------------------------------------------------------------

    @property
    def username(self) -> str:
        return self.credentials.get("username", "").strip()

    def api(self) -> PsaHttp:
        """The client for the API user's zone, found on first use."""
        if self._api is None:
            for name in ("username", "secret", "integration_code"):
                if not self.credentials.get(name, "").strip():
                    raise AuthFailed(f"the connection has no Autotask {name.replace('_', ' ')}")
            discovery = self.make_http(
                base_url=self.base_url,
                headers={},
                message_of=autotask_message,
                classify=_discovery_classify,
            )
            reply = discovery.get(f"{API_VERSION}/zoneInformation", params={"user": self.username})
            data = reply.json()
            url = data.get("url") if isinstance(data, dict) else None
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise Unavailable("Autotask's zone lookup answered no API address")
            self.zone_name = str(data.get("zoneName") or "")
            self.zone_url = url.rstrip("/")
            self._api = self.make_http(
                base_url=f"{self.zone_url}/{API_VERSION}",
                headers={
                    "ApiIntegrationCode": self.credentials["integration_code"].strip(),
                    "UserName": self.username,
                    "Secret": self.credentials["secret"],
                    "Content-Type": "application/json",
                },
                message_of=autotask_message,
                classify=_classify,
            )
        return self._api

    # --- reading ------------------------------------------------------------------------------

    def query(
        self, entity: str, filters: list[dict[str, Any]], *, max_records: int = MAX_RECORDS
    ) -> Iterator[dict[str, Any]]:
        """Every record of `entity` matching `filters`, a page at a time."""
        search = json.dumps({"filter": filters, "MaxRecords": max_records}, separators=(",", ":"))
        reply = self.api().get(f"{entity}/query", params={"search": search})
        while True:
            data = reply.json()
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise Unavailable(f"Autotask answered a {entity} query without an items list")
            yield from data["items"]
            next_url = (data.get("pageDetails") or {}).get("nextPageUrl")
            if not next_url:
                return
            reply = self.api().get(next_url)

    def picklist(self, entity: str, field: str) -> dict[str, dict[str, Any]]:
        """A picklist's values (by value) from `<entity>/entityInformation/fields`."""
        key = f"{entity}.{field}"
        if key not in self._picklists:
            data = self.api().get(f"{entity}/entityInformation/fields").json()
            fields = data.get("fields") if isinstance(data, dict) else None
            for item in fields or []:
                if str(item.get("name", "")).lower() == field.lower():
                    values = item.get("picklistValues") or []
                    self._picklists[key] = {str(v.get("value")): v for v in values}
                    break
            else:
                raise Unavailable(f"Autotask's {entity} fields have no {field} picklist")
        return self._picklists[key]

    def test(self) -> str:
        statuses = self.statuses()
        queues = self.boards()
        zone = f" ({self.zone_name})" if self.zone_name else ""
        return (
            f"Signed in to Autotask{zone} as {self.username}: {len(statuses)} ticket statuses "
            f"and {len(queues)} queues found."
        )

    def boards(self) -> list[RemoteChoice]:
        return [
            RemoteChoice(
                id=value, name=str(v.get("label", "")), inactive=not v.get("isActive", True)
            )
            for value, v in self.picklist("Tickets", "queueID").items()
        ]

    def statuses(self) -> list[RemoteChoice]:
        return [
            RemoteChoice(
                id=value,
                name=str(v.get("label", "")),
                inactive=not v.get("isActive", True),
                closed=value == COMPLETE_STATUS,
            )
            for value, v in self.picklist("Tickets", "status").items()
        ]

    def work_roles(self) -> list[RemoteChoice]:
        return [
            RemoteChoice(
                id=str(r["id"]), name=str(r.get("name", "")), inactive=not r.get("isActive", True)
            )
            for r in self.query("Roles", _since_filter("", None))
        ]

    def work_types(self) -> list[RemoteChoice]:
        filters = [{"op": "eq", "field": "useType", "value": WORK_TYPE_USE}]
        return [
            RemoteChoice(
                id=str(r["id"]), name=str(r.get("name", "")), inactive=not r.get("isActive", True)
            )
            for r in self.query("BillingCodes", filters)
        ]

    def companies(self, since: dt.datetime | None = None) -> Iterator[RemoteCompany]:
        for r in self.query("Companies", _since_filter("lastActivityDate", since)):
            yield RemoteCompany(
                id=str(r["id"]),
                name=str(r.get("companyName") or ""),
                identifier=str(r.get("companyNumber") or ""),
                inactive=not r.get("isActive", True),
                updated_at=parse_moment(r.get("lastActivityDate")),
            )

    def members(self, since: dt.datetime | None = None) -> Iterator[RemoteMember]:
        # Resources have no last-modified field: every resource is read each time.
        for r in self.query("Resources", _since_filter("", None)):
            name = " ".join(p for p in (r.get("firstName"), r.get("lastName")) if p)
            yield RemoteMember(
                id=str(r["id"]),
                email=str(r.get("email") or "").strip().lower(),
                name=name,
                identifier=str(r.get("userName") or ""),
                inactive=not r.get("isActive", True),
            )

    def agreements(self, since: dt.datetime | None = None) -> Iterator[RemoteAgreement]:
        # Contracts have no last-modified field either: all are read, a page at a time, with
        # each page's excluded billing codes (what the contract does not cover).
        types = {
            k: str(v.get("label", ""))
            for k, v in self.picklist("Contracts", "contractType").items()
        }
        work_types: list[str] | None = None
        page: list[dict[str, Any]] = []
        for record in self.query("Contracts", _since_filter("", None)):
            page.append(record)
            if len(page) == IN_LIMIT:
                work_types = work_types or [w.id for w in self.work_types()]
                yield from self._agreements(page, types, work_types)
                page = []
        if page:
            work_types = work_types or [w.id for w in self.work_types()]
            yield from self._agreements(page, types, work_types)

    def _agreements(
        self, contracts: list[dict[str, Any]], types: dict[str, str], work_types: list[str]
    ) -> Iterator[RemoteAgreement]:
        excluded: dict[str, set[str]] = {}
        ids = [c["id"] for c in contracts]
        for row in self.query(
            "ContractExclusionBillingCodes", [{"op": "in", "field": "contractID", "value": ids}]
        ):
            excluded.setdefault(str(row.get("contractID")), set()).add(
                str(row.get("billingCodeID"))
            )
        for c in contracts:
            out = excluded.get(str(c["id"]))
            covered = tuple(w for w in work_types if w not in out) if out else ()
            yield RemoteAgreement(
                id=str(c["id"]),
                company_id=_id(c.get("companyID")),
                name=str(c.get("contractName") or ""),
                type_name=types.get(str(c.get("contractType")), ""),
                start_date=_date(c.get("startDate")),
                end_date=_date(c.get("endDate")),
                covered_work_type_ids=covered,
                inactive=c.get("status") != ACTIVE_CONTRACT,
            )

    def _ticket(self, r: dict[str, Any], statuses: dict[str, dict[str, Any]]) -> RemoteTicket:
        status = _id(r.get("status"))
        return RemoteTicket(
            id=str(r["id"]),
            summary=str(r.get("title") or ""),
            board_id=_id(r.get("queueID")),
            status_id=status,
            status_name=str(statuses.get(status, {}).get("label", "")),
            company_id=_id(r.get("companyID")),
            agreement_id=_id(r.get("contractID")),
            assignee_id=_id(r.get("assignedResourceID")),
            updated_at=parse_moment(r.get("lastActivityDate")),
        )

    def tickets(self, since: dt.datetime | None = None) -> Iterator[RemoteTicket]:
        statuses = self.picklist("Tickets", "status")
        for r in self.query("Tickets", _since_filter("lastActivityDate", since)):
            yield self._ticket(r, statuses)

    def ticket(self, ticket_id: str) -> RemoteTicket:
        data = self.api().get(f"Tickets/{_number(ticket_id, 'Ticket')}").json()
        item = data.get("item") if isinstance(data, dict) else None
        if not item:
            raise NotFound(f"Autotask has no ticket {ticket_id}")
        return self._ticket(item, self.picklist("Tickets", "status"))

    def time_entries(self, since: dt.datetime | None = None) -> Iterator[RemoteTimeEntry]:
        filters = [
            *_since_filter("lastModifiedDateTime", since),
            {"op": "exist", "field": "ticketID"},
        ]
        for r in self.query("TimeEntries", filters):
            start = parse_moment(r.get("startDateTime"))
            end = parse_moment(r.get("endDateTime"))
            if start is None:
                continue  # time typed as hours only, with no start: nothing to place on a day
            if end is None:
                end = start + dt.timedelta(hours=float(r.get("hoursWorked") or 0))
            if r.get("isNonBillable"):
                billable = NO_CHARGE if r.get("showOnInvoice") else DO_NOT_BILL
            else:
                billable = BILLABLE
            yield RemoteTimeEntry(
                id=str(r["id"]),
                member_id=_id(r.get("resourceID")),
                start=start,
                end=end,
                ticket_id=_id(r.get("ticketID")),
                notes=str(r.get("summaryNotes") or ""),
                internal_notes=str(r.get("internalNotes") or ""),
                work_role_id=_id(r.get("roleID")),
                work_type_id=_id(r.get("billingCodeID")),
                billable=billable,
                updated_at=parse_moment(r.get("lastModifiedDateTime")),
            )

    # --- writing ------------------------------------------------------------------------------

    def _time_entry(self, push: EntryPush) -> dict[str, Any]:
        if not push.work_role_id or not push.work_type_id:
            raise Rejected(
                "Autotask needs a work role and a work type (billing code) on time charged to a "
                "ticket: map this entry's work role and work type to Autotask ones"
            )
        if push.end <= push.start:
            raise Rejected("the entry ends before it starts")
        hours = round((push.end - push.start).total_seconds() / 3600, 4)
        if hours > 24:
            raise Rejected("Autotask takes no time entry of more than 24 hours")
        start = push.start.astimezone(dt.UTC)
        return {
            "ticketID": _number(push.ticket_id, "Ticket"),
            "resourceID": _number(push.member_id, "Resource"),
            "roleID": _number(push.work_role_id, "Role"),
            "billingCodeID": _number(push.work_type_id, "Billing code"),
            "dateWorked": start.strftime("%Y-%m-%dT00:00:00Z"),
            "startDateTime": _stamp(push.start),
            "endDateTime": _stamp(push.end),
            "hoursWorked": hours,
            "summaryNotes": push.notes,
            "internalNotes": push.internal_notes,
            "isNonBillable": push.billable != BILLABLE,
            "showOnInvoice": push.billable in (BILLABLE, NO_CHARGE),
        }

    def push_entry(self, push: EntryPush) -> PushResult:
        body = self._time_entry(push)
        try:
            if push.remote_id is None:
                reply = self.api().post("TimeEntries", json=body)
            else:
                body = {"id": _number(push.remote_id, "Time entry"), **body}
                reply = self.api().patch("TimeEntries", json=body)
        except Unavailable as error:
            raise _refused_write(error) from None
        data = reply.json()
        item_id = data.get("itemId") if isinstance(data, dict) else None
        if item_id in (None, ""):
            raise Unavailable("Autotask saved the time entry but did not say its id")
        return PushResult(remote_id=str(item_id))

    def find_entry(self, push: EntryPush) -> str | None:
        filters = [
            {"op": "eq", "field": "ticketID", "value": _number(push.ticket_id, "Ticket")},
            {"op": "eq", "field": "resourceID", "value": _number(push.member_id, "Resource")},
            {"op": "eq", "field": "startDateTime", "value": _stamp(push.start)},
        ]
        for record in self.query("TimeEntries", filters, max_records=1):
            return str(record["id"])
        return None

    def delete_entry(self, remote_id: str) -> None:
        try:
            self.api().delete(f"TimeEntries/{_number(remote_id, 'Time entry')}")
        except Unavailable as error:
            raise _refused_write(error) from None

    def set_ticket_status(self, *, ticket_id: str, status_id: str, kind: str = "service") -> None:
        body = {"id": _number(ticket_id, "Ticket"), "status": _number(status_id, "Status")}
        try:
            self.api().patch("Tickets", json=body)
        except Unavailable as error:
            raise _refused_write(error) from None

    # --- callbacks ----------------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> WebhookEvents:
        """A Ticket webhook's callout: `EntityType`, `Id`, `Action` (Create, Update, Delete)
        and the subscribed `Fields` that changed, signed in `X-Hook-Signature`."""
        if not request.token_ok:
            raise AuthFailed("the callback address's token is wrong")
        secret = self.credentials.get("webhook_secret", "").strip()
        if not secret:
            raise AuthFailed("the connection has no webhook secret key to check callbacks with")
        given = request.headers.get("x-hook-signature", "").strip()
        given = given.removeprefix("sha1=")
        if not given or not hmac.compare_digest(hook_signature(request.body, secret), given):
            raise AuthFailed("the callback's signature does not match its body")
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise Rejected("the callback's body is not JSON") from None
        if not isinstance(payload, dict):
            raise Rejected("the callback's body is not an Autotask webhook callout")
        if str(payload.get("EntityType", "")).lower() != "ticket":
            return WebhookEvents()
        ticket_id = str(payload.get("Id") or "")
        if not ticket_id.isdigit():
            raise Rejected("the callback names no ticket")
        if str(payload.get("Action", "")).lower() == "delete":
            return WebhookEvents(deleted_ticket_ids=(ticket_id,))
        fields = payload.get("Fields") if isinstance(payload.get("Fields"), dict) else {}
        changed = {str(name).lower(): value for name, value in fields.items()}
        assignee = changed.get("assignedresourceid")
        # The callout names only what changed: the sync reads the whole ticket (ticket=None).
        change = RemoteStatusChange(
            ticket_id=ticket_id,
            status_id=str(changed.get("status") or ""),
            assignee_id=str(assignee) if assignee else "",
            changed_at=parse_moment(payload.get("EventTime")),
        )
        return WebhookEvents(changes=(change,))

    def webhook_setup(self, callback_url: str) -> str:
        return self.webhook_help(callback_url)

    @classmethod
    def webhook_help(cls, callback_url: str) -> str:
        return (
            "In Autotask, add a Ticket webhook (Admin > Extensions & Integrations > Webhooks, or "
            f"the TicketWebhooks API) that calls {callback_url} on update and delete events, "
            "subscribed to the Status and Primary Resource fields, with the secret key saved "
            "on this connection."
        )


def hook_signature(body: bytes, secret: str) -> str:
    """Autotask's callout signature: the body's HMAC-SHA1 under the webhook's secret key,
    base64-encoded (sent as `X-Hook-Signature: sha1=<signature>`)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def _refused_write(error: Unavailable) -> ConnectorError:
    """Autotask answers a write it refuses (a business rule) with 500 and its reason: that is
    a refusal to fix, not a server to wait for. A 500 without a reason stays Unavailable."""
    if error.status == 500 and error.psa_message:
        return Rejected(
            "Autotask refused the change", psa_message=error.psa_message, status=error.status
        )
    return error
