"""GET /api/me/suggestions/ and POST /api/me/suggestions/dismiss/: the caller's own only."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from daybook.service.choices import TicketStatus
from daybook.service.models import TicketStatusChange
from daybook.timekeeping.models import SuggestionDismissal
from daybook.timekeeping.services import entry_log
from tests.api_support import ANONYMOUS_REFUSED, client_for
from tests.factories import TicketFactory, UserFactory, WorkTypeFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 11)  # New York on summer time (UTC-4)
NOW = datetime(2026, 3, 11, 16, 30, tzinfo=UTC)  # 12:30 in New York
LIST = "/api/me/suggestions/"
DISMISS = "/api/me/suggestions/dismiss/"


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 11, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def day(tech):
    """Tess logged 09-10 (New York) and, in the gap after it, set a ticket to Waiting Client
    at 10:12. It is 12:30: one gap, 10:00-12:30."""
    remote = WorkTypeFactory(name="Remote Support")
    printer, mailbox = TicketFactory(), TicketFactory()
    entry_log(
        member=tech,
        start=utc(13),
        end=utc(14),
        ticket=printer,
        work_type=remote,
        work_role=tech.default_work_role,
        notes="Printer",
    )
    TicketStatusChange.objects.create(
        ticket=mailbox,
        from_status=TicketStatus.IN_PROGRESS,
        to_status=TicketStatus.WAITING_CLIENT,
        at=utc(14, 12),
        by=tech,
    )
    return {"printer": printer, "mailbox": mailbox, "remote": remote}


def test_the_member_gets_their_days_suggestions(tech, day):
    mailbox, printer, remote = day["mailbox"], day["printer"], day["remote"]
    response = client_for(tech).get(LIST, {"date": "2026-03-11"})
    assert response.status_code == 200
    assert response.json() == {
        "date": "2026-03-11",
        "time_zone": "America/New_York",
        "suggestions": [
            {
                "key": f"activity:{mailbox.pk}:20260311T1400",
                "gap_start": "2026-03-11T10:00:00-04:00",
                "gap_end": "2026-03-11T12:30:00-04:00",
                "start": "2026-03-11T10:00:00-04:00",
                "end": "2026-03-11T12:30:00-04:00",
                "minutes": 150,
                "ticket": mailbox.pk,
                "work_type": remote.pk,
                "reason": f"You set #{mailbox.pk} to Waiting Client at 10:12.",
                "source": "activity",
            },
            {
                "key": f"neighbour:{printer.pk}:20260311T1400",
                "gap_start": "2026-03-11T10:00:00-04:00",
                "gap_end": "2026-03-11T12:30:00-04:00",
                "start": "2026-03-11T10:00:00-04:00",
                "end": "2026-03-11T12:30:00-04:00",
                "minutes": 150,
                "ticket": printer.pk,
                "work_type": remote.pk,
                "reason": f"Your entry on #{printer.pk} ends at 10:00, right by this gap.",
                "source": "neighbour",
            },
        ],
    }


@pytest.mark.parametrize("role", ["lead", "dispatcher", "finance", "admin", "other_team_tech"])
def test_anyone_else_gets_only_their_own_and_cannot_dismiss_hers(role, tech, day, request):
    other = request.getfixturevalue(role)
    client = client_for(other)
    # There is no way to name a member: a member parameter is simply not read.
    response = client.get(LIST, {"date": "2026-03-11", "member": tech.pk})
    assert response.status_code == 200
    assert response.json()["suggestions"] == []
    key = f"activity:{day['mailbox'].pk}:20260311T1400"
    refused = client.post(DISMISS, {"key": key}, format="json")
    assert refused.status_code == 404
    assert "Waiting Client" not in refused.content.decode()
    assert not SuggestionDismissal.objects.exists()


def test_dismissed_suggestions_are_left_out(tech, day):
    client = client_for(tech)
    key = f"activity:{day['mailbox'].pk}:20260311T1400"
    done = client.post(DISMISS, {"key": key}, format="json")
    assert done.status_code == 201
    assert done.json() == {"key": key, "date": "2026-03-11"}
    again = client.post(DISMISS, {"key": key}, format="json")
    assert again.status_code == 201
    assert SuggestionDismissal.objects.filter(member=tech, day=DAY, key=key).count() == 1
    keys = [s["key"] for s in client.get(LIST, {"date": "2026-03-11"}).json()["suggestions"]]
    assert keys == [f"neighbour:{day['printer'].pk}:20260311T1400"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({}, "Give `date` as a date, YYYY-MM-DD."),
        ({"date": "11/03/2026"}, "Give `date` as a date, YYYY-MM-DD, not '11/03/2026'."),
        ({"date": "2026-02-30"}, "Give `date` as a date, YYYY-MM-DD, not '2026-02-30'."),
        ({"date": "2300-01-01"}, "Give a date from 1970-01-01 to 2100-12-31."),
    ],
)
def test_a_bad_date_is_a_400_naming_the_field(tech, query, says):
    response = client_for(tech).get(LIST, query)
    assert response.status_code == 400
    assert response.json() == {"date": [says]}


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "key"), ({"key": ""}, "key"), ({"key": "x" * 101}, "key"), (["key"], "non_field_errors")],
)
def test_a_bad_dismiss_is_a_400_naming_the_field(tech, day, body, field):
    response = client_for(tech).post(DISMISS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not SuggestionDismissal.objects.exists()


def test_a_key_of_no_suggestion_is_a_404(tech, day):
    for key in ("activity:1:20260311T1400", "no key at all"):
        assert client_for(tech).post(DISMISS, {"key": key}, format="json").status_code == 404
    assert not SuggestionDismissal.objects.exists()


def test_signed_out_and_memberless_logins_are_refused(db):
    assert client_for(None).get(LIST, {"date": "2026-03-11"}).status_code in ANONYMOUS_REFUSED
    assert client_for(None).post(DISMISS, {"key": "x"}).status_code in ANONYMOUS_REFUSED
    bare = client_for(UserFactory(username="script"))
    assert bare.get(LIST, {"date": "2026-03-11"}).status_code == 403
    assert bare.post(DISMISS, {"key": "x"}, format="json").status_code == 403


def test_the_schema_describes_both_endpoints(tech):
    schema = client_for(tech).get("/api/schema/", {"format": "json"}).json()
    assert set(schema["paths"][LIST]) == {"get"}
    assert set(schema["paths"][DISMISS]) == {"post"}
    assert "404" in schema["paths"][DISMISS]["post"]["responses"]
    parameters = {p["name"] for p in schema["paths"][LIST]["get"]["parameters"]}
    assert "date" in parameters
    assert "member" not in parameters
