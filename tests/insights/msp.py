"""A small, hand-built MSP whose every report number is worked out by hand in the tests.

March 2025 in New York (DST starts on the 9th). Members:
- Tess (tech, Service Desk, New York): cost 40.00/h until 15 March, 50.00/h from the 16th
  (the raise is stored on each entry, as the service would have).
- Lena (lead, reviews Service Desk, New York): cost 60.00/h.
- Otto (other team, Europe/Berlin): cost 45.00/h.
Work roles: Help Desk 100.00/h, Engineer 150.00/h. Work types: Remote Support (x1.00),
After Hours (x1.50), Project Work (x1.00), Admin (payroll wrap), PTO (payroll wrap, time off).

Agreements:
- A1 Acme managed: 3,100.00 a month from 11 March, covers Remote Support.
- A2 Acme block: 20 prepaid hours for 2,000.00 (100.00/h) since 1 January.
- A3 Globex T&M since 2024.
- A4 Globex project: fixed fee 6,000.00 for 40 estimated hours (150.00/h), from 1 March.
- A5 Globex T&M "Break-fix" with only No Charge time (a loss).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    CompanyFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import BERLIN, NEW_YORK

MARCH = (date(2025, 3, 1), date(2025, 3, 31))

B = BillableOption.BILLABLE
NC = BillableOption.NO_CHARGE
DNB = BillableOption.DO_NOT_BILL


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=BERLIN)


@dataclass
class Msp:
    tess: object
    lena: object
    otto: object
    acme: object
    globex: object
    a1: object
    a2: object
    a3: object
    a4: object
    a5: object
    e: dict = field(default_factory=dict)


def build_msp(tech, lead, other_team_tech) -> Msp:
    tess, lena, otto = tech, lead, other_team_tech
    otto.time_zone = "Europe/Berlin"
    otto.cost_rate = Decimal("45.00")
    otto.save()
    lena.cost_rate = Decimal("60.00")
    lena.save()
    # Tess's cost rate moved from 40 to 50 on 16 March; the member row shows today's rate.
    tess.cost_rate = Decimal("50.00")
    tess.save()

    help_desk = WorkRoleFactory(name="Help Desk", rate=Decimal("100.00"))
    engineer = WorkRoleFactory(name="Engineer", rate=Decimal("150.00"))
    remote = WorkTypeFactory(name="Remote Support")
    after_hours = WorkTypeFactory(name="After Hours", rate_multiplier=Decimal("1.50"))
    project_work = WorkTypeFactory(name="Project Work")
    admin_wrap = WorkTypeFactory(
        name="Admin", is_payroll_wrap=True, billable_default=DNB, counts_toward_utilization=False
    )
    pto = WorkTypeFactory(
        name="PTO",
        is_payroll_wrap=True,
        is_time_off=True,
        billable_default=DNB,
        counts_toward_utilization=False,
    )
    board = BoardFactory(name="Help Desk")

    acme = CompanyFactory(name="Acme", identifier="acme", time_zone="America/New_York")
    globex = CompanyFactory(name="Globex", identifier="globex", time_zone="America/New_York")
    a1 = AgreementFactory(
        company=acme,
        name="Managed",
        type=AgreementType.MANAGED,
        start_date=date(2025, 3, 11),
        monthly_fee=Decimal("3100.00"),
    )
    a1.covered_work_types.add(remote)
    a2 = AgreementFactory(
        company=acme,
        name="Block",
        type=AgreementType.BLOCK_HOURS,
        start_date=date(2025, 1, 1),
        prepaid_hours=Decimal("20"),
        prepaid_amount=Decimal("2000.00"),
    )
    a3 = AgreementFactory(
        company=globex,
        name="Hourly",
        type=AgreementType.TIME_AND_MATERIALS,
        start_date=date(2024, 1, 1),
    )
    a4 = AgreementFactory(
        company=globex,
        name="Office move",
        type=AgreementType.PROJECT,
        start_date=date(2025, 3, 1),
        prepaid_amount=Decimal("6000.00"),
        estimated_hours=Decimal("40"),
    )
    a5 = AgreementFactory(
        company=globex,
        name="Break-fix",
        type=AgreementType.TIME_AND_MATERIALS,
        start_date=date(2025, 1, 1),
    )

    t1 = TicketFactory(
        board=board, agreement=a1, company=acme, summary="Laptop setup", opened_at=ny(3, 12, 8)
    )
    t2 = TicketFactory(
        board=board, agreement=a2, company=acme, summary="Firewall rules", opened_at=ny(2, 20, 8)
    )
    t3 = TicketFactory(
        board=board, agreement=a3, company=globex, summary="Email migration", opened_at=ny(3, 3, 12)
    )
    t5 = TicketFactory(
        board=board, agreement=a5, company=globex, summary="Printer jam", opened_at=ny(3, 19, 8)
    )
    project = ProjectFactory(
        agreement=a4, company=globex, name="Office move", project_type="Office move"
    )
    discovery = PhaseFactory(
        project=project, name="Discovery", position=1, estimated_hours=Decimal("10")
    )
    build = PhaseFactory(project=project, name="Build", position=2, estimated_hours=Decimal("30"))

    def entry(
        key,
        member,
        start,
        end,
        *,
        role=help_desk,
        work_type=remote,
        billable=B,
        rate="100.00",
        cost,
        ticket=None,
        phase=None,
        agreement=None,
        notes="",
    ):
        if agreement is None and ticket is not None:
            agreement = ticket.agreement
        if agreement is None and phase is not None:
            agreement = phase.project.agreement
        return TimeEntryFactory(
            member=member,
            start=start,
            end=end,
            ticket=ticket,
            phase=phase,
            agreement=agreement,
            work_role=role,
            work_type=work_type,
            billable=billable,
            bill_rate=Decimal(rate),
            cost_rate=Decimal(cost),
            notes=notes or f"Work {key}",
        )

    e = {}
    # A1 managed (Acme)
    e["e1"] = entry(
        "e1",
        tess,
        ny(3, 12, 9),
        ny(3, 12, 11),
        billable=NC,
        rate="0",
        cost="40",
        ticket=t1,
        notes="Set up the new laptop.",
    )  # covered -> No Charge
    e["e2"] = entry(
        "e2",
        tess,
        ny(3, 18, 18),
        ny(3, 18, 19, 30),
        work_type=after_hours,
        rate="150.00",
        cost="50",
        ticket=t1,
        notes="Restored the VPN after hours.",
    )  # not covered: billable 100 x 1.5
    e["e3"] = entry(
        "e3",
        lena,
        ny(3, 20, 10),
        ny(3, 20, 10, 30),
        billable=DNB,
        rate="0",
        cost="60",
        ticket=t1,
        notes="Second look at the laptop.",
    )
    # A2 block (Acme)
    e["e4"] = entry(
        "e4",
        tess,
        ny(2, 20, 9),
        ny(2, 20, 14),
        cost="40",
        ticket=t2,
        notes="Reviewed the firewall rules.",
    )  # February: drawn before March
    e["e5"] = entry(
        "e5",
        tess,
        ny(3, 5, 9),
        ny(3, 5, 12),
        cost="40",
        ticket=t2,
        notes="Rewrote the outbound rules.",
    )
    e["e6"] = entry(
        "e6",
        otto,
        berlin(3, 25, 14),
        berlin(3, 25, 16),
        cost="45",
        ticket=t2,
        notes="Tested the VPN from Berlin.",
    )  # 09:00-11:00 in New York
    e["e7"] = entry(
        "e7",
        tess,
        ny(3, 26, 9),
        ny(3, 26, 9, 45),
        billable=NC,
        rate="0",
        cost="50",
        ticket=t2,
        notes="Quick check of the logs.",
    )
    e["e8"] = entry(
        "e8", tess, ny(3, 31, 21), ny(3, 31, 22), cost="50", ticket=t2, notes="Late change window."
    )  # 1-2 April UTC, still 31 March in New York
    e["e9"] = entry(
        "e9",
        otto,
        berlin(4, 1, 0, 30),
        berlin(4, 1, 1, 30),
        cost="45",
        ticket=t2,
        notes="Night maintenance.",
    )  # 1 April in Berlin, 31 March in New York
    # A3 T&M (Globex)
    e["e10"] = entry(
        "e10",
        lena,
        ny(3, 3, 13),
        ny(3, 3, 15),
        role=engineer,
        rate="150.00",
        cost="60",
        ticket=t3,
        notes="Planned the migration.",
    )
    e["e11"] = entry(
        "e11",
        tess,
        ny(3, 17, 9),
        ny(3, 17, 9, 30),
        cost="50",
        ticket=t3,
        notes="Moved two mailboxes.",
    )
    e["e12"] = entry(
        "e12",
        tess,
        ny(3, 14, 16),
        ny(3, 14, 17),
        billable=DNB,
        rate="0",
        cost="40",
        ticket=t3,
        notes="Redid my own mistake.",
    )
    # A4 fixed-fee project (Globex)
    e["e13"] = entry(
        "e13",
        lena,
        ny(3, 4, 9),
        ny(3, 4, 13),
        role=engineer,
        work_type=project_work,
        rate="150.00",
        cost="60",
        phase=discovery,
        notes="Site survey.",
    )
    e["e14"] = entry(
        "e14",
        tess,
        ny(3, 24, 9),
        ny(3, 24, 17),
        work_type=project_work,
        cost="50",
        phase=build,
        notes="Cabled the new office.",
    )
    # A5 T&M with only No Charge time (Globex)
    e["e15"] = entry(
        "e15",
        tess,
        ny(3, 19, 9),
        ny(3, 19, 12),
        billable=NC,
        rate="0",
        cost="50",
        ticket=t5,
        notes="Goodwill fix.",
    )
    # Internal time: no agreement, never in profitability or statements
    e["e16"] = entry(
        "e16",
        tess,
        ny(3, 21, 9),
        ny(3, 21, 10),
        work_type=admin_wrap,
        billable=DNB,
        rate="0",
        cost="50",
        notes="Team meeting.",
    )
    e["e17"] = entry(
        "e17",
        tess,
        ny(3, 28, 9),
        ny(3, 28, 17),
        work_type=pto,
        billable=DNB,
        rate="0",
        cost="50",
        notes="Day off.",
    )
    msp = Msp(
        tess=tess,
        lena=lena,
        otto=otto,
        acme=acme,
        globex=globex,
        a1=a1,
        a2=a2,
        a3=a3,
        a4=a4,
        a5=a5,
        e=e,
    )
    msp.board = board
    msp.tickets = {"t1": t1, "t2": t2, "t3": t3, "t5": t5}
    msp.project = project
    msp.phases = {"discovery": discovery, "build": build}
    msp.work_types = {
        "remote": remote,
        "after_hours": after_hours,
        "project": project_work,
        "admin": admin_wrap,
        "pto": pto,
    }
    return msp
