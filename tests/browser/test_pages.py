"""Every page, as every role that opens it, at desktop (1366 px) and phone (390 px) width:
axe-core finds no serious or critical WCAG 2.1 A/AA violation, the page is no wider than the
window, and the browser console stays clean. Dark mode keeps its contrast on the main pages.

The pages come from tests/browser/pages.py, which must cover every named route. The data is
the demo's (build_demo, a few weeks) plus what the demo lacks (a handed-in week, an issued
statement, a PSA connection, a parked draft...), planted once for the whole module: it is
too slow to build per test. Screenshots of the main pages go to test-artifacts/pages/.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from daybook.accounts.services import token_create
from daybook.clients.models import Contact
from daybook.core.periods import month_period
from daybook.core.time import local_date
from daybook.demo import reviews as demo_reviews
from daybook.demo.catalog import STAFF
from daybook.demo.generator import build_demo
from daybook.demo.process import process_seed
from daybook.home.services import process_acknowledge
from daybook.insights.services import statement_issue
from daybook.interchange.services import feed_create
from daybook.people.choices import Role
from daybook.people.models import Holiday, Member
from daybook.psa.services import connection_create
from daybook.review.models import MessageTemplate
from daybook.service.services import ticket_flag_agreement
from daybook.timekeeping.approval import week_submit
from daybook.timekeeping.models import DraftEntry, TimeEntry

from .conftest import ARTIFACTS, REPORT_CSP_VIOLATIONS, csp_complaint, needs_chromium
from .pages import (
    ADMIN,
    DISPATCHER,
    FINANCE,
    LEAD,
    ROLES,
    SHOTS,
    TECHNICIAN,
    VISITOR,
    Page,
    pages_for,
    uncatalogued,
    unknown,
)

pytestmark = [pytest.mark.browser, needs_chromium()]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "pages"
REPORTS = ARTIFACTS / "page-checks"

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
# Five weeks of the demo: reports open on last month, which then has data whatever today is.
DEMO_DAYS = 35
# Days of reviews the demo decides (its own default, six weeks, takes most of its build).
REVIEW_DAYS = 5
ROLE_OF = {
    TECHNICIAN: Role.TECHNICIAN,
    LEAD: Role.MANAGER,
    DISPATCHER: Role.DISPATCHER,
    FINANCE: Role.FINANCE,
    ADMIN: Role.ADMIN,
}
PSA_CREDENTIALS = {
    "company_id": "brightline",
    "public_key": "public-key",
    "private_key": "private-key",
    "client_id": "5c1b0b58-0000-4000-8000-000000000001",
}

# axe-core over the page, keeping what fails WCAG 2.1 A/AA badly enough to lock someone out.
RUN_AXE = """
async (rules) => {
  const options = rules
    ? {runOnly: {type: "rule", values: rules}, resultTypes: ["violations"]}
    : {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
       resultTypes: ["violations"]};
  const result = await axe.run(document, options);
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(" ")),
    }));
}
"""

# How far the page reaches past the window, and the outermost unclipped elements that do it.
MEASURE_OVERFLOW = """
() => {
  const width = window.innerWidth;
  const reach = document.documentElement.scrollWidth;
  if (reach <= width) return null;
  const clipped = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (element) => {
    const anchor = element.closest("[id]");
    const own = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + [...element.classList].slice(0, 3).map((c) => "." + c).join("");
    return anchor && anchor !== element ? `#${anchor.id} ${own}` : own;
  };
  const wide = [...document.body.querySelectorAll("*")]
    .map((element) => [element, element.getBoundingClientRect()])
    .filter(([element, box]) => box.right > width + 1 && box.width > 0)
    .sort((a, b) => b[1].right - a[1].right);
  const outermost = wide.filter(([element]) => {
    const parent = element.parentElement;
    const parentWide = parent && parent !== document.body
      && parent.getBoundingClientRect().right > width + 1;
    return !parentWide && !clipped(element);
  });
  // The outermost unclipped elements that reach past the window; failing those, the widest.
  const culprits = (outermost.length ? outermost : wide).slice(0, 3)
    .map(([element, box]) => `${name(element)} (to ${Math.round(box.right)} px)`);
  return {reach, width, culprits};
}
"""

HTMX_SETTLED = "() => !document.querySelector('.htmx-request')"
NEXT_FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


@dataclass(frozen=True)
class Problem:
    rule: str
    impact: str
    help: str
    where: str  # "/time/day/ as technician at phone (390 px)"
    targets: tuple[str, ...] = ()


@dataclass
class World:
    url: str
    values: dict[str, object]  # world key -> what fills a URL parameter or query value
    users: dict[str, object]  # role -> the demo login
    zones: dict[str, str]  # role -> time zone

    def address(self, page: Page) -> str:
        path = reverse(page.name, kwargs={p: self.values[k] for p, k in page.params.items()})
        query = {name: self.values.get(value, value) for name, value in page.query.items()}
        return path + (f"?{urlencode(query)}" if query else "")


def _last_working_day(member: Member) -> date:
    """The member's most recent weekday before today: its review has opened."""
    day = local_date(timezone.now(), member.zone) - timedelta(days=1)
    while day.weekday() > 4:
        day -= timedelta(days=1)
    return day


def _plant() -> tuple[dict[str, object], dict[str, Member]]:
    # The follow-up templates a data migration writes and a flushed database has lost.
    defaults = import_module("daybook.review.migrations.0002_default_templates")
    for fields in defaults.DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(name=fields["name"], defaults=fields)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_reviews, "HISTORY_DAYS", REVIEW_DAYS)
        build_demo(seed=42, days=DEMO_DAYS)
    logins = {
        role: Member.objects.select_related("user", "team").get(
            user__username=next(s.username for s in STAFF if s.login and s.role == kind)
        )
        for role, kind in ROLE_OF.items()
    }
    version = process_seed()
    for member in logins.values():
        process_acknowledge(member=member, version_number=version.number)

    tech = logins[TECHNICIAN]
    day = _last_working_day(tech)
    midnight = datetime.combine(day, time(0), tzinfo=tech.zone)
    entry = (
        TimeEntry.objects.filter(
            member=tech, ticket__isnull=False, start__gte=midnight, end__lte=midnight + timedelta(1)
        )
        .order_by("-start")
        .first()
    )
    ticket = entry.ticket
    today = local_date(timezone.now(), tech.zone)
    week = week_submit(member=tech, week_start=today - timedelta(days=today.weekday() + 7), by=tech)
    # Last month's statement of the ticket's client, issued (the month before `day`'s, so the
    # technician's entry of that day stays open to change).
    month_before = day.replace(day=1) - timedelta(days=1)
    issued = statement_issue(
        company=ticket.company,
        period=month_period(month_before.year, month_before.month),
        by=logins[FINANCE],
    )
    connection = connection_create(
        by=logins[ADMIN],
        kind="connectwise",
        name="Brightline ConnectWise",
        base_url="https://psa.brightline-it.example/v4_6_release/apis/3.0",
        credentials=PSA_CREDENTIALS,
    )
    draft = DraftEntry.objects.create(
        member=tech,
        ticket=ticket,
        start=midnight + timedelta(hours=6),
        end=midnight + timedelta(hours=6, minutes=40),
        notes="Checked the overnight backup report.",
    )
    ticket_flag_agreement(ticket=ticket, by=tech, reason="This looks like project work to me.")
    token_create(user=tech.user, name="Calendar sync script")
    feed_create(member=tech)
    Holiday.objects.get_or_create(date=today.replace(month=12, day=25), name="Christmas Day")
    # A login that has never signed in: its reset link stays valid while the others sign in.
    stranger = Member.objects.exclude(pk__in=[m.pk for m in logins.values()]).first().user
    values = {
        "day": day,
        "member": tech.pk,
        "entry": entry.pk,
        "ticket": ticket.pk,
        "draft": draft.pk,
        "week": week.pk,
        "issued": issued.pk,
        "company": ticket.company_id,
        "contact": (
            Contact.objects.filter(company=ticket.company).first() or Contact.objects.first()
        ).pk,
        "agreement": ticket.agreement_id,
        "team": tech.team_id,
        "work_role": entry.work_role_id,
        "work_type": entry.work_type_id,
        "board": ticket.board_id,
        "process_version": version.number,
        "psa_connection": connection.pk,
        "reset_uid": urlsafe_base64_encode(force_bytes(stranger.pk)),
        "reset_token": default_token_generator.make_token(stranger),
        "nothing": 999_999,
    }
    return values, logins


def _context(chromium, world: World, role: str, **options):
    """One browser context for a role, signed in through a session made by Django's test
    client, with axe-core loaded into every page before the page's own scripts (an init
    script is outside the Content-Security-Policy, which refuses inline scripts)."""
    # No service worker: its background fetches would only add load to the page checks
    # (tests/browser/test_offline.py checks the worker).
    options.setdefault("service_workers", "block")
    context = chromium.new_context(
        viewport=PHONE,
        base_url=world.url,
        timezone_id=world.zones.get(role, "UTC"),
        **options,
    )
    if role != VISITOR:
        client = Client()
        client.force_login(world.users[role])
        context.add_cookies(
            [
                {"name": name, "value": morsel.value, "url": world.url}
                for name, morsel in client.cookies.items()
            ]
        )
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.add_init_script(path=str(AXE))
    return context


class Checker:
    """Opens pages in one tab and collects what is wrong with them."""

    def __init__(self, context, role: str) -> None:
        self.role = role
        self.page = context.new_page()
        self.problems: list[Problem] = []
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        if message.type == "error" or csp_complaint(message.text):
            self.console.append(message.text)

    def where(self, path: str, width: str) -> str:
        return f"{path} as {self.role} at {width} ({WIDTHS[width]['width']} px)"

    def open(self, path: str, *, status: int = 200, redirects: bool = False) -> bool:
        self.console.clear()
        response = self.page.goto(path, wait_until="load")
        landed = urlsplit(self.page.url).path
        if response is None or response.status != status:
            got = response.status if response else "nothing"
            self._add("status", "critical", f"answered {got}, not {status}", path)
            return False
        if not redirects and landed != urlsplit(path).path:
            self._add("status", "critical", f"went to {landed} instead", path)
            return False
        self.page.wait_for_function(HTMX_SETTLED)
        return True

    def check(self, path: str, width: str, *, status: int = 200, rules=None) -> None:
        """axe, the overflow measure and the console, at the width the tab has now."""
        self.page.set_viewport_size(WIDTHS[width])
        self.page.evaluate(NEXT_FRAME)
        where = self.where(path, width)
        for found in self.page.evaluate(RUN_AXE, rules):
            self.problems.append(
                Problem(
                    found["rule"], found["impact"], found["help"], where, tuple(found["targets"])
                )
            )
        overflow = self.page.evaluate(MEASURE_OVERFLOW)
        if overflow:
            # A chart redraws for its new width a frame or two later: measure once more.
            self.page.wait_for_timeout(300)
            overflow = self.page.evaluate(MEASURE_OVERFLOW)
        if overflow:
            self.problems.append(
                Problem(
                    "horizontal-overflow",
                    "serious",
                    f"page is {overflow['reach']} px wide in a {overflow['width']} px window",
                    where,
                    tuple(overflow["culprits"]),
                )
            )
        # An error page's own status shows on the console as a failed load; nothing else may.
        expected = status != 200
        for text in self.console:
            if expected and "Failed to load resource" in text:
                continue
            self._add("console", "serious", text, where)
        self.console.clear()

    def shoot(self, name: str, width: str, suffix: str = "") -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}{suffix}.png"), full_page=True)

    def _add(self, rule: str, impact: str, text: str, where: str) -> None:
        self.problems.append(Problem(rule, impact, text, where))


def _report(problems: list[Problem]) -> str:
    """Grouped by rule, so each rule can go to whoever fixes it."""
    by_rule: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_rule[problem.rule].append(problem)
    lines = []
    for rule, found in sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"{rule} ({found[0].impact}): {found[0].help if rule != 'console' else ''}")
        for problem in found:
            detail = problem.help if rule in {"status", "console", "horizontal-overflow"} else ""
            targets = ", ".join(problem.targets[:4])
            more = f" (+{len(problem.targets) - 4} more)" if len(problem.targets) > 4 else ""
            lines.append(
                f"  {problem.where}: {detail}{'; ' if detail and targets else ''}{targets}{more}"
            )
    return "\n".join(lines)


def _save_report(name: str, problems: list[Problem]) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.txt").write_text(_report(problems) + "\n" if problems else "clean\n")


def _sweep(chromium, world: World, role: str) -> list[Problem]:
    """Every page of the role, opened at phone width and checked, then widened to a
    desktop's and checked again: one page load, both widths."""
    context = _context(chromium, world, role)
    checker = Checker(context, role)
    try:
        for entry in pages_for(role):
            path = world.address(entry)
            redirects = entry.name == "accounts:password_reset_confirm"
            if not checker.open(path, status=entry.status, redirects=redirects):
                continue
            for width in ("phone", "desktop"):
                checker.check(path, width, status=entry.status)
                if (role, entry.name) in SHOTS and not entry.label:
                    checker.shoot(SHOTS[role, entry.name], width)
    finally:
        context.close()
    return checker.problems


def _sweep_dark(chromium, world: World) -> list[Problem]:
    """The main pages under a dark system preference: the theme follows it, and axe's
    colour-contrast rule passes at both widths. Screenshots for people to look at."""
    problems: list[Problem] = []
    by_role: dict[str, list[str]] = defaultdict(list)
    for role, name in SHOTS:
        by_role[role].append(name)
    for role, names in by_role.items():
        context = _context(chromium, world, role, color_scheme="dark")
        checker = Checker(context, role)
        try:
            for name in names:
                entry = next(p for p in pages_for(role) if p.name == name and not p.label)
                path = world.address(entry)
                if not checker.open(path):
                    continue
                theme = checker.page.evaluate("document.documentElement.dataset.bsTheme")
                if theme != "dark":
                    checker.problems.append(
                        Problem(
                            "dark-theme",
                            "serious",
                            f"<html data-bs-theme> is {theme!r} under a dark system preference",
                            checker.where(path, "phone"),
                        )
                    )
                for width in ("phone", "desktop"):
                    checker.check(path, width, rules=["color-contrast"])
                    checker.shoot(SHOTS[role, name], width, "-dark")
        finally:
            context.close()
        problems += checker.problems
    return problems


DARK = "dark-mode"


def _wanted(request) -> set[str]:
    """The sweeps the selected tests will read (`-k technician` runs one role's only)."""
    wanted = set()
    for item in request.session.items:
        if item.module is not request.module:
            continue
        if item.originalname == "test_dark_mode_keeps_the_main_pages_readable":
            wanted.add(DARK)
        elif hasattr(item, "callspec") and "role" in item.callspec.params:
            wanted.add(item.callspec.params["role"])
    return wanted


@pytest.fixture(scope="module")
def findings(request, django_db_setup, django_db_blocker, live_server, server_settles, chromium):
    """Plants the world once, runs every selected sweep against the live server, and empties
    the database again as a transactional test would: the tests then read what was found.
    (Planting per test would cost the demo's build each time.)"""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (make test-tools)")
    wanted = _wanted(request)
    found: dict[str, list[Problem]] = {}
    test_settings = override_settings(
        DAYBOOK_PSA_KEY=Fernet.generate_key().decode(),
        DAYBOOK_OUTBOUND_HOSTS=["psa.brightline-it.example"],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), test_settings:
        try:
            values, logins = _plant()
            world = World(
                url=live_server.url,
                values=values,
                users={role: member.user for role, member in logins.items()},
                zones={role: member.time_zone for role, member in logins.items()},
            )
            for role in ROLES:
                if role in wanted:
                    found[role] = _sweep(chromium, world, role)
                    _save_report(role, found[role])
            if DARK in wanted:
                found[DARK] = _sweep_dark(chromium, world)
                _save_report(DARK, found[DARK])
        finally:
            server_settles()
            call_command("flush", interactive=False, verbosity=0)
    return found


def test_every_page_is_in_the_catalogue():
    missing = uncatalogued()
    assert not missing, (
        "Pages without an entry in tests/browser/pages.py (add one, or a skip with its "
        "reason): " + ", ".join(missing)
    )
    assert not unknown(), f"Entries naming routes that are gone: {', '.join(unknown())}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_accessible_and_fits_the_window(role, findings):
    """axe-core: no serious or critical WCAG 2.1 A/AA violation; the page no wider than the
    window (scrollWidth <= innerWidth); a clean console; at 390 px and 1366 px."""
    problems = findings[role]
    assert not problems, f"{len(problems)} problems on {role}'s pages:\n{_report(problems)}"


@pytest.mark.django_db(transaction=True)
def test_dark_mode_keeps_the_main_pages_readable(findings):
    """My Day with its timer bar, the review, reports, the board and setup follow the
    system's dark preference and keep axe's colour contrast."""
    problems = findings[DARK]
    assert not problems, f"{len(problems)} problems in dark mode:\n{_report(problems)}"
