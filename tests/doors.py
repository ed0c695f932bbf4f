"""The door scanner behind tests/test_doors.py: every URL the resolver knows, filled with real
ids, fetched as someone, and each answer searched for a canary entry.

- `doors()` walks `get_resolver().url_patterns` recursively (the admin's and the API router's
  routes included), so a door added tomorrow is scanned without touching this file. A door
  whose parameters cannot be filled fails the test until it gets a filler or a place in SKIPS
  with its reason.
- `Canary` knows what gives the canary away: its notes or internal notes (and those of the
  member's running timer and parked draft), its id in an entry-shaped API object or an
  entry's address, and its unusual length (3 h 17 min) written any usual way.
"""

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.urls import URLResolver, get_resolver
from django.utils.regex_helper import normalize

# Doors that cannot be filled with a meaningful value, each with its reason. Keep it short.
SKIPS = {
    "interchange:calendar_feed": (
        "the address is the member's own secret; whoever holds it reads the member's own "
        "calendar (tests/interchange covers that it shows that member's entries only)"
    ),
    "accounts:password_reset_confirm": "a one-shot link whose token is made for one email",
    "api-schema": (
        "the same document for everyone, built from the code, and slow to build: "
        "tests/test_doors.py reads it once instead of once per viewer"
    ),
}


@dataclass(frozen=True)
class Door:
    """One way in: a path template ('review/day/%(member_id)s/%(day)s/') and its name."""

    name: str
    template: str
    params: tuple[str, ...]
    view: str

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.template}"


def _walk(patterns, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple]:
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.removeprefix("^")
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, prefix + regex, inner)
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield prefix + regex, name, pattern.lookup_str


def doors(urlconf: str | None = None) -> list[Door]:
    """Every route of the URL configuration, once per way its pattern can be written."""
    found = []
    for regex, name, view in _walk(get_resolver(urlconf).url_patterns):
        for template, params in normalize(regex):
            found.append(Door(name=name, template=template, params=tuple(params), view=view))
    return found


@dataclass
class World:
    """The ids the scanner fills URLs with, and the query strings some doors need to show the
    canary's day (a report without them shows another period)."""

    ids: dict[str, int]  # "member", "canary", "ticket", ... -> id
    day: date
    admin_objects: Callable[[type], int | None]  # a model -> the id to open in the admin
    history_id: Callable[[type, int], int | None]  # a model and an id -> a history record
    queries: dict[str, dict] = field(default_factory=dict)  # door name -> query


# Which object a `pk` means, by the start of the path (the longest match wins).
PK_BY_PREFIX = {
    "api/tokens/": "token",
    "api/work-roles/": "work_role",
    "api/work-types/": "work_type",
    "api/members/": "member",
    "api/teams/": "team",
    "api/companies/": "company",
    "api/agreements/": "agreement",
    "api/boards/": "board",
    "api/projects/": "project",
    "api/phases/": "phase",
    "api/tickets/": "ticket",
    "api/time-entries/": "canary",
    "api/week-submissions/": "week_submission",
    "api/period-closes/": "period_close",
    "interchange/import/": "import_upload",
    "time/approvals/": "week_submission",
    "api/follow-ups/": "follow_up",
    "api/reports/profitability/": "agreement",
    "api/reports/statements/": "issued_statement",
    "review/day/": "follow_up",
    "review/requests/": "follow_up",
    "review/notices/": "notice",
    "insights/profitability/agreements/": "agreement",
    "insights/statements/": "issued_statement",
    "insights/runs/": "report_run",
    "interchange/calendar/": "feed",
    "time/entries/": "canary",
    "time/drafts/": "draft",
    "tickets/flags/": "flag",
    "tickets/": "ticket",
    "people/holidays/": "holiday",
    "accounts/tokens/": "token",
    "setup/companies/": "company",
    "setup/contacts/": "contact",
    "setup/agreements/": "agreement",
    "setup/members/": "member",
    "setup/teams/": "team",
    "setup/work-roles/": "work_role",
    "setup/work-types/": "work_type",
    "setup/boards/": "board",
    "psa/": "psa_connection",
    "calendars/": "calendar",
}


class CannotFill(Exception):
    """A door with a parameter the scanner has no value for: give it one, or a skip."""


def _admin_model(template: str):
    parts = template.split("/")
    try:
        return apps.get_model(parts[1], parts[2])
    except (IndexError, LookupError, ValueError):
        return None


def fill(door: Door, world: World) -> str:
    """The door's path with every parameter filled from the world."""
    values: dict[str, object] = {}
    model = _admin_model(door.template) if door.template.startswith("admin/") else None
    for param in door.params:
        if model is not None and param in {"pk", "object_id", "_0"}:
            # An admin page of a model: the world's object of that model, or (a model with
            # no rows, unrelated to anyone's time) an id that opens nothing.
            values[param] = world.admin_objects(model) or 0
        elif param == "pk":
            prefixes = [p for p in PK_BY_PREFIX if door.template.startswith(p)]
            if not prefixes:
                raise CannotFill(f"{door}: no object known for its pk")
            key = PK_BY_PREFIX[max(prefixes, key=len)]
            # PSA connections are admin-only set-up (tests/psa refuses every other role); the
            # world has none unless a test plants one, and then its pages open.
            # Nor does it hold a client's contact (set-up only, no one's time): an id that
            # opens nothing.
            # A member's calendar subscription is the member's own (tests/calendars refuses
            # everyone else) and its doors take POST only: an id that opens nothing is enough.
            optional = key in {"psa_connection", "contact", "calendar"}
            values[param] = world.ids.get(key, 0) if optional else world.ids[key]
        elif param == "object_id" and door.template.startswith("admin/r/"):
            values[param] = world.ids["canary"]  # the admin's "view on site" of the entry
        elif param == "_1" and model is not None:
            values[param] = world.history_id(model, values["_0"]) or 0
        elif param in {"member", "member_id"}:
            values[param] = world.ids["member"]
        elif param in {"day", "date"}:
            values[param] = world.day.isoformat()
        elif param == "id":  # the admin's password page of a login
            values[param] = world.ids["user"]
        elif param == "content_type_id":
            values[param] = world.ids["entry_content_type"]
        elif param == "app_label":
            values[param] = "timekeeping"
        elif param == "format":
            values[param] = "json" if f".%({param})s" in door.template else ".json"
        elif param == "company_pk":  # setup/companies/<company_pk>/contacts/new/
            values[param] = world.ids["company"]
        elif param == "decision":
            values[param] = "clean"
        elif param == "problem_pk":  # a PSA sync problem (psa/<pk>/problems/<problem_pk>/)
            values[param] = world.ids.get("psa_problem", 0)
        elif param == "token":  # a PSA callback's secret: a guess opens nothing
            values[param] = "not-the-token"
        elif param == "number":  # a version of the written process (home/process/versions/)
            values[param] = 1
        elif param == "provider":
            values[param] = "nobody"
        elif param == "url":
            values[param] = "nothing-here/"
        else:
            raise CannotFill(f"{door}: nothing to fill {param!r} with")
    return "/" + door.template % values


@dataclass(frozen=True)
class Canary:
    """What the planted entry looks like from outside."""

    marker: str  # in its notes, internal notes, and the timer's and draft's notes
    entry_id: int
    figures: tuple[str, ...]  # its length as regular expressions

    def _entry_shaped(self, value) -> Iterator[str]:
        if isinstance(value, dict):
            if value.get("entry_id") == self.entry_id:
                yield f"an object with entry_id {self.entry_id}"
            shaped = {"start", "end"} <= value.keys() or "notes" in value
            if value.get("id") == self.entry_id and shaped:
                yield f"an entry-shaped object with id {self.entry_id}"
            for inner in value.values():
                yield from self._entry_shaped(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from self._entry_shaped(inner)

    def found_in(self, response) -> list[str]:
        """What in the response gives the canary away (empty: nothing)."""
        text = body_text(response)
        found = []
        if self.marker in text:
            at = text.index(self.marker)
            found.append(f"its notes: …{text[max(0, at - 40) : at + 40]!r}…")
        address = (
            rf"(?:time/entries|timeentry|time-entries)/{self.entry_id}(?!\d)|entry-{self.entry_id}@"
        )
        if re.search(address, text):
            found.append(f"its address ({self.entry_id})")
        for figure in self.figures:
            match = re.search(figure, text)
            if match:
                start = max(0, match.start() - 40)
                found.append(f"its length: …{text[start : match.end() + 40]!r}…")
        if "json" in response.get("Content-Type", ""):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            found += list(self._entry_shaped(data))
        return found


def body_text(response) -> str:
    """The response as text: streamed bodies joined, PDFs read out page by page."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return raw.decode("utf-8", errors="replace")


@dataclass
class Scan:
    """What one viewer saw: every door fetched, and which of them showed the canary."""

    fetched: list[tuple[str, int]] = field(default_factory=list)
    showing: dict[str, list[str]] = field(default_factory=dict)
    unfilled: list[str] = field(default_factory=list)
    left_out: int = 0  # the admin's doors, for a login the admin does not let in


def _in_admin(door: Door) -> bool:
    return door.template.startswith("admin/")


def scan(
    client,
    world: World,
    canary: Canary,
    *,
    staff: bool,
    urlconf: str | None = None,
    only: Callable[[Door], bool] = lambda door: True,
    until_seen: bool = False,
) -> Scan:
    """GET every door (but the skipped ones) as the client's login; with `until_seen`, stop
    at the first door that shows the canary.

    The admin lets only staff in (`AdminSite.has_permission`): for anyone else the scan
    checks that its index sends them to sign in, and leaves its other doors out. The admin's
    doors come last, so a scan `until_seen` finds the canary on the pages and API first.
    """
    result = Scan()
    if not staff:
        response = client.get("/admin/")
        assert response.status_code == 302, response.status_code
        assert "/admin/login/" in response["Location"]
        result.fetched.append(("/admin/", response.status_code))
    for door in sorted(doors(urlconf), key=_in_admin):
        if door.name in SKIPS or not only(door):
            continue
        if not staff and _in_admin(door):
            result.left_out += 1
            continue
        try:
            path = fill(door, world)
        except CannotFill as missing:
            result.unfilled.append(str(missing))
            continue
        response = client.get(path, world.queries.get(door.name, {}))
        result.fetched.append((path, response.status_code))
        shown = canary.found_in(response)
        if shown:
            result.showing[f"{door} -> {path} ({response.status_code})"] = shown
            if until_seen:
                break
    return result
