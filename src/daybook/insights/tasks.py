"""Background work for reports, run by `daybook worker`. Thin: the work is in runs.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .runs import run_compute, runs_purge


@db_task()
def compute_report(run_id: int) -> None:
    run_compute(run_id=run_id)


@db_periodic_task(crontab(minute="*/15"))
def purge_report_runs() -> int:
    return runs_purge()
