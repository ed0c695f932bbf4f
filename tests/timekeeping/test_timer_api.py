"""The timer over the API, and a browser tab racing a script to start one (PostgreSQL)."""

# The race test talks plain HTTP to the test's own live server.
# ruff: noqa: S310

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from http.cookies import SimpleCookie

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from daybook.accounts.services import token_create
from daybook.service.choices import TicketStatus
from daybook.timekeeping.choices import EntrySource
from daybook.timekeeping.models import DraftEntry, TimeEntry, Timer
from daybook.timekeeping.services import work_start
from tests.api_support import ANONYMOUS_REFUSED, client_for
from tests.factories import PhaseFactory, TicketFactory, TimeEntryFactory, WorkTypeFactory
from tests.zones import NEW_YORK

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=NEW_YORK)
CURRENT, START, STOP, PARK = (f"/api/timer/{p}" for p in ("", "start/", "stop/", "park/"))


def ny(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def remote(db):
    return WorkTypeFactory(name="Remote Support")


@pytest.fixture
def ticket(db):
    return TicketFactory(opened_at=ny(8), summary="VPN drops")


@pytest.fixture
def api(tech):
    return client_for(tech)


@pytest.mark.parametrize(("method", "url"), [("get", CURRENT), ("post", START), ("post", STOP)])
def test_anonymous_callers_are_refused(db, method, url):
    response = getattr(client_for(None), method)(url, {}, format="json")
    assert response.status_code in ANONYMOUS_REFUSED


@pytest.mark.parametrize(("method", "url"), [("get", CURRENT), ("post", START)])
def test_a_login_without_a_member_is_refused(db, method, url):
    user = get_user_model().objects.create_user("script-user")
    response = getattr(client_for(user), method)(url, {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_nothing_running(api):
    assert api.get(CURRENT).json() == {"timer": None}


def test_start_on_a_ticket_puts_it_in_progress(api, tech, ticket, frozen):
    response = api.post(START, {"ticket": ticket.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["ticket"] == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    current = api.get(CURRENT).json()["timer"]
    assert current["ticket"] == ticket.pk
    assert datetime.fromisoformat(current["started_at"]) == NOW


def test_start_on_a_phase_or_internal_time(api, tech, frozen):
    phase = PhaseFactory()
    assert api.post(START, {"phase": phase.pk}, format="json").status_code == 201
    assert Timer.objects.get(member=tech).phase == phase


def test_second_start_is_a_conflict_naming_the_running_timer(api, tech, ticket, frozen):
    work_start(member=tech, ticket=ticket, at=ny(14))
    other = TicketFactory(opened_at=ny(8))
    response = api.post(START, {"ticket": other.pk}, format="json")
    assert response.status_code == 409
    message = response.json()["timer"][0]
    assert f"#{ticket.pk}" in message
    assert "14:00" in message
    other.refresh_from_db()
    assert other.status == TicketStatus.NEW


def test_start_on_a_missing_ticket_is_a_clear_400(api):
    response = api.post(START, {"ticket": 99999}, format="json")
    assert response.status_code == 400
    assert "There is no ticket with id 99999." in response.json()["ticket"]


def test_stop_logs_an_entry_that_ends_now(api, tech, ticket, remote, frozen):
    work_start(member=tech, ticket=ticket, at=ny(14, 12))
    response = api.post(
        STOP,
        {"work_type": remote.pk, "notes": "Replaced the VPN profile.", "next_status": "resolved"},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["source"] == EntrySource.TIMER
    assert datetime.fromisoformat(data["end"]) == NOW
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert api.get(CURRENT).json() == {"timer": None}


def test_refused_stop_keeps_the_timer(api, tech, ticket, remote, frozen):
    work_start(member=tech, ticket=ticket, at=ny(14))
    TimeEntryFactory(member=tech, start=ny(14, 20), end=ny(14, 30))
    response = api.post(STOP, {"work_type": remote.pk, "notes": "Done."}, format="json")
    assert response.status_code == 400
    assert "overlaps" in response.json()["start"][0]
    response = api.post(STOP, {"work_type": remote.pk, "notes": ""}, format="json")
    assert response.status_code == 400
    assert "notes" in response.json()
    assert Timer.objects.filter(member=tech, started_at=ny(14)).exists()
    assert TimeEntry.objects.filter(member=tech).count() == 1


def test_park_over_the_api(api, tech, ticket, frozen):
    work_start(member=tech, ticket=ticket, at=ny(14))
    response = api.post(PARK, format="json")
    assert response.status_code == 201
    draft = DraftEntry.objects.get(member=tech)
    assert (draft.start, draft.end) == (ny(14), NOW)
    assert api.post(PARK, format="json").status_code == 400


# --- a browser tab and a script starting timers at the same moment --------------------------


class Browser:
    """A signed-in browser tab over real HTTP: its own session cookie, CSRF token and
    messages, redirects followed the way a browser follows them."""

    def __init__(self, base: str, user) -> None:
        self.base = base
        django_client = Client()
        django_client.force_login(user)
        self.cookies = {name: morsel.value for name, morsel in django_client.cookies.items()}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str | None]:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.read().decode(), response.headers.get("Location")

    def get(self, url: str) -> tuple[int, str]:
        status, body, _ = self._open(urllib.request.Request(self.base + url))
        return status, body

    def post(self, url: str, data: dict) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base + url, data=urllib.parse.urlencode(data).encode()
        )
        status, body, location = self._open(request)
        if status == 302 and location:
            return self.get(location)
        return status, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _api_post(base: str, token: str, url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        base + url,
        data=urllib.parse.urlencode(body).encode(),
        headers={"Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_web_and_api_racing_to_start_timers_leave_exactly_one(live_server, tech):
    tickets = [TicketFactory(summary=f"Racing ticket {i}") for i in range(4)]
    _, token = token_create(user=tech.user, name="Racing script")
    tabs = [Browser(live_server.url, tech.user) for _ in range(2)]
    csrf = []
    for tab, ticket in zip(tabs, tickets, strict=False):
        code, page = tab.get(f"/tickets/{ticket.pk}/")
        assert code == 200, page
        csrf.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    barrier = threading.Barrier(4)
    answers: dict[str, tuple[int, str]] = {}

    def from_tab(index: int) -> None:
        try:
            barrier.wait()
            answers[f"tab{index}"] = tabs[index].post(
                f"/tickets/{tickets[index].pk}/status/",
                {"status": "in_progress", "csrfmiddlewaretoken": csrf[index]},
            )
        finally:
            connection.close()

    def from_api(index: int) -> None:
        try:
            barrier.wait()
            answers[f"api{index}"] = _api_post(
                live_server.url, token, START, {"ticket": tickets[index].pk}
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=from_tab, args=(i,)) for i in (0, 1)]
    threads += [threading.Thread(target=from_api, args=(i,)) for i in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    timer = Timer.objects.get(member=tech)  # exactly one runs
    in_progress = [t.pk for t in tickets if _status(t) == TicketStatus.IN_PROGRESS]
    assert in_progress == [timer.ticket_id]  # and only its ticket moved
    started = [who for who, (code, body) in answers.items() if _won(code, body)]
    assert len(started) == 1, answers
    for who, (code, body) in answers.items():
        if who in started:
            continue
        if who.startswith("api"):
            assert code == 409, body
            assert "already running" in body or "same moment" in body
        else:
            # The tab is either asked what to do with the running timer, or told why not.
            assert code in {200, 409}, body
            assert (
                "Your timer is still running" in body
                or "same moment" in body
                or "already running" in body
            ), body


def _status(ticket) -> str:
    ticket.refresh_from_db()
    return ticket.status


def _won(code: int, body: str) -> bool:
    if code == 201:
        return True
    return code == 200 and "Timer started on" in body
