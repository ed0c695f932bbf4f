"""Slow reports run in the worker, so one long report never holds a web worker.

A report page asked for a range longer than DAYBOOK_REPORT_INLINE_DAYS (profitability, SLA,
capacity, the forecast) or for projects to date is computed by the worker: the page shows a
"preparing" card that polls, and shows the report once the run is ready. The result is kept
for DAYBOOK_REPORT_FRESH_SECONDS under a key of the report, its filters and the viewer; the
same request again within that time reuses it, and a purge drops old runs.

Results depend on who looks (money, teams, days whose review has opened), so a run belongs to
one viewer: its key holds the viewer and every lookup filters on the viewer too. The report's
rule (access.py) is asked on every request, also when a stored result is reused, and again by
the worker. The worker computes the report through the very Report.run the page, its CSV and
the API call (reports.py).

Shorter ranges, the other reports, CSV downloads and the API stay in the request.
"""

import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from . import reports
from .models import ReportRun, RunState

logger = logging.getLogger(__name__)

SEAL_SALT = "daybook.insights.runs"
# Runs are purged this long after they stop being fresh (a slow run is never cut short).
KEEP_AFTER_FRESH = timedelta(hours=1)
STOPPED = (
    "Daybook stopped on an unexpected error while preparing this report; the details are in "
    "the server's log. Reload the page to try again."
)


def _period_days(data: dict) -> int | None:
    return data["period"].days


@dataclass(frozen=True)
class SlowReport:
    """A report the worker may compute, and how many days of time it reads for a request
    (None: all of history, so always the worker's)."""

    report: reports.Report
    days: Callable[[dict], int | None]


SLOW_REPORTS: dict[str, SlowReport] = {
    "profitability": SlowReport(reports.PROFITABILITY, _period_days),
    "sla": SlowReport(reports.SLA, _period_days),
    "capacity": SlowReport(reports.CAPACITY, lambda data: 7 * data["weeks"]),
    # Twelve months of history, whatever the months ahead.
    "forecast": SlowReport(reports.FORECAST, lambda data: 365),
    # Each project to date: its whole history.
    "projects": SlowReport(reports.PROJECTS, lambda data: None),
}


def runs_in_worker(name: str, data: dict) -> bool:
    slow = SLOW_REPORTS.get(name)
    if slow is None:
        return False
    days = slow.days(data)
    return days is None or days > settings.DAYBOOK_REPORT_INLINE_DAYS


def _canonical(value: Any) -> Any:
    if isinstance(value, Model):
        return [value._meta.label_lower, value.pk]
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # dates, decimals, periods


def run_key(*, name: str, data: dict, viewer: AbstractBaseUser) -> str:
    """The report, its cleaned filters and the viewer, hashed."""
    body = {"report": name, "viewer": viewer.pk, "filters": _canonical(sorted(data.items()))}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _seal(result: Any) -> bytes:
    """The report pickled, behind an HMAC with the server's secret: only what this server
    wrote is ever unpickled."""
    body = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    return salted_hmac(SEAL_SALT, body, algorithm="sha256").hexdigest().encode() + body


def _unseal(blob: bytes) -> Any:
    blob = bytes(blob)
    mac, body = blob[:64], blob[64:]
    expected = salted_hmac(SEAL_SALT, body, algorithm="sha256").hexdigest().encode()
    if not constant_time_compare(mac, expected):
        raise ValueError("The stored report's seal does not match.")
    return pickle.loads(body)  # noqa: S301 - sealed by this server, checked above


def _fresh(key: str, viewer: AbstractBaseUser) -> ReportRun | None:
    since = timezone.now() - timedelta(seconds=settings.DAYBOOK_REPORT_FRESH_SECONDS)
    return (
        ReportRun.objects.filter(
            key=key,
            viewer=viewer,
            created_at__gte=since,
            state__in=(RunState.PENDING, RunState.READY),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def run_start(*, name: str, key: str, viewer: AbstractBaseUser, query: str) -> ReportRun:
    """A new run, queued for the worker (run inline when the queue is in immediate mode)."""
    from .tasks import compute_report

    run = ReportRun.objects.create(report=name, key=key, viewer=viewer, query=query)
    compute_report(run.pk)
    run.refresh_from_db()
    return run


def report_or_run(
    *, name: str, user: AbstractBaseUser, params: QueryDict
) -> tuple[forms.Form, Any | None, ReportRun | None]:
    """The report page's answer: the rule is checked (PermissionDenied), the filters parsed,
    then either the report (computed here, or a fresh stored result) or the run still under
    way. Returns (form, report, run); neither report nor run when the form has errors."""
    report = SLOW_REPORTS[name].report
    report.require(user)
    form = report.form_class(params, user=user)
    if not form.is_valid():
        return form, None, None
    if not runs_in_worker(name, form.cleaned_data):
        return form, report.compute(form.cleaned_data, user), None
    key = run_key(name=name, data=form.cleaned_data, viewer=user)
    run = _fresh(key, user) or run_start(name=name, key=key, viewer=user, query=params.urlencode())
    if run.state == RunState.READY:
        try:
            return form, _unseal(run.result), run
        except Exception:
            # Sealed with an old secret, or by an older release whose report had another
            # shape: compute it again.
            logger.warning("Report run %s could not be read; computing it again", run.pk)
            run.delete()
            run = run_start(name=name, key=key, viewer=user, query=params.urlencode())
            if run.state == RunState.READY:
                return form, _unseal(run.result), run
    return form, None, run


def run_for(*, user: AbstractBaseUser, pk: int) -> ReportRun:
    """A run its viewer polls; a 404 for anyone else, whoever they are."""
    run = ReportRun.objects.filter(pk=pk, viewer=user).first()
    if run is None:
        raise Http404("No such report run.")
    return run


def _finish(run_id: int, **fields: Any) -> None:
    ReportRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), **fields)


def run_compute(*, run_id: int) -> None:
    """The worker's part: the report for its viewer, through Report.run (rule and filters
    checked again), sealed and stored; or the reason it could not be."""
    run = ReportRun.objects.select_related("viewer").filter(pk=run_id).first()
    if run is None or run.state != RunState.PENDING:
        return
    report = SLOW_REPORTS[run.report].report
    try:
        form, result = report.run(run.viewer, QueryDict(run.query))
        if result is None:
            errors = " ".join(m for ms in form.errors.values() for m in ms)
            _finish(run_id, state=RunState.FAILED, error=f"The filters are not valid: {errors}")
            return
        sealed = _seal(result)
    except PermissionDenied as error:
        _finish(run_id, state=RunState.FAILED, error=str(error))
        return
    except Exception:
        logger.exception("Report run %s (%s) stopped", run_id, run.report)
        _finish(run_id, state=RunState.FAILED, error=STOPPED)
        return
    _finish(run_id, state=RunState.READY, result=sealed)


def runs_purge(*, now=None) -> int:
    """Drop runs that are no longer fresh (an hour's margin for a slow one still running)."""
    now = now or timezone.now()
    fresh = timedelta(seconds=settings.DAYBOOK_REPORT_FRESH_SECONDS)
    deleted, _ = ReportRun.objects.filter(created_at__lt=now - fresh - KEEP_AFTER_FRESH).delete()
    return deleted
