"""The entry form's starting values and its ticket finder: a ticket never starts on a
payroll-wrap work type, a ticket can be found by words, and phases name their client."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from daybook.catalogue.models import WorkType
from daybook.service.choices import ProjectStatus, TicketStatus
from daybook.timekeeping.models import TimeEntry
from tests.factories import (
    BoardFactory,
    CompanyFactory,
    PhaseFactory,
    ProjectFactory,
    TicketFactory,
    TimeEntryFactory,
    WorkTypeFactory,
)

NOW = datetime(2025, 3, 14, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def types(db):
    """Named so the wrap type sorts first, as "Admin" does in the demo."""
    return {
        "admin": WorkTypeFactory(
            name="Admin", is_payroll_wrap=True, billable_default="do_not_bill"
        ),
        "after": WorkTypeFactory(name="After Hours", rate_multiplier="1.50"),
        "onsite": WorkTypeFactory(name="Onsite"),
        "remote": WorkTypeFactory(name="Remote Support"),
    }


def selected_work_type(response) -> WorkType:
    return WorkType.objects.get(pk=response.context["form"]["work_type"].value())


def test_a_ticket_without_defaults_starts_on_plain_client_work_not_wrap(client, tech, types):
    board = BoardFactory(name="Triage", default_work_type=types["admin"])
    ticket = TicketFactory(board=board)
    client.force_login(tech.user)

    response = client.get(reverse("timekeeping:entry_new"), {"ticket": ticket.pk})

    # The board's default is a wrap type, which cannot go on a ticket: the first client work
    # type without a surcharge is offered instead of Admin or After Hours.
    assert selected_work_type(response) == types["onsite"]


def test_the_members_usual_client_work_wins(client, tech, types):
    ticket = TicketFactory(board=BoardFactory(name="Triage"))
    for days in (1, 2, 3):
        start = NOW - timedelta(days=days, hours=4)
        TimeEntryFactory(
            member=tech, work_type=types["remote"], start=start, end=start + timedelta(hours=1)
        )
    start = NOW - timedelta(days=5, hours=4)
    TimeEntryFactory(
        member=tech, work_type=types["onsite"], start=start, end=start + timedelta(hours=1)
    )
    client.force_login(tech.user)

    response = client.get(reverse("timekeeping:entry_new"), {"ticket": ticket.pk})

    assert selected_work_type(response) == types["remote"]


def test_a_request_logged_to_a_ticket_saves_without_picking_a_work_type(client, tech, types):
    """The follow-up's "log it" link opens the form with a span and no ticket: it starts on
    client work, so typing the ticket and notes is enough."""
    ticket = TicketFactory(board=BoardFactory(name="Triage"), status=TicketStatus.IN_PROGRESS)
    client.force_login(tech.user)
    url = reverse("timekeeping:entry_new")
    form = client.get(url, {"start": "2025-03-14T10:00", "end": "2025-03-14T10:30"}).context["form"]
    assert form["work_type"].value() == types["onsite"].pk

    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        ticket=f"#{ticket.pk}",
        work_type=types["onsite"].pk,
        work_role=form["work_role"].value(),
        start="2025-03-14T10:00",
        end="2025-03-14T10:30",
        notes="Reset the user's password",
    )
    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    assert TimeEntry.objects.get().ticket == ticket


def test_a_stopped_internal_timer_starts_on_wrap_time(client, tech, types):
    from daybook.timekeeping.services import timer_start

    timer_start(member=tech, at=NOW - timedelta(minutes=20))
    client.force_login(tech.user)

    response = client.get(reverse("timekeeping:timer_stop"))

    assert selected_work_type(response) == types["admin"]


def test_typing_a_ticket_replaces_a_wrap_work_type(client, tech, types):
    ticket = TicketFactory(board=BoardFactory(name="Help Desk", default_work_type=types["remote"]))
    client.force_login(tech.user)
    url = reverse("timekeeping:entry_defaults")

    switched = client.get(
        url,
        {"ticket": str(ticket.pk), "work_type": types["admin"].pk},
        HTTP_HX_TRIGGER_NAME="ticket",
    )
    picked = client.get(
        url,
        {"ticket": str(ticket.pk), "work_type": types["admin"].pk},
        HTTP_HX_TRIGGER_NAME="work_type",
    )

    assert switched.context["switched"] is True
    assert switched.context["work_type"] == types["remote"]
    assert 'id="work-type-field"' in switched.content.decode()
    # A wrap type picked on purpose stays; the agreement panel and the save explain.
    assert picked.context["switched"] is False
    assert 'id="work-type-field"' not in picked.content.decode()


def test_work_types_list_client_work_before_internal_time(client, tech, types):
    client.force_login(tech.user)
    response = client.get(reverse("timekeeping:entry_new"))
    labels = [label for _, label in response.context["form"].fields["work_type"].choices]
    assert labels == ["After Hours", "Onsite", "Remote Support", "Admin (internal time)"]


def test_phases_name_their_client_and_project(client, tech, types):
    company = CompanyFactory(name="Harbour Dental")
    phase = PhaseFactory(
        project__company=company,
        project__agreement__company=company,
        project__name="Office move",
        name="Cabling",
    )
    client.force_login(tech.user)
    response = client.get(reverse("timekeeping:entry_new"))
    labels = dict(response.context["form"].fields["phase"].choices)
    assert labels[phase.pk] == "Harbour Dental · Office move / Cabling"
    # On the page, under a heading of their client and project.
    assert (
        '<optgroup label="Harbour Dental · Office move">'
        f'<option value="{phase.pk}">Cabling</option></optgroup>'
    ) in response.content.decode()


def test_the_phase_list_offers_open_projects_and_keeps_an_edited_entry_s_phase(client, tech, types):
    company = CompanyFactory(name="Harbour Dental")
    move = ProjectFactory(company=company, agreement__company=company, name="Office move")
    cabling = PhaseFactory(project=move, name="Cabling", position=2)
    survey = PhaseFactory(project=move, name="Survey", position=1)
    old = ProjectFactory(
        company=company, agreement=move.agreement, name="Old move", status=ProjectStatus.DONE
    )
    wrap_up = PhaseFactory(project=old, name="Wrap-up")
    client.force_login(tech.user)
    page = client.get(reverse("timekeeping:entry_new")).content.decode()
    assert (
        '<optgroup label="Harbour Dental · Office move">'
        f'<option value="{survey.pk}">Survey</option>'
        f'<option value="{cabling.pk}">Cabling</option></optgroup>'
    ) in page
    assert "Old move" not in page
    entry = TimeEntryFactory(
        member=tech,
        phase=wrap_up,
        ticket=None,
        agreement=old.agreement,
        start=datetime(2025, 3, 13, 14, tzinfo=UTC),
        end=datetime(2025, 3, 13, 15, tzinfo=UTC),
    )
    page = client.get(reverse("timekeeping:entry_edit", args=[entry.pk])).content.decode()
    assert f'<option value="{wrap_up.pk}" selected>Wrap-up</option>' in page
    assert '<optgroup label="Harbour Dental · Old move">' in page


class TestTicketField:
    def post(self, client, tech, types, ticket_value):
        client.force_login(tech.user)
        return client.post(
            reverse("timekeeping:entry_new"),
            {
                "ticket": ticket_value,
                "start": "2025-03-14T10:00",
                "end": "2025-03-14T10:30",
                "work_type": types["onsite"].pk,
                "work_role": tech.default_work_role.pk,
                "billable": "billable",
                "notes": "Checked the backups",
            },
        )

    def test_words_instead_of_a_number_are_refused_with_a_hint(self, client, tech, types):
        response = self.post(client, tech, types, "printer")
        assert response.status_code == 422
        assert response.context["form"].errors["ticket"] == [
            "Type a ticket number (such as 564), or pick a ticket from the list."
        ]
        assert not TimeEntry.objects.exists()

    def test_an_unknown_number_is_refused(self, client, tech, types):
        response = self.post(client, tech, types, "#99999")
        assert response.context["form"].errors["ticket"] == ["There is no ticket with that number."]
        assert not TimeEntry.objects.exists()


class TestTicketOptions:
    url = reverse("timekeeping:ticket_options")

    @pytest.fixture
    def tickets(self, db):
        acme = CompanyFactory(name="Acme Dental")
        return {
            "printer": TicketFactory(
                company=acme, agreement=None, summary="Printer offline in reception"
            ),
            "vpn": TicketFactory(summary="VPN drops every hour"),
            "old_printer": TicketFactory(
                company=acme, agreement=None, summary="Printer toner", status=TicketStatus.CLOSED
            ),
        }

    def options(self, client, query) -> list[str]:
        response = client.get(self.url, {"ticket": query})
        assert response.status_code == 200
        return [
            line for line in response.content.decode().splitlines() if line.startswith("<option")
        ]

    def test_finds_by_number_summary_and_company(self, client, tech, tickets):
        client.force_login(tech.user)
        vpn = tickets["vpn"]
        assert self.options(client, f"#{vpn.pk}")[0].startswith(f'<option value="{vpn.pk}">')
        by_words = self.options(client, "printer acme")
        # Open before closed, each word matched in the summary or the company.
        assert [o.split('"')[1] for o in by_words] == [
            str(tickets["printer"].pk),
            str(tickets["old_printer"].pk),
        ]
        assert "Acme Dental" in by_words[0]
        assert self.options(client, "") == []

    @pytest.mark.parametrize("query", ["²", "99999999999999999999999", "print\x00er"])
    def test_words_that_are_no_number_or_text_find_nothing_without_failing(
        self, client, tech, tickets, query
    ):
        # "²" is a digit to Python and the long run does not fit an id: both are words of
        # the summary; no stored text holds a NUL.
        client.force_login(tech.user)
        assert self.options(client, query) == []

    def test_a_word_found_in_a_company_and_a_number_in_a_summary(self, client, tech, tickets):
        client.force_login(tech.user)
        numbered = TicketFactory(summary="Replace switch 4410 in the server room")
        assert self.options(client, "4410")[0].startswith(f'<option value="{numbered.pk}">')
        # A number that names a ticket finds that ticket, not the ones that mention it.
        vpn = tickets["vpn"]
        TicketFactory(summary=f"Follow-up to {vpn.pk}")
        [only] = self.options(client, f"#{vpn.pk}")
        assert only.startswith(f'<option value="{vpn.pk}">')
        # Every word must match, each in the summary or the company: "dental" only names
        # Acme Dental, "toner" only one of its tickets.
        found = self.options(client, "dental toner")
        assert [o.split('"')[1] for o in found] == [str(tickets["old_printer"].pk)]

    def test_refused_to_anyone_who_is_not_a_member(self, client, tickets):
        assert client.get(self.url, {"ticket": "printer"}).status_code == 302  # to sign in
        outsider = get_user_model().objects.create_user("visitor", password="x")
        client.force_login(outsider)
        assert client.get(self.url, {"ticket": "printer"}).status_code == 403
