"""The team trends page: team figures week by week, for the people who review days."""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class TeamTable:
    team: str
    weeks: list[TeamWeek]


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
