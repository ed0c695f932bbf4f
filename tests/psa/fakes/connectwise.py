"""A fake ConnectWise PSA REST API (v3.0), following ConnectWise's published developer
documentation: the paths under the API root, Basic authentication with "company+public" and
the private key plus the `clientId` header, the `conditions` query language, `orderBy`,
`page`/`pageSize` paging (25 by default, at most 1000), JSON Patch for partial updates, and
error bodies `{"code", "message", "errors": [...]}`. Tests steer it through FakePsa.fail().
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shlex
from typing import Any

from daybook.psa.connectors.connectwise import cw_time, parse_time, sign
from tests.psa.fakes.server import FakePsa, FakeRequest, FakeResponse

CREDENTIALS = {
    "company_id": "acme",
    "public_key": "pub123",
    "private_key": "priv456",
    "client_id": "5c1b0b58-0000-4000-8000-000000000001",
}
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def error(status: int, code: str, message: str, errors: list | None = None) -> FakeResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return FakeResponse(status, body)


# --- the conditions language -----------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>"(?:[^"\\]|\\.)*")|(?P<date>\[[^\]]*\])'
    r"|(?P<op>>=|<=|!=|=|<|>)|(?P<word>[A-Za-z_/][\w/.]*)|(?P<num>-?\d+(?:\.\d+)?))"
)


def tokens(text: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            if text[at:].strip() == "":
                break
            raise ValueError(f"cannot read the conditions at: {text[at : at + 20]!r}")
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        at = match.end()
    return found


def field_value(record: dict, field: str) -> Any:
    if field == "lastUpdated":
        field = "_info/lastUpdated"
    value: Any = record
    for part in field.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def literal(kind: str, text: str) -> Any:
    if kind == "str":
        return shlex.split(text)[0]
    if kind == "date":
        return parse_time(text[1:-1])
    if kind == "num":
        return float(text)
    lowered = text.lower()
    return {"true": True, "false": False, "null": None}.get(lowered, text)


def compare(left: Any, op: str, right: Any) -> bool:
    if op in {"like", "contains"}:
        pattern = str(right).replace("*", "")
        return left is not None and pattern.lower() in str(left).lower()
    if isinstance(right, dt.datetime):
        left = parse_time(left)
    elif isinstance(right, float) and left is not None:
        left = float(left)
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def matcher(conditions: str):
    """A predicate for ConnectWise `conditions`: comparisons joined by and/or, parentheses."""
    toks = tokens(conditions)
    at = 0

    def peek() -> tuple[str, str] | None:
        return toks[at] if at < len(toks) else None

    def take() -> tuple[str, str]:
        nonlocal at
        if at >= len(toks):
            raise ValueError("the conditions end too soon")
        at += 1
        return toks[at - 1]

    def primary():
        kind, text = take()
        if kind == "lp":
            inner = expression()
            if take()[0] != "rp":
                raise ValueError("a parenthesis is not closed")
            return inner
        if kind != "word":
            raise ValueError(f"expected a field name, found {text!r}")
        op_kind, op = take()
        if op_kind == "word" and op.lower() in {"like", "contains"}:
            op = op.lower()
        elif op_kind != "op":
            raise ValueError(f"expected an operator after {text}, found {op!r}")
        value = literal(*take())
        return lambda record: compare(field_value(record, text), op, value)

    def conjunction():
        parts = [primary()]
        while (nxt := peek()) and nxt[0] == "word" and nxt[1].lower() == "and":
            take()
            parts.append(primary())
        return lambda record: all(p(record) for p in parts)

    def expression():
        parts = [conjunction()]
        while (nxt := peek()) and nxt[0] == "word" and nxt[1].lower() == "or":
            take()
            parts.append(conjunction())
        return lambda record: any(p(record) for p in parts)

    predicate = expression()
    if at != len(toks):
        raise ValueError(f"unexpected {toks[at][1]!r} in the conditions")
    return predicate


def sort_key(field: str):
    def key(record: dict):
        value = field_value(record, field)
        return (value is None, value if value is not None else "")

    return key


class FakeConnectWise(FakePsa):
    """In-memory ConnectWise: `companies`, `members`, `agreements` (and their work type
    `exclusions`), `tickets`, `project_tickets`, `boards`,
    `statuses` (per board), `work_roles`, `work_types`, `entries`, keyed by id."""

    def __init__(self, credentials: dict[str, str] | None = None) -> None:
        super().__init__()
        self.credentials = dict(credentials or CREDENTIALS)
        self.clock = EPOCH
        self.ids = itertools.count(1000)
        self.companies: dict[int, dict] = {}
        self.members: dict[int, dict] = {}
        self.agreements: dict[int, dict] = {}
        self.tickets: dict[int, dict] = {}
        self.project_tickets: dict[int, dict] = {}
        self.exclusions: dict[int, dict[int, dict]] = {}  # agreement id → its exclusions
        self.boards: dict[int, dict] = {}
        self.statuses: dict[int, dict[int, dict]] = {}
        self.work_roles: dict[int, dict] = {}
        self.work_types: dict[int, dict] = {}
        self.entries: dict[int, dict] = {}
        self.callbacks: dict[int, dict] = {}
        self.closed_before: dt.datetime | None = None  # time before this is a closed period
        self.approved: set[int] = set()  # entry ids approved (kept as they are)
        self.signing_key = "cw-signing-key"
        self.tables = {
            "company/companies": self.companies,
            "system/members": self.members,
            "finance/agreements": self.agreements,
            "service/tickets": self.tickets,
            "project/tickets": self.project_tickets,
            "service/boards": self.boards,
            "time/workRoles": self.work_roles,
            "time/workTypes": self.work_types,
            "time/entries": self.entries,
            "system/callbacks": self.callbacks,
        }
        root = "/v4_6_release/apis/3.0"
        self.root = root
        self.route("GET", root + r"/system/info", self.info)
        self.route("GET", root + r"/service/boards/(?P<board>\d+)/statuses", self.board_statuses)
        self.route("PATCH", root + r"/service/tickets/(?P<id>\d+)", self.ticket_patch)
        self.route("PATCH", root + r"/project/tickets/(?P<id>\d+)", self.ticket_patch)
        self.route(
            "GET", root + r"/finance/agreements/(?P<id>\d+)/workTypeExclusions", self.exclusion_list
        )
        self.route("POST", root + r"/time/entries", self.entry_create)
        self.route("PUT", root + r"/time/entries/(?P<id>\d+)", self.entry_replace)
        self.route("DELETE", root + r"/time/entries/(?P<id>\d+)", self.entry_delete)
        self.route("POST", root + r"/system/callbacks", self.callback_create)
        self.route("GET", r"/callbacks/v1/keys/(?P<key>\w+)", self.signing_key_get)
        for path in self.tables:
            self.route("GET", f"{root}/{path}", self.lister(path))
            self.route("GET", f"{root}/{path}/(?P<id>\\d+)", self.getter(path))

    # --- data -----------------------------------------------------------------------------------

    def tick(self, seconds: int = 1) -> str:
        with self.lock:
            self.clock += dt.timedelta(seconds=seconds)
            return cw_time(self.clock)

    def _info(self) -> dict:
        return {"lastUpdated": self.tick(), "updatedBy": "fake"}

    def add(self, table: dict, record: dict) -> dict:
        with self.lock:
            record.setdefault("id", next(self.ids))
            record["_info"] = self._info()
            table[record["id"]] = record
            return record

    def touch(self, record: dict, **changes: Any) -> dict:
        with self.lock:
            record.update(changes)
            record["_info"] = self._info()
            return record

    def seed_basics(self) -> None:
        """A board with ConnectWise's usual statuses, two work roles, two work types."""
        board = self.add(self.boards, {"id": 1, "name": "Help Desk", "inactiveFlag": False})
        self.statuses[board["id"]] = {}
        for sid, name, closed in [
            (11, "New", False),
            (12, "In Progress", False),
            (13, "Waiting Client", False),
            (14, "Needs Scheduling", False),
            (15, "Resolved", False),
            (16, "Closed", True),
        ]:
            self.statuses[board["id"]][sid] = {
                "id": sid,
                "name": name,
                "board": {"id": board["id"]},
                "closedStatus": closed,
                "inactive": False,
            }
        self.add(self.work_roles, {"id": 21, "name": "Help Desk", "inactiveFlag": False})
        self.add(self.work_roles, {"id": 22, "name": "Systems Engineer", "inactiveFlag": False})
        self.add(self.work_types, {"id": 31, "name": "Remote Support", "inactiveFlag": False})
        self.add(self.work_types, {"id": 32, "name": "Onsite", "inactiveFlag": False})

    def add_company(self, name: str, **extra: Any) -> dict:
        ident = re.sub(r"\W", "", name)[:25]
        return self.add(
            self.companies, {"identifier": ident, "name": name, "deletedFlag": False, **extra}
        )

    def add_member(self, email: str, first: str = "Pat", last: str = "Doe", **extra) -> dict:
        return self.add(
            self.members,
            {
                "identifier": email.split("@")[0],
                "firstName": first,
                "lastName": last,
                "primaryEmail": email,
                "inactiveFlag": False,
                **extra,
            },
        )

    def add_agreement(self, company: dict, name: str, type_name: str = "Managed Services"):
        return self.add(
            self.agreements,
            {
                "name": name,
                "type": {"id": 1, "name": type_name},
                "company": {"id": company["id"], "identifier": company["identifier"]},
                "startDate": "2025-01-01T00:00:00Z",
                "endDate": None,
                "cancelledFlag": False,
            },
        )

    def status_ref(self, name: str, board: int = 1) -> dict:
        for status in self.statuses[board].values():
            if status["name"] == name:
                return {"id": status["id"], "name": status["name"]}
        raise KeyError(name)

    def add_ticket(
        self,
        company: dict,
        summary: str,
        *,
        status: str = "New",
        owner: dict | None = None,
        agreement: dict | None = None,
        board: int = 1,
    ) -> dict:
        return self.add(
            self.tickets,
            {
                "summary": summary,
                "board": {"id": board, "name": self.boards[board]["name"]},
                "status": self.status_ref(status, board),
                "company": {"id": company["id"], "identifier": company["identifier"]},
                "agreement": {"id": agreement["id"]} if agreement else None,
                "owner": {"id": owner["id"], "identifier": owner["identifier"]} if owner else None,
            },
        )

    def add_project_ticket(self, company: dict, summary: str, *, status: str = "New", **extra):
        """A project ticket: on a board like a service ticket, numbered from the same
        sequence (ConnectWise keeps both in one table), listed under project/tickets."""
        ticket = self.add_ticket(company, summary, status=status, **extra)
        with self.lock:
            del self.tickets[ticket["id"]]
            self.project_tickets[ticket["id"]] = {**ticket, "project": {"id": 1, "name": "Rollout"}}
        return self.project_tickets[ticket["id"]]

    def exclude_work_type(self, agreement: dict, work_type_id: int) -> dict:
        row = {
            "id": next(self.ids),
            "agreementId": agreement["id"],
            "workType": {"id": work_type_id, "name": self.work_types[work_type_id]["name"]},
        }
        self.exclusions.setdefault(agreement["id"], {})[row["id"]] = row
        return row

    def set_status(self, ticket: dict, name: str) -> dict:
        return self.touch(ticket, status=self.status_ref(name, ticket["board"]["id"]))

    # --- auth -------------------------------------------------------------------------------

    def authenticate(self, request: FakeRequest) -> FakeResponse | None:
        if request.path.startswith("/callbacks/"):
            return None
        expected = (
            "Basic "
            + __import__("base64")
            .b64encode(
                (
                    f"{self.credentials['company_id']}+{self.credentials['public_key']}:"
                    f"{self.credentials['private_key']}"
                ).encode()
            )
            .decode()
        )
        if request.headers.get("authorization") != expected:
            return error(401, "Unauthorized", "Invalid authentication credentials.")
        if request.headers.get("clientid") != self.credentials["client_id"]:
            return error(400, "InvalidClientId", "A valid clientId header is required.")
        return None

    # --- reads ------------------------------------------------------------------------------

    def info(self, request: FakeRequest) -> dict:
        return {"version": "v2025.1.99999", "isCloud": True, "serverTimeZone": "UTC"}

    def _list(self, request: FakeRequest, rows: list[dict]) -> FakeResponse:
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("pageSize", "25"))
        except ValueError:
            return error(400, "InvalidObject", "page and pageSize must be numbers.")
        if page < 1 or not 1 <= size <= 1000:
            return error(400, "InvalidObject", "pageSize must be from 1 to 1000.")
        if request.query.get("conditions"):
            try:
                keep = matcher(request.query["conditions"])
            except ValueError as bad:
                return error(400, "InvalidObject", f"conditions: {bad}")
            rows = [row for row in rows if keep(row)]
        for part in reversed([p.strip() for p in request.query.get("orderBy", "id").split(",")]):
            field, _, direction = part.partition(" ")
            rows = sorted(rows, key=sort_key(field), reverse=direction.strip() == "desc")
        return FakeResponse(200, rows[(page - 1) * size : page * size])

    def lister(self, path: str):
        def handler(request: FakeRequest) -> FakeResponse:
            with self.lock:
                rows = list(self.tables[path].values())
            return self._list(request, rows)

        return handler

    def getter(self, path: str):
        def handler(request: FakeRequest, id: str) -> FakeResponse:
            record = self.tables[path].get(int(id))
            if record is None:
                return error(404, "NotFound", f"The record with id {id} was not found.")
            return FakeResponse(200, record)

        return handler

    def exclusion_list(self, request: FakeRequest, id: str) -> FakeResponse:
        if int(id) not in self.agreements:
            return error(404, "NotFound", f"Agreement {id} was not found.")
        return self._list(request, list(self.exclusions.get(int(id), {}).values()))

    def board_statuses(self, request: FakeRequest, board: str) -> FakeResponse:
        if int(board) not in self.boards:
            return error(404, "NotFound", f"Board {board} was not found.")
        return self._list(request, list(self.statuses.get(int(board), {}).values()))

    def signing_key_get(self, request: FakeRequest, key: str) -> dict:
        return {"signing_key": self.signing_key}

    # --- writes -----------------------------------------------------------------------------

    def ticket_patch(self, request: FakeRequest, id: str) -> FakeResponse:
        table = self.project_tickets if "/project/" in request.path else self.tickets
        ticket = table.get(int(id))
        if ticket is None:
            return error(404, "NotFound", f"Ticket {id} was not found.")
        ops = request.json()
        if not isinstance(ops, list):
            return error(400, "InvalidObject", "A JSON Patch array is expected.")
        for op in ops:
            if op.get("path") in {"status", "status/id"}:
                value = op.get("value")
                status_id = value["id"] if isinstance(value, dict) else value
                status = self.statuses[ticket["board"]["id"]].get(int(status_id))
                if status is None:
                    return error(
                        400,
                        "InvalidObject",
                        "ticket object is invalid",
                        [
                            {
                                "code": "InvalidField",
                                "field": "status",
                                "message": "not on the board",
                            }
                        ],
                    )
                self.touch(ticket, status={"id": status["id"], "name": status["name"]})
        return FakeResponse(200, ticket)

    def _entry_errors(self, body: dict) -> list[dict]:
        problems = []
        tickets = {"ServiceTicket": self.tickets, "ProjectTicket": self.project_tickets}
        charged = tickets.get(body.get("chargeToType"))
        if charged is not None and body.get("chargeToId") not in charged:
            problems.append({"field": "chargeToId", "message": "The ticket does not exist."})
        if (body.get("member") or {}).get("id") not in self.members:
            problems.append({"field": "member", "message": "The member does not exist."})
        start, end = parse_time(body.get("timeStart")), parse_time(body.get("timeEnd"))
        if start is None or end is None or end <= start:
            problems.append({"field": "timeEnd", "message": "The end must be after the start."})
        work_type = (body.get("workType") or {}).get("id")
        if work_type is not None and work_type not in self.work_types:
            problems.append({"field": "workType", "message": "The work type does not exist."})
        if body.get("billableOption") not in {"Billable", "DoNotBill", "NoCharge", "NoDefault"}:
            problems.append({"field": "billableOption", "message": "Not a billable option."})
        return [{"code": "InvalidField", **p} for p in problems]

    def _closed(self, body: dict) -> bool:
        start = parse_time(body.get("timeStart"))
        return bool(self.closed_before and start and start < self.closed_before)

    def entry_create(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        problems = self._entry_errors(body)
        if problems:
            return error(400, "InvalidObject", "timeEntry object is invalid", problems)
        if self._closed(body):
            return error(
                400,
                "InvalidObject",
                "timeEntry object is invalid",
                [
                    {
                        "code": "InvalidField",
                        "field": "timeStart",
                        "message": "The time sheet for this period is closed.",
                    }
                ],
            )
        record = self.add(self.entries, dict(body))
        return FakeResponse(201, record)

    def entry_replace(self, request: FakeRequest, id: str) -> FakeResponse:
        record = self.entries.get(int(id))
        if record is None:
            return error(404, "NotFound", f"Time entry {id} was not found.")
        if int(id) in self.approved or self._closed(record):
            return error(
                400,
                "InvalidObject",
                "timeEntry object is invalid",
                [
                    {
                        "code": "InvalidField",
                        "field": "id",
                        "message": "This time entry has been approved and cannot be changed.",
                    }
                ],
            )
        body = request.json() or {}
        problems = self._entry_errors(body)
        if problems:
            return error(400, "InvalidObject", "timeEntry object is invalid", problems)
        with self.lock:
            record.clear()
            record.update(body, id=int(id))
            self.touch(record)
        return FakeResponse(200, record)

    def entry_delete(self, request: FakeRequest, id: str) -> FakeResponse:
        record = self.entries.get(int(id))
        if record is None:
            return error(404, "NotFound", f"Time entry {id} was not found.")
        if int(id) in self.approved or self._closed(record):
            return error(
                400, "InvalidObject", "This time entry has been approved and cannot be deleted."
            )
        with self.lock:
            del self.entries[int(id)]
        return FakeResponse(204)

    def callback_create(self, request: FakeRequest) -> FakeResponse:
        record = self.add(self.callbacks, dict(request.json() or {}))
        return FakeResponse(201, record)

    # --- callbacks out ----------------------------------------------------------------------

    def callback_body(self, server_url: str, ticket: dict, action: str = "updated") -> bytes:
        import json

        payload = {
            "MessageId": f"m{next(self.ids)}",
            "FromUrl": "https://cw.example",
            "CompanyId": self.credentials["company_id"],
            "MemberId": "api",
            "Action": action,
            "Type": "ticket",
            "ID": ticket["id"],
            "Entity": json.dumps(ticket),
            "Metadata": {"key_url": f"{server_url}/callbacks/v1/keys/k1"},
        }
        return json.dumps(payload).encode()

    def signature(self, body: bytes) -> str:
        return sign(body, self.signing_key)
