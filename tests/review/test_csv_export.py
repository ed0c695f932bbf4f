"""The review CSV (`daybook review --format csv`) holds names people typed; none of them opens
as a spreadsheet formula."""

import csv
import io

import pytest
from django.core.management import call_command

from tests.factories import MemberFactory, TeamFactory, UserFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://attacker.example","Open")'


def test_a_formula_typed_as_a_team_or_member_name_comes_out_as_text(ticket, time_machine):
    team = TeamFactory(name=FORMULA)
    member = MemberFactory(user=UserFactory(username="eve", first_name="@SUM(A1)"), team=team)
    log_entry(member, at(FRIDAY, 9), at(FRIDAY, 17), ticket=ticket, notes="Work")
    time_machine.move_to(at(FRIDAY, 18), tick=False)

    out = io.StringIO()
    call_command("review", "--date", FRIDAY.isoformat(), "--format", "csv", stdout=out)

    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["Team"] == "'" + FORMULA
    assert row["Member"] == "'@SUM(A1) Tester"
    assert row["Expected"] == "8:00"
