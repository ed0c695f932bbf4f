"""The kinds of file Daybook imports and the columns each one maps.

Column names are matched without regard to case or spacing, and each field accepts the
names the source system writes (the first name is the one documented and the one Daybook's
own export writes). docs/integrations.md ("File imports") lists them with their sources.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from daybook.catalogue.choices import BillableOption

from .reading import FileProblem, header_key
from .values import read_billable, read_yes_no, text

ENTRIES, COMPANIES, MEMBERS, TICKETS = "entries", "companies", "members", "tickets"


@dataclass(frozen=True)
class Column:
    field: str
    names: tuple[str, ...]
    required: bool = False

    @property
    def name(self) -> str:
        return self.names[0]


def col(field: str, *names: str, required: bool = False) -> Column:
    return Column(field=field, names=names, required=required)


class Row:
    """One data row: its line in the file and its cells by field."""

    __slots__ = ("cells", "line", "spec")

    def __init__(self, line: int, cells: list[Any], spec: "Bound") -> None:
        self.line = line
        self.cells = cells
        self.spec = spec

    def has(self, name: str) -> bool:
        return name in self.spec.index

    def raw(self, name: str) -> Any:
        position = self.spec.index.get(name)
        if position is None or position >= len(self.cells):
            return None
        return self.cells[position]

    def text(self, name: str) -> str:
        return text(self.raw(name))

    def column(self, name: str) -> str:
        """The column's name as the file writes it (for messages)."""
        return self.spec.headers.get(name) or self.spec.kind.column_name(name)


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    target: str
    source: str
    columns: tuple[Column, ...]
    about: str
    # How the billable option is read from a row (entry kinds); None: the usual default.
    billable: Callable[[Row], str | None] | None = None
    permission: str = "timekeeping.manage_all_entries"
    extra: dict[str, str] = field(default_factory=dict)

    def column_name(self, name: str) -> str:
        for column in self.columns:
            if column.field == name:
                return column.name
        return name

    def bind(self, header: list[str]) -> "Bound":
        """Which cell holds which field. A missing required column refuses the whole file,
        naming the columns this kind needs."""
        keys = {header_key(name): position for position, name in enumerate(header) if name}
        index: dict[str, int] = {}
        headers: dict[str, str] = {}
        missing = []
        for column in self.columns:
            for name in column.names:
                position = keys.get(header_key(name))
                if position is not None:
                    index[column.field] = position
                    headers[column.field] = header[position]
                    break
            else:
                if column.required:
                    missing.append(column.name)
        if missing:
            names = ", ".join(f"“{name}”" for name in missing)
            required = ", ".join(f"“{c.name}”" for c in self.columns if c.required)
            raise FileProblem(
                f"This isn't a {self.label} file, or a column is named differently: it has "
                f"no {names} column. A {self.label} file needs the columns {required}."
            )
        return Bound(kind=self, index=index, headers=headers)


@dataclass(frozen=True)
class Bound:
    kind: Kind
    index: dict[str, int]
    headers: dict[str, str]


def _billable_column(row: Row) -> str | None:
    return read_billable(row.raw("billable")) if row.has("billable") else None


def _autotask_billable(row: Row) -> str | None:
    """Autotask marks time Non-Billable, and non-billable time may still show on the
    invoice (at no charge)."""
    if not row.has("non_billable"):
        return None
    if not read_yes_no(row.raw("non_billable")):
        return BillableOption.BILLABLE
    shown = row.has("show_on_invoice") and read_yes_no(row.raw("show_on_invoice"))
    return BillableOption.NO_CHARGE if shown else BillableOption.DO_NOT_BILL


def _halo_billable(row: Row) -> str | None:
    if not row.has("billable") or not row.text("billable"):
        return None
    return (
        BillableOption.BILLABLE if read_yes_no(row.raw("billable")) else BillableOption.DO_NOT_BILL
    )


# The columns of Daybook's own entry export, in the order it writes them. Money columns
# (rate, amount, cost) are written only for roles that see money and are never read back:
# an imported entry resolves its rates the way every entry does.
DAYBOOK_ENTRY_COLUMNS = (
    col("entry_id", "Entry"),
    col("member", "Member", required=True),
    col("member_name", "Member name"),
    col("start", "Start", required=True),
    col("end", "End", required=True),
    col("hours", "Hours"),
    col("client", "Client"),
    col("agreement", "Agreement"),
    col("ticket", "Ticket"),
    col("phase", "Phase"),
    col("charged_to", "Charged to"),
    col("work_role", "Work role"),
    col("work_type", "Work type", required=True),
    col("billable", "Billable"),
    col("notes", "Notes"),
    col("internal_notes", "Internal notes"),
    col("source", "Source"),
    col("import_key", "Import key"),
)

KINDS: dict[str, Kind] = {
    kind.slug: kind
    for kind in (
        Kind(
            slug="entries",
            label="Daybook entry export",
            target=ENTRIES,
            source="daybook",
            columns=DAYBOOK_ENTRY_COLUMNS,
            about="Time entries as Daybook exports them (daybook export, or the download on "
            "this page). Tickets and project phases by their Daybook number.",
            billable=_billable_column,
        ),
        Kind(
            slug="connectwise",
            label="ConnectWise PSA time export",
            target=ENTRIES,
            source="connectwise",
            columns=(
                col("external_id", "Time RecId", "Time Entry ID", "ID"),
                col("member", "Member", "Member ID", "Member Identifier", required=True),
                col("date", "Date", "Date Start"),
                col("start", "Start Time", "Time Start", required=True),
                col("end", "End Time", "Time End"),
                col("hours", "Hours", "Actual Hours"),
                col("ticket", "Ticket #", "Charge To ID", "Charge To", "Service ID", required=True),
                col("work_type", "Work Type", required=True),
                col("work_role", "Work Role"),
                col("billable", "Billable Option", "Bill"),
                col("notes", "Notes"),
                col("internal_notes", "Internal Notes"),
            ),
            about="ConnectWise PSA time entries (the time entry list exported to a "
            "spreadsheet). Tickets by their ConnectWise number: import them first "
            "(kind tickets, Source connectwise).",
            billable=_billable_column,
        ),
        Kind(
            slug="autotask",
            label="Autotask time export",
            target=ENTRIES,
            source="autotask",
            columns=(
                col("external_id", "Time Entry ID", "ID"),
                col("ticket", "Autotask Ticket Number", "Ticket Number", required=True),
                col("member", "Resource", required=True),
                col("start", "Start Date/Time", required=True),
                col("end", "End Date/Time"),
                col("hours", "Hours Worked"),
                col("work_role", "Role"),
                col("work_type", "Work Type", required=True),
                col("notes", "Summary Notes"),
                col("internal_notes", "Internal Notes"),
                col("non_billable", "Non-Billable"),
                col("show_on_invoice", "Show on Invoice"),
            ),
            about="Autotask ticket time entries, in the columns of Autotask's ticket time "
            "entry template. Tickets by their Autotask number (T20250314.0001): import them "
            "first (kind tickets, Source autotask).",
            billable=_autotask_billable,
        ),
        Kind(
            slug="halo",
            label="HaloPSA time export",
            target=ENTRIES,
            source="halo",
            columns=(
                col("external_id", "Action ID", "Action Number"),
                col("ticket", "Request ID", "Ticket ID", required=True),
                col("member", "Agent", "Who", required=True),
                col("start", "Start Date", "Action Arrival Date", required=True),
                col("end", "End Date", "Action Completion Date"),
                col("hours", "Time Taken"),
                col("work_type", "Charge Rate", required=True),
                col("work_role", "Work Role"),
                col("billable", "Billable"),
                col("notes", "Note"),
                col("internal_notes", "Private Note"),
            ),
            about="HaloPSA actions with time (Request ID, Agent, Start Date, End Date, Time "
            "Taken, Charge Rate, Note). Tickets by their Halo request id: import them first "
            "(kind tickets, Source halo).",
            billable=_halo_billable,
        ),
        Kind(
            slug="companies",
            label="company list",
            target=COMPANIES,
            source="daybook",
            columns=(
                col("name", "Name", "Company", "Company Name", required=True),
                col("identifier", "Identifier", "Company ID"),
                col("time_zone", "Time zone"),
                col("active", "Active"),
                col("source", "Source"),
                col("external_id", "External ID"),
            ),
            about="Clients: Name, and optionally Identifier, Time zone, Active, and the "
            "Source and External ID of the PSA they come from.",
            permission="clients.add_company",
        ),
        Kind(
            slug="members",
            label="member list",
            target=MEMBERS,
            source="daybook",
            columns=(
                col("username", "Username", required=True),
                col("email", "Email"),
                col("first_name", "First name"),
                col("last_name", "Last name"),
                col("role", "Role"),
                col("team", "Team"),
                col("time_zone", "Time zone"),
                col("expected_hours", "Expected hours"),
                col("work_role", "Default work role"),
                col("start_date", "Start date"),
                col("source", "Source"),
                col("external_id", "External ID"),
            ),
            about="Members with their logins (Username, and optionally Email, First name, "
            "Last name, Role, Team, Time zone, Expected hours, Default work role, Start "
            "date). Members already in Daybook are left as they are.",
            permission="people.add_member",
        ),
        Kind(
            slug="tickets",
            label="ticket list",
            target=TICKETS,
            source="daybook",
            columns=(
                col("summary", "Summary", required=True),
                col("company", "Company", required=True),
                col("board", "Board", required=True),
                col("agreement", "Agreement"),
                col("priority", "Priority"),
                col("assignee", "Assignee"),
                col("opened", "Opened"),
                col("source", "Source"),
                col("external_id", "External ID", "Ticket Number"),
            ),
            about="Tickets (Summary, Company, Board, and optionally Agreement, Priority, "
            "Assignee, Opened). Give Source (connectwise, autotask or halo) and External ID "
            "so that the PSA's time exports find them.",
            permission="service.add_ticket",
        ),
    )
}
SOURCES = ("connectwise", "autotask", "halo", "daybook")


def kind_named(slug: str) -> Kind:
    try:
        return KINDS[slug]
    except KeyError:
        known = ", ".join(KINDS)
        raise FileProblem(f"There is no import of kind “{slug}”. Choose one of: {known}.") from None
