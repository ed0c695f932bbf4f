"""The day's timeline: labels never drawn over each other, short gaps as marks with their
minutes in words, the same drawing on the reviewer's member-day page from only what the
reviewer may see, and the agreement fix that answers each page with what it has room for."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.timekeeping.services import timer_park, work_start
from daybook.timekeeping.timeline import Block, timeline_layout
from tests.factories import AgreementFactory, TicketFactory, TimeEntryFactory
from tests.zones import NEW_YORK

pytestmark = pytest.mark.django_db

FRIDAY = date(2025, 3, 14)


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def block(kind: str, start: datetime, end: datetime) -> Block:
    """A block on a 10-hour axis from 08:00 (shares of it as the page draws them)."""
    axis = 10 * 3600
    top = 100 * (start - ny(8)).total_seconds() / axis
    height = 100 * (end - start).total_seconds() / axis
    clock = f"{start:%H:%M}\N{EN DASH}{end:%H:%M}"
    return Block(
        kind=kind, start=start, end=end, label=kind, colour="", top=top, height=height, clock=clock
    )


HOURS = [(f"{h:02d}:00", 10.0 * (h - 8)) for h in range(8, 18)]


def timeline_part(body: str, name: str) -> str:
    """The HTML of one list of the timeline (tl-blocks or tl-marks)."""
    match = re.search(rf'<ol class="{name}".*?</ol>', body, re.S)
    return match.group(0) if match else ""


# --- the layout ---------------------------------------------------------------------------


def test_overlapping_entries_sit_side_by_side_and_the_rest_take_the_full_width():
    laid = timeline_layout(
        [
            block("entry", ny(9), ny(10)),
            block("entry", ny(9, 30), ny(11)),
            block("entry", ny(12), ny(13)),
        ],
        HOURS,
    )
    lanes = [(d.block.start, d.left, d.width) for d in laid.blocks]
    assert lanes == [(ny(9), 0, 50), (ny(9, 30), 50, 50), (ny(12), 0, 100)]


def test_short_gaps_become_marks_and_short_entries_carry_no_text():
    laid = timeline_layout(
        [
            block("entry", ny(9), ny(10)),
            block("small_gap", ny(10), ny(10, 14)),
            block("entry", ny(10, 14), ny(10, 24)),
            block("gap", ny(10, 24), ny(11, 30)),
        ],
        HOURS,
    )
    assert [m.text for m in laid.marks] == ["10:00\N{EN DASH}10:14 14 min not logged"]
    drawn = {d.block.start: d for d in laid.blocks}
    assert ny(10) not in drawn  # the short gap is not in the lanes
    assert not drawn[ny(10, 14)].labelled  # ten minutes: too low for a line of text
    assert drawn[ny(10, 24)].labelled
    assert drawn[ny(10, 24)].label == "1 h 06 min not logged"


# --- My Day -------------------------------------------------------------------------------


@pytest.fixture
def friday_afternoon():
    with time_machine.travel(ny(15), tick=False):
        yield


def test_my_day_marks_a_short_gap_instead_of_writing_over_the_entries(tech, friday_afternoon):
    first = TimeEntryFactory(member=tech, start=ny(9), end=ny(10), ticket=TicketFactory())
    TimeEntryFactory(member=tech, start=ny(10, 14), end=ny(12), ticket=TicketFactory())
    body = client_for(tech).get(reverse("timekeeping:my_day")).content.decode()
    blocks, marks = timeline_part(body, "tl-blocks"), timeline_part(body, "tl-marks")
    assert "14 min not logged" not in blocks
    assert 'title="10:00\N{EN DASH}10:14 14 min not logged"' in marks
    assert '<span class="visually-hidden">10:00\N{EN DASH}10:14 14 min not logged</span>' in marks
    assert "start=2025-03-14T10:00&amp;end=2025-03-14T10:14" in marks  # one click to log it
    assert f"#{first.ticket_id} {first.ticket.summary}" in blocks


# --- the reviewer's member-day page ---------------------------------------------------------


@pytest.fixture
def tess_day(tech):
    """09-10 and 10:20-12 on tickets, 13-17 on a ticket: a 20-minute gap only Tess sees and a
    60-minute gap at noon; and a parked draft, Tess's own business."""
    for start, end in [(ny(9), ny(10)), (ny(10, 20), ny(12)), (ny(13), ny(17))]:
        TimeEntryFactory(member=tech, start=start, end=end, ticket=TicketFactory(), notes="Work")
    with time_machine.travel(ny(17, 10), tick=False):
        work_start(member=tech, ticket=TicketFactory(summary="Parked VPN"), at=ny(17))
        timer_park(member=tech, at=ny(17, 5))
    return tech


def test_the_reviewer_sees_the_members_timeline_with_what_the_review_allows(lead, tess_day):
    url = reverse("review:member_day", kwargs={"member_id": tess_day.pk, "day": FRIDAY})
    with time_machine.travel(ny(18), tick=False):
        body = client_for(lead).get(url).content.decode()
    blocks = timeline_part(body, "tl-blocks")
    assert blocks.count('class="tl-block tl-entry') == 3
    assert "12:00\N{EN DASH}13:00 1 h 00 min not logged" in blocks
    gap_start = ny(12).astimezone(UTC).isoformat().replace("+", "%2B").replace(":", "%3A")
    assert f"?gap_start={gap_start}" in blocks  # the gap opens the composer
    assert "tl-marks" not in body  # the 20-minute gap never reaches the reviewer
    assert "10:00\N{EN DASH}10:20" not in body
    assert "Parked VPN" not in body  # nor Tess's parked draft
    assert "/history/" in blocks  # entries open their history, not the member's form
    assert "/edit/" not in blocks


def test_the_reviewer_sees_no_timeline_while_the_day_is_under_way(lead, tess_day):
    url = reverse("review:member_day", kwargs={"member_id": tess_day.pk, "day": FRIDAY})
    with time_machine.travel(ny(17, 20), tick=False):
        body = client_for(lead).get(url).content.decode()
    assert "still under way" in body
    assert "day-timeline" not in body
    assert "12:00" not in body


def test_a_reviewer_of_another_team_still_gets_nothing(other_team_tech, tess_day):
    url = reverse("review:member_day", kwargs={"member_id": tess_day.pk, "day": FRIDAY})
    with time_machine.travel(ny(18), tick=False):
        response = client_for(other_team_tech).get(url)
    assert response.status_code == 403


# --- fixing a ticket's agreement with htmx ---------------------------------------------------


def test_fixing_the_agreement_on_the_ticket_page_sends_no_billable_field(dispatcher):
    ticket = TicketFactory()
    other = AgreementFactory(company=ticket.company, name="Project agreement")
    url = reverse("tickets:ticket_agreement", args=[ticket.pk])
    client = client_for(dispatcher)
    on_ticket_page = client.post(url, {"agreement": other.pk}, HTTP_HX_REQUEST="true")
    assert on_ticket_page.status_code == 200
    assert 'id="agreement-panel"' in on_ticket_page.content.decode()
    assert "billable-field" not in on_ticket_page.content.decode()  # no target there
    from_entry_form = client.post(
        url, {"agreement": other.pk, "in_entry_form": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<div id="billable-field" class="col-md-4" hx-swap-oob="true">' in from_entry_form


def test_only_the_entry_forms_agreement_fix_asks_for_the_billable_field_back(
    dispatcher, friday_afternoon
):
    ticket = TicketFactory()
    work_start(member=dispatcher, ticket=ticket, at=ny(14, 30))
    client = client_for(dispatcher)
    ticket_page = client.get(reverse("tickets:ticket_detail", args=[ticket.pk])).content.decode()
    stop_form = client.get(reverse("timekeeping:timer_stop")).content.decode()
    assert "Change the ticket's agreement" in ticket_page
    assert 'name="in_entry_form"' not in ticket_page
    assert 'name="in_entry_form"' in stop_form
    assert 'id="billable-field"' in stop_form
