"""The team trends page: team figures week by week, for the people who review days."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import TrendsForm
from .selectors import may_review
from .trends import DEFAULT_WEEKS, TeamWeek, team_trends, trend_teams

NOT_A_REVIEWER = "Only team reviewers, Finance and administrators see team trends."


def _share(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 1))


@dataclass(frozen=True)
class TeamTable:
    team: str
    weeks: list[TeamWeek]

    @property
    def chart(self) -> dict:
        """The table's three shares per week, for the chart above it (the table stays the
        full account)."""
        return {
            "labels": [f"{w.week.day} {w.week:%b}" for w in self.weeks],
            "series": [
                ("Clean first time", [_share(w.clean_first_pct) for w in self.weeks]),
                ("Real-time", [_share(w.realtime_pct) for w in self.weeks]),
                ("Hours past expected", [_share(w.over_expected_pct) for w in self.weeks]),
            ],
        }


def _require_trends(user: AbstractBaseUser) -> None:
    if not may_review(user):
        raise PermissionDenied(NOT_A_REVIEWER)


def _tables(rows: list[TeamWeek]) -> list[TeamTable]:
    tables: dict[int | None, TeamTable] = {}
    for row in rows:
        tables.setdefault(row.team_id, TeamTable(row.team, [])).weeks.append(row)
    return list(tables.values())


@login_required
@require_GET
def trends_view(request: HttpRequest) -> HttpResponse:
    _require_trends(request.user)
    form = TrendsForm(request.GET, teams=trend_teams(request.user))
    if not form.is_valid():
        return render(request, "review/trends.html", {"form": form}, status=400)
    rows = team_trends(
        viewer=request.user,
        weeks=form.cleaned_data["weeks"] or DEFAULT_WEEKS,
        team=form.cleaned_data["team"],
    )
    return render(request, "review/trends.html", {"form": form, "tables": _tables(rows)})
