"""The written process: versions, acknowledgements, who may edit it, and members being sent to
read it at first sign-in and after every change."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from daybook.demo.process import TEXT, TITLE, process_seed
from daybook.home.models import ProcessAcknowledgement, ProcessVersion
from daybook.home.selectors import process_pending_for, process_readers
from daybook.home.services import process_acknowledge, process_publish

pytestmark = pytest.mark.django_db

PROCESS = reverse("home:process")
EDIT = reverse("home:process_edit")
VERSIONS = reverse("home:process_versions")
MY_DAY = reverse("timekeeping:my_day")
FIRST = "Start the timer when you start the ticket.\n\nWrite the notes when you stop."


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def version_one(admin):
    return process_publish(title="How we log time", text=FIRST, by=admin)


# --- versions ------------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_earlier_ones_stay_as_they_were(admin, version_one):
    second = process_publish(
        title="How we log time",
        text=FIRST + "\n\nLog meetings as internal time.",
        summary="Meetings",
        by=admin,
        based_on=1,
    )
    assert second.number == 2
    assert second.author == admin
    first = ProcessVersion.objects.get(number=1)
    assert first.text == FIRST
    assert [v.number for v in ProcessVersion.objects.all()] == [2, 1]


def test_the_author_has_read_what_they_wrote(admin, version_one):
    assert process_pending_for(admin) is None
    ack = ProcessAcknowledgement.objects.get()
    assert (ack.member, ack.version) == (admin, version_one)


def test_only_administrators_publish(tech, lead, finance):
    for member in (tech, lead, finance):
        with pytest.raises(PermissionDenied, match="Only administrators"):
            process_publish(title="Mine", text="My rules", by=member)
    assert not ProcessVersion.objects.exists()


@pytest.mark.parametrize(
    ("title", "text", "summary", "field", "message"),
    [
        ("", FIRST, "", "title", "Give the process a title"),
        ("Process", "   \n ", "", "text", "Write the process before saving"),
        ("x" * 121, FIRST, "", "title", "Keep the title to 120 characters"),
        ("Process", "x" * 20_001, "", "text", "up to 20,000 characters"),
        ("Process", FIRST, "x" * 201, "summary", "to 200 characters"),
    ],
)
def test_bad_versions_are_refused_with_a_sentence(admin, title, text, summary, field, message):
    with pytest.raises(ValidationError) as refused:
        process_publish(title=title, text=text, summary=summary, by=admin)
    assert message in " ".join(refused.value.message_dict[field])
    assert not ProcessVersion.objects.exists()


def test_saving_the_same_text_again_is_refused(admin, version_one):
    with pytest.raises(ValidationError, match="same as version 1"):
        process_publish(title="How we log time", text=FIRST + "\n", by=admin, based_on=1)
    assert ProcessVersion.objects.count() == 1


def test_a_version_saved_meanwhile_is_never_overwritten(admin, version_one):
    """Two administrators editing at once: the second save names the first and keeps both."""
    process_publish(title="How we log time", text="Newer", by=admin, based_on=1)
    with pytest.raises(ValidationError, match="Version 2 was saved by Ada"):
        process_publish(title="How we log time", text="Mine", by=admin, based_on=1)
    with pytest.raises(ValidationError, match="Version 2 was saved"):
        process_publish(title="How we log time", text="Mine", by=admin, based_on=None)
    assert ProcessVersion.objects.count() == 2


# --- acknowledgements ------------------------------------------------------------------------


def test_acknowledging_records_who_which_version_and_when(tech, version_one, time_machine):
    moment = datetime(2025, 3, 14, 13, 5, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)
    assert process_pending_for(tech) == 1
    ack = process_acknowledge(member=tech, version_number=1)
    assert (ack.member, ack.version.number, ack.acknowledged_at) == (tech, 1, moment)
    assert process_pending_for(tech) is None
    # Once is enough: the first time stands.
    time_machine.move_to(datetime(2025, 3, 15, tzinfo=UTC), tick=False)
    assert process_acknowledge(member=tech, version_number=1).acknowledged_at == moment
    assert ProcessAcknowledgement.objects.filter(member=tech).count() == 1


def test_an_older_version_cannot_be_acknowledged(admin, tech, version_one):
    process_publish(title="How we log time", text="Changed", by=admin, based_on=1)
    with pytest.raises(ValidationError, match="Version 2 was published while this page was open"):
        process_acknowledge(member=tech, version_number=1)
    assert not ProcessAcknowledgement.objects.filter(member=tech).exists()


def test_nothing_to_acknowledge_before_a_process_is_written(tech):
    assert process_pending_for(tech) is None
    with pytest.raises(ValidationError, match="no written process"):
        process_acknowledge(member=tech, version_number=1)


def test_readers_list_who_has_not_read_first(admin, tech, lead, version_one):
    process_acknowledge(member=tech, version_number=1)
    process_publish(title="How we log time", text="Changed", by=admin, based_on=1)
    readers = process_readers(ProcessVersion.objects.get(number=2))
    by_name = {r.member.first_name: r for r in readers}
    assert by_name["Ada"].acknowledged_at is not None
    assert by_name["Tess"].acknowledged_at is None
    assert by_name["Tess"].last_number == 1
    assert by_name["Lena"].last_number is None
    assert readers[-1].member == admin


# --- being sent to read it -----------------------------------------------------------------


def test_a_member_is_sent_to_the_process_at_first_sign_in(tech, version_one):
    client = client_for(tech)
    response = client.get(MY_DAY)
    assert response.status_code == 302
    assert response.url == f"{PROCESS}?next=%2Ftime%2Fday%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Start the timer when you start the ticket." in page.content.decode()
    assert "I have read version 1" in page.content.decode()


def test_acknowledging_goes_on_to_the_page_asked_for_and_is_recorded(tech, version_one):
    client = client_for(tech)
    response = client.post(PROCESS, {"version": 1, "next": MY_DAY})
    assert response.status_code == 302
    assert response.url == MY_DAY
    assert ProcessAcknowledgement.objects.filter(member=tech, version=version_one).exists()
    assert client.get(MY_DAY).status_code == 200
    page = client.get(PROCESS).content.decode()
    assert "You acknowledged version 1" in page
    assert "I have read" not in page


def test_acknowledging_without_a_safe_next_goes_home(tech, version_one):
    response = client_for(tech).post(PROCESS, {"version": 1, "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_a_new_version_asks_everyone_again(admin, tech, version_one):
    client = client_for(tech)
    client.post(PROCESS, {"version": 1})
    assert client.get(MY_DAY).status_code == 200
    process_publish(
        title="How we log time", text="Changed", summary="Shorter", by=admin, based_on=1
    )
    response = client.get(MY_DAY)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "I have read version 2" in page
    assert "What changed: Shorter" in page
    assert "it has changed since you last read it" in page


def test_a_stale_acknowledgement_is_refused_and_shows_the_new_version(admin, tech, version_one):
    process_publish(title="How we log time", text="Changed", by=admin, based_on=1)
    response = client_for(tech).post(PROCESS, {"version": 1, "next": MY_DAY})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Version 2 was published while this page was open" in page
    assert "I have read version 2" in page
    assert not ProcessAcknowledgement.objects.filter(member=tech).exists()


def test_a_garbled_acknowledgement_is_refused(tech, version_one):
    response = client_for(tech).post(PROCESS, {"version": "one"})
    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()
    assert not ProcessAcknowledgement.objects.filter(member=tech).exists()


def test_nobody_is_sent_anywhere_before_a_process_is_written(tech):
    assert client_for(tech).get(MY_DAY).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/time-entries/",
        "/api/schema/",
        reverse("accounts:index"),
        reverse("accounts:password_change"),
        PROCESS,
    ],
)
def test_the_api_and_the_account_pages_are_never_redirected(tech, version_one, url):
    response = client_for(tech).get(url)
    assert response.status_code == 200


def test_htmx_requests_and_forms_being_sent_are_not_redirected(tech, version_one):
    client = client_for(tech)
    assert client.get(MY_DAY, headers={"HX-Request": "true"}).status_code == 200
    # Signing out always works.
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")


def test_a_login_without_a_member_is_not_redirected(version_one, django_user_model):
    user = django_user_model.objects.create_user("nomember", password="x")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


# --- the pages and who may open them --------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(version_one):
    for url in (PROCESS, EDIT, VERSIONS, reverse("home:process_version", args=[1])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["tech", "lead", "dispatcher", "finance"])
def test_only_administrators_edit_or_see_who_has_read_it(who, request, version_one):
    member = request.getfixturevalue(who)
    process_acknowledge(member=member, version_number=1)
    client = client_for(member)
    for url in (EDIT, VERSIONS, reverse("home:process_version", args=[1])):
        response = client.get(url)
        assert response.status_code == 403
        assert "Only administrators edit the written process." in response.content.decode()
    response = client.post(EDIT, {"title": "Mine", "text": "My rules", "based_on": 1})
    assert response.status_code == 403
    assert ProcessVersion.objects.count() == 1


def test_an_administrator_writes_a_new_version(admin, version_one):
    client = client_for(admin)
    page = client.get(EDIT).content.decode()
    assert "Start the timer when you start the ticket." in page  # the form starts from it
    response = client.post(
        EDIT,
        {"title": "How we log time", "text": "New rules", "summary": "All new", "based_on": 1},
    )
    assert response.status_code == 302
    assert response.url == VERSIONS
    version = ProcessVersion.objects.get(number=2)
    assert (version.text, version.summary, version.author) == ("New rules", "All new", admin)
    listing = client.get(VERSIONS).content.decode()
    assert "All new" in listing
    assert ">in force</span>" in listing


def test_a_bad_edit_says_why_and_saves_nothing(admin, version_one):
    response = client_for(admin).post(EDIT, {"title": "", "text": "", "based_on": 1})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the process a title" in page
    assert "Write the process before saving" in page
    assert ProcessVersion.objects.count() == 1


def test_a_garbled_base_version_is_refused(admin, version_one):
    response = client_for(admin).post(EDIT, {"title": "T", "text": "New", "based_on": "x"})
    assert response.status_code == 400
    assert ProcessVersion.objects.count() == 1


def test_the_first_version_can_be_written_from_nothing(admin):
    client = client_for(admin)
    assert "Nobody has written the process down yet." in client.get(PROCESS).content.decode()
    response = client.post(EDIT, {"title": "How we log time", "text": "Be quick."})
    assert response.status_code == 302
    assert ProcessVersion.objects.get().number == 1


def test_administrators_see_who_acknowledged_which_version(admin, tech, lead, version_one):
    process_acknowledge(member=tech, version_number=1)
    page = client_for(admin).get(reverse("home:process_version", args=[1])).content.decode()
    assert "2 of 3 working members acknowledged it" in page
    assert "Tess" in page
    assert "Lena" in page
    assert "Not yet" in page


def test_an_unknown_version_is_not_found(admin, version_one):
    response = client_for(admin).get(reverse("home:process_version", args=[9]))
    assert response.status_code == 404


def test_what_an_administrator_types_is_shown_as_text_never_as_markup(admin, tech):
    process_publish(
        title="<b>Rules</b>",
        text="# Notes\n- say what is next\n<script>alert(1)</script>",
        by=admin,
    )
    process_acknowledge(member=tech, version_number=1)
    page = client_for(tech).get(PROCESS).content.decode()
    assert "<h2>Notes</h2>" in page
    assert "<li>say what is next</li>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;Rules&lt;/b&gt;" in page


# --- links to it, and the demo's first version -------------------------------------------------


def test_the_entry_form_links_to_the_process(tech):
    page = client_for(tech).get(reverse("timekeeping:entry_new")).content.decode()
    assert f'href="{PROCESS}"' in page


def test_the_demo_ships_a_first_version_once():
    version = process_seed()
    assert (version.number, version.title, version.author) == (1, TITLE, None)
    assert version.text == TEXT.strip()
    assert process_seed() is None
    assert ProcessVersion.objects.count() == 1


def test_every_follow_up_links_to_the_process(
    tech, lead, version_one, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    """On the Requests page and in the mail that brings the request."""
    from daybook.review.services import followup_send
    from tests.review.helpers import FRIDAY, at

    for member in (tech, lead):
        process_acknowledge(member=member, version_number=1)
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        followup_send(
            member=tech, day=FRIDAY, by=lead, subject="About Friday", body="Could you help me?"
        )
    page = client_for(tech).get(reverse("review:requests")).content.decode()
    assert "Could you help me?" in page
    assert f'href="{PROCESS}"' in page
    (mail,) = mailoutbox
    assert f"How we log time here: {settings.DAYBOOK_BASE_URL}{PROCESS}" in mail.body


def test_daybook_demo_writes_the_first_version(monkeypatch):
    """`daybook demo` seeds the process after the data (the data itself: tests/core/test_demo)."""
    import io

    from django.core.management import call_command

    from daybook.demo.generator import DemoSummary
    from daybook.demo.management.commands import load_demo

    monkeypatch.setattr(load_demo, "build_demo", lambda **_: DemoSummary(created=False, counts={}))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Wrote the first version of the process" in out.getvalue()
    assert ProcessVersion.objects.get().title == TITLE
    call_command("load_demo", stdout=io.StringIO(), dry_run=True)
    assert ProcessVersion.objects.count() == 1


def test_a_newcomer_is_not_told_the_process_changed(admin, tech, version_one):
    process_publish(title="How we log time", text="Changed", by=admin, based_on=1)
    page = client_for(tech).get(PROCESS).content.decode()
    assert "I have read version 2" in page
    assert "changed since you last read it" not in page
