"""Background work for file imports, run by `daybook worker`. Thin: the work is in
files/jobs.py, which runs the same import as the page and `daybook import`."""

from huey.contrib.djhuey import db_task

from .files.jobs import upload_check, upload_import


@db_task()
def check_upload(upload_id: int) -> None:
    upload_check(upload_id=upload_id)


@db_task()
def import_upload(upload_id: int) -> None:
    upload_import(upload_id=upload_id)
