"""Bad input gets a clear refusal, never a server error: dates outside the one window
(core/time.py) on pages, in the API, in reports and their downloads; a NUL or an odd digit in a
ticket search; a null work role; a statement body that is not an object; markup in a name on
a PDF; and paging up to the configured maximum."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from daybook.core.periods import Period
from daybook.core.time import DATE_WINDOW_MESSAGE
from daybook.insights.services import statement_issue
from daybook.people.models import Holiday
from daybook.timekeeping.models import TimeEntry
from daybook.timekeeping.ticket_views import NUL_IN_SEARCH
from tests.api_support import client_for
from tests.factories import (
    CompanyFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)
FAR_DATES = ["9999-12-31", "0001-01-01", "1969-12-31", "2101-01-01"]
# Moments whose conversion to UTC, or to the next day, leaves the calendar Python counts.
FAR_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def web(member):
    client = client_for(None)
    client.force_login(member.user)
    return client


# --- dates in addresses: outside the window, no such page ---------------------------------


@pytest.mark.parametrize(
    "address",
    ["/time/day/{day}/", "/time/week/{day}/", "/review/{day}/", "/review/day/{pk}/{day}/"],
)
@pytest.mark.parametrize("day", FAR_DATES)
def test_a_page_for_a_date_outside_the_window_does_not_exist(lead, address, day):
    assert web(lead).get(address.format(day=day, pk=lead.pk)).status_code == 404


@pytest.mark.parametrize("day", ["1970-01-01", "2100-12-31"])
def test_the_windows_own_ends_are_pages(tech, day):
    assert web(tech).get(f"/time/day/{day}/").status_code == 200
    assert web(tech).get(f"/time/week/{day}/").status_code == 200


# --- report filters: the form's sentence, on the page, the download and the API ----------

FAR_PERIODS = [
    {"start": "9999-12-31", "end": "9999-12-31"},
    {"start": "0001-01-01", "end": "0001-01-02"},
    {"month": "9999-12"},
    {"month": "0000-01"},
    {"quarter": "9999-Q4"},
    {"quarter": "0000-Q1"},
]
PERIOD_REPORTS = [
    "/insights/profitability/",
    "/insights/profitability.csv",
    "/insights/statements/",
    "/insights/statements/draft.csv",
    "/insights/statements/draft.pdf",
    "/insights/sla/",
    "/insights/sla.csv",
    "/insights/workload/",
    "/insights/workload.csv",
    "/api/reports/profitability/",
    "/api/reports/statements/",
    "/api/reports/sla/",
    "/api/reports/workload/",
]


@pytest.mark.parametrize("address", PERIOD_REPORTS)
@pytest.mark.parametrize("period", FAR_PERIODS, ids=lambda p: "-".join(p.values()))
def test_a_report_period_outside_the_window_is_refused_in_words(finance, address, period):
    company = CompanyFactory()
    response = web(finance).get(address, {**period, "company": company.pk})
    assert response.status_code == 400
    assert DATE_WINDOW_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    ("address", "params"),
    [
        ("/insights/projects/", {"as_of": "9999-12-31"}),
        ("/insights/projects.csv", {"as_of": "0001-01-01"}),
        ("/api/reports/projects/", {"as_of": "9999-12-31"}),
        ("/insights/capacity/", {"first_week": "9999-12-31"}),
        ("/insights/capacity.csv", {"first_week": "0001-01-01"}),
        ("/api/reports/capacity/", {"first_week": "9999-12-31"}),
        ("/insights/forecast/", {"last_month": "9999-12"}),
        ("/insights/forecast.csv", {"last_month": "0001-01"}),
        ("/api/reports/forecast/", {"last_month": "0000-01"}),
    ],
)
def test_other_report_dates_outside_the_window_are_refused_in_words(finance, address, params):
    response = web(finance).get(address, params)
    assert response.status_code == 400
    assert DATE_WINDOW_MESSAGE in response.content.decode()


# --- dates and times sent to the API ------------------------------------------------------


@pytest.mark.parametrize("moment", FAR_MOMENTS)
def test_an_entry_outside_the_window_is_refused_by_field(tech, moment):
    ticket = TicketFactory()
    body = {
        "ticket": ticket.pk,
        "work_type": WorkTypeFactory().pk,
        "start": moment,
        "end": moment,
        "notes": "Replaced the toner.",
    }
    response = client_for(tech).post("/api/time-entries/", body, format="json")
    assert response.status_code == 400
    assert response.json()["start"] == [DATE_WINDOW_MESSAGE]
    assert response.json()["end"] == [DATE_WINDOW_MESSAGE]


@pytest.mark.parametrize("moment", FAR_MOMENTS)
def test_an_entry_filter_outside_the_window_is_refused(tech, moment):
    response = client_for(tech).get("/api/time-entries/", {"start_after": moment})
    assert response.status_code == 400
    assert response.json()["start_after"] == [DATE_WINDOW_MESSAGE]


@pytest.mark.parametrize("day", FAR_DATES)
def test_setup_dates_outside_the_window_are_refused(admin, day):
    client = client_for(admin)
    company = CompanyFactory()
    agreement = {"company": company.pk, "name": "Hourly", "type": "time_and_materials"}
    response = client.post("/api/agreements/", {**agreement, "start_date": day}, format="json")
    assert response.status_code == 400
    assert response.json()["start_date"] == [DATE_WINDOW_MESSAGE]
    response = client.get("/api/agreements/", {"active_on": day})
    assert response.status_code == 400
    assert response.json()["active_on"] == [DATE_WINDOW_MESSAGE]
    project = {"company": company.pk, "name": "Move", "start_date": day, "due_date": day}
    response = client.post("/api/projects/", project, format="json")
    assert response.status_code == 400
    assert response.json()["start_date"] == [DATE_WINDOW_MESSAGE]


@pytest.mark.parametrize("day", FAR_DATES)
def test_review_dates_outside_the_window_are_refused(lead, tech, day):
    client = client_for(lead)
    for response in (
        client.get(f"/api/reviews/{tech.pk}/{day}/"),
        client.post(f"/api/reviews/{tech.pk}/{day}/mark-clean/"),
        client.get("/api/reviews/", {"date": day}),
        client.post("/api/reviews/mark-all-clean/", {"date": day}, format="json"),
    ):
        assert response.status_code == 400
        assert response.json() == {"date": [DATE_WINDOW_MESSAGE]}
    ask = {"member": tech.pk, "date": day, "subject": "Thursday", "body": "Could you help?"}
    response = client.post("/api/follow-ups/", ask, format="json")
    assert response.status_code == 400
    assert response.json()["date"] == [DATE_WINDOW_MESSAGE]


# --- dates typed into pages -----------------------------------------------------------------


def test_an_entry_typed_outside_the_window_is_refused_on_the_form(tech):
    # A member ahead of UTC: 0001-01-01 00:00 there is still year 0 in UTC.
    tech.time_zone = "Pacific/Kiritimati"
    tech.save()
    ticket = TicketFactory()
    form = {
        "ticket": ticket.pk,
        "start": "0001-01-01T00:00",
        "end": "0001-01-01T01:00",
        "work_type": WorkTypeFactory().pk,
        "work_role": tech.default_work_role_id,
        "billable": "billable",
        "notes": "Replaced the toner.",
    }
    response = web(tech).post(reverse("timekeeping:entry_new"), form)
    assert response.status_code == 422
    assert DATE_WINDOW_MESSAGE in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_holiday_outside_the_window_is_refused_on_the_form(admin):
    response = web(admin).post(reverse("people:holidays"), {"date": "9999-12-31", "name": "Far"})
    assert response.status_code == 400
    assert DATE_WINDOW_MESSAGE in response.content.decode()
    assert not Holiday.objects.exists()


# --- the ticket search --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["²", "٣", "99999999999999999999999", "#12a"])
def test_a_search_that_is_no_ticket_number_looks_in_summaries(tech, query):
    TicketFactory(summary=f"Printer {query} jams")
    response = web(tech).get("/tickets/", {"q": query, "scope": "queue"})
    assert response.status_code == 200
    assert f"Printer {query} jams" in response.content.decode()


@pytest.mark.parametrize("query", ["1\x00", "\x00", "print\x00er"])
def test_a_search_with_a_nul_is_refused_in_words(tech, query):
    for scope in ("mine", "queue"):
        response = web(tech).get("/tickets/", {"q": query, "scope": scope})
        assert response.status_code == 400
        assert NUL_IN_SEARCH in response.content.decode()


def test_a_ticket_number_still_finds_its_ticket(tech):
    ticket = TicketFactory(summary="VPN drops every hour")
    response = web(tech).get("/tickets/", {"q": f"#{ticket.pk}", "scope": "queue"})
    assert "VPN drops every hour" in response.content.decode()


# --- a null work role, a body that is not an object -----------------------------------------


def test_a_null_work_role_means_the_members_default(tech):
    start = NOW - timedelta(hours=5)
    entry = TimeEntryFactory(
        member=tech,
        work_role=WorkRoleFactory(name="Onsite Engineer"),
        start=start,
        end=start + timedelta(hours=1),
    )
    response = client_for(tech).patch(
        f"/api/time-entries/{entry.pk}/", {"work_role": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["work_role"] == tech.default_work_role_id


def test_a_null_work_role_without_a_default_is_refused_in_words(tech):
    start = NOW - timedelta(hours=5)
    entry = TimeEntryFactory(member=tech, start=start, end=start + timedelta(hours=1))
    tech.default_work_role = None
    tech.save()
    response = client_for(tech).patch(
        f"/api/time-entries/{entry.pk}/", {"work_role": None}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"work_role": ["Pick a work role; this member has no default one."]}


@pytest.mark.parametrize("body", [["company", 1], "company=1", 7])
def test_a_statement_body_that_is_not_an_object_is_refused_in_words(finance, body):
    response = client_for(finance).post("/api/reports/statements/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send the fields as one JSON object."]}


# --- markup in names on a PDF -----------------------------------------------------------------


def test_markup_in_names_is_printed_as_written_on_the_statement_pdf(finance):
    finance.user.first_name = "<b>Fiona & <i>co"
    finance.user.save()
    company = CompanyFactory(name="Smith & <Sons>")
    issued = statement_issue(
        company=company, period=Period(date(2025, 3, 1), date(2025, 3, 13)), by=finance
    )
    for address in (
        f"/insights/statements/{issued.pk}.pdf",
        f"/insights/statements/draft.pdf?company={company.pk}&month=2025-03",
    ):
        response = web(finance).get(address)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


# --- paging --------------------------------------------------------------------------------


def test_page_size_is_honoured_up_to_the_maximum(tech, settings):
    for name in ("Onsite", "Remote", "Travel", "Training", "Meeting"):
        WorkTypeFactory(name=name)
    client = client_for(tech)
    page = client.get("/api/work-types/", {"page_size": 2}).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2
    settings.DAYBOOK_API_MAX_PAGE_SIZE = 3
    assert len(client.get("/api/work-types/", {"page_size": 500}).json()["results"]) == 3
    past_the_end = client.get("/api/work-types/", {"page": 9})
    assert past_the_end.status_code == 404
    assert past_the_end.json()["detail"]
