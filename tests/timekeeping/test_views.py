"""Technician pages: My Day, week, stopping and parking the timer, entries, drafts, history."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import ApprovalState, EntrySource
from daybook.timekeeping.models import DraftEntry, PeriodClose, TimeEntry, Timer
from daybook.timekeeping.services import entry_edit, entry_log, timer_park, work_start
from tests.factories import (
    AgreementFactory,
    BoardFactory,
    PhaseFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

# Friday 14 March 2025, 15:00 in New York (EDT, UTC-4): mid-afternoon of a working day.
NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)
TODAY = date(2025, 3, 14)


def ny(hour: int, minute: int = 0, day: int = 14, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def day_open(frozen_now):
    """Friday 18:00 in New York: the day (09-17) and its 30-minute grace are over, so others
    who may see the member's time see Friday's entries (timekeeping/visibility.py)."""
    with time_machine.travel(ny(18), tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def admin_wrap(db):
    return WorkTypeFactory(name="Admin", is_payroll_wrap=True, billable_default="do_not_bill")


@pytest.fixture
def ticket(remote):
    board = BoardFactory(name="Help Desk", default_work_type=remote)
    return TicketFactory(
        board=board,
        agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS),
        opened_at=ny(8),
        summary="Printer offline",
    )


@pytest.fixture
def web(client, tech):
    client.force_login(tech.user)
    return client


def entry(member, start, end, **kwargs):
    kwargs.setdefault("ticket", TicketFactory())
    return TimeEntryFactory(member=member, start=start, end=end, **kwargs)


# --- who may come in ---------------------------------------------------------------------------

MEMBER_PAGES = [
    ("timekeeping:my_day", {}),
    ("timekeeping:my_day_on", {"day": TODAY}),
    ("timekeeping:week", {}),
    ("timekeeping:timer_stop", {}),
    ("timekeeping:entry_new", {}),
    ("timekeeping:entry_defaults", {}),
    ("timekeeping:timer_bar", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), MEMBER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(("name", "kwargs"), MEMBER_PAGES)
def test_a_login_without_a_member_is_refused(client, db, name, kwargs):
    user = get_user_model().objects.create_user("visitor", password="x")
    client.force_login(user)
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize("name", ["timekeeping:timer_park", "timekeeping:entry_wrap"])
def test_anonymous_posts_change_nothing(client, tech, ticket, name):
    work_start(member=tech, ticket=ticket, at=ny(14))
    response = client.post(reverse(name), {"start": "2025-03-14T09:00", "end": "2025-03-14T10:00"})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert Timer.objects.filter(member=tech).exists()
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "timekeeping:entry_edit",
        "timekeeping:entry_delete",
        "timekeeping:entry_history",
    ],
)
def test_another_members_entry_does_not_exist_for_an_outsider(client, tech, other_team_tech, name):
    theirs = entry(tech, ny(9), ny(10))
    client.force_login(other_team_tech.user)
    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse(name, args=[theirs.pk]), {}).status_code in {404, 405}
    assert TimeEntry.objects.filter(pk=theirs.pk, notes=theirs.notes).exists()


def test_reviewer_sees_history_of_team_entries_but_cannot_edit_them(client, day_open, tech, lead):
    theirs = entry(tech, ny(9), ny(10))
    client.force_login(lead.user)
    assert client.get(reverse("timekeeping:entry_history", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("timekeeping:entry_edit", args=[theirs.pk])).status_code == 404


def test_another_members_draft_is_a_404(client, tech, other_team_tech, ticket):
    work_start(member=tech, ticket=ticket, at=ny(9))
    draft = timer_park(member=tech, at=ny(10))
    client.force_login(other_team_tech.user)
    assert client.get(reverse("timekeeping:draft_complete", args=[draft.pk])).status_code == 404
    response = client.post(reverse("timekeeping:draft_discard", args=[draft.pk]))
    assert response.status_code == 404
    assert DraftEntry.objects.filter(pk=draft.pk).exists()


# --- My Day and week ---------------------------------------------------------------------------


def test_my_day_shows_entries_every_gap_and_the_totals(web, tech, admin_wrap):
    # 09:00-10:00 ticket, 10:20-11:00 ticket (20 min gap), 11:00-12:00 wrap, then nothing
    # until now (15:00): a 3 h gap.
    first = entry(tech, ny(9), ny(10))
    entry(tech, ny(10, 20), ny(11))
    entry(tech, ny(11), ny(12), ticket=None, work_type=admin_wrap)
    response = web.get(reverse("timekeeping:my_day"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"#{first.ticket_id} {first.ticket.summary}" in body
    day = response.context["d"]
    gaps = [(b.kind, b.start, b.end) for b in day.gaps]
    assert ("small_gap", ny(10), ny(10, 20)) in gaps  # the member sees small gaps too
    assert ("gap", ny(12), NOW) in gaps
    assert day.totals.logged_minutes == 160
    assert day.totals.wrap_minutes == 60
    assert day.totals.expected_minutes == 480
    assert "20 min not logged" in body
    assert "only you see this" in body


def test_gap_links_prefill_the_entry_form_in_local_time(web, tech):
    entry(tech, ny(9), ny(14))
    body = web.get(reverse("timekeeping:my_day")).content.decode()
    assert "start=2025-03-14T14:00&amp;end=2025-03-14T15:00" in body


def test_real_time_share_counts_only_entries_saved_within_the_window(web, tech):
    on_time = entry(tech, ny(9), ny(10))
    late = entry(tech, ny(10), ny(11))
    TimeEntry.objects.filter(pk=on_time.pk).update(created_at=ny(10, 10))
    TimeEntry.objects.filter(pk=late.pk).update(created_at=ny(13))
    day = web.get(reverse("timekeeping:my_day")).context["d"]
    assert day.totals.logged_minutes == 120
    assert day.totals.realtime_minutes == 60
    assert day.totals.realtime_percent == 50
    assert day.week_totals.realtime_minutes == 60


def test_an_accepted_suggestion_never_counts_as_real_time(web, tech):
    typed = entry(tech, ny(9), ny(10))
    suggested = entry(tech, ny(10), ny(11), source=EntrySource.SUGGESTION)
    # Both saved five minutes after they ended, well inside the 15-minute window.
    TimeEntry.objects.filter(pk=typed.pk).update(created_at=ny(10, 5))
    TimeEntry.objects.filter(pk=suggested.pk).update(created_at=ny(11, 5))
    day = web.get(reverse("timekeeping:my_day")).context["d"]
    assert day.totals.logged_minutes == 120
    assert day.totals.realtime_minutes == 60
    assert day.week_totals.realtime_minutes == 60


def test_entry_crossing_midnight_counts_on_both_days(web, tech):
    entry(tech, ny(23, day=12), ny(1, day=13))
    first = web.get(reverse("timekeeping:my_day_on", kwargs={"day": date(2025, 3, 12)}))
    second = web.get(reverse("timekeeping:my_day_on", kwargs={"day": date(2025, 3, 13)}))
    assert first.context["d"].totals.logged_minutes == 60
    assert second.context["d"].totals.logged_minutes == 60


def test_my_day_htmx_navigation_returns_only_the_day(web):
    response = web.get(
        reverse("timekeeping:my_day_on", kwargs={"day": date(2025, 3, 13)}), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="my-day"')
    assert "<html" not in body


def test_week_over_the_spring_dst_change_adds_up_per_day(web, tech):
    # Clocks went forward on Sunday 9 March 2025 in New York.
    entry(tech, ny(9, day=10), ny(17, day=10))
    entry(tech, ny(9, day=11), ny(12, day=11))
    response = web.get(reverse("timekeeping:week_of", kwargs={"day": date(2025, 3, 12)}))
    week = response.context["w"]
    assert week.start == date(2025, 3, 10)
    logged = {d.day: d.totals.logged_minutes for d in week.days}
    assert logged[date(2025, 3, 10)] == 480
    assert logged[date(2025, 3, 11)] == 180
    assert week.totals.logged_minutes == 660
    assert week.totals.expected_minutes == 5 * 480
    assert "11 h 00 min" in response.content.decode()


def test_my_day_query_count_does_not_grow_with_history(web, tech, django_assert_max_num_queries):
    ticket = TicketFactory()
    for days_back in range(1, 60):
        day = ny(9) - timedelta(days=days_back)
        entry(tech, day, day + timedelta(hours=1), ticket=ticket)
    entry(tech, ny(9), ny(10), ticket=ticket)
    with django_assert_max_num_queries(25) as small:
        web.get(reverse("timekeeping:my_day"))
    for days_back in range(60, 400):
        day = ny(9) - timedelta(days=days_back)
        entry(tech, day, day + timedelta(hours=1), ticket=ticket)
    with django_assert_max_num_queries(len(small.captured_queries)):
        web.get(reverse("timekeeping:my_day"))


def test_timer_bar_is_on_every_page_and_ticks_from_the_start(web, tech, ticket):
    work_start(member=tech, ticket=ticket, at=ny(14, 30))
    body = web.get(reverse("timekeeping:week")).content.decode()
    assert 'id="timer-bar"' in body
    assert 'data-timer-start="2025-03-14T14:30:00-04:00"' in body
    assert "0:30:00" in body
    assert reverse("timekeeping:timer_stop") in body


def test_timer_bar_alone_for_htmx_refreshes(web, tech, ticket):
    work_start(member=tech, ticket=ticket, at=ny(14, 30))
    response = web.get(reverse("timekeeping:timer_bar"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="timer-bar"')
    assert "Printer offline" in body
    assert 'name="csrfmiddlewaretoken"' in body


# --- stopping the timer ---------------------------------------------------------------------


@pytest.fixture
def running(tech, ticket):
    return work_start(member=tech, ticket=ticket, at=ny(14, 10))


def test_stop_form_is_prefilled_from_the_timer_and_defaults(web, tech, running, remote):
    response = web.get(reverse("timekeeping:timer_stop"))
    form = response.context["form"]
    assert form.initial["work_type"] == remote  # the board's default
    assert form.initial["work_role"] == tech.default_work_role
    assert form.initial["billable"] == BillableOption.BILLABLE
    body = response.content.decode()
    assert "Started Fri 14 Mar at 14:10" in body
    assert response.context["agreement"].ok


def test_covered_managed_work_defaults_to_no_charge(web, tech, remote):
    managed = AgreementFactory(type=AgreementType.MANAGED)
    managed.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=managed, work_type=remote, opened_at=ny(8))
    work_start(member=tech, ticket=ticket, at=ny(14))
    form = web.get(reverse("timekeeping:timer_stop")).context["form"]
    assert form.initial["billable"] == BillableOption.NO_CHARGE


def test_agreement_problems_show_on_the_stop_form(web, tech, remote):
    expired = AgreementFactory(end_date=date(2025, 1, 31))
    ticket = TicketFactory(agreement=expired, work_type=remote, opened_at=ny(8))
    work_start(member=tech, ticket=ticket, at=ny(14))
    response = web.get(reverse("timekeeping:timer_stop"))
    assert response.context["agreement"].check == "out_of_dates"
    body = response.content.decode()
    assert "Agreement expired or not yet started" in body
    # A technician cannot change the agreement, so no form for it.
    assert reverse("tickets:ticket_agreement", args=[ticket.pk]) not in body


def stop_data(remote, tech, **overrides):
    data = {
        "work_type": remote.pk,
        "work_role": tech.default_work_role.pk,
        "billable": BillableOption.BILLABLE,
        "notes": "Cleared the print queue and reinstalled the driver.",
        "internal_notes": "",
        "next_status": TicketStatus.RESOLVED,
    }
    data.update(overrides)
    return data


def test_stop_saves_until_the_moment_of_saving_and_moves_the_ticket(
    web, tech, running, remote, ticket
):
    saved_at = ny(15, 7)
    with time_machine.travel(saved_at, tick=False):
        response = web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech))
    assert response.status_code == 302
    logged = TimeEntry.objects.get(member=tech)
    assert (logged.start, logged.end, logged.source) == (ny(14, 10), saved_at, EntrySource.TIMER)
    assert logged.notes.startswith("Cleared the print queue")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert not Timer.objects.filter(member=tech).exists()


def test_stop_can_keep_the_ticket_in_progress(web, tech, running, remote, ticket):
    web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech, next_status=""))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert TimeEntry.objects.filter(member=tech).count() == 1


def refused(response) -> str:
    assert response.status_code == 422
    return response.content.decode()


def test_stop_without_notes_is_refused_and_the_timer_keeps_running(web, tech, running, remote):
    body = refused(web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech, notes=" ")))
    assert "Write what you did" in body
    assert Timer.objects.filter(member=tech, started_at=ny(14, 10)).exists()
    assert not TimeEntry.objects.exists()


def test_stop_overlapping_an_entry_is_refused_and_keeps_the_timer(
    web, tech, running, remote, ticket
):
    entry(tech, ny(14, 30), ny(14, 45))
    body = refused(web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech)))
    assert "overlaps" in body
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert Timer.objects.filter(member=tech).exists()


def test_stop_on_a_ticket_closed_meanwhile_is_refused(web, tech, running, remote, ticket):
    type(ticket).objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
    body = refused(web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech)))
    assert "is closed" in body
    assert Timer.objects.filter(member=tech).exists()


def test_stop_into_a_closed_period_is_refused(web, tech, running, remote, finance):
    PeriodClose.objects.create(closed_through=TODAY, closed_by=finance)
    body = refused(web.post(reverse("timekeeping:timer_stop"), stop_data(remote, tech)))
    assert "is closed" in body
    assert Timer.objects.filter(member=tech).exists()
    assert not TimeEntry.objects.exists()


def test_stop_with_wrap_type_on_a_ticket_is_refused(web, tech, running, admin_wrap):
    body = refused(
        web.post(
            reverse("timekeeping:timer_stop"),
            stop_data(admin_wrap, tech, billable=BillableOption.DO_NOT_BILL),
        )
    )
    assert "internal time" in body
    assert Timer.objects.filter(member=tech).exists()


def test_stop_then_starts_the_ticket_the_member_switched_to(web, tech, running, remote):
    other = TicketFactory(opened_at=ny(8))
    response = web.post(
        reverse("timekeeping:timer_stop"), stop_data(remote, tech, then=str(other.pk))
    )
    assert response.status_code == 302
    timer = Timer.objects.get(member=tech)
    assert timer.ticket == other
    other.refresh_from_db()
    assert other.status == TicketStatus.IN_PROGRESS


def test_stop_with_nothing_running_goes_back_to_my_day(web):
    response = web.get(reverse("timekeeping:timer_stop"))
    assert response.status_code == 302
    assert response["Location"] == reverse("timekeeping:my_day")


# --- parking and drafts ----------------------------------------------------------------------


def test_park_keeps_the_running_time_as_a_draft(web, tech, running, ticket):
    response = web.post(reverse("timekeeping:timer_park"))
    assert response.status_code == 302
    draft = DraftEntry.objects.get(member=tech)
    assert (draft.ticket, draft.start, draft.end) == (ticket, ny(14, 10), NOW)
    assert not Timer.objects.filter(member=tech).exists()
    body = web.get(reverse("timekeeping:my_day")).content.decode()
    assert "Parked, waiting for notes" in body


def test_a_draft_is_finished_through_the_entry_form(web, tech, running, remote, ticket):
    web.post(reverse("timekeeping:timer_park"))
    draft = DraftEntry.objects.get(member=tech)
    url = reverse("timekeeping:draft_complete", args=[draft.pk])
    form = web.get(url).context["form"]
    assert form.initial["start"] == ny(14, 10)
    data = stop_data(remote, tech, start="2025-03-14T14:10", end="2025-03-14T14:55")
    response = web.post(url, data)
    assert response.status_code == 302
    logged = TimeEntry.objects.get(member=tech)
    assert (logged.start, logged.end) == (ny(14, 10), ny(14, 55))
    assert not DraftEntry.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_a_refused_draft_stays_parked(web, tech, running, remote):
    web.post(reverse("timekeeping:timer_park"))
    draft = DraftEntry.objects.get(member=tech)
    data = stop_data(remote, tech, start="2025-03-14T14:10", end="2025-03-14T14:00")
    body = refused(web.post(reverse("timekeeping:draft_complete", args=[draft.pk]), data))
    assert "The end must be after the start." in body
    assert DraftEntry.objects.filter(pk=draft.pk).exists()


def test_discarding_a_draft(web, tech, running):
    web.post(reverse("timekeeping:timer_park"))
    draft = DraftEntry.objects.get(member=tech)
    response = web.post(reverse("timekeeping:draft_discard", args=[draft.pk]))
    assert response.status_code == 302
    assert not DraftEntry.objects.exists()


# --- manual entries, payroll wrap --------------------------------------------------------------


def test_manual_entry_on_a_ticket(web, tech, ticket, remote):
    data = stop_data(
        remote, tech, ticket=ticket.pk, start="2025-03-14T09:00", end="2025-03-14T09:45"
    )
    data["next_status"] = TicketStatus.WAITING_CLIENT
    response = web.post(reverse("timekeeping:entry_new"), data)
    assert response.status_code == 302
    logged = TimeEntry.objects.get(member=tech)
    assert (logged.start, logged.end, logged.ticket) == (ny(9), ny(9, 45), ticket)
    assert logged.source == EntrySource.MANUAL
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING_CLIENT


def test_manual_entry_on_a_project_phase(web, tech, remote):
    phase = PhaseFactory()
    data = stop_data(remote, tech, phase=phase.pk, start="2025-03-14T09:00", end="2025-03-14T10:00")
    data["next_status"] = ""
    assert web.post(reverse("timekeeping:entry_new"), data).status_code == 302
    assert TimeEntry.objects.get(member=tech).phase == phase


def test_manual_entry_needs_notes_for_client_work(web, tech, ticket, remote):
    data = stop_data(
        remote, tech, ticket=ticket.pk, start="2025-03-14T09:00", end="2025-03-14T09:45", notes=""
    )
    body = refused(web.post(reverse("timekeeping:entry_new"), data))
    assert "Write what you did" in body
    assert not TimeEntry.objects.exists()


def test_manual_entry_refuses_an_unknown_ticket(web, tech, remote):
    data = stop_data(remote, tech, ticket=999999, start="2025-03-14T09:00", end="2025-03-14T10:00")
    body = refused(web.post(reverse("timekeeping:entry_new"), data))
    assert "There is no ticket with that number." in body


def test_manual_entry_in_the_skipped_dst_hour_is_refused(web, tech, ticket, remote):
    # 02:30 on 9 March 2025 never happened in New York.
    data = stop_data(
        remote, tech, ticket=ticket.pk, start="2025-03-09T02:30", end="2025-03-09T03:30"
    )
    body = refused(web.post(reverse("timekeeping:entry_new"), data))
    assert "America/New_York" in body
    assert not TimeEntry.objects.exists()


def test_internal_time_without_a_ticket(web, tech, admin_wrap):
    data = stop_data(
        admin_wrap,
        tech,
        billable=BillableOption.DO_NOT_BILL,
        notes="",
        start="2025-03-14T12:00",
        end="2025-03-14T12:30",
        next_status="",
    )
    assert web.post(reverse("timekeeping:entry_new"), data).status_code == 302
    wrap = TimeEntry.objects.get(member=tech)
    assert wrap.ticket is None
    assert wrap.work_type == admin_wrap


def test_one_click_wrap_fills_a_gap(web, tech, admin_wrap):
    response = web.post(
        reverse("timekeeping:entry_wrap"),
        {"work_type": admin_wrap.pk, "start": "2025-03-14T12:00", "end": "2025-03-14T13:00"},
    )
    assert response.status_code == 302
    wrap = TimeEntry.objects.get(member=tech)
    assert (wrap.start, wrap.end, wrap.ticket) == (ny(12), ny(13), None)
    assert (wrap.source, wrap.billable) == (EntrySource.WRAP, BillableOption.DO_NOT_BILL)


def test_one_click_wrap_refuses_client_work_types(web, tech, remote):
    response = web.post(
        reverse("timekeeping:entry_wrap"),
        {"work_type": remote.pk, "start": "2025-03-14T12:00", "end": "2025-03-14T13:00"},
        follow=True,
    )
    assert "Work type: Only payroll-wrap work types" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_entry_form_prefills_a_gap_and_offers_wrap(web, admin_wrap):
    url = reverse("timekeeping:entry_new") + "?start=2025-03-14T12:00&end=2025-03-14T13:00"
    response = web.get(url)
    form = response.context["form"]
    assert (form.initial["start"], form.initial["end"]) == (ny(12), ny(13))
    assert 'value="2025-03-14T12:00"' in response.content.decode()
    assert "Admin" in response.content.decode()


def test_entry_defaults_refresh_the_agreement_check_and_billable(web, tech, remote):
    managed = AgreementFactory(type=AgreementType.MANAGED)
    other = WorkTypeFactory(name="Onsite")
    managed.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=managed, opened_at=ny(8))
    url = reverse("timekeeping:entry_defaults")
    response = web.get(url, {"ticket": ticket.pk, "work_type": other.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Work type not covered by the agreement" in body
    assert 'hx-swap-oob="true"' in body
    assert 'value="billable" selected' in body
    response = web.get(url, {"ticket": ticket.pk, "work_type": remote.pk}, HTTP_HX_REQUEST="true")
    assert 'value="no_charge" selected' in response.content.decode()


# --- edits, deletes, history -----------------------------------------------------------------


def logged_entry(tech, ticket, remote):
    with time_machine.travel(ny(10, 1), tick=False):
        return entry_log(
            member=tech,
            ticket=ticket,
            work_type=remote,
            start=ny(9),
            end=ny(10),
            notes="Reset the password.",
            by=tech,
        )


def edit_data(item, **overrides):
    data = {
        "ticket": item.ticket_id or "",
        "phase": item.phase_id or "",
        "start": f"{item.start.astimezone(NEW_YORK):%Y-%m-%dT%H:%M}",
        "end": f"{item.end.astimezone(NEW_YORK):%Y-%m-%dT%H:%M}",
        "work_type": item.work_type_id,
        "work_role": item.work_role_id,
        "billable": item.billable,
        "notes": item.notes,
        "internal_notes": item.internal_notes,
    }
    data.update(overrides)
    return data


def test_edit_own_entry_and_see_it_in_the_history(web, tech, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    url = reverse("timekeeping:entry_edit", args=[item.pk])
    assert web.get(url).status_code == 200
    response = web.post(url, edit_data(item, end="2025-03-14T10:30", notes="Reset it twice."))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.end == ny(10, 30)
    history = web.get(reverse("timekeeping:entry_history", args=[item.pk]))
    body = history.content.decode()
    revisions = history.context["revisions"]
    assert [r.kind for r in revisions] == ["Changed", "Created"]
    changed = {c.label: (c.old, c.new) for c in revisions[0].changes}
    assert changed["End"] == ("2025-03-14 10:00", "2025-03-14 10:30")
    assert changed["Notes"] == ("Reset the password.", "Reset it twice.")
    assert "Cost rate" not in body


def test_editing_a_rate_field_reprices_but_notes_do_not(web, tech, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    WorkRoleFactory(name="Help Desk").__class__.objects.filter(pk=item.work_role_id).update(
        rate=Decimal("150")
    )
    url = reverse("timekeeping:entry_edit", args=[item.pk])
    web.post(url, edit_data(item, notes="Only the notes changed."))
    item.refresh_from_db()
    assert item.bill_rate == Decimal("100.00")


def test_edit_to_overlap_is_refused(web, tech, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    entry(tech, ny(11), ny(12))
    url = reverse("timekeeping:entry_edit", args=[item.pk])
    body = refused(web.post(url, edit_data(item, end="2025-03-14T11:30")))
    assert "overlaps" in body
    item.refresh_from_db()
    assert item.end == ny(10)


def test_locked_entry_cannot_be_edited_or_deleted(web, tech, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    TimeEntry.objects.filter(pk=item.pk).update(approval_state=ApprovalState.APPROVED)
    url = reverse("timekeeping:entry_edit", args=[item.pk])
    body = web.get(url).content.decode()
    assert "approved and can no longer change" in body
    assert web.post(url, edit_data(item, notes="Sneaky")).status_code == 422
    item.refresh_from_db()
    assert item.notes == "Reset the password."
    response = web.post(reverse("timekeeping:entry_delete", args=[item.pk]))
    assert response.status_code == 422
    assert TimeEntry.objects.filter(pk=item.pk).exists()


def test_delete_own_entry_keeps_it_in_history(web, tech, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    assert web.get(reverse("timekeeping:entry_delete", args=[item.pk])).status_code == 200
    response = web.post(reverse("timekeeping:entry_delete", args=[item.pk]))
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=item.pk).exists()
    assert TimeEntry.history.filter(id=item.pk, history_type="-").exists()


def test_finance_may_correct_anyones_entry(client, day_open, tech, finance, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    client.force_login(finance.user)
    url = reverse("timekeeping:entry_edit", args=[item.pk])
    response = client.post(url, edit_data(item, notes="Corrected by finance."))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.notes == "Corrected by finance."
    assert item.history.first().history_user == finance.user


def test_history_shows_who_changed_what(web, tech, lead, ticket, remote):
    item = logged_entry(tech, ticket, remote)
    entry_edit(entry=item, by=tech, work_type=WorkTypeFactory(name="Onsite"))
    body = web.get(reverse("timekeeping:entry_history", args=[item.pk])).content.decode()
    assert "Remote Support" in body
    assert "Onsite" in body
    assert "Tess" in body


def test_time_of_day_is_shown_in_the_members_zone(web, tech):
    entry(tech, datetime(2025, 3, 14, 13, tzinfo=UTC), datetime(2025, 3, 14, 14, tzinfo=UTC))
    body = web.get(reverse("timekeeping:my_day")).content.decode()
    assert "09:00\N{EN DASH}10:00" in body


def test_schedule_window_shows_on_the_timeline(web, tech):
    tech.schedule.update(start=time(8), end=time(16))
    day = web.get(reverse("timekeeping:my_day")).context["d"]
    windows = [b for b in day.blocks if b.kind == "window"]
    assert [(w.start, w.end) for w in windows] == [(ny(8), ny(16))]
