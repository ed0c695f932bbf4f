"""My Day's suggestions on the web: the lazily loaded panel, Use (the entry form filled in,
saved as an entry from a suggestion), Dismiss, the entry form for a gap, a closed period, and
that nobody but the member sees or acts on them."""

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.service.choices import TicketStatus
from daybook.service.models import TicketStatusChange
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import PeriodClose, SuggestionDismissal, TimeEntry
from daybook.timekeeping.services import entry_log
from daybook.timekeeping.suggestions import suggestions_offered
from tests.factories import TicketFactory, WorkTypeFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 11)  # a Wednesday; New York is on summer time (UTC-4)
NOW = datetime(2026, 3, 11, 16, 30, tzinfo=UTC)  # 12:30 in New York
REASON_AT = "to Waiting Client at 10:12"
PANEL = reverse("timekeeping:suggestions", kwargs={"day": DAY})
DISMISS = reverse("timekeeping:suggestion_dismiss")


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 11, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def day(tech):
    """Tess worked 09-10 and 11-12 (New York); in the gap between she set a third ticket to
    Waiting Client at 10:12. It is 12:30, so 12:00-12:30 is a gap too."""
    remote = WorkTypeFactory(name="Remote Support")
    printer = TicketFactory(summary="Printer offline")
    server = TicketFactory(summary="Server patching")
    mailbox = TicketFactory(summary="Mailbox full")
    for ticket, start, end in ((printer, utc(13), utc(14)), (server, utc(15), utc(16))):
        entry_log(
            member=tech,
            start=start,
            end=end,
            ticket=ticket,
            work_type=remote,
            work_role=tech.default_work_role,
            notes="Worked on it",
        )
    TicketStatusChange.objects.create(
        ticket=mailbox,
        from_status=TicketStatus.IN_PROGRESS,
        to_status=TicketStatus.WAITING_CLIENT,
        at=utc(14, 12),
        by=tech,
    )
    return {"mailbox": mailbox, "printer": printer, "remote": remote}


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def first_key(member) -> str:
    return suggestions_offered(member=member, day=DAY)[0].key


def use_url(panel_html: str) -> str:
    at = panel_html.index('class="btn btn-sm btn-outline-primary use-suggestion" href="')
    start = panel_html.index('href="', at) + len('href="')
    return panel_html[start : panel_html.index('"', start)].replace("&amp;", "&")


def test_my_day_loads_the_panel_after_the_page(tech, day):
    page = signed_in(tech).get(reverse("timekeeping:my_day_on", kwargs={"day": DAY}))
    html = page.content.decode()
    assert f'hx-get="{PANEL}"' in html
    assert 'hx-trigger="load"' in html
    # The suggestions themselves come with the panel, not with My Day.
    assert REASON_AT not in html


def test_the_panel_shows_each_gaps_suggestions_with_their_reasons(tech, day):
    mailbox, printer = day["mailbox"], day["printer"]
    html = signed_in(tech).get(PANEL).content.decode()
    assert f"You set #{mailbox.pk} to Waiting Client at 10:12." in html
    assert f"Your entry on #{printer.pk} ends at 10:00, right by this gap." in html
    assert "10:00\N{EN DASH}11:00" in html
    assert "12:00\N{EN DASH}12:30" in html
    assert html.count("use-suggestion") == len(suggestions_offered(member=tech, day=DAY)) == 4
    query = parse_qs(urlsplit(use_url(html)).query)
    assert query == {
        "start": ["2026-03-11T10:00"],
        "end": ["2026-03-11T11:00"],
        "suggestion": [f"activity:{mailbox.pk}:20260311T1400"],
        "ticket": [str(mailbox.pk)],
        "work_type": [str(day["remote"].pk)],
    }


def test_a_day_without_gaps_gets_an_empty_panel(tech):
    html = signed_in(tech).get(PANEL).content.decode()
    assert 'id="day-suggestions"' in html
    assert "use-suggestion" not in html


def test_use_fills_the_form_and_saving_logs_an_entry_from_a_suggestion(tech, day):
    client = signed_in(tech)
    url = use_url(client.get(PANEL).content.decode())
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "From a suggestion:" in html
    assert REASON_AT in html
    initial = form.context["form"].initial
    assert initial["ticket"] == day["mailbox"]
    assert initial["work_type"] == day["remote"]
    assert initial["suggestion"] == f"activity:{day['mailbox'].pk}:20260311T1400"

    # The member edits before saving: a shorter span and their own notes.
    saved = client.post(
        reverse("timekeeping:entry_new"),
        {
            "ticket": day["mailbox"].pk,
            "start": "2026-03-11T10:00",
            "end": "2026-03-11T10:45",
            "work_type": day["remote"].pk,
            "work_role": tech.default_work_role.pk,
            "billable": "billable",
            "notes": "Chased the client for the PST file.",
            "suggestion": initial["suggestion"],
        },
    )
    assert saved.status_code == 302, saved.context and saved.context["form"].errors
    entry = TimeEntry.objects.get(member=tech, ticket=day["mailbox"])
    assert entry.source == EntrySource.SUGGESTION
    assert (entry.start, entry.end) == (utc(14), utc(14, 45))
    assert entry.notes == "Chased the client for the PST file."
    my_day = client.get(reverse("timekeeping:my_day_on", kwargs={"day": DAY}))
    assert my_day.content.decode().count("filled in from a suggestion") == 1
    # The gap moved, so that suggestion is no longer offered.
    assert initial["suggestion"] not in {s.key for s in suggestions_offered(member=tech, day=DAY)}


def test_saving_without_the_marker_is_an_ordinary_manual_entry(tech, day):
    signed_in(tech).post(
        reverse("timekeeping:entry_new"),
        {
            "ticket": day["mailbox"].pk,
            "start": "2026-03-11T10:00",
            "end": "2026-03-11T11:00",
            "work_type": day["remote"].pk,
            "work_role": tech.default_work_role.pk,
            "billable": "billable",
            "notes": "Mailbox",
        },
    )
    assert TimeEntry.objects.get(ticket=day["mailbox"]).source == EntrySource.MANUAL


@pytest.mark.parametrize("key", ["activity:1:20260311T1400", "nonsense", "x" * 100])
def test_a_marker_that_is_not_offered_is_a_404_and_saves_nothing(tech, day, key):
    client = signed_in(tech)
    opened = client.get(
        reverse("timekeeping:entry_new"), {"start": "2026-03-11T10:00", "suggestion": key}
    )
    assert opened.status_code == 404
    posted = client.post(
        reverse("timekeeping:entry_new"),
        {
            "ticket": day["mailbox"].pk,
            "start": "2026-03-11T10:00",
            "end": "2026-03-11T11:00",
            "work_type": day["remote"].pk,
            "work_role": tech.default_work_role.pk,
            "billable": "billable",
            "notes": "Mailbox",
            "suggestion": key,
        },
    )
    assert posted.status_code == 404
    assert not TimeEntry.objects.filter(ticket=day["mailbox"]).exists()


def test_dismiss_hides_a_suggestion_for_good(tech, day):
    client = signed_in(tech)
    key = first_key(tech)
    panel = client.post(DISMISS, {"key": key}, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert REASON_AT not in panel.content.decode()
    assert 'id="day-suggestions"' in panel.content.decode()
    assert SuggestionDismissal.objects.filter(member=tech, day=DAY, key=key).count() == 1
    # Again (a second tab): no change, no second row.
    again = client.post(DISMISS, {"key": key, "next": "/time/day/2026-03-11/"})
    assert again.status_code == 302
    assert again["Location"] == "/time/day/2026-03-11/"
    assert SuggestionDismissal.objects.filter(member=tech).count() == 1
    assert REASON_AT not in client.get(PANEL).content.decode()
    # The others of that gap are still offered.
    assert len(suggestions_offered(member=tech, day=DAY)) == 3


def test_dismissing_what_is_not_offered_is_a_404(tech, day):
    client = signed_in(tech)
    assert client.post(DISMISS, {"key": "activity:1:20260311T1400"}).status_code == 404
    assert client.post(DISMISS, {}).status_code == 404
    assert client.get(DISMISS).status_code == 405
    assert not SuggestionDismissal.objects.exists()


ROLES = ["lead", "dispatcher", "finance", "admin", "other_team_tech"]


@pytest.mark.parametrize("role", ROLES)
def test_nobody_else_sees_or_acts_on_the_members_suggestions(role, tech, day, request):
    other = request.getfixturevalue(role)
    key = first_key(tech)
    client = signed_in(other)
    # The panel is always the requester's own day: none of Tess's traces show.
    panel = client.get(PANEL)
    assert panel.status_code == 200
    assert REASON_AT not in panel.content.decode()
    assert "use-suggestion" not in panel.content.decode()
    # Her suggestion's key is nobody else's: the marker and Dismiss are 404s.
    entry_new = reverse("timekeeping:entry_new")
    marked = client.get(entry_new, {"start": "2026-03-11T10:00", "suggestion": key})
    assert marked.status_code == 404
    assert REASON_AT not in marked.content.decode()
    posted = client.post(
        entry_new,
        {
            "ticket": day["mailbox"].pk,
            "start": "2026-03-11T10:00",
            "end": "2026-03-11T11:00",
            "work_type": day["remote"].pk,
            "work_role": other.default_work_role.pk,
            "billable": "billable",
            "notes": "Not mine",
            "suggestion": key,
        },
    )
    assert posted.status_code == 404
    assert client.post(DISMISS, {"key": key}).status_code == 404
    assert not SuggestionDismissal.objects.exists()
    assert not TimeEntry.objects.filter(ticket=day["mailbox"]).exists()
    # The entry form for that span lists none of hers either.
    gap_form = client.get(entry_new, {"start": "2026-03-11T10:00", "end": "2026-03-11T11:00"})
    assert REASON_AT not in gap_form.content.decode()


def test_signed_out_is_sent_to_sign_in(day):
    client = Client()
    assert client.get(PANEL).status_code == 302
    assert client.post(DISMISS, {"key": "x"}).status_code == 302


def test_a_closed_day_shows_reasons_but_no_use(tech, day, finance):
    PeriodClose.objects.create(closed_through=DAY, closed_by=finance, note="March")
    html = signed_in(tech).get(PANEL).content.decode()
    assert REASON_AT in html
    assert "use-suggestion" not in html
    assert "closed period" in html
    gap_form = signed_in(tech).get(
        reverse("timekeeping:entry_new"), {"start": "2026-03-11T10:00", "end": "2026-03-11T11:00"}
    )
    assert "Suggestions for this time" not in gap_form.content.decode()


def test_the_form_for_a_gap_lists_that_spans_suggestions(tech, day):
    client = signed_in(tech)
    entry_new = reverse("timekeeping:entry_new")
    html = client.get(entry_new, {"start": "2026-03-11T10:00", "end": "2026-03-11T11:00"})
    html = html.content.decode()
    assert "Suggestions for this time" in html
    assert REASON_AT in html
    assert "right by this gap" in html
    # 12:00-12:30 has only the entry before it; 10-11's activity is not listed there.
    later = client.get(entry_new, {"start": "2026-03-11T12:00", "end": "2026-03-11T12:30"})
    later = later.content.decode()
    assert "Suggestions for this time" in later
    assert REASON_AT not in later
    # No span, no list.
    assert "Suggestions for this time" not in client.get(entry_new).content.decode()
