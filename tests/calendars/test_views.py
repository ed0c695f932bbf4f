"""My calendar page: a member connects, refreshes and removes their own calendars; the secret
address is shown only masked; a bad address is refused on its field with nothing saved; and
nobody else, whatever their role, reaches another member's calendar."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from daybook.calendars.models import CalendarSubscription, Meeting
from daybook.calendars.services import subscription_add, subscription_refresh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
PAGE = reverse("calendars:subscriptions")
GOOGLE_SECRET = "https://calendar.google.com/calendar/ical/tess%40brightline.example/private-9f8e7d6c5b4a/basic.ics"


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def tess(tech):
    tech.user.email = "tess@brightline.example"
    tech.user.save()
    tech.time_zone = "Europe/Berlin"
    tech.save()
    return tech


@pytest.fixture
def subscription(feed, tess):
    return subscription_add(member=tess, label="Tess rota", url=feed["url"])


def test_signed_out_visitors_are_sent_to_sign_in(subscription):
    client = Client()
    for url in (
        PAGE,
        reverse("calendars:subscription_refresh", args=[subscription.pk]),
        reverse("calendars:subscription_remove", args=[subscription.pk]),
    ):
        response = client.post(url) if "/refresh/" in url or "/remove/" in url else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert CalendarSubscription.objects.filter(pk=subscription.pk, refreshed_at=None).exists()


def test_a_login_without_a_member_is_refused():
    client = Client()
    client.force_login(UserFactory(username="nomember"))
    assert client.get(PAGE).status_code == 403


def test_the_page_says_where_to_find_each_address_and_links_from_the_menu(tess):
    response = client_for(tess).get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Publish a calendar" in text  # Outlook
    assert "Secret address in iCal format" in text  # Google
    assert "No calendar connected yet." in text
    assert f'href="{PAGE}">My calendar</a>' in text


def test_connecting_a_calendar_reads_it_at_once_and_shows_the_address_masked(feed, tess):
    with time_machine.travel(NOW, tick=False):
        response = client_for(tess).post(PAGE, {"label": "", "url": feed["url"]}, follow=True)
    assert response.status_code == 200
    subscription = CalendarSubscription.objects.get(member=tess)
    assert subscription.label == "127.0.0.1"  # named for its host when left empty
    assert subscription.refreshed_at == NOW
    assert Meeting.objects.filter(subscription=subscription).count() == 6
    text = response.content.decode()
    assert "6 meetings kept" in text
    assert "Connected 127.0.0.1" in text
    assert feed["url"] not in text
    assert "127.0.0.1/…" in text


def test_the_secret_part_of_an_address_is_never_shown_again(tess, monkeypatch):
    monkeypatch.setattr("daybook.core.outbound.resolve", lambda host, port: ["142.250.0.1"])
    # Not read: the refresh would go to Google.
    monkeypatch.setattr("daybook.calendars.views.refresh_calendar", lambda pk: None)
    response = client_for(tess).post(PAGE, {"label": "Work", "url": GOOGLE_SECRET}, follow=True)
    text = response.content.decode()
    assert CalendarSubscription.objects.get(member=tess).label == "Work"
    assert "private-9f8e7d6c5b4a" not in text
    assert "9f8e7d6c" not in text
    assert "calendar.google.com/…5b4a" in text
    assert "Not read yet" in text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://calendar.google.com/x.ics", "Only https:// addresses"),
        ("https://calendar.example.net/x.ics", "not one of them"),
        ("https://10.1.2.3/calendar.ics", "private network"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("not an address", "valid"),
        ("", "Paste your calendar's private ICS address."),
    ],
)
def test_a_bad_address_is_refused_on_its_field_and_nothing_is_saved(tess, settings, url, says):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["calendar.google.com", "10.1.2.3", "169.254.169.254"]
    response = client_for(tess).post(PAGE, {"label": "Work", "url": url})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["url"], errors
    assert says in " ".join(errors["url"])
    assert not CalendarSubscription.objects.exists()


def test_the_same_calendar_twice_is_refused(subscription, feed, tess):
    response = client_for(tess).post(PAGE, {"label": "Again", "url": feed["url"]})
    assert response.status_code == 400
    assert response.context["form"].errors == {"url": ["You have connected this calendar already."]}
    assert CalendarSubscription.objects.count() == 1


def test_refresh_now_reads_the_calendar_and_shows_what_went_wrong(subscription, feed, tess):
    client = client_for(tess)
    refresh = reverse("calendars:subscription_refresh", args=[subscription.pk])
    with time_machine.travel(NOW, tick=False):
        response = client.post(refresh, follow=True)
    assert response.status_code == 200
    assert "6 meetings kept" in response.content.decode()
    feed["body"] = b"<html>Sign in to Outlook</html>"
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = client.post(refresh, follow=True)
    text = response.content.decode()
    assert "could not be read: it is not an iCalendar file" in text
    assert "The meetings read before are kept." in text
    assert "6 meetings kept" in text


def test_asking_again_within_a_minute_is_refused_and_reads_nothing(subscription, feed, tess):
    client = client_for(tess)
    refresh = reverse("calendars:subscription_refresh", args=[subscription.pk])
    with time_machine.travel(NOW, tick=False):
        client.post(refresh)
    feed["body"] = b"<html>Sign in to Outlook</html>"
    with time_machine.travel(NOW + timedelta(seconds=50), tick=False):
        response = client.post(refresh, follow=True)
    assert (
        "You asked for Tess rota to be read a moment ago. Daybook reads a calendar at most "
        "once a minute when asked (and by itself every half hour)."
    ) in response.content.decode()
    subscription.refresh_from_db()
    assert (subscription.refreshed_at, subscription.refresh_asked_at) == (NOW, NOW)
    assert subscription.problem == ""  # the changed feed was not read

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        client.post(refresh)
    subscription.refresh_from_db()
    assert subscription.refresh_asked_at == NOW + timedelta(minutes=1)
    assert "not an iCalendar file" in subscription.problem


def test_a_refused_host_is_told_in_plain_words(subscription, settings, tess):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["calendar.google.com"]  # the admin took it off the list
    client_for(tess).post(reverse("calendars:subscription_refresh", args=[subscription.pk]))
    response = client_for(tess).get(PAGE)
    assert (
        "The calendar could not be read: Daybook only sends to hosts an administrator allowed, "
        "and 127.0.0.1 is not one of them."
    ) in response.content.decode()


def test_remove_forgets_the_calendar_and_its_meetings(subscription, tess):
    subscription_refresh(subscription=subscription, now=NOW)
    assert Meeting.objects.count() == 6
    response = client_for(tess).post(
        reverse("calendars:subscription_remove", args=[subscription.pk]), follow=True
    )
    assert "Removed Tess rota and the meetings read from it." in response.content.decode()
    assert not CalendarSubscription.objects.exists()
    assert not Meeting.objects.exists()


def test_actions_are_posted_never_fetched(subscription, tess):
    client = client_for(tess)
    for name in ("calendars:subscription_refresh", "calendars:subscription_remove"):
        assert client.get(reverse(name, args=[subscription.pk])).status_code == 405
    assert CalendarSubscription.objects.filter(refreshed_at=None).count() == 1


@pytest.mark.parametrize("someone", ["other_team_tech", "lead", "dispatcher", "finance", "admin"])
def test_nobody_else_sees_or_touches_a_members_calendar(subscription, someone, request):
    client = client_for(request.getfixturevalue(someone))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Tess rota" not in page.content.decode()
    assert f'id="calendar-{subscription.pk}"' not in page.content.decode()
    assert "No calendar connected yet." in page.content.decode()
    for name in ("calendars:subscription_refresh", "calendars:subscription_remove"):
        assert client.post(reverse(name, args=[subscription.pk])).status_code == 404
    subscription.refresh_from_db()
    assert subscription.refreshed_at is None
