"""Which period a report opens on, the period picker's presets and the partial label."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from daybook.core.periods import Period, month_period
from daybook.insights.forms import CapacityForm, PeriodForm
from daybook.insights.periods import default_period, matching_preset, partial_until, preset_period

FIRST_OF_APRIL = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)


def test_a_report_opens_on_the_month_that_just_ended_on_the_first():
    with time_machine.travel(FIRST_OF_APRIL, tick=False):
        form = PeriodForm({})
        assert form.is_valid()
        assert form.cleaned_data["period"] == month_period(2025, 3)
    assert default_period(date(2026, 1, 1)) == month_period(2025, 12)
    assert default_period(date(2025, 3, 31)) == month_period(2025, 2)


@pytest.mark.parametrize(
    ("preset", "today", "start", "end"),
    [
        ("last-month", date(2026, 1, 1), date(2025, 12, 1), date(2025, 12, 31)),
        ("this-month", date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)),
        ("this-month", date(2025, 2, 17), date(2025, 2, 1), date(2025, 2, 17)),
        ("last-quarter", date(2026, 1, 1), date(2025, 10, 1), date(2025, 12, 31)),
        ("last-quarter", date(2025, 5, 20), date(2025, 1, 1), date(2025, 3, 31)),
        ("last-12-months", date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31)),
        ("last-12-months", date(2025, 3, 1), date(2024, 3, 1), date(2025, 2, 28)),
    ],
)
def test_presets(preset, today, start, end):
    assert preset_period(preset, today) == Period(start, end)
    assert matching_preset(Period(start, end), today) == preset


def test_a_period_that_includes_today_is_partial():
    today = date(2025, 3, 15)
    assert partial_until(month_period(2025, 3), today) == today
    assert partial_until(Period(date(2025, 3, 1), today), today) == today
    assert partial_until(month_period(2025, 2), today) is None


def test_a_preset_wins_over_the_dates_the_picker_filled_in():
    with time_machine.travel(FIRST_OF_APRIL, tick=False):
        form = PeriodForm({"preset": "last-quarter", "start": "2025-03-01", "end": "2025-03-31"})
        assert form.is_valid()
        assert form.cleaned_data["period"] == Period(date(2025, 1, 1), date(2025, 3, 31))
        custom = PeriodForm({"preset": "custom", "start": "2025-03-03", "end": "2025-03-09"})
        assert custom.is_valid()
        assert custom.cleaned_data["period"] == Period(date(2025, 3, 3), date(2025, 3, 9))
        assert not PeriodForm({"preset": "next-decade"}).is_valid()


def test_capacity_opens_on_the_last_whole_weeks():
    # Tuesday 1 April 2025: the last whole week is 24-30 March; eight weeks start 3 February.
    with time_machine.travel(FIRST_OF_APRIL, tick=False):
        form = CapacityForm({})
        assert form.is_valid()
        assert form.cleaned_data["first_week"] == date(2025, 2, 3)


@pytest.fixture
def first_of_april():
    with time_machine.travel(FIRST_OF_APRIL, tick=False):
        yield


def test_profitability_opens_on_last_month_with_its_numbers(client, finance, msp, first_of_april):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability"))
    assert response.context["report"].period == month_period(2025, 3)
    html = response.content.decode()
    assert "2,325.00" in html  # March's Managed revenue, as with ?month=2025-03
    assert "partial (to" not in html
    assert 'value="last-month" selected' in html


def test_old_links_still_work_and_the_picker_shows_their_dates(
    client, finance, msp, first_of_april
):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability"), {"month": "2025-02"})
    assert response.context["report"].period == month_period(2025, 2)
    html = response.content.decode()
    assert 'value="custom" selected' in html
    assert 'value="2025-02-01"' in html
    assert 'value="2025-02-28"' in html


def test_this_month_so_far_is_labelled_partial(client, finance, msp, first_of_april):
    client.force_login(finance.user)
    response = client.get(reverse("insights:profitability"), {"preset": "this-month"})
    assert response.context["report"].period == Period(date(2025, 4, 1), date(2025, 4, 1))
    assert "partial (to 2025-04-01)" in response.content.decode()


def test_profitability_rows_sort_by_whitelisted_columns(client, finance, msp, first_of_april):
    client.force_login(finance.user)
    url = reverse("insights:profitability")

    def agreements(sort):
        response = client.get(url, {"month": "2025-03", "sort": sort})
        assert response.status_code == 200
        return [r.agreement for r in response.context["page_obj"]]

    default = agreements("")
    by_margin = agreements("-margin")
    rows = {r.agreement: r for r in client.get(url, {"month": "2025-03"}).context["report"].rows}
    assert [rows[a].margin for a in by_margin] == sorted(
        (r.margin for r in rows.values()), reverse=True
    )
    for unknown in ("labour_cost.__class__", "flags", "-", "revenue;"):
        assert agreements(unknown) == default
