"""Searching tickets by words of their summary reads the trigram index on PostgreSQL, whatever
door the search comes through: the entry form's suggestions and the admin's search (and its
ticket picker). Without it each search read every ticket: about 0.5 s a keystroke at a
million tickets.

The test tables are tiny, so the planner would rather read them whole; with only bitmap scans
allowed it still must pick a plan, and it can only pick the index if the search's
condition matches the index's expression. A search rewritten so it no longer can (a join
inside the OR, another case rule) shows up here as a scan of the table. The suggestions may
read the status index instead (open tickets are few), but never the table whole.
"""

import pytest
from django.db import connection
from django.urls import reverse

from daybook.service.models import Ticket
from daybook.service.selectors import tickets_matching
from daybook.timekeeping.ticket_search import ticket_suggestions
from tests.factories import CompanyFactory, TicketFactory
from tests.statements import statements_sent

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

INDEX = "service_ticket_summary_trgm"
# Only bitmap scans are left to the planner, and a bitmap scan needs a condition its index
# answers: walking another index in order (the tickets' opening time) is no way around it.
BITMAP_ONLY = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


def search_plans(run) -> list[str]:
    """PostgreSQL's plan for each statement `run` sends that searches the tickets' text."""
    sent = statements_sent(run)
    plans = []
    with connection.cursor() as cursor:
        for setting in BITMAP_ONLY:
            cursor.execute(f"SET {setting} = off")
        try:
            for sql, params in sent:
                if 'FROM "service_ticket"' in sql and " LIKE " in sql:
                    cursor.execute(f"EXPLAIN {sql}", params)
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            for setting in BITMAP_ONLY:
                cursor.execute(f"RESET {setting}")
    return plans


@pytest.fixture
def tickets(db):
    acme = CompanyFactory(name="Acme Printing")
    TicketFactory(company=acme, agreement=None, summary="Scanner jammed")
    TicketFactory(summary="Printer offline in reception")
    TicketFactory(summary="VPN drops every hour")


def test_the_search_rule_reads_the_index_and_still_matches_company_names(tickets):
    found = []
    plans = search_plans(lambda: found.extend(Ticket.objects.filter(tickets_matching(["print"]))))
    assert {t.summary for t in found} == {"Printer offline in reception", "Scanner jammed"}
    assert len(plans) == 1
    assert INDEX in plans[0], plans[0]


def test_the_suggestions_read_no_table_whole(tickets):
    found = []
    plans = search_plans(lambda: found.extend(ticket_suggestions("print")))
    assert {t.summary for t in found} == {"Printer offline in reception", "Scanner jammed"}
    assert len(plans) == 2  # the open tickets, then the resolved and closed ones
    for plan in plans:
        assert "Seq Scan on service_ticket" not in plan, plan
    # Each word must match: "print" by the company or the summary, "jammed" by the summary.
    assert [t.summary for t in ticket_suggestions("print jammed")] == ["Scanner jammed"]


def test_the_admin_search_reads_the_index(tickets, admin_user, client):
    client.force_login(admin_user)
    url = reverse("admin:service_ticket_changelist")
    response = None

    def search():
        nonlocal response
        response = client.get(url, {"q": "offline"})

    plans = search_plans(search)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(
        Ticket.objects.filter(summary="Printer offline in reception")
    )
    assert plans
    for plan in plans:
        assert INDEX in plan, plan
