"""Long reports are computed by the worker while the page polls (issue 15): insights/runs.py.

Most tests lower DAYBOOK_REPORT_INLINE_DAYS to 0, so March of the shared MSP (tests/insights/
msp.py, numbers checked by hand in test_views.py) takes the worker's path, and run Huey in
its immediate mode (the task runs as it is queued). `queue` turns that off, so a test sees
that the page only queues and that the card polls until the worker has run.
"""

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from daybook.insights import reports, runs
from daybook.insights.models import ReportRun, RunState
from daybook.insights.tasks import purge_report_runs
from tests.worker import run_queued

MARCH = {"month": "2025-03"}
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def everything_in_the_worker(settings):
    settings.DAYBOOK_REPORT_INLINE_DAYS = 0
    settings.DAYBOOK_REPORT_FRESH_SECONDS = 300


def plain(value):
    """A report as plain values, to compare a stored one with a fresh one (a lazily read
    list, such as the SLA breaches, compares by its items, read a slice at a time)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(item) for item in value[0 : len(value)]]
    return value


def poll(client, run: ReportRun):
    return client.get(reverse("insights:report_run", args=[run.pk]), **HTMX)


def test_the_page_queues_a_long_report_polls_and_then_shows_it(client, finance, msp, queue):
    client.force_login(finance.user)
    page = client.get(reverse("insights:profitability"), MARCH)
    assert page.status_code == 202
    html = page.content.decode()
    assert "Preparing the report…" in html
    assert "2,325.00" not in html
    run = ReportRun.objects.get()
    assert run.state == RunState.PENDING
    assert queue.pending_count() == 1

    pending = poll(client, run)
    assert pending.status_code == 200
    card = pending.content.decode()
    assert 'hx-trigger="every 2s"' in card
    assert "<html" not in card

    assert run_queued(queue) == 1
    ready = poll(client, run)
    assert ready["HX-Redirect"] == reverse("insights:profitability") + "?month=2025-03"

    shown = client.get(reverse("insights:profitability"), MARCH)
    assert shown.status_code == 200
    assert "2,325.00" in shown.content.decode()  # Managed revenue: 2,100 fee + 225
    assert ReportRun.objects.count() == 1  # the stored result, not a second run
    assert queue.pending_count() == 0


def test_the_worker_gives_the_numbers_the_page_computes_inline(client, finance, msp, settings):
    client.force_login(finance.user)
    through_worker = client.get(reverse("insights:profitability"), MARCH)
    run = ReportRun.objects.get()
    assert run.state == RunState.READY
    settings.DAYBOOK_REPORT_INLINE_DAYS = 92
    inline = client.get(reverse("insights:profitability"), MARCH)
    assert plain(through_worker.context["report"]) == plain(inline.context["report"])
    assert "2,325.00" in through_worker.content.decode()
    assert ReportRun.objects.count() == 1


def test_the_same_request_again_reuses_the_result_while_it_is_fresh(
    client, finance, msp, monkeypatch, frozen
):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)

    def not_again(**kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(reports, "agreement_profitability", not_again)
    again = client.get(reverse("insights:profitability"), {**MARCH, "page": "1", "sort": "-hours"})
    assert again.status_code == 200
    assert "2,325.00" in again.content.decode()
    assert ReportRun.objects.count() == 1

    frozen.shift(timedelta(seconds=301))
    monkeypatch.undo()
    later = client.get(reverse("insights:profitability"), MARCH)
    assert later.status_code == 200
    assert ReportRun.objects.count() == 2  # no longer fresh: computed anew


def test_other_filters_make_another_run(client, finance, msp):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    client.get(reverse("insights:profitability"), {"month": "2025-02"})
    client.get(reverse("insights:profitability"), {**MARCH, "company": msp.acme.pk})
    assert ReportRun.objects.count() == 3
    assert len(set(ReportRun.objects.values_list("key", flat=True))) == 3


def test_a_viewer_never_gets_another_viewers_result(client, finance, admin, lead, msp, queue):
    client.force_login(admin.user)
    client.get(reverse("insights:profitability"), MARCH)
    admins = ReportRun.objects.get()
    run_queued(queue)

    client.force_login(finance.user)
    assert poll(client, admins).status_code == 404
    assert client.get(reverse("insights:report_run", args=[admins.pk])).status_code == 404
    # The same filters make finance's own run; the admin's result is not handed over.
    page = client.get(reverse("insights:profitability"), MARCH)
    assert page.status_code == 202
    mine = ReportRun.objects.exclude(pk=admins.pk).get()
    assert mine.viewer == finance.user
    assert mine.key != admins.key

    client.force_login(lead.user)
    assert poll(client, admins).status_code == 404
    client.logout()
    assert poll(client, admins).status_code == 302


def test_the_rule_is_asked_before_anything_is_queued_or_reused(
    client, finance, tech, lead, msp, queue
):
    client.force_login(tech.user)
    assert client.get(reverse("insights:profitability"), MARCH).status_code == 403
    assert client.get(reverse("insights:sla"), MARCH).status_code == 403
    assert not ReportRun.objects.exists()

    # Finance's role is taken away after a result was stored: the stored result is refused.
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    run_queued(queue)
    finance.user.groups.clear()
    finance.user.is_staff = False
    finance.user.save()
    client.force_login(finance.user)
    assert client.get(reverse("insights:profitability"), MARCH).status_code == 403


def test_the_worker_asks_the_rule_again(client, finance, msp, queue):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    finance.user.groups.clear()
    run_queued(queue)
    run = ReportRun.objects.get()
    assert run.state == RunState.FAILED
    assert run.error == "Only Finance and Admin can see this report."
    assert run.result is None


def test_bad_filters_are_a_400_and_queue_nothing(client, finance, msp, queue):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability"), {"month": "2025-13"})
    assert response.status_code == 400
    assert not ReportRun.objects.exists()
    assert queue.pending_count() == 0


def test_a_failing_run_is_shown_and_the_next_request_tries_again(client, finance, msp, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(reports, "agreement_profitability", broken)
    client.force_login(finance.user)
    page = client.get(reverse("insights:profitability"), MARCH)
    html = page.content.decode()
    assert "The report could not be prepared" in html
    assert "database on fire" not in html
    assert page.status_code == 200
    assert 'hx-get="/insights/runs/' not in html  # nothing left to poll
    failed = ReportRun.objects.get()
    assert failed.state == RunState.FAILED
    card = poll(client, failed).content.decode()
    assert "The report could not be prepared" in card

    monkeypatch.undo()
    again = client.get(reverse("insights:profitability"), MARCH)
    assert again.status_code == 200
    assert "2,325.00" in again.content.decode()


def test_a_result_with_a_broken_seal_is_computed_again(client, finance, msp):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    run = ReportRun.objects.get()
    ReportRun.objects.filter(pk=run.pk).update(result=b"0" * 64 + bytes(run.result)[64:])
    page = client.get(reverse("insights:profitability"), MARCH)
    assert page.status_code == 200
    assert "2,325.00" in page.content.decode()
    assert not ReportRun.objects.filter(pk=run.pk).exists()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sla", {"start": "2025-01-01", "end": "2025-03-31"}),
        ("capacity", {"first_week": "2025-01-06", "weeks": "12"}),
        ("forecast", {}),
        ("projects", {}),
    ],
)
def test_every_slow_report_goes_through_the_worker(client, finance, msp, settings, name, params):
    settings.DAYBOOK_REPORT_INLINE_DAYS = 80
    client.force_login(finance.user)
    response = client.get(reverse(f"insights:{name}"), params)
    assert response.status_code == 200
    run = ReportRun.objects.get()
    assert run.report == name
    assert run.state == RunState.READY
    _form, report = getattr(reports, name.upper()).run(finance.user, params)
    assert plain(runs._unseal(run.result)) == plain(report)


def test_short_ranges_and_other_reports_stay_inline(client, finance, msp, settings, queue):
    settings.DAYBOOK_REPORT_INLINE_DAYS = 92
    client.force_login(finance.user)
    assert client.get(reverse("insights:profitability"), MARCH).status_code == 200
    assert client.get(reverse("insights:capacity"), {"weeks": "13"}).status_code == 200
    assert client.get(reverse("insights:workload"), {"preset": "last-12-months"}).status_code == 200
    assert not ReportRun.objects.exists()
    # 14 weeks are 98 days.
    assert client.get(reverse("insights:capacity"), {"weeks": "14"}).status_code == 202


def test_a_manager_polls_their_own_team_report(client, lead, msp, queue):
    client.force_login(lead.user)
    page = client.get(reverse("insights:sla"), MARCH)
    assert page.status_code == 202
    run = ReportRun.objects.get()
    assert poll(client, run).status_code == 200
    run_queued(queue)
    assert client.get(reverse("insights:sla"), MARCH).status_code == 200


def test_old_runs_are_purged(finance, msp, frozen):
    old = ReportRun.objects.create(report="sla", key="a" * 64, viewer=finance.user)
    frozen.shift(timedelta(minutes=30))
    recent = ReportRun.objects.create(report="sla", key="b" * 64, viewer=finance.user)
    frozen.shift(timedelta(minutes=36))  # old: 66 minutes; fresh window 5 + 60 minutes kept
    assert purge_report_runs.call_local() == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ReportRun.objects.filter(pk=old.pk).exists()


def test_a_non_htmx_visit_to_the_poll_address_goes_to_the_report(client, finance, msp, queue):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    run = ReportRun.objects.get()
    response = client.get(reverse("insights:report_run", args=[run.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("insights:profitability") + "?month=2025-03"


def test_a_card_waiting_over_a_minute_says_to_check_the_worker(client, finance, msp, queue, frozen):
    client.force_login(finance.user)
    client.get(reverse("insights:profitability"), MARCH)
    run = ReportRun.objects.get()
    assert "longer than a minute" not in poll(client, run).content.decode()
    frozen.shift(timedelta(seconds=61))
    assert "check that the background worker" in poll(client, run).content.decode()


def test_the_api_answers_a_long_report_in_the_request(client, finance, msp, queue):
    client.force_login(finance.user)
    response = client.get("/api/reports/profitability/", MARCH)
    assert response.status_code == 200
    assert response.json()["period"]["start"] == "2025-03-01"
    assert not ReportRun.objects.exists()
    assert queue.pending_count() == 0
