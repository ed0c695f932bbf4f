"""Names, rates and texts for the demo MSP, Brightline IT. Every name here is made up."""

from dataclasses import dataclass
from decimal import Decimal
from random import Random

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.people.choices import Role
from daybook.service.choices import Priority

DEMO_PASSWORD = "daybook-demo"  # noqa: S105 - published on purpose: it opens the demo logins
EMAIL_DOMAIN = "brightline-it.example"
# Every demo company's identifier starts with this; its presence marks a loaded demo.
COMPANY_PREFIX = "demo-"

ZONE_EAST = "America/New_York"
ZONE_CENTRAL = "America/Chicago"
ZONE_MOUNTAIN = "America/Denver"
ZONE_PACIFIC = "America/Los_Angeles"
ZONE_UK = "Europe/London"
US_ZONES = (ZONE_EAST, ZONE_CENTRAL, ZONE_MOUNTAIN, ZONE_PACIFIC)


@dataclass(frozen=True)
class WorkRoleSpec:
    name: str
    rate: Decimal


WORK_ROLES = [
    WorkRoleSpec("Help Desk", Decimal("95.00")),
    WorkRoleSpec("Systems Engineer", Decimal("145.00")),
    WorkRoleSpec("Network Engineer", Decimal("155.00")),
    WorkRoleSpec("Project Manager", Decimal("135.00")),
    WorkRoleSpec("Dispatcher", Decimal("85.00")),
    WorkRoleSpec("Service Manager", Decimal("150.00")),
    WorkRoleSpec("Operations", Decimal("70.00")),
]


@dataclass(frozen=True)
class WorkTypeSpec:
    name: str
    billable_default: str = BillableOption.BILLABLE
    rate_multiplier: Decimal = Decimal("1.00")
    is_payroll_wrap: bool = False
    is_time_off: bool = False
    counts_toward_utilization: bool = True


REMOTE = "Remote Support"
ONSITE = "Onsite"
PROJECT_WORK = "Project Work"
AFTER_HOURS = "After Hours"
ADMIN = "Admin"
TRAINING = "Training"
MEETING = "Internal Meeting"
PTO = "PTO"

_WRAP = {"billable_default": BillableOption.DO_NOT_BILL, "is_payroll_wrap": True}
WORK_TYPES = [
    WorkTypeSpec(REMOTE),
    WorkTypeSpec(ONSITE),
    WorkTypeSpec(PROJECT_WORK),
    WorkTypeSpec(AFTER_HOURS, rate_multiplier=Decimal("1.50")),
    WorkTypeSpec(ADMIN, counts_toward_utilization=False, **_WRAP),
    WorkTypeSpec(TRAINING, counts_toward_utilization=False, **_WRAP),
    WorkTypeSpec(MEETING, counts_toward_utilization=False, **_WRAP),
    WorkTypeSpec(PTO, is_time_off=True, counts_toward_utilization=False, **_WRAP),
]

HELP_DESK = "Help Desk"
ALERTS = "Alerts & Monitoring"
FIELD = "Field Services"
ESCALATIONS = "Escalations"
# Board name -> the work type its tickets default to.
BOARDS = {HELP_DESK: REMOTE, ALERTS: REMOTE, FIELD: ONSITE, ESCALATIONS: REMOTE}

# Default respond / resolve targets in minutes, by priority (wall-clock).
SLA_DEFAULTS = {
    Priority.CRITICAL: (15, 240),
    Priority.HIGH: (60, 480),
    Priority.MEDIUM: (240, 2880),
    Priority.LOW: (480, 7200),
}
# The premium managed agreement promises faster answers on urgent tickets.
SLA_PREMIUM = {Priority.CRITICAL: (10, 120), Priority.HIGH: (30, 360)}
PRIORITY_WEIGHTS = {Priority.CRITICAL: 3, Priority.HIGH: 14, Priority.MEDIUM: 58, Priority.LOW: 25}

# ---------------------------------------------------------------------------------------------
# People. Profiles decide how a day is spent (see workday.PROFILES).


@dataclass(frozen=True)
class TeamSpec:
    name: str
    time_zone: str


# A weekly schedule: the same windows (start, end as "HH:MM") on each listed weekday.
Schedule = tuple[tuple[str, str], ...]
WEEKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class PersonSpec:
    username: str
    first_name: str
    last_name: str
    role: Role
    team: str | None
    time_zone: str
    work_role: str
    profile: str
    cost_rate: Decimal
    schedule: Schedule
    expected_hours: Decimal = Decimal("8.00")
    weekdays: tuple[int, ...] = WEEKDAYS
    login: bool = False
    superuser: bool = False
    reviews_team: bool = False


# Holidays in the demo's history: (days before yesterday, moved back to this weekday, name,
# team name or None for the whole organisation). The team abroad keeps its own.
HOLIDAYS = [
    (10, 4, "Founders' day", None),
    (13, 0, "Bank holiday", "Projects"),
]
# The showcase technician's day off, booked ahead: this many working days before yesterday.
BOOKED_DAY_OFF_BACK = 6

SERVICE_DESK = TeamSpec("Service Desk", ZONE_EAST)
INFRASTRUCTURE = TeamSpec("Infrastructure", ZONE_CENTRAL)
PROJECTS = TeamSpec("Projects", ZONE_UK)
TEAMS = [SERVICE_DESK, INFRASTRUCTURE, PROJECTS]

_D = Decimal
# The demo logins come first, so a smaller --members count still keeps them.
STAFF = [
    PersonSpec(
        "manager", "Morgan", "Hale", Role.MANAGER, SERVICE_DESK.name, ZONE_EAST,
        "Service Manager", "manager", _D("62.00"), (("08:30", "17:00"),),
        login=True, reviews_team=True,
    ),
    PersonSpec(
        "dispatcher", "Rosa", "Delgado", Role.DISPATCHER, SERVICE_DESK.name, ZONE_EAST,
        "Dispatcher", "dispatcher", _D("31.00"), (("07:30", "16:00"),), login=True,
    ),
    PersonSpec(
        "tech", "Theo", "Marsh", Role.TECHNICIAN, SERVICE_DESK.name, ZONE_EAST,
        "Help Desk", "helpdesk", _D("34.00"), (("08:00", "12:00"), ("12:45", "16:45")),
        login=True,
    ),
    PersonSpec(
        "finance", "Nora", "Feld", Role.FINANCE, None, ZONE_EAST,
        "Operations", "office", _D("48.00"), (("09:00", "17:30"),), login=True,
    ),
    PersonSpec(
        "admin", "Sam", "Okoye", Role.ADMIN, None, ZONE_CENTRAL,
        "Operations", "office", _D("55.00"), (("08:00", "16:30"),), login=True, superuser=True,
    ),
    PersonSpec(
        "priya", "Priya", "Raman", Role.TECHNICIAN, SERVICE_DESK.name, ZONE_EAST,
        "Help Desk", "helpdesk", _D("36.00"), (("09:00", "17:30"),),
    ),
    PersonSpec(
        "jonah", "Jonah", "Okafor", Role.TECHNICIAN, SERVICE_DESK.name, ZONE_EAST,
        "Systems Engineer", "engineer", _D("47.00"), (("08:00", "16:30"),),
    ),
    PersonSpec(
        "carmen", "Carmen", "Ruiz", Role.MANAGER, INFRASTRUCTURE.name, ZONE_CENTRAL,
        "Service Manager", "manager", _D("60.00"), (("08:00", "16:30"),), reviews_team=True,
    ),
    PersonSpec(
        "wes", "Wes", "Tanaka", Role.TECHNICIAN, INFRASTRUCTURE.name, ZONE_CENTRAL,
        "Network Engineer", "engineer", _D("50.00"), (("07:00", "15:30"),),
    ),
    # Covers the early morning and the evening: a split shift.
    PersonSpec(
        "lena", "Lena", "Brooks", Role.TECHNICIAN, INFRASTRUCTURE.name, ZONE_CENTRAL,
        "Systems Engineer", "engineer", _D("46.00"), (("07:00", "11:00"), ("15:00", "19:00")),
    ),
    PersonSpec(
        "marcus", "Marcus", "Bell", Role.TECHNICIAN, INFRASTRUCTURE.name, ZONE_CENTRAL,
        "Help Desk", "helpdesk", _D("33.00"), (("10:00", "18:30"),),
    ),
    PersonSpec(
        "fiona", "Fiona", "Ashby", Role.MANAGER, PROJECTS.name, ZONE_UK,
        "Project Manager", "manager", _D("58.00"), (("09:00", "17:30"),), reviews_team=True,
    ),
    PersonSpec(
        "aled", "Aled", "Pryce", Role.TECHNICIAN, PROJECTS.name, ZONE_UK,
        "Systems Engineer", "engineer", _D("44.00"), (("09:00", "17:30"),),
    ),
    # Four longer days a week.
    PersonSpec(
        "imogen", "Imogen", "Clarke", Role.TECHNICIAN, PROJECTS.name, ZONE_UK,
        "Project Manager", "pm", _D("45.00"), (("08:00", "12:30"), ("13:00", "17:30")),
        expected_hours=_D("9.00"), weekdays=(0, 1, 2, 3),
    ),
    PersonSpec(
        "ravi", "Ravi", "Sandhu", Role.TECHNICIAN, PROJECTS.name, ZONE_UK,
        "Network Engineer", "engineer", _D("49.00"), (("09:00", "13:00"), ("14:00", "18:00")),
    ),
]  # fmt: skip

# Extra people for the large (benchmark) size: teams of this shape, names combined from these.
LARGE_TEAM_SHAPE = [
    (Role.MANAGER, "Service Manager", "manager"),
    (Role.DISPATCHER, "Dispatcher", "dispatcher"),
    (Role.TECHNICIAN, "Help Desk", "helpdesk"),
    (Role.TECHNICIAN, "Help Desk", "helpdesk"),
    (Role.TECHNICIAN, "Help Desk", "helpdesk"),
    (Role.TECHNICIAN, "Systems Engineer", "engineer"),
    (Role.TECHNICIAN, "Network Engineer", "engineer"),
    (Role.TECHNICIAN, "Project Manager", "pm"),
]
LARGE_TEAM_ZONES = (ZONE_EAST, ZONE_CENTRAL, ZONE_UK, ZONE_PACIFIC, ZONE_MOUNTAIN)
LARGE_TEAM_NAMES = ["Service Desk", "Infrastructure", "Projects", "Field Team", "Cloud", "NOC"]
SCHEDULE_PATTERNS: list[Schedule] = [
    (("08:00", "16:30"),),
    (("08:30", "17:00"),),
    (("09:00", "17:30"),),
    (("07:30", "16:00"),),
    (("08:00", "12:00"), ("13:00", "17:00")),
    (("07:00", "11:00"), ("15:00", "19:00")),
]
FIRST_NAMES = [
    "Ada", "Bram", "Cleo", "Dev", "Elif", "Finn", "Gia", "Hugo", "Ines", "Jude", "Kai", "Lila",
    "Milo", "Nia", "Omar", "Pia", "Quinn", "Rhys", "Sana", "Tomas", "Uma", "Vik", "Willa", "Xavi",
    "Yara", "Zeke", "Anouk", "Bashir", "Celine", "Dario", "Esme", "Farid", "Greta", "Hamid",
    "Isla", "Joaquin", "Keira", "Lorcan", "Maren", "Nikhil",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Baptiste", "Castellano", "Dunmore", "Eriksen", "Fairweather", "Galloway",
    "Hendry", "Ibarra", "Jessup", "Kowalczyk", "Lindqvist", "Mbeki", "Nakamura", "Oduya",
    "Penhaligon", "Quarles", "Rasmussen", "Szabo", "Thorne", "Underhill", "Varga", "Whitcombe",
    "Xiong", "Yilmaz", "Zubiri", "Ashdown", "Brennan", "Carvalho", "Devereux", "Ellery",
    "Forsythe", "Gunnarsson", "Halloran", "Iversen", "Jovanovic", "Kinsella", "Lockhart",
    "Marchetti", "Norcross",
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Clients. Each company has one service agreement (or none: a prospect); projects get their own.


@dataclass(frozen=True)
class CompanySpec:
    name: str
    time_zone: str
    agreement: str | None  # an AgreementType value, or None for a prospect with no contract
    size: int  # relative ticket volume
    remote_only: bool = False  # managed plan covering remote support only
    premium: bool = False  # managed plan with faster SLA targets


_M, _B, _T = AgreementType.MANAGED, AgreementType.BLOCK_HOURS, AgreementType.TIME_AND_MATERIALS
COMPANIES = [
    CompanySpec("Harborview Dental Partners", ZONE_EAST, _M, 5, premium=True),
    CompanySpec("Juniper & Vale Architects", ZONE_EAST, _M, 4),
    CompanySpec("Copperline Freight", ZONE_CENTRAL, _M, 6),
    CompanySpec("Redfern Community Credit Union", ZONE_CENTRAL, _M, 7),
    CompanySpec("Maple Row Veterinary Clinic", ZONE_EAST, _B, 2),
    CompanySpec("Blue Heron Law Group", ZONE_EAST, _M, 5),
    CompanySpec("Stonegate Property Management", ZONE_CENTRAL, _T, 3),
    CompanySpec("Alder Creek Family Practice", ZONE_CENTRAL, _M, 4),
    CompanySpec("Brightwater Logistics", ZONE_PACIFIC, _M, 5),
    CompanySpec("Quill & Ledger Accountants", ZONE_UK, _M, 4),
    CompanySpec("Thistledown Primary Academy", ZONE_UK, _B, 3),
    CompanySpec("Larkspur Boutique Hotels", ZONE_UK, _M, 5),
    CompanySpec("Ironbridge Engineering", ZONE_UK, _T, 3),
    CompanySpec("Saltmarsh Brewing Co", ZONE_EAST, _M, 3, remote_only=True),
    CompanySpec("Cobalt Ridge Insurance Brokers", ZONE_EAST, _T, 2),
    CompanySpec("Pinecrest Senior Living", ZONE_CENTRAL, _M, 6),
    CompanySpec("Northgate Auto Group", ZONE_CENTRAL, _B, 3),
    CompanySpec("Fennel Street Deli Group", ZONE_EAST, _T, 2),
    CompanySpec("Orchard Lane Pediatrics", ZONE_EAST, _M, 4),
    CompanySpec("Westmere Civil Surveyors", ZONE_UK, _B, 2),
    CompanySpec("Granite Peak Outfitters", ZONE_PACIFIC, _T, 2),
    CompanySpec("Halcyon Wealth Advisors", ZONE_EAST, _M, 3),
    CompanySpec("Riverbend Public Library", ZONE_CENTRAL, _B, 2),
    CompanySpec("Tidewater Marine Supply", ZONE_EAST, _T, 2),
    CompanySpec("Amberfield Farms Co-op", ZONE_CENTRAL, _T, 2),
    CompanySpec("Sable Bay Media", ZONE_PACIFIC, _M, 3),
    CompanySpec("Vantage Point Physiotherapy", ZONE_UK, _T, 2),
    CompanySpec("Wrenfield Charitable Trust", ZONE_UK, _B, 2),
    CompanySpec("Kettle & Crane Coffee Roasters", ZONE_EAST, _T, 1),
    CompanySpec("Lantern Street Bakery", ZONE_EAST, None, 1),
]
# Generated company names for the large size: adjective + place + trade.
COMPANY_WORDS = (
    ["Aspen", "Birchwood", "Cedar", "Driftwood", "Elm", "Foxglove", "Garnet", "Hawthorn", "Indigo",
     "Jasper", "Kingfisher", "Linden", "Marigold", "Nettle", "Oakmere", "Primrose", "Quarry",
     "Rowan", "Silverleaf", "Tamarack"],
    ["Valley", "Harbor", "Ridge", "Point", "Field", "Creek", "Hollow", "Bridge", "Meadow",
     "Summit", "Crossing", "Landing", "Grove", "Heights", "Shore", "Gate", "Mill", "Park",
     "Row", "Square"],
    ["Dental", "Logistics", "Legal", "Clinic", "Builders", "Foods", "Realty", "Advisors",
     "Academy", "Motors", "Printing", "Pharmacy", "Studios", "Outfitters", "Laboratories"],
)  # fmt: skip
MANAGED_FEES = [Decimal(n) for n in ("1800", "2400", "3200", "4500", "6000", "8500")]
# Block hours: (prepaid hours, prepaid amount).
BLOCK_SIZES = [
    (Decimal("20"), Decimal("2300")),
    (Decimal("40"), Decimal("4400")),
    (Decimal("80"), Decimal("8400")),
]
TM_RATE = Decimal("125.00")
# A T&M client that negotiated its own engineer rates (agreement role rates).
NEGOTIATED_RATES = {"Systems Engineer": Decimal("160.00"), "Network Engineer": Decimal("165.00")}
PROJECT_RATE = Decimal("140.00")

# ---------------------------------------------------------------------------------------------
# Projects: phases with a share of the project's span.

PROJECT_TEMPLATES: list[tuple[str, list[tuple[str, float]]]] = [
    ("Server migration", [("Discovery", 0.15), ("Build", 0.45), ("Cutover", 0.25),
                          ("Handover", 0.15)]),
    ("Microsoft 365 rollout", [("Planning", 0.2), ("Tenant setup", 0.3),
                               ("Mailbox migration", 0.35), ("Training", 0.15)]),
    ("Network refresh", [("Site survey", 0.15), ("Design", 0.2), ("Installation", 0.45),
                         ("Documentation", 0.2)]),
    ("Office move", [("Planning", 0.3), ("Cabling and Wi-Fi", 0.4), ("Move weekend", 0.3)]),
    ("Security hardening", [("Assessment", 0.3), ("Remediation", 0.5), ("Report", 0.2)]),
    ("Backup overhaul", [("Design", 0.25), ("Deployment", 0.5), ("Restore testing", 0.25)]),
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Ticket summaries by board. {who} is a person or group, {place} a part of the client's
# premises (both with their article, if any: they read after "for", "at" or at the start);
# {server} names a server without its article ("the {server}").

TICKET_SUMMARIES = {
    HELP_DESK: [
        "Outlook keeps asking {who} for a password",
        "Password reset for {who}",
        "New laptop to set up for {who}",
        "{who} cannot print to the printer at {place}",
        "Shared mailbox access for {who}",
        "Teams calls drop for {who}",
        "MFA phone replaced: re-enrol {who}",
        "{who} locked out after a holiday",
        "Scanner at {place} sends nothing",
        "OneDrive not syncing for {who}",
        "Second monitor for {who}",
        "Leaver: disable an account and forward the mail for {who}",
    ],
    ALERTS: [
        "Backup job failed on the {server}",
        "Disk almost full on the {server}",
        "UPS on battery at {place}",
        "Antivirus found a threat on a PC at {place}",
        "Certificate expires soon on the {server}",
        "Firewall CPU high at {place}",
        "Patch run skipped machines at {place}",
    ],
    FIELD: [
        "Install a new switch at {place}",
        "Wi-Fi dead spot at {place}",
        "Set up a meeting-room screen at {place}",
        "Replace a failed drive in the NAS at {place}",
        "Move desks and phones at {place}",
        "Cable a new workstation at {place}",
    ],
    ESCALATIONS: [
        "Line-of-business app slow for {who}",
        "VPN drops every few minutes at {place}",
        "Email to one supplier bounces",
        "File share permissions broken after rename",
        "Phishing message reached {who}: check the mailbox rules",
        "Restore test of the {server} backup",
    ],
}
WHO = [
    "the front desk", "the practice manager", "a new starter", "the finance team",
    "the managing partner", "reception", "the warehouse lead", "two sales reps",
    "the office manager", "the night shift",
]  # fmt: skip
PLACE = [
    "head office", "the warehouse", "reception", "the branch", "the board room",
    "the accounts office", "the second floor", "the clinic",
]  # fmt: skip
SERVER = [
    "file server", "print server", "accounts server", "remote desktop server",
    "database server", "backup server",
]  # fmt: skip


def ticket_summary(rng: Random, board: str) -> str:
    """A ticket summary for the board, its blanks filled and its first letter capitalised.
    Always draws four times from rng, whichever blanks the summary has."""
    template = rng.choice(TICKET_SUMMARIES[board])
    text = template.format(who=rng.choice(WHO), place=rng.choice(PLACE), server=rng.choice(SERVER))
    return text[:1].upper() + text[1:]


# Client-visible notes by kind of work, and an occasional internal note.
NOTES = {
    REMOTE: [
        "Connected remotely, reproduced the problem and applied the fix; user confirmed.",
        "Reset the password, re-enrolled MFA and checked sign-in works.",
        "Cleared the cached credentials and rebuilt the mail profile.",
        "Reviewed the logs, found the cause and documented the change.",
        "Walked the user through the new setting and confirmed it sticks after a restart.",
        "Updated the driver and ran a test print with the user.",
        "Checked the alert, resolved the underlying issue and watched it clear.",
        "Gathered details, tested two fixes and left the ticket waiting for the client's reply.",
    ],
    ONSITE: [
        "On site: replaced the faulty hardware and tested with staff.",
        "On site: patched the new points, labelled them and updated the network map.",
        "Visited the office, set up the equipment and showed the team how to use it.",
    ],
    AFTER_HOURS: [
        "Evening call-out: restored service and confirmed monitoring is green.",
        "After-hours maintenance window: applied updates and rebooted in order.",
    ],
    PROJECT_WORK: [
        "Worked through the phase checklist and updated the project plan.",
        "Built and tested the configuration; notes added to the runbook.",
        "Meeting with the client's lead to confirm scope and next steps.",
        "Prepared the cutover steps and rollback plan.",
        "Documented the finished work for handover.",
    ],
    ADMIN: [
        "Queue review, email and timesheet.",
        "Quotes and purchase orders.",
        "Documentation clean-up.",
        "Billing run and supplier invoices.",
        "Hand-over notes for the next shift.",
    ],
    TRAINING: [
        "Vendor certification course module.",
        "Lunch-and-learn on the new backup platform.",
        "Security awareness refresher.",
    ],
    MEETING: ["Weekly team meeting.", "One-to-one.", "Service review planning."],
    PTO: ["Annual leave.", "Sick day."],
}
INTERNAL_NOTES = [
    "Client asked for a quote for a permanent fix.",
    "Root cause looks like the ISP; keep an eye on it.",
    "Worth adding to the knowledge base.",
    "Took longer than it should: the documentation was out of date.",
]
IMPORT_NOTE = "Remote session recorded by the remote-access tool (imported)."
