from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.settings import api_settings

from daybook.catalogue.models import WorkType
from daybook.clients.choices import AgreementType
from daybook.people.models import Member
from daybook.timekeeping.choices import ApprovalState, EntrySource
from daybook.timekeeping.models import PeriodClose, TimeEntry
from daybook.timekeeping.services import entry_log
from tests.api_support import ANONYMOUS_REFUSED, client_for, ids
from tests.factories import (
    AgreementFactory,
    AgreementRateFactory,
    CompanyFactory,
    PhaseFactory,
    TicketFactory,
    TimeEntryFactory,
    UserFactory,
    WorkRoleFactory,
    WorkTypeFactory,
)
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 21, 0, tzinfo=UTC)  # Friday 17:00 in New York (EDT, -04:00)
LIST = "/api/time-entries/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# Friday 18:00 in New York: the day (09-17) plus the 30-minute grace has ended, so others who
# may see a member's time see Friday's entries (timekeeping/visibility.py).
DAY_OPEN = datetime(2025, 3, 14, 22, 0, tzinfo=UTC)


@pytest.fixture
def day_open(frozen_now):
    with time_machine.travel(DAY_OPEN, tick=False):
        yield


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=NEW_YORK)


def detail(entry: TimeEntry) -> str:
    return f"{LIST}{entry.pk}/"


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(db):
    return TicketFactory(agreement=AgreementFactory(type=AgreementType.TIME_AND_MATERIALS))


def log(member, ticket, work_type, start, end, **kwargs) -> TimeEntry:
    return entry_log(
        member=member,
        ticket=ticket,
        work_type=work_type,
        start=start,
        end=end,
        notes=kwargs.pop("notes", "Reset the VPN token."),
        by=member,
        **kwargs,
    )


@pytest.fixture
def tech_entry(tech, ticket, remote):
    return log(tech, ticket, remote, ny(14, 9), ny(14, 10))


@pytest.fixture
def otto_entry(other_team_tech, ticket, remote):
    return log(other_team_tech, ticket, remote, ny(14, 11), ny(14, 12))


def payload(ticket, work_type, start="2025-03-14T09:00:00-04:00", end="2025-03-14T10:30:00-04:00"):
    return {
        "ticket": ticket.pk,
        "work_type": work_type.pk,
        "start": start,
        "end": end,
        "notes": "Rebuilt the mail profile; Outlook opens again.",
    }


def snapshot(entry: TimeEntry) -> dict:
    return {
        f.attname: getattr(TimeEntry.objects.get(pk=entry.pk), f.attname)
        for f in TimeEntry._meta.concrete_fields
    }


# --- who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("post", LIST),
        ("get", "{detail}"),
        ("put", "{detail}"),
        ("patch", "{detail}"),
        ("delete", "{detail}"),
        ("get", "{detail}history/"),
    ],
)
def test_anonymous_callers_are_refused_every_time_entry_endpoint(tech_entry, method, path):
    before = snapshot(tech_entry)
    url = path.format(detail=detail(tech_entry))
    response = getattr(client_for(None), method)(url, {"notes": "x"}, format="json")
    assert response.status_code in ANONYMOUS_REFUSED
    assert "results" not in response.json()
    assert snapshot(tech_entry) == before


def test_a_login_without_timekeeping_permissions_is_refused(tech_entry, ticket, remote):
    # A member whose login is in no role group holds no permissions at all.
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = client_for(outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(tech_entry)).status_code == 403
    assert client.get(f"{detail(tech_entry)}history/").status_code == 403
    assert client.post(LIST, payload(ticket, remote), format="json").status_code == 403
    assert client.patch(detail(tech_entry), {"notes": "x"}, format="json").status_code == 403
    assert client.delete(detail(tech_entry)).status_code == 403
    assert TimeEntry.objects.count() == 1


def test_technician_lists_only_their_own_entries(
    tech, tech_entry, otto_entry, lead, ticket, remote
):
    lead_entry = log(lead, ticket, remote, ny(14, 13), ny(14, 14))
    response = client_for(tech).get(LIST)
    assert response.status_code == 200
    assert ids(response) == {tech_entry.pk}
    assert lead_entry.pk not in ids(response)


@pytest.mark.parametrize("path", ["{detail}", "{detail}history/"])
def test_technician_gets_404_for_another_members_entry(tech, otto_entry, path):
    response = client_for(tech).get(path.format(detail=detail(otto_entry)))
    assert response.status_code == 404
    assert "notes" not in response.json()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_technician_cannot_change_or_delete_another_members_entry(tech, otto_entry, method):
    before = snapshot(otto_entry)
    body = {
        "notes": "Taken over.",
        "start": "2025-03-14T11:00:00-04:00",
        "end": "2025-03-14T11:30:00-04:00",
        "work_type": otto_entry.work_type_id,
    }
    response = getattr(client_for(tech), method)(detail(otto_entry), body, format="json")
    assert response.status_code == 404
    assert snapshot(otto_entry) == before


def test_manager_sees_their_teams_entries_but_not_other_teams(
    day_open, lead, tech_entry, otto_entry
):
    client = client_for(lead)
    assert ids(client.get(LIST)) == {tech_entry.pk}
    assert client.get(detail(tech_entry)).status_code == 200
    assert client.get(detail(otto_entry)).status_code == 404


def test_manager_may_read_but_not_change_a_team_members_entry(day_open, lead, tech_entry):
    before = snapshot(tech_entry)
    response = client_for(lead).patch(detail(tech_entry), {"notes": "Edited"}, format="json")
    assert response.status_code == 403
    assert "own time entries" in response.json()["detail"]
    assert client_for(lead).delete(detail(tech_entry)).status_code == 403
    assert snapshot(tech_entry) == before


@pytest.mark.parametrize("viewer", ["finance", "admin"])
def test_finance_and_admin_see_every_entry(request, day_open, viewer, tech_entry, otto_entry):
    client = client_for(request.getfixturevalue(viewer))
    assert ids(client.get(LIST)) == {tech_entry.pk, otto_entry.pk}
    assert client.get(detail(otto_entry)).status_code == 200


def test_cost_rate_is_shown_only_to_those_who_see_every_entry(
    day_open, tech, finance, lead, tech_entry
):
    assert "cost_rate" not in client_for(tech).get(detail(tech_entry)).json()
    assert "cost_rate" not in client_for(lead).get(LIST).json()["results"][0]
    assert client_for(finance).get(detail(tech_entry)).json()["cost_rate"] == "40.00"


def test_technician_cannot_log_time_for_another_member(tech, other_team_tech, ticket, remote):
    body = {**payload(ticket, remote), "member": other_team_tech.pk}
    response = client_for(tech).post(LIST, body, format="json")
    assert response.status_code == 403
    assert "own time entries" in response.json()["detail"]
    assert TimeEntry.objects.count() == 0


def test_finance_may_log_time_for_another_member(finance, tech, ticket, remote):
    body = {**payload(ticket, remote), "member": tech.pk}
    response = client_for(finance).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    entry = TimeEntry.objects.get()
    assert entry.member == tech
    assert entry.history.first().history_user == finance.user


def test_login_without_a_member_may_read_but_not_write(tech_entry, ticket, remote):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = client_for(root)
    assert client.get(LIST).status_code == 200
    response = client.post(LIST, payload(ticket, remote), format="json")
    assert response.status_code == 403
    assert "no member profile" in response.json()["detail"]
    response = client.patch(detail(tech_entry), {"notes": "x"}, format="json")
    assert response.status_code == 403
    assert TimeEntry.objects.count() == 1


# --- bad input: a 400 on the field, and nothing changes ------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2025-03-14T08:00:00-04:00"}, "end"),
        ({"ticket": 999_999}, "ticket"),
        ({"start": "14/03/2025 9am"}, "start"),
        ({"start": "2025-03-14T25:00:00-04:00"}, "start"),
        ({"start": "2025-03-14T09:00:00"}, "start"),
        ({"start": "2025-03-14"}, "start"),
        ({"work_type": "remote"}, "work_type"),
        ({"work_role": 999_999}, "work_role"),
        ({"notes": ["one", "two"]}, "notes"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"internal_notes": "x" * 10_001}, "internal_notes"),
        ({"billable": "sometimes"}, "billable"),
        ({"member": "tess"}, "member"),
        ({"end": "2025-03-15T10:00:00-04:00"}, "end"),  # in the future
    ],
)
def test_bad_entry_input_is_refused_on_its_field_and_saves_nothing(
    tech, ticket, remote, change, field
):
    response = client_for(tech).post(LIST, {**payload(ticket, remote), **change}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert TimeEntry.objects.count() == 0


def test_naive_time_gets_a_message_asking_for_an_offset(tech, ticket, remote):
    body = {**payload(ticket, remote), "end": "2025-03-14T10:30:00"}
    response = client_for(tech).post(LIST, body, format="json")
    assert response.status_code == 400
    assert "offset" in response.json()["end"][0]


def test_missing_required_fields_are_named(tech):
    response = client_for(tech).post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"start", "end", "work_type"} <= set(response.json())


def test_a_body_that_is_not_an_object_is_refused(tech):
    response = client_for(tech).post(LIST, ["not", "an", "entry"], format="json")
    assert response.status_code == 400
    assert TimeEntry.objects.count() == 0


def test_overlapping_entry_is_refused_naming_the_entry_it_overlaps(
    tech, tech_entry, ticket, remote
):
    body = payload(ticket, remote, start="2025-03-14T09:30:00-04:00")
    response = client_for(tech).post(LIST, body, format="json")
    assert response.status_code == 400
    assert f"entry {tech_entry.pk}" in response.json()["start"][0]
    assert TimeEntry.objects.count() == 1


def test_overlapping_change_is_refused_and_leaves_the_entry_as_it_was(
    tech, tech_entry, ticket, remote
):
    later = log(tech, ticket, remote, ny(14, 11), ny(14, 12))
    before = snapshot(later)
    response = client_for(tech).patch(
        detail(later), {"start": "2025-03-14T09:45:00-04:00"}, format="json"
    )
    assert response.status_code == 400
    assert f"entry {tech_entry.pk}" in response.json()["start"][0]
    assert snapshot(later) == before


@pytest.mark.parametrize("state", [ApprovalState.APPROVED, ApprovalState.INVOICED])
def test_locked_entry_cannot_be_changed_or_deleted(tech, tech_entry, state):
    TimeEntry.objects.filter(pk=tech_entry.pk).update(approval_state=state)
    before = snapshot(tech_entry)
    client = client_for(tech)
    response = client.patch(detail(tech_entry), {"notes": "Late addition"}, format="json")
    assert response.status_code == 400
    assert "can no longer change" in response.json()["non_field_errors"][0]
    assert client.delete(detail(tech_entry)).status_code == 400
    assert snapshot(tech_entry) == before


def test_entry_in_a_closed_period_cannot_be_changed_and_none_can_be_added(
    tech, finance, tech_entry, ticket, remote
):
    PeriodClose.objects.create(closed_through=date(2025, 3, 14), closed_by=finance)
    before = snapshot(tech_entry)
    client = client_for(tech)
    response = client.patch(detail(tech_entry), {"notes": "Late addition"}, format="json")
    assert response.status_code == 400
    assert "2025-03-14 is closed" in response.json()["non_field_errors"][0]
    assert snapshot(tech_entry) == before
    response = client.post(
        LIST,
        payload(ticket, remote, "2025-03-14T13:00:00-04:00", "2025-03-14T13:30:00-04:00"),
        format="json",
    )
    assert response.status_code == 400
    assert "closed" in response.json()["start"][0]
    assert TimeEntry.objects.count() == 1


def test_an_entry_cannot_be_moved_to_another_member(tech, other_team_tech, tech_entry):
    before = snapshot(tech_entry)
    response = client_for(tech).patch(
        detail(tech_entry), {"member": other_team_tech.pk}, format="json"
    )
    assert response.status_code == 400
    assert "member" in response.json()
    assert snapshot(tech_entry) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_after=yesterday", "start_after"),
        ("start_before=2025-03-14T09:00:00", "start_before"),
        ("member=abc", "member"),
        ("billable=maybe", "billable"),
    ],
)
def test_bad_filters_are_refused_on_their_field(tech, tech_entry, query, field):
    response = client_for(tech).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert field in response.json()


# --- what a good request gives back ------------------------------------------------------


def test_logging_time_on_a_tm_ticket_resolves_the_agreement_role_rate(tech, finance):
    help_desk = WorkRoleFactory(name="Help Desk", rate=Decimal("100.00"))
    after_hours = WorkTypeFactory(name="After Hours", rate_multiplier=Decimal("1.50"))
    agreement = AgreementFactory(type=AgreementType.TIME_AND_MATERIALS)
    AgreementRateFactory(agreement=agreement, work_role=help_desk, rate=Decimal("150.00"))
    ticket = TicketFactory(agreement=agreement)

    response = client_for(tech).post(LIST, payload(ticket, after_hours), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    # 150.00 agreement rate for Help Desk x 1.5 After Hours multiplier, stored and shown to
    # those who may see money; a technician is not shown it.
    assert "bill_rate" not in body
    assert TimeEntry.objects.get(pk=body["id"]).bill_rate == Decimal("225.00")
    assert body["hours"] == "1.50"  # 09:00-10:30
    assert body["member"] == tech.pk
    assert body["agreement"] == agreement.pk
    assert body["agreement_check"] == "ok"
    assert body["billable"] == "billable"
    assert body["source"] == EntrySource.MANUAL
    assert body["approval_state"] == ApprovalState.OPEN
    assert body["start"] == "2025-03-14T09:00:00-04:00"  # shown in the member's zone
    assert body["end"] == "2025-03-14T10:30:00-04:00"
    assert body["local_date"] == "2025-03-14"
    assert body["lag_minutes"] == 390  # saved at 17:00, work ended 10:30
    assert "cost_rate" not in body
    entry = TimeEntry.objects.get(pk=body["id"])
    assert entry.cost_rate == tech.cost_rate == Decimal("40.00")
    with time_machine.travel(DAY_OPEN, tick=False):  # Finance sees it once the day is open
        shown = client_for(finance).get(detail(entry)).json()
    assert shown["cost_rate"] == "40.00"
    assert shown["bill_rate"] == "225.00"


def test_times_given_in_any_offset_mean_the_same_instant(tech, ticket, remote):
    body = payload(ticket, remote, start="2025-03-14T13:00:00Z", end="2025-03-14T14:00:00+00:00")
    response = client_for(tech).post(LIST, body, format="json")
    assert response.status_code == 201
    entry = TimeEntry.objects.get()
    assert entry.start == ny(14, 9)
    assert response.json()["start"] == "2025-03-14T09:00:00-04:00"


def test_agreement_check_reports_work_types_the_agreement_does_not_cover(tech, remote):
    onsite = WorkTypeFactory(name="Onsite")
    agreement = AgreementFactory(type=AgreementType.MANAGED)
    agreement.covered_work_types.add(remote)
    ticket = TicketFactory(agreement=agreement)
    response = client_for(tech).post(LIST, payload(ticket, onsite), format="json")
    assert response.status_code == 201
    assert response.json()["agreement_check"] == "not_covered"


def test_logging_time_on_a_project_phase(tech):
    project_work = WorkTypeFactory(name="Project Work")
    phase = PhaseFactory()
    body = {
        "phase": phase.pk,
        "work_type": project_work.pk,
        "start": "2025-03-14T14:00:00-04:00",
        "end": "2025-03-14T14:20:00-04:00",
        "notes": "Mapped the file shares.",
    }
    response = client_for(tech).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["phase"] == phase.pk
    assert response.json()["agreement"] == phase.project.agreement_id
    assert response.json()["hours"] == "0.33"


def test_patch_changes_only_what_is_sent_and_put_replaces(tech, tech_entry, remote):
    client = client_for(tech)
    response = client.patch(detail(tech_entry), {"notes": "Reset the token twice."}, format="json")
    assert response.status_code == 200
    assert response.json()["notes"] == "Reset the token twice."
    assert response.json()["start"] == "2025-03-14T09:00:00-04:00"

    body = {
        "start": "2025-03-14T08:00:00-04:00",
        "end": "2025-03-14T08:45:00-04:00",
        "work_type": remote.pk,
        "ticket": tech_entry.ticket_id,
        "notes": "Moved earlier.",
    }
    response = client.put(detail(tech_entry), body, format="json")
    assert response.status_code == 200, response.json()
    tech_entry.refresh_from_db()
    assert (tech_entry.start, tech_entry.end) == (ny(14, 8), ny(14, 8, 45))


def test_put_without_required_fields_is_refused(tech, tech_entry):
    before = snapshot(tech_entry)
    response = client_for(tech).put(detail(tech_entry), {"notes": "Only notes"}, format="json")
    assert response.status_code == 400
    assert {"start", "end", "work_type"} <= set(response.json())
    assert snapshot(tech_entry) == before


def test_delete_removes_own_entry(tech, tech_entry):
    response = client_for(tech).delete(detail(tech_entry))
    assert response.status_code == 204
    assert not TimeEntry.objects.filter(pk=tech_entry.pk).exists()


def test_history_shows_creation_and_each_change_with_old_and_new_values(tech, tech_entry):
    client = client_for(tech)
    client.patch(detail(tech_entry), {"notes": "Reset the token twice."}, format="json")

    response = client.get(f"{detail(tech_entry)}history/")

    assert response.status_code == 200
    created, changed = response.json()
    assert created["history_type"] == "created"
    assert created["history_user"] == "tess"
    assert {"field": "notes", "old": None, "new": "Reset the VPN token."} in created["changes"]
    assert changed["history_type"] == "changed"
    assert changed["history_user"] == "tess"
    assert changed["changes"] == [
        {"field": "notes", "old": "Reset the VPN token.", "new": "Reset the token twice."}
    ]


def test_history_hides_cost_rate_changes_from_those_who_may_not_see_them(
    day_open, tech, finance, tech_entry
):
    entry = TimeEntry.objects.get(pk=tech_entry.pk)
    entry.cost_rate = Decimal("55.00")
    entry.save()
    assert client_for(tech).get(f"{detail(tech_entry)}history/").json()[-1]["changes"] == []
    changes = client_for(finance).get(f"{detail(tech_entry)}history/").json()[-1]["changes"]
    assert changes == [{"field": "cost_rate", "old": "40.00", "new": "55.00"}]


def test_filters_by_member_company_and_start(day_open, finance, tech, lead, remote):
    acme = CompanyFactory(name="Acme")
    acme_ticket = TicketFactory(agreement=AgreementFactory(company=acme))
    other_ticket = TicketFactory()
    acme_project_phase = PhaseFactory(project__agreement__company=acme)
    early = log(tech, acme_ticket, remote, ny(13, 9), ny(13, 10))
    late = log(tech, other_ticket, remote, ny(14, 9), ny(14, 10))
    leads = log(lead, acme_ticket, remote, ny(14, 9), ny(14, 10))
    phase_entry = entry_log(
        member=lead,
        phase=acme_project_phase,
        work_type=remote,
        start=ny(14, 11),
        end=ny(14, 12),
        notes="Kick-off call.",
    )
    client = client_for(finance)

    assert ids(client.get(f"{LIST}?member={tech.pk}")) == {early.pk, late.pk}
    assert ids(client.get(f"{LIST}?company={acme.pk}")) == {early.pk, leads.pk, phase_entry.pk}
    since = "2025-03-14T00:00:00-04:00".replace("+", "%2B")
    assert ids(client.get(f"{LIST}?start_after={since}")) == {late.pk, leads.pk, phase_entry.pk}
    assert ids(client.get(f"{LIST}?member={tech.pk}&start_after={since}")) == {late.pk}
    assert ids(client.get(f"{LIST}?start_before={since}")) == {early.pk}


def test_filtering_by_someone_you_cannot_see_returns_nothing(tech, otto_entry, other_team_tech):
    response = client_for(tech).get(f"{LIST}?member={other_team_tech.pk}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_list_is_paginated_with_count_and_next(tech, ticket, remote):
    size = api_settings.PAGE_SIZE
    first = ny(3, 0)
    TimeEntryFactory.create_batch(
        size + 1,
        member=tech,
        ticket=ticket,
        work_type=remote,
        start=factory_start(first),
        end=factory_end(first),
    )
    body = client_for(tech).get(LIST).json()
    assert body["count"] == size + 1
    assert len(body["results"]) == size
    assert body["next"].endswith("page=2")
    assert body["previous"] is None


def factory_start(first: datetime):
    from factory import Sequence

    return Sequence(lambda n: first + timedelta(minutes=20 * n))


def factory_end(first: datetime):
    from factory import Sequence

    return Sequence(lambda n: first + timedelta(minutes=20 * n + 15))


def test_list_ordering_by_start(tech, ticket, remote):
    early = log(tech, ticket, remote, ny(13, 9), ny(13, 10))
    late = log(tech, ticket, remote, ny(14, 9), ny(14, 10))
    rows = client_for(tech).get(f"{LIST}?ordering=start").json()["results"]
    assert [row["id"] for row in rows] == [early.pk, late.pk]


def _entries_with_their_own_tickets(member, count: int, work_type: WorkType) -> None:
    for n in range(count):
        agreement = AgreementFactory()
        agreement.covered_work_types.add(work_type)
        start = ny(3, 0) + timedelta(minutes=30 * n)
        TimeEntryFactory(
            member=member,
            ticket=TicketFactory(agreement=agreement),
            work_type=work_type,
            start=start,
            end=start + timedelta(minutes=25),
        )


def _count_list_queries(member) -> tuple[int, int]:
    client = client_for(member)
    client.get(LIST)  # warm the session and permission caches the same way for both runs
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_listing_entries_costs_the_same_queries_for_5_or_30_entries(
    finance, tech, remote, django_assert_max_num_queries
):
    _entries_with_their_own_tickets(tech, 5, remote)
    five, rows = _count_list_queries(finance)
    assert rows == 5
    _entries_with_their_own_tickets(tech, 25, remote)
    client = client_for(finance)
    # Session, user, permissions, count, page, covered work types, and for the visibility
    # policy the members with their schedules and the review policies: nothing per row.
    with django_assert_max_num_queries(10):
        client.get(LIST)
    thirty, rows = _count_list_queries(finance)
    assert rows == 30
    assert thirty == five


# --- work roles and work types -------------------------------------------------------------

WORK_TYPES = "/api/work-types/"
WORK_ROLES = "/api/work-roles/"


@pytest.mark.parametrize("base", [WORK_TYPES, WORK_ROLES])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch"])
def test_anonymous_callers_are_refused_setup_endpoints(remote, base, method):
    client = client_for(None)
    role = WorkRoleFactory()
    for url in [base, f"{base}{remote.pk if base == WORK_TYPES else role.pk}/"]:
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, {"name": "Hijacked"}, format="json")
        assert response.status_code in ANONYMOUS_REFUSED
    assert not WorkType.objects.filter(name="Hijacked").exists()


def test_everyone_with_a_role_reads_work_roles_and_types(tech, remote):
    client = client_for(tech)
    assert ids(client.get(WORK_TYPES)) == {remote.pk}
    assert client.get(f"{WORK_TYPES}{remote.pk}/").json()["rate_multiplier"] == "1.00"
    assert ids(client.get(WORK_ROLES)) == {tech.default_work_role_id}


def test_a_login_without_setup_permissions_is_refused(remote):
    outsider = Member.objects.create(user=UserFactory(username="nobody"), time_zone="UTC")
    client = client_for(outsider)
    assert client.get(WORK_TYPES).status_code == 403
    assert client.get(f"{WORK_TYPES}{remote.pk}/").status_code == 403
    assert client.get(WORK_ROLES).status_code == 403


@pytest.mark.parametrize("who", ["tech", "lead", "finance"])
def test_only_admin_creates_or_changes_work_types_and_roles(request, who, remote):
    client = client_for(request.getfixturevalue(who))
    assert client.post(WORK_TYPES, {"name": "Onsite"}, format="json").status_code == 403
    response = client.patch(f"{WORK_TYPES}{remote.pk}/", {"rate_multiplier": "3"}, format="json")
    assert response.status_code == 403
    body = {"name": "Engineer", "rate": "150"}
    assert client.post(WORK_ROLES, body, format="json").status_code == 403
    assert WorkType.objects.count() == 1
    remote.refresh_from_db()
    assert remote.rate_multiplier == Decimal("1.00")


def test_admin_creates_and_retires_a_work_type(admin):
    client = client_for(admin)
    body = {"name": "After Hours", "rate_multiplier": "1.50"}
    response = client.post(WORK_TYPES, body, format="json")
    assert response.status_code == 201, response.json()
    created = WorkType.objects.get(name="After Hours")
    response = client.patch(f"{WORK_TYPES}{created.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert client.delete(f"{WORK_TYPES}{created.pk}/").status_code == 405
    assert ids(client.get(f"{WORK_TYPES}?is_active=false")) == {created.pk}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Onsite", "rate_multiplier": "-1"}, "rate_multiplier"),
        ({"name": "Onsite", "rate_multiplier": "many"}, "rate_multiplier"),
        ({"name": "Onsite", "billable_default": "always"}, "billable_default"),
        ({"name": "Remote Support"}, "name"),
        ({"name": "PTO", "is_time_off": True}, "non_field_errors"),
    ],
)
def test_bad_work_type_input_is_refused(admin, remote, body, field):
    response = client_for(admin).post(WORK_TYPES, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert WorkType.objects.count() == 1
