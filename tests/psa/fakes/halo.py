"""A fake HaloPSA that follows Halo's published API documentation (the instance's /apidoc
pages) as far as Daybook uses it.

- *Authorisation*: OAuth2 client credentials. `POST /auth/token` (form encoded: grant_type=
  client_credentials, client_id, client_secret, scope=all; `?tenant=` for hosted instances)
  answers `{"access_token", "token_type": "Bearer", "expires_in", "scope"}`; wrong credentials
  answer 400 `{"error": "invalid_client"}` as OAuth2 (RFC 6749 §5.2) says. API calls carry
  `Authorization: Bearer <token>`; a missing, wrong or expired token answers 401 with an empty
  body and a `WWW-Authenticate: Bearer error="invalid_token"` header.
- *Listing and paging*: `pageinate=true&page_size=n&page_no=p` (page numbers from 1) answer
  `{"page_no", "page_size", "record_count", "<resource>": [...]}`; without `pageinate` a
  list answers every record. Records come ordered by id.
- *Resources*: `Client` (clients; `includeinactive`), `Agent` (a plain list; `includeenabled`,
  `includedisabled`), `ClientContract` (contracts), `Tickets` (`datesearch=last_update` with
  `startdate` for changes since a moment, `team_id`), `Tickets/{id}`, `Status?type=ticket`
  (a plain list), `Team?type=reqs` (a plain list), `Lookup?lookupid=17` (charge rates, the
  billing codes of time), `Actions?ticket_id=` / `Actions/{id}`.
- *Writes*: `POST /api/Actions` and `POST /api/Tickets` take a JSON array of records: a record
  with an `id` updates, without creates; one record in, that record out. `DELETE
  /api/Actions/{id}?ticket_id=`. An action that has been invoiced (`actioninvoicenumber`) or
  whose agent's timesheet is approved cannot be changed or deleted (400 with the reason).
- *Errors*: 400 answers with a JSON string saying what is wrong; 404 for an unknown id;
  429 (tests queue it, with Retry-After) when the API's rate limit is passed.
- *Webhooks* (the "Webhook Integration" guide): Halo POSTs JSON to the payload URL, with Basic
  authentication when the webhook is set to use it (Halo signs nothing). Each event object has
  an id, notification id, escmsg id, event name, webhook id, object id and timestamp; the
  "small object" payload adds the ticket's key fields. With batching on, one delivery holds a
  list of event objects. `delivery(...)` builds what Halo would send.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs

from .server import FakePsa, FakeRequest, FakeResponse

CHARGE_RATE_LOOKUP = "17"

STATUSES = [
    {"id": 1, "name": "New", "type": 0},
    {"id": 2, "name": "In Progress", "type": 0},
    {"id": 3, "name": "Action Required", "type": 0},
    {"id": 4, "name": "Waiting on Customer", "type": 0},
    {"id": 5, "name": "Needs Scheduling", "type": 0},
    {"id": 8, "name": "Resolved", "type": 0},
    {"id": 9, "name": "Closed", "type": 0},
]


def stamp(moment: dt.datetime) -> str:
    """A date-time as Halo writes it: UTC with milliseconds and a Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def parse_moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def bad(message: str) -> FakeResponse:
    return FakeResponse(400, message)


class FakeHalo(FakePsa):
    def __init__(
        self,
        *,
        client_id: str = "daybook-client",
        client_secret: str = "halo-s3cret",  # noqa: S107 (a fake's test credential)
        tenant: str = "",
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant = tenant
        self.now = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self._ids = itertools.count(500)
        self.clients: dict[int, dict[str, Any]] = {}
        self.agents: dict[int, dict[str, Any]] = {}
        self.contracts: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.actions: dict[int, dict[str, Any]] = {}
        self.teams: dict[int, dict[str, Any]] = {
            1: {"id": 1, "name": "1st Line Support", "inactive": False},
            2: {"id": 2, "name": "2nd Line Support", "inactive": False},
        }
        self.charge_rates: dict[int, dict[str, Any]] = {
            0: {"id": 0, "name": "Standard Rate", "inactive": False},
            1: {"id": 1, "name": "Out of Hours", "inactive": False},
            2: {"id": 2, "name": "Remote Support", "inactive": False},
        }
        # Agent ids whose timesheets are approved: their actions' time cannot change.
        self.approved_timesheets: set[int] = set()
        self.route("POST", r"/auth/token", self.token)
        self.route("GET", r"/api/client", self.list_clients)
        self.route("GET", r"/api/agent", self.list_agents)
        self.route("GET", r"/api/clientcontract", self.list_contracts)
        self.route("GET", r"/api/tickets", self.list_tickets)
        self.route("GET", r"/api/tickets/(?P<item_id>\d+)", self.get_ticket)
        self.route("POST", r"/api/tickets", self.post_tickets)
        self.route("GET", r"/api/status", self.list_statuses)
        self.route("GET", r"/api/team", self.list_teams)
        self.route("GET", r"/api/lookup", self.list_lookup)
        self.route("GET", r"/api/actions", self.list_actions)
        self.route("GET", r"/api/actions/(?P<item_id>\d+)", self.get_action)
        self.route("POST", r"/api/actions", self.post_actions)
        self.route("DELETE", r"/api/actions/(?P<item_id>\d+)", self.delete_action)

    # --- steering (tests) ---------------------------------------------------------------------

    def tick(self, minutes: int = 1) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now

    def next_id(self) -> int:
        return next(self._ids)

    def add_client(self, name: str, **fields: Any) -> dict[str, Any]:
        record = {"id": self.next_id(), "name": name, "inactive": False, **fields}
        self.clients[record["id"]] = record
        return record

    def add_agent(self, name: str, email: str, **fields: Any) -> dict[str, Any]:
        record = {"id": self.next_id(), "name": name, "email": email, "isdisabled": False}
        record.update(fields)
        self.agents[record["id"]] = record
        return record

    def add_contract(self, client_id: int, ref: str, **fields: Any) -> dict[str, Any]:
        record = {
            "id": self.next_id(),
            "client_id": client_id,
            "client_name": self.clients[client_id]["name"],
            "ref": ref,
            "contract_type": "Managed Services",
            "periodchargeamount": 1500.0,  # the recurring charge each billing period
            "start_date": "2025-01-01T00:00:00",
            "end_date": "2025-12-31T00:00:00",
            "active": True,
            **fields,
        }
        self.contracts[record["id"]] = record
        return record

    def add_ticket(self, summary: str, client_id: int, **fields: Any) -> dict[str, Any]:
        record = {
            "id": self.next_id(),
            "summary": summary,
            "client_id": client_id,
            "client_name": self.clients[client_id]["name"],
            "status_id": 1,
            "team_id": 1,
            "agent_id": None,
            "contract_id": None,
            "dateoccurred": stamp(self.now),
            "last_update": stamp(self.now),
            **fields,
        }
        self.tickets[record["id"]] = record
        return record

    def change_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        with self.lock:
            record = self.tickets[ticket_id]
            record.update(fields)
            record["last_update"] = stamp(self.now)
        return record

    def invoice(self, action_id: int, number: str = "INV-1001") -> None:
        with self.lock:
            self.actions[action_id]["actioninvoicenumber"] = number

    def event(self, ticket_id: int, name: str = "Ticket Updated") -> dict[str, Any]:
        """One webhook event about a ticket, with the small ticket object Halo adds."""
        with self.lock:
            record = self.tickets.get(ticket_id) or {"id": ticket_id}
            small = {
                k: record[k]
                for k in ("id", "summary", "status_id", "agent_id", "client_id", "team_id")
                if k in record
            }
        return {
            "id": str(uuid.uuid4()),
            "notification_id": 12,
            "escmsg_id": self.next_id(),
            "event": name,
            "webhook_id": str(uuid.uuid4()),
            "object_id": ticket_id,
            "timestamp": stamp(self.now),
            "ticket": small,
        }

    def delivery(
        self, *events: dict[str, Any], username: str = "", password: str = "", batched=False
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery of the events as Halo sends it: the JSON body and its headers
        (Basic authentication when a user name is given)."""
        body = json.dumps(list(events) if batched else events[0]).encode()
        headers = {}
        if username:
            pair = base64.b64encode(f"{username}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        return body, headers

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- authorisation ------------------------------------------------------------------------

    def authenticate(self, request: FakeRequest) -> FakeResponse | None:
        if request.path == "/auth/token":
            return None
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            return FakeResponse(401, None, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return None

    def handle(self, request: FakeRequest):
        request.path = request.path.lower()
        return super().handle(request)

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, f"Nothing at {request.path}.")

    def token(self, request: FakeRequest) -> FakeResponse:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return FakeResponse(400, {"error": "unsupported_grant_type"})
        if self.tenant and request.query.get("tenant") != self.tenant:
            return FakeResponse(400, {"error": "invalid_request", "error_description": "tenant"})
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return FakeResponse(400, {"error": "invalid_client"})
        if form.get("scope", "all") not in ("all", ""):
            return FakeResponse(400, {"error": "invalid_scope"})
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
            self.tokens_issued += 1
        return FakeResponse(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "all"},
        )

    # --- reads --------------------------------------------------------------------------------

    def _paged(self, request: FakeRequest, key: str, rows: list[dict[str, Any]]) -> FakeResponse:
        rows = sorted(rows, key=lambda r: r["id"])
        if request.query.get("pageinate", "").lower() != "true":
            return FakeResponse(200, {"record_count": len(rows), key: rows})
        try:
            size = int(request.query.get("page_size", "50"))
            number = int(request.query.get("page_no", "1"))
        except ValueError:
            return bad("page_size and page_no must be whole numbers.")
        if size < 1 or number < 1:
            return bad("page_size and page_no start at 1.")
        page = rows[(number - 1) * size : number * size]
        return FakeResponse(
            200, {"page_no": number, "page_size": size, "record_count": len(rows), key: page}
        )

    def list_clients(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            rows = [
                dict(r)
                for r in self.clients.values()
                if request.query.get("includeinactive", "").lower() == "true" or not r["inactive"]
            ]
        return self._paged(request, "clients", rows)

    def list_agents(self, request: FakeRequest) -> FakeResponse:
        disabled = request.query.get("includedisabled", "").lower() == "true"
        with self.lock:
            rows = [dict(r) for r in self.agents.values() if disabled or not r["isdisabled"]]
        return FakeResponse(200, sorted(rows, key=lambda r: r["id"]))

    def list_contracts(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            rows = [dict(r) for r in self.contracts.values()]
        return self._paged(request, "contracts", rows)

    def list_tickets(self, request: FakeRequest) -> FakeResponse:
        since = None
        if request.query.get("startdate"):
            if request.query.get("datesearch") != "last_update":
                return bad("startdate needs datesearch to say which date it searches.")
            try:
                since = parse_moment(request.query["startdate"])
            except ValueError:
                return bad("startdate is not a date.")
        with self.lock:
            rows = [
                dict(r)
                for r in self.tickets.values()
                if since is None or parse_moment(r["last_update"]) >= since
            ]
        return self._paged(request, "tickets", rows)

    def get_ticket(self, request: FakeRequest, item_id: str) -> FakeResponse:
        record = self.tickets.get(int(item_id))
        if record is None:
            return FakeResponse(404, f"Ticket {item_id} was not found.")
        return FakeResponse(200, dict(record))

    def list_statuses(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, [dict(s) for s in STATUSES])

    def list_teams(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, [dict(t) for t in self.teams.values()])

    def list_lookup(self, request: FakeRequest) -> FakeResponse:
        if request.query.get("lookupid") != CHARGE_RATE_LOOKUP:
            return FakeResponse(200, [])
        return FakeResponse(200, [dict(r) for r in self.charge_rates.values()])

    def list_actions(self, request: FakeRequest) -> FakeResponse:
        ticket = request.query.get("ticket_id")
        with self.lock:
            rows = [
                dict(a)
                for a in self.actions.values()
                if not ticket or str(a["ticket_id"]) == ticket
            ]
        return self._paged(request, "actions", rows)

    def get_action(self, request: FakeRequest, item_id: str) -> FakeResponse:
        record = self.actions.get(int(item_id))
        if record is None:
            return FakeResponse(404, f"Action {item_id} was not found.")
        return FakeResponse(200, dict(record))

    # --- writes -------------------------------------------------------------------------------

    def post_tickets(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        if not isinstance(body, list) or not body:
            return bad("Send a list of tickets.")
        out = []
        with self.lock:
            for item in body:
                record = self.tickets.get(item.get("id") or -1)
                if record is None:
                    return FakeResponse(404, f"Ticket {item.get('id')} was not found.")
                if "status_id" in item and item["status_id"] not in {s["id"] for s in STATUSES}:
                    return bad(f"{item['status_id']} is not a ticket status.")
                record.update({k: v for k, v in item.items() if k != "id"})
                record["last_update"] = stamp(self.now)
                out.append(dict(record))
        return FakeResponse(201, out[0] if len(out) == 1 else out)

    def post_actions(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        if not isinstance(body, list) or not body:
            return bad("Send a list of actions.")
        out = []
        with self.lock:
            for item in body:
                if not isinstance(item, dict):
                    return bad("Each action must be an object.")
                problem = self._check_action(item)
                if problem:
                    return bad(problem)
                if item.get("id"):
                    record = self.actions.get(item["id"])
                    if record is None:
                        return FakeResponse(404, f"Action {item['id']} was not found.")
                    refusal = self._locked(record)
                    if refusal:
                        return bad(refusal)
                    record.update(item)
                else:
                    record = {k: v for k, v in item.items() if k != "id"}
                    record["id"] = self.next_id()
                    record["actiondatecreated"] = stamp(self.now)
                    record["actioninvoicenumber"] = ""
                    agent = self.agents.get(record.get("actionby_agent_id") or -1)
                    record["who_agentid"] = record.get("actionby_agent_id")
                    record["who"] = agent["name"] if agent else ""
                    self.actions[record["id"]] = record
                record["datetime"] = stamp(self.now)
                if record.get("new_status"):
                    ticket = self.tickets[record["ticket_id"]]
                    ticket["status_id"] = record["new_status"]
                    ticket["last_update"] = stamp(self.now)
                out.append(dict(record))
        return FakeResponse(201, out[0] if len(out) == 1 else out)

    def delete_action(self, request: FakeRequest, item_id: str) -> FakeResponse:
        with self.lock:
            record = self.actions.get(int(item_id))
            if record is None:
                return FakeResponse(404, f"Action {item_id} was not found.")
            refusal = self._locked(record)
            if refusal:
                return bad(refusal)
            del self.actions[int(item_id)]
        return FakeResponse(200, None)

    def _locked(self, record: dict[str, Any]) -> str:
        if record.get("actioninvoicenumber"):
            return "This action has been invoiced, so its time can no longer be changed."
        if record.get("who_agentid") in self.approved_timesheets:
            return "The agent's timesheet for this day is approved: its time is locked."
        return ""

    def _check_action(self, item: dict[str, Any]) -> str:
        ticket_id = item.get("ticket_id")
        if ticket_id not in self.tickets:
            return f"Ticket {ticket_id} was not found."
        agent_id = item.get("actionby_agent_id")
        if not item.get("id") and agent_id not in self.agents:
            return f"Agent {agent_id} was not found."
        if "chargerate" in item and item["chargerate"] not in self.charge_rates:
            return f"Charge rate {item['chargerate']} does not exist."
        hours = item.get("timetaken", 0)
        if not isinstance(hours, int | float) or hours < 0 or hours > 24:
            return "timetaken must be from 0 to 24 hours."
        nonbill = item.get("nonbilltime", 0)
        if not isinstance(nonbill, int | float) or nonbill < 0 or nonbill > hours:
            return "nonbilltime cannot be more than timetaken."
        if "actionarrivaldate" in item or "actioncompletiondate" in item:
            try:
                start = parse_moment(item["actionarrivaldate"])
                end = parse_moment(item["actioncompletiondate"])
            except (KeyError, TypeError, ValueError):
                return "actionarrivaldate and actioncompletiondate must be date-times."
            if end < start:
                return "actioncompletiondate is before actionarrivaldate."
        if agent_id in self.approved_timesheets:
            return "The agent's timesheet for this day is approved: no time can be added."
        return ""
