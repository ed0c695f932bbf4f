"""HaloPSA, through its REST API.

A thin client of our own on psa/http.py: the Python wrapper published for Halo makes its own
HTTP requests, and every request Daybook makes must go through core.outbound (the allow-list
and the address checks). docs/integrations.md lists which part of Halo's API documentation
each behaviour here follows. In short:

- OAuth2 client credentials: `POST <base>/auth/token` (form: grant_type=client_credentials,
  client_id, client_secret, scope=all; `?tenant=` on hosted instances that need it) gives a
  bearer token, kept on the instance and fetched again once when the API answers 401.
- Lists page with `pageinate=true&page_size=&page_no=` and say `record_count`; tickets changed
  since a moment are asked for with `datesearch=last_update&startdate=`.
- Time is an action on the ticket: `POST /api/Actions` with a one-record array creates (or,
  with an `id`, updates) it; `DELETE /api/Actions/{id}`. Halo's "charge rates" are the work
  types; Halo has no work roles.
- Callbacks: Halo's webhooks are not signed; the only check Halo offers the receiver is Basic
  authentication with a user name and password set on the webhook. A callback is taken when
  the secret token in its address and that user name and password both match; only the
  ticket's id is read from it, and the ticket itself is read from the API.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from ..http import PsaHttp, Reply
from ..records import (
    BILLABLE,
    DO_NOT_BILL,
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

PAGE_SIZE = 100
# The lookup type of charge rates (what Halo charges time at: Daybook's work types).
CHARGE_RATE_LOOKUP = 17
# The system "Closed" ticket status every Halo instance has.
CLOSED_STATUS = "9"
OUTCOME = "Time Entry"
TOKEN_ERRORS = ("invalid_client", "unauthorized_client", "invalid_scope", "invalid_grant")
_LOCKED_WORDS = ("invoiced", "approved", "locked", "closed period")


def halo_message(reply: Reply) -> str:
    """Halo's words from an error body: a JSON string, an object with a message, or text."""
    try:
        data = json.loads(reply.body)
    except ValueError:
        return reply.body[:500].decode("utf-8", "replace").strip()
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        for key in ("errorMessage", "message", "Message", "error_description", "error"):
            if isinstance(data.get(key), str):
                return data[key]
    return reply.body[:500].decode("utf-8", "replace").strip()


def _classify(reply: Reply, message: str) -> ConnectorError | None:
    if reply.status == 400 and any(w in message.lower() for w in _LOCKED_WORDS):
        return Locked(
            "HaloPSA keeps this time as invoiced or on an approved timesheet",
            psa_message=message,
            status=reply.status,
        )
    return None


def _token_classify(reply: Reply, message: str) -> ConnectorError | None:
    """The token endpoint's OAuth2 errors (RFC 6749 section 5.2): `{"error": "<code>"}`."""
    try:
        data = json.loads(reply.body)
    except ValueError:
        data = None
    code = data.get("error") if isinstance(data, dict) else None
    if reply.status not in (400, 401) or not isinstance(code, str):
        return None
    kwargs = {"psa_message": message, "status": reply.status}
    if code == "invalid_scope":
        return AuthFailed(
            "HaloPSA refused the scope 'all': give the API application all permissions", **kwargs
        )
    if code == "invalid_request":
        return AuthFailed("HaloPSA refused the sign-in request: check the tenant", **kwargs)
    if code in TOKEN_ERRORS:
        return AuthFailed("HaloPSA refused the client ID or secret", **kwargs)
    return None


def parse_moment(value: Any) -> dt.datetime | None:
    """A Halo date-time (UTC) as aware UTC; Halo's "no date" (year 1900 or earlier) as None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.year <= 1900:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _date(value: Any) -> dt.date | None:
    moment = parse_moment(value)
    return moment.date() if moment else None


def _money(value: Any) -> Decimal | None:
    """A positive amount as a Decimal; None for nothing, zero or not a number."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount > 0 else None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(value: Any) -> str:
    return "" if value in (None, "", 0, -1) else str(value)


def _number(remote_id: str, what: str) -> int:
    try:
        return int(remote_id)
    except (TypeError, ValueError):
        raise Rejected(f"{what} {remote_id!r} is not a HaloPSA id (a whole number)") from None


class Halo(Connector):
    kind = "halo"
    label = "HaloPSA"
    base_url_help = "Your HaloPSA address, e.g. https://yourcompany.halopsa.com (no /api)."
    credential_fields = (
        CredentialField(
            "client_id",
            "Client ID",
            secret=False,
            help_text="From Configuration > Integrations > HaloPSA API > View Applications: an "
            "application using Client ID and Secret (Services), with all permissions.",
        ),
        CredentialField("client_secret", "Client secret"),
        CredentialField(
            "tenant",
            "Tenant",
            secret=False,
            required=False,
            help_text="Only for hosted instances that ask for it (shown on the API details page).",
        ),
        CredentialField(
            "webhook_username",
            "Webhook user name",
            secret=False,
            required=False,
            help_text="The user name of the Basic authentication set on the HaloPSA webhook that "
            "calls Daybook back (optional: without a webhook, Daybook polls HaloPSA for changes).",
        ),
        CredentialField(
            "webhook_password",
            "Webhook password",
            required=False,
            help_text="The password of that Basic authentication: a long random one, used nowhere "
            "else.",
        ),
    )
    page_size = PAGE_SIZE
    webhooks = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token = ""
        self._http: PsaHttp | None = None
        self._statuses: dict[str, str] | None = None

    # --- signing in ---------------------------------------------------------------------------

    def _sign_in(self) -> str:
        client_id = self.credentials.get("client_id", "").strip()
        secret = self.credentials.get("client_secret", "")
        if not client_id or not secret:
            raise AuthFailed("the connection has no HaloPSA client ID or secret")
        path = "auth/token"
        tenant = self.credentials.get("tenant", "").strip()
        if tenant:
            path += "?" + urlencode({"tenant": tenant})
        auth = self.make_http(headers={}, message_of=halo_message, classify=_token_classify)
        form = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": "all",
            }
        ).encode()
        reply = auth.post(
            path,
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        data = reply.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise Unavailable("HaloPSA's sign-in answered no access token")
        return token

    def http(self) -> PsaHttp:
        if self._http is None:
            self._token = self._sign_in()
            self._http = self.make_http(
                base_url=f"{self.base_url}/api",
                headers={"Authorization": f"Bearer {self._token}"},
                message_of=halo_message,
                classify=_classify,
            )
        return self._http

    def call(self, method: str, path: str, **kw: Any) -> Reply:
        """A request with the token; a token that expired is fetched again, once."""
        try:
            return self.http().request(method, path, **kw)
        except AuthFailed as error:
            if error.status != 401:
                raise
            self._http = None
            try:
                return self.http().request(method, path, **kw)
            except AuthFailed as again:
                if again.status == 401:
                    raise AuthFailed(
                        "HaloPSA refused the new access token",
                        psa_message=again.psa_message,
                        status=401,
                    ) from None
                raise

    def pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Every record of a paged list, PAGE_SIZE at a time."""
        number = 1
        while True:
            query = {
                **(params or {}),
                "pageinate": "true",
                "page_size": PAGE_SIZE,
                "page_no": number,
            }
            data = self.call("GET", path, params=query).json()
            if not isinstance(data, dict) or not isinstance(data.get(key), list):
                raise Unavailable(f"HaloPSA answered {path} without a {key} list")
            rows = data[key]
            yield from rows
            total = data.get("record_count")
            if (
                not rows
                or len(rows) < PAGE_SIZE
                or (isinstance(total, int) and number * PAGE_SIZE >= total)
            ):
                return
            number += 1

    def _list(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        data = self.call("GET", path, params=params).json()
        if not isinstance(data, list):
            raise Unavailable(f"HaloPSA answered {path} without a list")
        return data

    # --- reading ------------------------------------------------------------------------------

    def test(self) -> str:
        statuses = self.statuses()
        teams = self.boards()
        return (
            f"Signed in to HaloPSA at {self.base_url}: {len(statuses)} ticket statuses and "
            f"{len(teams)} teams found."
        )

    def boards(self) -> list[RemoteChoice]:
        return [
            RemoteChoice(
                id=str(t["id"]), name=str(t.get("name", "")), inactive=bool(t.get("inactive"))
            )
            for t in self._list("Team", {"type": "reqs", "includedisabled": "true"})
        ]

    def statuses(self) -> list[RemoteChoice]:
        rows = self._list("Status", {"type": "ticket"})
        self._statuses = {str(s["id"]): str(s.get("name", "")) for s in rows}
        return [
            RemoteChoice(
                id=str(s["id"]), name=str(s.get("name", "")), closed=str(s["id"]) == CLOSED_STATUS
            )
            for s in rows
        ]

    def work_roles(self) -> list[RemoteChoice]:
        return []  # Halo charges time by charge rate only: there are no work roles to map.

    def work_types(self) -> list[RemoteChoice]:
        return [
            RemoteChoice(
                id=str(r["id"]), name=str(r.get("name", "")), inactive=bool(r.get("inactive"))
            )
            for r in self._list("Lookup", {"lookupid": CHARGE_RATE_LOOKUP})
        ]

    def companies(self, since: dt.datetime | None = None) -> Iterator[RemoteCompany]:
        # Halo's client list has no last-changed filter: every client is read each time.
        for c in self.pages("Client", "clients", {"includeinactive": "true"}):
            yield RemoteCompany(
                id=str(c["id"]),
                name=str(c.get("name") or ""),
                identifier=str(c.get("ref") or c.get("accountsid") or ""),
                inactive=bool(c.get("inactive")),
            )

    def members(self, since: dt.datetime | None = None) -> Iterator[RemoteMember]:
        for a in self._list("Agent", {"includeenabled": "true", "includedisabled": "true"}):
            yield RemoteMember(
                id=str(a["id"]),
                email=str(a.get("email") or "").strip().lower(),
                name=str(a.get("name") or ""),
                inactive=bool(a.get("isdisabled") or a.get("inactive")),
            )

    def agreements(self, since: dt.datetime | None = None) -> Iterator[RemoteAgreement]:
        for c in self.pages("ClientContract", "contracts"):
            yield RemoteAgreement(
                id=str(c["id"]),
                company_id=_id(c.get("client_id")),
                name=str(c.get("ref") or ""),
                type_name=str(c.get("contract_type") or c.get("billingdescription") or ""),
                start_date=_date(c.get("start_date")),
                end_date=_date(c.get("end_date")),
                inactive=c.get("active") is False or bool(c.get("expired")),
                monthly_fee=_money(c.get("periodchargeamount")),
            )

    def _status_name(self, status_id: str) -> str:
        if self._statuses is None:
            self.statuses()
        return (self._statuses or {}).get(status_id, "")

    def _ticket(self, t: dict[str, Any]) -> RemoteTicket:
        status = _id(t.get("status_id"))
        return RemoteTicket(
            id=str(t["id"]),
            summary=str(t.get("summary") or ""),
            board_id=_id(t.get("team_id")),
            status_id=status,
            status_name=self._status_name(status),
            company_id=_id(t.get("client_id")),
            agreement_id=_id(t.get("contract_id")),
            assignee_id=_id(t.get("agent_id")),
            updated_at=parse_moment(t.get("last_update")),
        )

    def tickets(self, since: dt.datetime | None = None) -> Iterator[RemoteTicket]:
        params: dict[str, Any] = {"order": "id"}
        if since is not None:
            params.update(datesearch="last_update", startdate=_stamp(since))
        for t in self.pages("Tickets", "tickets", params):
            yield self._ticket(t)

    def ticket(self, ticket_id: str) -> RemoteTicket:
        try:
            data = self.call("GET", f"Tickets/{_number(ticket_id, 'Ticket')}").json()
        except NotFound as missing:
            raise NotFound(
                f"HaloPSA has no ticket {ticket_id}",
                psa_message=missing.psa_message,
                status=missing.status,
            ) from None
        if not isinstance(data, dict) or "id" not in data:
            raise NotFound(f"HaloPSA has no ticket {ticket_id}")
        return self._ticket(data)

    def time_entries(self, since: dt.datetime | None = None) -> Iterator[RemoteTimeEntry]:
        for a in self.pages("Actions", "actions", {"excludesys": "true", "agentonly": "true"}):
            entry = self._entry(a)
            if entry is not None and (since is None or (entry.updated_at or entry.end) >= since):
                yield entry

    def _entry(self, a: dict[str, Any]) -> RemoteTimeEntry | None:
        hours = float(a.get("timetaken") or 0)
        start = parse_moment(a.get("actionarrivaldate"))
        end = parse_moment(a.get("actioncompletiondate"))
        if hours <= 0 or start is None:
            return None
        end = end or start + dt.timedelta(hours=hours)
        nonbill = float(a.get("nonbilltime") or 0)
        billable = BILLABLE if a.get("actisbillable", True) and nonbill < hours else DO_NOT_BILL
        return RemoteTimeEntry(
            id=str(a["id"]),
            member_id=_id(a.get("who_agentid") or a.get("actionby_agent_id")),
            start=start,
            end=end,
            ticket_id=_id(a.get("ticket_id")),
            notes="" if a.get("hiddenfromuser") else str(a.get("note") or ""),
            internal_notes=str(a.get("note") or "") if a.get("hiddenfromuser") else "",
            work_type_id=_id(a.get("chargerate")) if a.get("chargerate") is not None else "",
            billable=billable,
            updated_at=parse_moment(a.get("datetime")) or parse_moment(a.get("actiondatecreated")),
        )

    # --- writing ------------------------------------------------------------------------------

    def _action(self, push: EntryPush) -> tuple[dict[str, Any], tuple[str, ...]]:
        if push.end <= push.start:
            raise Rejected("the entry ends before it starts")
        hours = round((push.end - push.start).total_seconds() / 3600, 4)
        if hours > 24:
            raise Rejected("HaloPSA takes no action of more than 24 hours")
        notes: list[str] = []
        visible = push.notes.strip()
        hidden = not visible and bool(push.internal_notes.strip())
        if visible and push.internal_notes.strip():
            notes.append(
                "HaloPSA keeps one note per action: the customer-facing notes were sent, the "
                "internal notes were not"
            )
        if push.billable not in (BILLABLE, DO_NOT_BILL):
            notes.append("HaloPSA has no 'no charge' option: the time was sent as not billable")
        billable = push.billable == BILLABLE
        action: dict[str, Any] = {
            "ticket_id": _number(push.ticket_id, "Ticket"),
            "actionby_agent_id": _number(push.member_id, "Agent"),
            "outcome": OUTCOME,
            "note": push.internal_notes if hidden else push.notes,
            "hiddenfromuser": hidden,
            "actionarrivaldate": _stamp(push.start),
            "actioncompletiondate": _stamp(push.end),
            "timetaken": hours,
            "nonbilltime": 0 if billable else hours,
            "actisbillable": billable,
        }
        if push.work_type_id:
            action["chargerate"] = _number(push.work_type_id, "Charge rate")
        return action, tuple(notes)

    def push_entry(self, push: EntryPush) -> PushResult:
        action, notes = self._action(push)
        if push.remote_id is not None:
            action = {"id": _number(push.remote_id, "Action"), **action}
            del action["actionby_agent_id"]  # who did the work does not change on an edit
        data = self.call("POST", "Actions", json=[action]).json()
        saved = data[0] if isinstance(data, list) and data else data
        if not isinstance(saved, dict) or not saved.get("id"):
            raise Unavailable("HaloPSA saved the action but did not say its id")
        return PushResult(remote_id=str(saved["id"]), notes=notes)

    def find_entry(self, push: EntryPush) -> str | None:
        start = push.start.astimezone(dt.UTC).replace(microsecond=0)
        member = str(_number(push.member_id, "Agent"))
        params = {"ticket_id": _number(push.ticket_id, "Ticket"), "agentonly": "true"}
        for a in self.pages("Actions", "actions", params):
            if _id(a.get("who_agentid") or a.get("actionby_agent_id")) != member:
                continue
            at = parse_moment(a.get("actionarrivaldate"))
            if at is not None and at.replace(microsecond=0) == start:
                return str(a["id"])
        return None

    def delete_entry(self, remote_id: str) -> None:
        self.call("DELETE", f"Actions/{_number(remote_id, 'Action')}")

    def set_ticket_status(self, *, ticket_id: str, status_id: str, kind: str = "service") -> None:
        body = [{"id": _number(ticket_id, "Ticket"), "status_id": _number(status_id, "Status")}]
        self.call("POST", "Tickets", json=body)

    # --- callbacks ----------------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> WebhookEvents:
        """A webhook delivery: one event object, or a list of them when the webhook batches.
        Each names its `event` and `object_id`, and ticket events carry a `ticket` object;
        only the ticket's id is taken (the sync reads the ticket itself from the API)."""
        if not request.token_ok:
            raise AuthFailed("the callback address's token is wrong")
        self._check_basic(request.headers.get("authorization", ""))
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise Rejected("the callback's body is not JSON") from None
        events = payload if isinstance(payload, list) else [payload]
        if not events or not all(isinstance(event, dict) for event in events):
            raise Rejected("the callback's body is not a HaloPSA webhook delivery")
        changed: dict[str, None] = {}
        deleted: dict[str, None] = {}
        for event in events:
            ticket_id = _event_ticket_id(event)
            if ticket_id is None:
                continue  # an event about something else: nothing to follow
            name = str(event.get("event") or "").lower()
            (deleted if "delete" in name else changed)[ticket_id] = None
        return WebhookEvents(
            changes=tuple(RemoteStatusChange(ticket_id=pk) for pk in changed if pk not in deleted),
            deleted_ticket_ids=tuple(deleted),
        )

    def _check_basic(self, header: str) -> None:
        """Halo's webhook Basic authentication, compared in constant time."""
        username = self.credentials.get("webhook_username", "").strip()
        password = self.credentials.get("webhook_password", "")
        if not username or not password:
            raise AuthFailed(
                "the connection has no webhook user name and password to check callbacks with"
            )
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise AuthFailed("the callback carries no Basic authentication")
        try:
            given = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise AuthFailed("the callback's Basic authentication is not readable") from None
        given_user, colon, given_password = given.partition(b":")
        # Both compared every time, so the answer's timing says nothing about which was wrong.
        user_ok = hmac.compare_digest(given_user, username.encode())
        password_ok = hmac.compare_digest(given_password, password.encode())
        if not (colon and user_ok & password_ok):
            raise AuthFailed("the callback's user name or password is wrong")

    def webhook_setup(self, callback_url: str) -> str:
        return self.webhook_help(callback_url)

    @classmethod
    def webhook_help(cls, callback_url: str) -> str:
        return (
            "In HaloPSA, add a webhook (Configuration > Integrations > Webhooks > New): payload "
            f"URL {callback_url}, method POST, Basic authentication with the webhook user name "
            "and password saved on this connection, and the ticket events that change a "
            "ticket's status or agent (for example New Ticket Logged, Ticket Updated and Ticket "
            "Reassigned). Any payload type will do: Daybook reads only the ticket's id and then "
            "the ticket itself from the API."
        )


def _is_ticket_event(event: dict[str, Any]) -> bool:
    name = str(event.get("event") or "").lower()
    return isinstance(event.get("ticket"), dict) or "ticket" in name


def _event_ticket_id(event: dict[str, Any]) -> str | None:
    """The id of the ticket an event is about: the ticket object's id when the payload carries
    one (an action's event names the action in object_id), else object_id for a ticket
    event; None when the event is about something other than a ticket."""
    ticket = event.get("ticket")
    if isinstance(ticket, dict):
        value = ticket.get("id")
    elif _is_ticket_event(event):
        value = event.get("object_id")
    else:
        return None
    if value is None or value == "":
        raise Rejected("the callback names no ticket")
    text = "" if isinstance(value, bool) or not isinstance(value, int | str) else str(value)
    if not text.strip().isdigit() or int(text) <= 0:
        raise Rejected("the callback's ticket id is not a HaloPSA id (a whole number)")
    return str(int(text))
