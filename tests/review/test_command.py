"""`daybook review`: what an organisation-wide reviewer sees, as a table, JSON or CSV."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import MemberFactory, TeamFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def friday(tech, lead, other_team_tech, ticket):
    """Tess has a 60-minute gap and a 20-minute one; Lena's day is full; Otto, on
    another team, logged nothing."""
    d = FRIDAY
    log_entry(tech, at(d, 9), at(d, 10), ticket=ticket)
    log_entry(tech, at(d, 10, 20), at(d, 11), ticket=ticket)
    log_entry(tech, at(d, 12), at(d, 17), ticket=ticket, notes="")
    log_entry(lead, at(d, 9), at(d, 17), ticket=ticket)
    return d


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("review", *args, stdout=out)
    return out.getvalue()


def test_table_lists_days_by_team_then_name_with_gaps_and_findings(friday, time_machine):
    time_machine.move_to(at(friday, 18), tick=False)
    output = run("--date", "2025-03-14")
    lines = output.splitlines()
    assert lines[0] == "Day review for Friday 2025-03-14"
    rows = [line for line in lines if line.endswith(("0", "1")) and "Tester" in line]
    assert [row.split()[0] for row in rows] == ["Projects", "Service", "Service"]
    assert "Lena" in rows[1]
    assert "Tess" in rows[2]
    assert "11:00-12:00 (1:00)" in output
    assert "10:00-10:20" not in output  # small gaps never reach a reviewer
    assert "no notes yet" in output
    assert "Otto" in output


def test_day_not_over_shows_in_progress_only(friday, time_machine):
    time_machine.move_to(at(friday, 17, 29), tick=False)
    output = run("--date", "2025-03-14", "--team", "service desk")
    assert output.count("in progress (review opens 17:30 local time)") == 2
    assert "11:00" not in output
    assert "no notes" not in output
    assert "Otto" not in output


def test_json_is_the_api_shape(friday, time_machine):
    time_machine.move_to(at(friday, 18), tick=False)
    days = json.loads(run("--date", "2025-03-14", "--team", "Service Desk", "--format", "json"))
    assert [d["member"]["name"] for d in days] == ["Lena Tester", "Tess Tester"]
    tess = days[1]
    assert tess["status"] == "pending"
    assert tess["own_day"] is False
    assert tess["day"]["gaps"] == [
        {"start": "2025-03-14T11:00:00-04:00", "end": "2025-03-14T12:00:00-04:00", "minutes": 60}
    ]
    assert "small_gaps" not in tess["day"]
    assert tess["day"]["logged_client_minutes"] == 400


def test_csv_has_a_header_and_a_row_per_member(friday, time_machine):
    time_machine.move_to(at(friday, 18), tick=False)
    rows = list(csv.DictReader(io.StringIO(run("--date", "2025-03-14", "--format", "csv"))))
    assert [r["Member"] for r in rows] == ["Otto Tester", "Lena Tester", "Tess Tester"]
    tess = rows[2]
    assert (tess["Expected"], tess["Client"], tess["Unaccounted"], tess["Gaps"]) == (
        "8:00",
        "6:40",
        "1:20",
        "1",
    )
    assert tess["Gap times"] == "11:00-12:00 (1:00)"
    assert "no notes yet" in tess["Finding notes"]


def test_members_without_a_team_come_last(friday, time_machine):
    time_machine.move_to(at(friday, 18), tick=False)
    MemberFactory(team=None, user=UserFactory(first_name="Abe"))
    rows = list(csv.DictReader(io.StringIO(run("--date", "2025-03-14", "--format", "csv"))))
    assert rows[-1]["Member"] == "Abe Tester"
    assert rows[-1]["Team"] == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "14/03/2025"], "--date must be a date like 2025-03-14"),
        (["--date", "2025-02-30"], "--date must be a date like 2025-03-14"),
        (["--date", "2025-03-14", "--team", "Nope"], "no team called 'Nope'. Teams: Service Desk"),
        (["--date", "2025-03-14", "--format", "xml"], "invalid choice: 'xml'"),
        ([], "the following arguments are required: --date"),
    ],
)
def test_bad_input_is_a_clear_error(team, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_team_by_id_and_an_empty_team(db):
    empty = TeamFactory(name="Night Shift")
    assert run("--date", "2025-03-14", "--team", str(empty.pk)) == (
        "No members to review for 2025-03-14.\n"
    )
