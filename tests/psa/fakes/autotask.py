"""A fake Autotask PSA (Datto/Kaseya) that follows the REST API's published documentation.

What it follows, section by section of Autotask's developer help ("REST API" part):

- *Autotask API zones*: `GET /atservicesrest/v1.0/zoneInformation?user=<API user>` answers the
  zone's API address (`url`) without authentication; the API itself lives under that address.
  Here the zone is `<server>/zone5/ATServicesRest/`, so a connector that skipped the discovery
  and called the discovery host's API paths would get 404s.
- *Introduction to REST API calls / security*: every API call carries the headers
  `ApiIntegrationCode`, `UserName` and `Secret`. As API clients report it, a wrong secret answers
  401, while an unknown user name or a wrong integration code answers 500 with an `errors` list.
- *Making basic query calls*: `GET <Entity>/query?search=<JSON>` and `POST <Entity>/query` with
  `{"filter": [...], "MaxRecords": n, "IncludeFields": [...]}`; the operators eq, noteq, gt,
  gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, notIn, and the grouping
  ops `and` / `or` with `items`. A query needs at least one filter. Field names are not case
  sensitive. Answer: `{"items": [...], "pageDetails": {"count", "requestCount", "prevPageUrl",
  "nextPageUrl"}}`.
- *Advanced query features / paginating results*: at most 500 records a page (`MaxRecords`
  1..500, default 500); the next page is fetched by calling `pageDetails.nextPageUrl` as given,
  which carries its own cursor; the last page has `nextPageUrl: null`. Records come in id order.
- *Entity pages*: Companies (lastActivityDate), Resources, Contracts, ContractExclusionBillingCodes,
  Tickets (status and queueID picklists, lastActivityDate), TimeEntries (lastModifiedDateTime;
  create with POST, update with PATCH `{"id": ..}`, `DELETE TimeEntries/{id}`; answers
  `{"itemId": n}`), BillingCodes (useType 1 = work types), Roles; `<Entity>/entityInformation/
  fields` lists fields with their picklist values.
- *TimeEntries conditions*: hoursWorked > 0 and <= 24; a time entry on a ticket needs roleID
  and billingCodeID; an entry that has been approved (billingApprovalDateTime set) or whose
  timesheet is submitted cannot be changed or deleted (500 with the reason in `errors`).
- *Thread limiting and thresholds*: too many requests answer 429; tests queue those with
  `fail(429, ...)` and a Retry-After header.

Errors always come back as `{"errors": ["..."]}` (the wording here is ours).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
from typing import Any
from urllib.parse import quote

from .server import FakePsa, FakeRequest, FakeResponse

API = r"/zone5/atservicesrest/v1\.0"
DISCOVERY = r"/atservicesrest/v1\.0/zoneinformation"
MAX_PAGE = 500

STATUS_PICKLIST = [
    ("1", "New"),
    ("5", "Complete"),
    ("7", "Waiting Customer"),
    ("8", "In Progress"),
    ("13", "Needs Scheduling"),
]
QUEUE_PICKLIST = [("29682833", "Level I Support"), ("29682969", "Level II Support")]
CONTRACT_TYPES = {
    1: "Time and Materials",
    3: "Fixed Price",
    4: "Block Hours",
    7: "Recurring Service",
}

# The entities the fake serves, with their names as the API spells them (paths are not case
# sensitive, so they are looked up in lower case).
ENTITIES = (
    "Companies",
    "Resources",
    "Contracts",
    "ContractExclusionBillingCodes",
    "Tickets",
    "TicketNotes",
    "TimeEntries",
    "BillingCodes",
    "Roles",
)


def stamp(moment: dt.datetime) -> str:
    """A date-time as Autotask writes it: UTC, with milliseconds and a Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _parse_moment(value: str) -> dt.datetime:
    text = value.strip().replace("Z", "+00:00")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def errors(status: int, *messages: str) -> FakeResponse:
    return FakeResponse(status, {"errors": list(messages)})


class QueryError(Exception):
    pass


class FakeAutotask(FakePsa):
    """In-memory Autotask: tables of records (dicts in the API's JSON shape) by entity name."""

    def __init__(
        self,
        *,
        username: str = "api@example.test",
        secret: str = "s3cret",  # noqa: S107 (a fake's test credential)
        integration_code: str = "DAYBOOKTEST",
    ) -> None:
        super().__init__()
        self.username = username
        self.secret = secret
        self.integration_code = integration_code
        self.now = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
        self.tables: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in ENTITIES}
        self._ids = itertools.count(1000)
        # Resource ids whose timesheets are submitted: their time cannot change.
        self.submitted_timesheets: set[int] = set()
        self.route("GET", DISCOVERY, self.zone_information)
        self.route("GET", API + r"/(?P<entity>\w+)/query", self.query_get)
        self.route("POST", API + r"/(?P<entity>\w+)/query", self.query_post)
        self.route("GET", API + r"/(?P<entity>\w+)/query/next", self.query_next)
        self.route("GET", API + r"/(?P<entity>\w+)/entityinformation/fields", self.fields)
        self.route("GET", API + r"/(?P<entity>\w+)/(?P<item_id>\d+)", self.get_item)
        self.route("POST", API + r"/(?P<entity>\w+)", self.create)
        self.route("PATCH", API + r"/(?P<entity>\w+)", self.update)
        self.route("PUT", API + r"/(?P<entity>\w+)", self.update)
        self.route("DELETE", API + r"/(?P<entity>\w+)/(?P<item_id>\d+)", self.delete)

    # --- steering (tests) ---------------------------------------------------------------------

    def callout(self, ticket: dict[str, Any], action: str = "Update", **fields: Any) -> bytes:
        """The body a Ticket webhook posts: what changed, not the whole ticket."""
        payload = {
            "Action": action,
            "Guid": "6f0c3a52-7a8e-4a34-9d0b-3e1d2f9c7a10",
            "EntityType": "Ticket",
            "Id": ticket["id"],
            "Fields": fields,
            "EventTime": stamp(self.now),
            "SequenceNumber": 1,
            "PersonID": 4,
        }
        return json.dumps(payload).encode()

    @staticmethod
    def hook_signature(body: bytes, secret: str) -> str:
        digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
        return "sha1=" + base64.b64encode(digest).decode()

    def tick(self, minutes: int = 1) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, entity: str, **fields: Any) -> dict[str, Any]:
        record = {"id": fields.pop("id", None) or self.next_id(), **fields}
        with self.lock:
            self.tables[entity][record["id"]] = record
        return record

    def add_company(self, name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("isActive", True)
        fields.setdefault("lastActivityDate", stamp(self.now))
        return self.add("Companies", companyName=name, **fields)

    def add_resource(self, first: str, last: str, email: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("isActive", True)
        fields.setdefault("userName", email.split("@")[0])
        return self.add("Resources", firstName=first, lastName=last, email=email, **fields)

    def add_contract(self, company_id: int, name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("status", 1)
        fields.setdefault("contractType", 1)
        fields.setdefault("startDate", "2025-01-01T00:00:00")
        fields.setdefault("endDate", "2025-12-31T00:00:00")
        return self.add("Contracts", companyID=company_id, contractName=name, **fields)

    def add_ticket(self, title: str, company_id: int, **fields: Any) -> dict[str, Any]:
        fields.setdefault("status", 1)
        fields.setdefault("queueID", int(QUEUE_PICKLIST[0][0]))
        fields.setdefault("assignedResourceID", None)
        fields.setdefault("contractID", None)
        fields.setdefault("lastActivityDate", stamp(self.now))
        fields.setdefault("ticketNumber", f"T2025030{len(self.tables['Tickets']) + 1:04d}")
        return self.add("Tickets", title=title, companyID=company_id, **fields)

    def change(self, entity: str, record_id: int, **fields: Any) -> dict[str, Any]:
        """Change a record as a person in Autotask would: its last-activity stamp moves on."""
        with self.lock:
            record = self.tables[entity][record_id]
            record.update(fields)
            self._touch(entity, record)
        return record

    def _touch(self, entity: str, record: dict[str, Any]) -> None:
        if entity == "TimeEntries":
            record["lastModifiedDateTime"] = stamp(self.now)
        elif entity in ("Tickets", "Companies"):
            record["lastActivityDate"] = stamp(self.now)

    def approve(self, time_entry_id: int) -> None:
        """Approve a time entry for billing, as a manager in Autotask would."""
        with self.lock:
            self.tables["TimeEntries"][time_entry_id]["billingApprovalDateTime"] = stamp(self.now)

    def time_entries(self) -> list[dict[str, Any]]:
        return list(self.tables["TimeEntries"].values())

    # --- authentication -----------------------------------------------------------------------

    def authenticate(self, request: FakeRequest) -> FakeResponse | None:
        if request.path.lower().startswith("/atservicesrest/"):
            return None  # zone discovery needs no credentials
        user = request.headers.get("username", "")
        if user.lower() != self.username.lower():
            return errors(500, "The user name is not an API user of this Autotask instance.")
        if request.headers.get("secret", "") != self.secret:
            return FakeResponse(401, None)
        if request.headers.get("apiintegrationcode", "") != self.integration_code:
            return errors(500, "The ApiIntegrationCode is not a valid integration code.")
        return None

    def handle(self, request: FakeRequest):
        request.path = request.path.lower()
        return super().handle(request)

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return errors(404, f"No resource at {request.path}.")

    # --- discovery ----------------------------------------------------------------------------

    def zone_information(self, request: FakeRequest) -> FakeResponse:
        user = request.query.get("user", "")
        if user.lower() != self.username.lower():
            return errors(500, "Zone information could not be determined for this user.")
        base = f"http://{request.headers['host']}"
        return FakeResponse(
            200,
            {
                "zoneName": "Fake Zone 5",
                "url": f"{base}/zone5/ATServicesRest/",
                "webUrl": f"{base}/",
                "ci": 1234567,
            },
        )

    # --- queries ------------------------------------------------------------------------------

    def _table(self, entity: str) -> tuple[str, dict[int, dict[str, Any]]] | None:
        for name in ENTITIES:
            if name.lower() == entity.lower():
                return name, self.tables[name]
        return None

    def query_get(self, request: FakeRequest, entity: str) -> FakeResponse:
        try:
            query = json.loads(request.query.get("search", ""))
        except ValueError:
            return errors(500, "The search parameter is not valid JSON.")
        return self._query(request, entity, query, after=0)

    def query_post(self, request: FakeRequest, entity: str) -> FakeResponse:
        try:
            query = request.json()
        except ValueError:
            return errors(500, "The request body is not valid JSON.")
        return self._query(request, entity, query, after=0)

    def query_next(self, request: FakeRequest, entity: str) -> FakeResponse:
        try:
            query = json.loads(request.query.get("search", ""))
            paging = json.loads(request.query.get("paging", ""))
            after = int(paging["afterId"])
        except (ValueError, KeyError, TypeError):
            return errors(500, "The paging parameters are not valid.")
        return self._query(request, entity, query, after=after)

    def _query(self, request: FakeRequest, entity: str, query: Any, *, after: int) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        name, table = found
        if not isinstance(query, dict):
            return errors(500, "A query must be a JSON object.")
        query = {key.lower(): value for key, value in query.items()}
        filters = query.get("filter") or []
        if not filters:
            return errors(500, "A query needs at least one filter expression.")
        size = query.get("maxrecords") or MAX_PAGE
        if not isinstance(size, int) or not 1 <= size <= MAX_PAGE:
            return errors(500, "MaxRecords must be a whole number from 1 to 500.")
        try:
            with self.lock:
                rows = [
                    r
                    for _id, r in sorted(table.items())
                    if _id > after and all(matches(r, f) for f in filters)
                ]
        except QueryError as error:
            return errors(500, str(error))
        page = rows[:size]
        include = [f.lower() for f in query.get("includefields") or []]
        items = [_only(r, include) for r in page]
        next_url = None
        if len(rows) > size:
            base = f"http://{request.headers['host']}/zone5/ATServicesRest/V1.0/{name}/query/next"
            search = quote(json.dumps(query, separators=(",", ":")))
            paging = quote(json.dumps({"pageSize": size, "afterId": page[-1]["id"]}))
            next_url = f"{base}?paging={paging}&search={search}"
        return FakeResponse(
            200,
            {
                "items": items,
                "pageDetails": {
                    "count": len(items),
                    "requestCount": size,
                    "prevPageUrl": None,
                    "nextPageUrl": next_url,
                },
            },
        )

    def fields(self, request: FakeRequest, entity: str) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        name, _ = found
        fields: list[dict[str, Any]] = [{"name": "id", "dataType": "long", "isPickList": False}]
        if name == "Tickets":
            fields.append(_picklist("status", STATUS_PICKLIST))
            fields.append(_picklist("queueID", QUEUE_PICKLIST))
        if name == "Contracts":
            fields.append(
                _picklist("contractType", [(str(k), v) for k, v in CONTRACT_TYPES.items()])
            )
        return FakeResponse(200, {"fields": fields})

    def get_item(self, request: FakeRequest, entity: str, item_id: str) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        _, table = found
        return FakeResponse(200, {"item": table.get(int(item_id))})

    # --- writes -------------------------------------------------------------------------------

    def create(self, request: FakeRequest, entity: str) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        name, table = found
        body = request.json()
        if not isinstance(body, dict):
            return errors(500, "The request body must be one record.")
        if name != "TimeEntries":
            return errors(405, f"This fake does not create {name}.")
        with self.lock:
            problem = self._check_time_entry(body)
            if problem:
                return errors(500, problem)
            record = {k: v for k, v in body.items() if k != "id"}
            record["id"] = self.next_id()
            record["createDateTime"] = stamp(self.now)
            record.setdefault("billingApprovalDateTime", None)
            self._touch(name, record)
            table[record["id"]] = record
        return FakeResponse(200, {"itemId": record["id"]})

    def update(self, request: FakeRequest, entity: str) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        name, table = found
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("id"), int):
            return errors(500, "An update needs the record's id.")
        with self.lock:
            record = table.get(body["id"])
            if record is None:
                return errors(500, f"No matching records found for the id {body['id']}.")
            if name == "TimeEntries":
                refusal = self._locked(record)
                if refusal:
                    return errors(500, refusal)
                merged = {**record, **body}
                problem = self._check_time_entry(merged)
                if problem:
                    return errors(500, problem)
            elif name == "Tickets":
                if "status" in body and str(body["status"]) not in dict(STATUS_PICKLIST):
                    return errors(500, f"{body['status']} is not a value of the status picklist.")
            else:
                return errors(405, f"This fake does not update {name}.")
            record.update(body)
            self._touch(name, record)
        return FakeResponse(200, {"itemId": record["id"]})

    def delete(self, request: FakeRequest, entity: str, item_id: str) -> FakeResponse:
        found = self._table(entity)
        if found is None:
            return errors(404, f"There is no entity named {entity}.")
        name, table = found
        if name != "TimeEntries":
            return errors(405, f"This fake does not delete {name}.")
        with self.lock:
            record = table.get(int(item_id))
            if record is None:
                return errors(500, f"No matching records found for the id {item_id}.")
            refusal = self._locked(record)
            if refusal:
                return errors(500, refusal)
            del table[int(item_id)]
        return FakeResponse(200, {"itemId": int(item_id)})

    def _locked(self, record: dict[str, Any]) -> str:
        if record.get("billingApprovalDateTime"):
            return "This time entry has been approved for billing and cannot be changed."
        if record.get("resourceID") in self.submitted_timesheets:
            return "This time entry is on a submitted timesheet and cannot be changed."
        return ""

    def _check_time_entry(self, body: dict[str, Any]) -> str:
        ticket_id = body.get("ticketID")
        if ticket_id is not None and ticket_id not in self.tables["Tickets"]:
            return f"Ticket {ticket_id} does not exist."
        if body.get("resourceID") not in self.tables["Resources"]:
            return f"Resource {body.get('resourceID')} does not exist."
        if ticket_id is not None and not body.get("roleID"):
            return "A time entry on a ticket needs a roleID."
        if ticket_id is not None and body.get("roleID") not in self.tables["Roles"]:
            return f"Role {body.get('roleID')} does not exist."
        if ticket_id is not None and body.get("billingCodeID") not in self.tables["BillingCodes"]:
            return f"Billing code {body.get('billingCodeID')} does not exist."
        hours = body.get("hoursWorked")
        if not isinstance(hours, int | float) or not 0 < hours <= 24:
            return "hoursWorked must be more than 0 and at most 24."
        if body.get("resourceID") in self.submitted_timesheets:
            return "The resource's timesheet for this period is submitted: no time can be added."
        try:
            start = _parse_moment(body["startDateTime"])
            end = _parse_moment(body["endDateTime"])
        except (KeyError, TypeError, ValueError):
            return "startDateTime and endDateTime must be date-times."
        if end <= start:
            return "endDateTime must be after startDateTime."
        if abs((end - start).total_seconds() / 3600 - hours) > 0.01:
            return "hoursWorked does not match the time between startDateTime and endDateTime."
        return ""


def _picklist(name: str, values: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "name": name,
        "dataType": "integer",
        "isPickList": True,
        "picklistValues": [
            {
                "value": value,
                "label": label,
                "isDefaultValue": False,
                "sortOrder": i,
                "parentValue": "",
                "isActive": True,
                "isSystem": True,
            }
            for i, (value, label) in enumerate(values)
        ],
    }


def _only(record: dict[str, Any], include: list[str]) -> dict[str, Any]:
    if not include:
        return dict(record)
    return {k: v for k, v in record.items() if k.lower() in include or k == "id"}


def _field(record: dict[str, Any], name: str) -> tuple[bool, Any]:
    for key, value in record.items():
        if key.lower() == name.lower():
            return True, value
    return False, None


def _comparable(value: Any, wanted: Any) -> tuple[Any, Any]:
    """Both sides as one type: date-times, numbers, booleans or text."""
    if isinstance(value, bool) or isinstance(wanted, bool):
        return bool(value), str(wanted).lower() == "true" if isinstance(wanted, str) else wanted
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value), float(wanted)
        except (TypeError, ValueError):
            raise QueryError(f"{wanted!r} is not a number.") from None
    if isinstance(value, str) and isinstance(wanted, str) and len(value) >= 10 and value[4] == "-":
        try:
            return _parse_moment(value), _parse_moment(wanted)
        except ValueError:
            pass
    return str(value).lower(), str(wanted).lower()


def matches(record: dict[str, Any], expression: Any) -> bool:
    if not isinstance(expression, dict):
        raise QueryError("Each filter must be a JSON object.")
    expression = {k.lower(): v for k, v in expression.items()}
    op = str(expression.get("op", "")).lower()
    if op in ("and", "or"):
        items = expression.get("items") or []
        results = [matches(record, item) for item in items]
        return all(results) if op == "and" else any(results)
    name = expression.get("field")
    if not name:
        raise QueryError(f"The {op or 'filter'} expression has no field.")
    present, value = _field(record, name)
    wanted = expression.get("value")
    if op == "exist":
        return present and value not in (None, "")
    if op == "notexist":
        return not present or value in (None, "")
    if op in ("in", "notin"):
        if not isinstance(wanted, list):
            raise QueryError(f"The {op} operator needs a list of values.")
        inside = any(
            value is not None and _comparable(value, w)[0] == _comparable(value, w)[1]
            for w in wanted
        )
        return inside if op == "in" else not inside
    if value is None:
        return op == "noteq"
    left, right = _comparable(value, wanted)
    if op == "eq":
        return left == right
    if op == "noteq":
        return left != right
    if op == "gt":
        return left > right
    if op == "gte":
        return left >= right
    if op == "lt":
        return left < right
    if op == "lte":
        return left <= right
    if op == "beginswith":
        return str(left).startswith(str(right))
    if op == "endswith":
        return str(left).endswith(str(right))
    if op == "contains":
        return str(right) in str(left)
    raise QueryError(f"{op!r} is not a filter operator.")
