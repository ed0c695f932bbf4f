"""The catalogue of pages the browser checks open: every page a person sees, and who sees it.

tests/browser/test_pages.py opens each entry as each of its roles at desktop and phone width
and runs axe-core and an overflow measure on it. `uncatalogued()` walks the URL configuration
(tests/doors.py), so a page added tomorrow fails `test_every_page_is_in_the_catalogue` until it
gets an entry here, or a place in SKIPS with its reason.

Ids in addresses come from the planted world (test_pages.py `world`): a Page names, for each
URL parameter, the world key whose value fills it.
"""

from dataclasses import dataclass, field

from tests.doors import doors

# Who opens pages: the demo's logins (daybook.demo.catalog.STAFF) plus someone signed out.
TECHNICIAN = "technician"
LEAD = "lead"  # a Manager who reviews their team
DISPATCHER = "dispatcher"
FINANCE = "finance"
ADMIN = "admin"
VISITOR = "visitor"  # not signed in
ROLES = (TECHNICIAN, LEAD, DISPATCHER, FINANCE, ADMIN, VISITOR)

EVERYONE = frozenset({TECHNICIAN, LEAD, DISPATCHER, FINANCE, ADMIN})
REVIEWERS = frozenset({LEAD, FINANCE, ADMIN})  # the review, approvals and team reports
MONEY = frozenset({FINANCE, ADMIN})
DISPATCH = frozenset({LEAD, DISPATCHER, ADMIN})
ADMINS = frozenset({ADMIN})
VISITORS = frozenset({VISITOR})


@dataclass(frozen=True)
class Page:
    name: str  # the URL name
    roles: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)  # URL parameter -> world key
    query: dict[str, str] = field(default_factory=dict)  # query name -> world key or value
    status: int = 200  # what the page answers (the error pages answer 403 and 404)
    label: str = ""  # tells apart two entries of one URL name

    def __str__(self) -> str:
        return f"{self.name}{f' ({self.label})' if self.label else ''}"


def _names(text: str) -> list[str]:
    return text.split()


def _pages(names: str, roles: frozenset[str], **options) -> list[Page]:
    return [Page(name, roles, **options) for name in _names(names)]


DAY = {"day": "day"}  # the member's last working day, whose review has opened

PAGES: list[Page] = [
    # Everyone's day.
    Page("home", EVERYONE),
    *_pages("timekeeping:my_day timekeeping:week timekeeping:entry_new", EVERYONE),
    *_pages("timekeeping:my_day_on timekeeping:week_of", EVERYONE, params=DAY),
    Page("timekeeping:timer_stop", frozenset({TECHNICIAN})),  # the technician's timer runs
    *_pages(
        "timekeeping:entry_edit timekeeping:entry_delete",
        frozenset({TECHNICIAN, FINANCE, ADMIN}),
        params={"pk": "entry"},
    ),
    Page(
        "timekeeping:entry_history",
        frozenset({TECHNICIAN, LEAD, FINANCE, ADMIN}),
        params={"pk": "entry"},
    ),
    Page("timekeeping:draft_complete", frozenset({TECHNICIAN}), params={"pk": "draft"}),
    *_pages(
        "review:requests review:notifications insights:index insights:workload "
        "interchange:calendar_feeds tickets:ticket_list home:process "
        "accounts:index accounts:tokens accounts:two_factor accounts:password_change "
        "accounts:password_change_done calendars:subscriptions",
        EVERYONE,
    ),
    Page("tickets:ticket_detail", EVERYONE, params={"pk": "ticket"}),
    # Dispatch.
    *_pages("tickets:board tickets:ticket_new", DISPATCH),
    Page("tickets:ticket_edit", DISPATCH, params={"pk": "ticket"}),
    Page("tickets:agreement_queue", frozenset({LEAD, DISPATCHER, FINANCE, ADMIN})),
    # The review and the team's reports.
    *_pages(
        "review:daily review:trends timekeeping:approvals insights:sla insights:projects "
        "insights:capacity",
        REVIEWERS,
    ),
    Page("review:daily_on", REVIEWERS, params=DAY),
    Page("review:member_day", REVIEWERS, params={"member_id": "member", **DAY}),
    Page("timekeeping:approval_week", REVIEWERS, params={"pk": "week"}),
    # Money.
    *_pages(
        "insights:profitability insights:forecast insights:statement "
        "insights:statement_verify interchange:import timekeeping:periods",
        MONEY,
    ),
    Page("insights:statement", MONEY, query={"company": "company"}, label="a client's draft"),
    Page("insights:profitability_agreement", MONEY, params={"pk": "agreement"}),
    Page("insights:issued_statement", MONEY, params={"pk": "issued"}),
    # Setup: Finance keeps clients and agreements, the administrator everything.
    *_pages(
        "setup:index setup:companies setup:company_new setup:agreements setup:agreement_new",
        MONEY,
    ),
    Page("setup:company", MONEY, params={"pk": "company"}),
    Page("setup:agreement", MONEY, params={"pk": "agreement"}),
    Page("setup:contact_new", ADMINS, params={"company_pk": "company"}),
    Page("setup:contact", ADMINS, params={"pk": "contact"}),
    *_pages(
        "setup:members setup:member_invite setup:teams setup:team_new setup:work_roles "
        "setup:work_role_new setup:work_types setup:work_type_new setup:boards setup:board_new "
        "people:holidays review:settings home:process_edit home:process_versions "
        "psa:connections",
        ADMINS,
    ),
    *_pages("setup:member setup:member_schedule", ADMINS, params={"pk": "member"}),
    Page("setup:team", ADMINS, params={"pk": "team"}),
    Page("setup:work_role", ADMINS, params={"pk": "work_role"}),
    Page("setup:work_type", ADMINS, params={"pk": "work_type"}),
    Page("setup:board", ADMINS, params={"pk": "board"}),
    Page("home:process_version", ADMINS, params={"number": "process_version"}),
    Page("psa:connection_new", ADMINS, query={"kind": "connectwise"}),
    *_pages("psa:connection psa:mappings psa:log", ADMINS, params={"pk": "psa_connection"}),
    # Signed out.
    *_pages(
        "login accounts:password_reset accounts:password_reset_done "
        "accounts:password_reset_complete",
        VISITORS,
    ),
    Page(
        "accounts:password_reset_confirm",
        VISITORS,
        params={"uidb64": "reset_uid", "token": "reset_token"},
    ),
    # The error pages, in the layout.
    Page("setup:index", frozenset({TECHNICIAN}), status=403, label="refused"),
    Page(
        "tickets:ticket_detail",
        frozenset({TECHNICIAN}),
        params={"pk": "nothing"},
        status=404,
        label="not found",
    ),
]

# Named routes that are not pages, each with its reason. Routes under admin/ and api/ are
# left out whole: the Django admin's own pages and the REST API answer JSON or the admin's
# stylesheet, not Daybook's layout.
SKIPS: dict[str, str] = {
    # Forms send here (POST only; GET answers 405).
    **dict.fromkeys(
        _names(
            "review:mark_all_clean review:follow_up review:thread_reply review:tone_check "
            "review:decide review:reply review:notice_read insights:statement_issue "
            "interchange:import_commit interchange:calendar_feed_revoke timekeeping:timer_park "
            "timekeeping:entry_wrap timekeeping:draft_discard timekeeping:week_submit "
            "timekeeping:approval_approve timekeeping:approval_return tickets:ticket_assign "
            "tickets:ticket_note tickets:ticket_status tickets:ticket_switch tickets:ticket_flag "
            "tickets:flag_resolve people:holiday_delete accounts:token_revoke "
            "setup:member_resend psa:test psa:sync psa:retry logout "
            "calendars:subscription_refresh calendars:subscription_remove "
            "timekeeping:suggestion_dismiss"
        ),
        "an action a form posts to: no page of its own",
    ),
    # Pieces htmx swaps into a page; checked inside the pages that hold them.
    **dict.fromkeys(
        _names(
            "timekeeping:timer_bar timekeeping:entry_defaults timekeeping:ticket_options "
            "tickets:ticket_form_check tickets:ticket_agreement timekeeping:suggestions"
        ),
        "an htmx fragment of a page in the catalogue",
    ),
    # Cards a page polls while the worker runs (the page itself is in the catalogue).
    "interchange:upload": "the card interchange:import polls while the worker checks a file",
    "insights:report_run": "the card a long report polls; without htmx it sends to the report",
    # Files, not pages.
    **dict.fromkeys(
        _names(
            "insights:profitability_csv insights:statement_csv insights:statement_pdf "
            "insights:issued_statement_csv insights:issued_statement_pdf insights:sla_csv "
            "insights:projects_csv insights:capacity_csv insights:workload_csv "
            "insights:forecast_csv interchange:calendar_feed"
        ),
        "a download (CSV, PDF or calendar feed)",
    ),
    "interchange:export": (
        "a download; asked with bad values it shows the import page again "
        "(interchange:import, in the catalogue)"
    ),
    "healthz": "a plain-text answer for load balancers",
    "service_worker": "the offline app's script (tests/browser/test_offline.py runs it)",
    "web_manifest": "the installable app's JSON description (tests/browser/test_offline.py)",
    "accounts:two_factor_verify": "the two-factor form's target; GET sends back to the form",
    "accounts:sso_start": "sends the browser to the identity provider",
    "accounts:sso_callback": "where the identity provider sends the browser back",
    "psa:webhook": "a PSA's callback (POST with a secret)",
}


def uncatalogued() -> list[str]:
    """Named routes outside admin/ and api/ that have neither an entry nor a skip."""
    known = {page.name for page in PAGES} | set(SKIPS)
    names = {door.name for door in doors() if not door.template.startswith(("admin/", "api/"))}
    return sorted(names - known)


def unknown() -> list[str]:
    """Entries and skips naming a route that no longer exists."""
    names = {door.name for door in doors()}
    return sorted(({page.name for page in PAGES} | set(SKIPS)) - names)


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.roles]


# The main pages, screenshotted at both widths (and in dark mode) into build/screenshots/:
# (role, URL name) -> file name.
SHOTS: dict[tuple[str, str], str] = {
    (TECHNICIAN, "timekeeping:my_day"): "my-day",
    (LEAD, "review:daily"): "review",
    (LEAD, "review:member_day"): "review-member-day",
    (LEAD, "insights:sla"): "report-sla",
    (FINANCE, "insights:profitability"): "report-profitability",
    (DISPATCHER, "tickets:board"): "board",
    (ADMIN, "setup:index"): "setup",
}
