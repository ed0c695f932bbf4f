"""Time entries in the admin keep every rule of the entry services: rates resolved on save,
no overlaps, locked and closed time left alone, each change kept in the history."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daybook.catalogue.choices import BillableOption
from daybook.clients.choices import AgreementType
from daybook.timekeeping.choices import ApprovalState, EntrySource
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_log
from tests.admin_support import form_data, message_texts
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    TicketFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)

ADD_URL = reverse("admin:timekeeping_timeentry_add")
LIST_URL = reverse("admin:timekeeping_timeentry_changelist")
# Monday 10 March 2025, the first weekday of daylight time in New York (the members' zone).
DAY = date(2025, 3, 10)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 10, hour, minute, tzinfo=UTC)


def change_url(entry: TimeEntry) -> str:
    return reverse("admin:timekeeping_timeentry_change", args=[entry.pk])


@pytest.fixture
def after_hours(db):
    return WorkTypeFactory(name="After Hours", rate_multiplier=Decimal("1.50"))


@pytest.fixture
def ticket(db):
    """A time & materials client whose Help Desk hours are priced at 120 instead of 100."""
    agreement = AgreementFactory(type=AgreementType.TIME_AND_MATERIALS)
    AgreementRateFactory(agreement=agreement, work_role=WorkRoleFactory(), rate=Decimal("120"))
    return TicketFactory(agreement=agreement, opened_at=datetime(2025, 3, 1, tzinfo=UTC))


@pytest.fixture
def entry(tech, ticket):
    return entry_log(
        member=tech,
        start=at(14),
        end=at(15),
        ticket=ticket,
        work_type=WorkTypeFactory(),
        notes="Cleared the print queue.",
        by=tech,
    )


@pytest.fixture
def later(tech, ticket, entry):
    """A second entry on the same ticket, 16:00-17:00."""
    return entry_log(
        member=tech,
        start=at(16),
        end=at(17),
        ticket=ticket,
        work_type=entry.work_type,
        notes="Called the vendor.",
        by=tech,
    )


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin.user)
    return client


def add_data(tech, ticket, work_type, start: datetime, end: datetime, **extra) -> dict:
    # The form takes times in the member's own zone.
    start, end = start.astimezone(tech.zone), end.astimezone(tech.zone)
    return {
        "member": tech.pk,
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "ticket": ticket.pk,
        "phase": "",
        "work_type": work_type.pk,
        "work_role": "",
        "billable": "",
        "notes": "Patched the firewall after hours.",
        "internal_notes": "",
        "_save": "Save",
        **extra,
    }


def edit(client, entry: TimeEntry, **changes):
    page = client.get(change_url(entry))
    data = form_data(page, "timeentry")
    data.update(changes)
    data["_save"] = "Save"
    return client.post(change_url(entry), data)


def test_adding_an_entry_resolves_and_stores_its_rates(signed_in, admin, tech, ticket, after_hours):
    response = signed_in.post(ADD_URL, add_data(tech, ticket, after_hours, at(14), at(15, 30)))

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    # Agreement rate for Help Desk 120.00 beats the role's 100.00; After Hours x 1.5 = 180.00.
    assert entry.bill_rate == Decimal("180.00")
    assert entry.cost_rate == Decimal("40.00")
    assert entry.billable == BillableOption.BILLABLE
    assert entry.agreement == ticket.agreement
    assert entry.work_role.name == "Help Desk"
    assert entry.source == EntrySource.MANUAL
    assert (entry.start, entry.end) == (at(14), at(15, 30))
    assert entry.history.get().history_user == admin.user


def test_an_overlapping_entry_is_refused_on_the_form(signed_in, tech, ticket, entry, after_hours):
    response = signed_in.post(ADD_URL, add_data(tech, ticket, after_hours, at(14, 30), at(16)))

    assert response.status_code == 200
    assert "overlaps" in str(response.context["adminform"].form.errors)
    assert TimeEntry.objects.count() == 1


def test_an_entry_ending_before_it_starts_is_refused(signed_in, tech, ticket, after_hours):
    response = signed_in.post(ADD_URL, add_data(tech, ticket, after_hours, at(15), at(14)))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end"]
    assert not TimeEntry.objects.exists()


def test_client_work_without_notes_is_refused_as_at_every_other_door(
    signed_in, tech, ticket, after_hours
):
    data = add_data(tech, ticket, after_hours, at(14), at(15), notes="")
    response = signed_in.post(ADD_URL, data)

    assert response.status_code == 200
    assert "Write what you did" in str(response.context["adminform"].form.errors["notes"])
    assert not TimeEntry.objects.exists()


def test_finance_may_log_for_anyone_and_is_recorded(client, finance, tech, ticket, after_hours):
    client.force_login(finance.user)
    response = client.post(ADD_URL, add_data(tech, ticket, after_hours, at(14), at(15)))

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.member == tech
    assert entry.history.get().history_user == finance.user


def test_rates_are_not_read_from_the_form(signed_in, tech, ticket, after_hours):
    data = add_data(tech, ticket, after_hours, at(14), at(15))
    data.update(bill_rate="1.00", cost_rate="0.00", approval_state=ApprovalState.INVOICED)

    signed_in.post(ADD_URL, data)

    entry = TimeEntry.objects.get()
    assert entry.bill_rate == Decimal("180.00")
    assert entry.cost_rate == Decimal("40.00")
    assert entry.approval_state == ApprovalState.OPEN


def test_editing_notes_keeps_the_stored_rate(signed_in, entry):
    # Rates rise after the work was logged; the entry keeps the price it was saved with.
    entry.work_role.rate = Decimal("150")
    entry.work_role.save()
    entry.ticket.agreement.role_rates.all().delete()

    response = edit(signed_in, entry, notes="Cleared the print queue and the spooler.")

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.notes == "Cleared the print queue and the spooler."
    assert entry.bill_rate == Decimal("120.00")


def test_moving_an_entry_onto_another_is_refused(signed_in, entry, later):

    response = edit(signed_in, later, start_1="10:30:00")  # 14:30 UTC, in New York

    assert response.status_code == 200
    assert "overlaps" in str(response.context["adminform"].form.errors)
    later.refresh_from_db()
    assert later.start == at(16)


@pytest.mark.parametrize("state", [ApprovalState.APPROVED, ApprovalState.INVOICED])
def test_a_locked_entry_cannot_be_changed(signed_in, entry, state):
    TimeEntry.objects.filter(pk=entry.pk).update(approval_state=state)

    page = signed_in.get(change_url(entry))
    assert any("can no longer change" in text for text in message_texts(page))
    response = edit(signed_in, entry, notes="Rewritten later.")

    assert response.status_code == 200
    assert "can no longer change" in str(response.context["adminform"].form.non_field_errors())
    entry.refresh_from_db()
    assert entry.notes == "Cleared the print queue."
    assert entry.history.count() == 1


def test_an_entry_in_a_closed_period_cannot_be_changed(signed_in, finance, entry):
    PeriodClose.objects.create(closed_through=date(2025, 3, 31), closed_by=finance)

    response = edit(signed_in, entry, notes="Rewritten later.", end_1="15:30:00")

    assert response.status_code == 200
    assert "closed" in str(response.context["adminform"].form.non_field_errors())
    entry.refresh_from_db()
    assert entry.notes == "Cleared the print queue."
    assert entry.end == at(15)


def test_no_entry_can_be_added_inside_a_closed_period(signed_in, finance, tech, ticket):
    PeriodClose.objects.create(closed_through=date(2025, 3, 31), closed_by=finance)

    response = signed_in.post(ADD_URL, add_data(tech, ticket, WorkTypeFactory(), at(9), at(10)))

    assert response.status_code == 200
    assert "closed" in str(response.context["adminform"].form.errors)
    assert not TimeEntry.objects.exists()


def test_the_history_page_shows_who_changed_what(signed_in, admin, entry):
    edit(signed_in, entry, notes="Cleared the print queue and restarted the spooler.")

    page = signed_in.get(reverse("admin:timekeeping_timeentry_history", args=[entry.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Cleared the print queue." in content
    assert "Cleared the print queue and restarted the spooler." in content
    assert admin.user.username in content
    # The history is for reading: no revert button, and a posted revert is refused.
    first = entry.history.earliest()
    version_url = reverse(
        "admin:timekeeping_timeentry_simple_history", args=[entry.pk, first.history_id]
    )
    assert signed_in.get(version_url).status_code == 200
    assert signed_in.post(version_url, {"notes": "x"}).status_code == 403


def test_a_locked_entry_cannot_be_deleted(signed_in, entry):
    TimeEntry.objects.filter(pk=entry.pk).update(approval_state=ApprovalState.INVOICED)
    delete_url = reverse("admin:timekeeping_timeentry_delete", args=[entry.pk])

    assert signed_in.get(delete_url).status_code == 403
    assert signed_in.post(delete_url, {"post": "yes"}).status_code == 403
    response = signed_in.post(
        LIST_URL,
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
        follow=True,
    )

    assert any("Nothing was deleted" in text for text in message_texts(response))
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_an_open_entry_is_deleted_through_the_service(signed_in, admin, entry):
    delete_url = reverse("admin:timekeeping_timeentry_delete", args=[entry.pk])

    response = signed_in.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    removal = entry.history.latest()
    assert removal.history_type == "-"
    assert removal.history_user == admin.user


def run_action(client, action: str, *entries: TimeEntry):
    return client.post(
        LIST_URL,
        {"action": action, "_selected_action": [e.pk for e in entries], "index": 0},
        follow=True,
    )


def test_finance_approves_and_invoices_and_invoiced_time_stays_invoiced(client, finance, entry):
    client.force_login(finance.user)

    run_action(client, "mark_approved", entry)
    entry.refresh_from_db()
    assert entry.approval_state == ApprovalState.APPROVED
    assert entry.history.latest().history_user == finance.user

    run_action(client, "mark_invoiced", entry)
    entry.refresh_from_db()
    assert entry.approval_state == ApprovalState.INVOICED

    response = run_action(client, "reopen", entry)
    entry.refresh_from_db()
    assert entry.approval_state == ApprovalState.INVOICED
    assert any("already invoiced" in text for text in message_texts(response))


def test_approving_is_all_or_nothing(signed_in, entry, later):
    other = later
    TimeEntry.objects.filter(pk=other.pk).update(approval_state=ApprovalState.INVOICED)

    run_action(signed_in, "mark_approved", entry, other)

    assert set(TimeEntry.objects.values_list("approval_state", flat=True)) == {
        ApprovalState.OPEN,
        ApprovalState.INVOICED,
    }


def test_the_list_shows_times_in_the_members_zone(signed_in, entry):
    response = signed_in.get(LIST_URL)

    # 14:00 UTC is 10:00 in New York once daylight time has started.
    assert "2025-03-10 10:00" in response.content.decode()


def test_the_list_costs_the_same_queries_for_more_entries(signed_in, tech, ticket, entry):
    with CaptureQueriesContext(connection) as few:
        signed_in.get(LIST_URL)
    for hour in range(16, 22):
        entry_log(
            member=tech,
            start=at(hour),
            end=at(hour, 45),
            ticket=TicketFactory(agreement=ticket.agreement),
            work_type=entry.work_type,
            notes="More work.",
            by=tech,
        )
    with CaptureQueriesContext(connection) as many:
        signed_in.get(LIST_URL)

    assert len(many) == len(few)


def test_a_staff_manager_sees_only_the_teams_they_review(
    client, lead, tech, other_team_tech, ticket, entry
):
    hidden = entry_log(
        member=other_team_tech,
        start=at(14),
        end=at(15),
        ticket=ticket,
        work_type=entry.work_type,
        notes="Someone else's day.",
        by=other_team_tech,
    )
    lead.user.is_staff = True
    lead.user.save()
    client.force_login(lead.user)

    listed = client.get(LIST_URL).context["cl"].result_list
    history_url = reverse("admin:timekeeping_timeentry_history", args=[hidden.pk])

    assert list(listed) == [entry]
    assert client.get(change_url(hidden)).status_code == 302  # not found: back to the list
    assert client.get(history_url).status_code == 403
    # They may look at their team's entries but not rewrite them.
    assert edit(client, entry, notes="Tidied up.").status_code == 403


def test_finance_closes_a_period_and_is_recorded_as_closing_it(client, finance):
    client.force_login(finance.user)

    response = client.post(
        reverse("admin:timekeeping_periodclose_add"),
        {"closed_through": "2025-03-31", "note": "March payroll", "_save": "Save"},
    )

    assert response.status_code == 302
    close = PeriodClose.objects.get()
    assert (close.closed_through, close.closed_by) == (date(2025, 3, 31), finance)


def test_a_period_that_has_not_ended_cannot_be_closed(client, finance):
    client.force_login(finance.user)

    response = client.post(
        reverse("admin:timekeeping_periodclose_add"),
        {"closed_through": "2999-12-31", "_save": "Save"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["closed_through"]
    assert not PeriodClose.objects.exists()


def test_saving_an_unchanged_entry_adds_no_revision(signed_in, entry):
    response = edit(signed_in, entry)

    assert response.status_code == 302
    assert entry.history.count() == 1


def test_saving_an_unchanged_locked_entry_still_says_why(signed_in, entry):
    TimeEntry.objects.filter(pk=entry.pk).update(approval_state=ApprovalState.APPROVED)

    response = edit(signed_in, entry)

    assert response.status_code == 200
    assert "can no longer change" in str(response.context["adminform"].form.non_field_errors())


def test_the_list_shows_how_long_after_the_work_an_entry_was_saved(signed_in, tech, ticket):
    with time_machine.travel(at(15, 12), tick=False):
        entry_log(
            member=tech,
            start=at(14),
            end=at(15),
            ticket=ticket,
            work_type=WorkTypeFactory(),
            notes="Logged from the stop form.",
            by=tech,
        )

    assert "12 min" in signed_in.get(LIST_URL).content.decode()
