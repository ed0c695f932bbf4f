"""Large files are checked and imported by the worker, so a 100,000-line file never holds a
web worker for half a minute. The page stores the upload, the worker runs the very
`run_import` the page and `daybook import` run (preview, then the all-or-nothing commit), and
the outcome is kept on the upload for the page to show while it polls.

Small files (up to DAYBOOK_IMPORT_INLINE_BYTES) are still checked inside the request: the
answer comes back with the page, and the upload only waits between preview and import.
"""

import io
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from daybook.people.models import Member

from ..models import ImportUpload, UploadState
from .importing import Outcome, Problem, run_import
from .kinds import kind_named

logger = logging.getLogger(__name__)

# Only this permission sees another member's upload (administrators hold every permission).
ADMIN_PERMISSION = "people.add_member"
STOPPED = (
    "Daybook stopped on an unexpected error while {doing} this file; the details are in the "
    "server's log. Nothing was imported. Try again, or import it with the daybook import "
    "command to see the error."
)


def in_worker(size: int) -> bool:
    """Files larger than this go to the worker."""
    return size > settings.DAYBOOK_IMPORT_INLINE_BYTES


def outcome_as_json(outcome: Outcome) -> dict:
    return {
        "rows": outcome.rows,
        "new": outcome.new,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "problem_count": outcome.problem_count,
        "committed": outcome.committed,
        "problems": [[p.line, p.column, p.value, p.message] for p in outcome.problems],
    }


def outcome_from_json(kind: str, data: dict) -> Outcome:
    return Outcome(
        kind=kind_named(kind),
        rows=data["rows"],
        new=data["new"],
        updated=data["updated"],
        unchanged=data["unchanged"],
        problem_count=data["problem_count"],
        committed=data["committed"],
        problems=[Problem(*problem) for problem in data["problems"]],
    )


def upload_outcome(upload: ImportUpload) -> Outcome | None:
    return None if upload.outcome is None else outcome_from_json(upload.kind, upload.outcome)


def upload_for(*, user, pk: int) -> ImportUpload:
    """An upload its uploader (or an administrator) may see; a 404 for everyone else."""
    uploads = ImportUpload.objects.select_related("uploaded_by__user")
    if not (user.is_superuser or user.has_perm(ADMIN_PERMISSION)):
        uploads = uploads.filter(uploaded_by__user=user)
    upload = uploads.filter(pk=pk).first()
    if upload is None:
        raise Http404("No such upload.")
    return upload


def latest_upload(*, member: Member) -> ImportUpload | None:
    return ImportUpload.objects.filter(uploaded_by=member).order_by("-created_at", "-pk").first()


def upload_receive(
    *, kind: str, filename: str, content: bytes, by: Member, outcome: Outcome | None = None
) -> ImportUpload:
    """Keep a file: checked already (`outcome`, a small file) or waiting for the worker to
    check it. The member's older uploads go, except one the worker is importing right now."""
    with transaction.atomic():
        ImportUpload.objects.filter(uploaded_by=by).exclude(state=UploadState.IMPORTING).delete()
        return ImportUpload.objects.create(
            kind=kind,
            filename=filename[:200],
            content=content,
            uploaded_by=by,
            state=UploadState.CHECKING if outcome is None else UploadState.READY,
            outcome=None if outcome is None else outcome_as_json(outcome),
        )


def upload_claim_import(*, upload: ImportUpload) -> bool:
    """Mark a checked upload as importing; False when it is not ready (already importing,
    imported, or it has problems). Claimed in one UPDATE, so a second press does nothing."""
    claimed = ImportUpload.objects.filter(pk=upload.pk, state=UploadState.READY).update(
        state=UploadState.IMPORTING, error="", updated_at=timezone.now()
    )
    if claimed:
        upload.state = UploadState.IMPORTING
    return bool(claimed)


def _record(upload_id: int, **fields) -> None:
    # An UPDATE, not save(): the member may have replaced this upload meanwhile.
    ImportUpload.objects.filter(pk=upload_id).update(updated_at=timezone.now(), **fields)


def _run(upload: ImportUpload, *, commit: bool) -> Outcome:
    with timezone.override(upload.uploaded_by.zone):
        return run_import(
            kind=upload.kind,
            stream=io.BytesIO(bytes(upload.content)),
            filename=upload.filename,
            by=upload.uploaded_by,
            commit=commit,
        )


def _busy(upload_id: int, state: str) -> ImportUpload | None:
    return (
        ImportUpload.objects.select_related("uploaded_by__user")
        .filter(pk=upload_id, state=state)
        .first()
    )


def upload_check(*, upload_id: int) -> None:
    """The worker's preview: every row checked, nothing kept, the outcome recorded."""
    upload = _busy(upload_id, UploadState.CHECKING)
    if upload is None:  # replaced by a newer upload, or already checked
        return
    try:
        outcome = _run(upload, commit=False)
    except PermissionDenied as error:
        _record(upload_id, state=UploadState.FAILED, error=str(error))
        return
    except Exception:
        logger.exception("Checking upload %s stopped", upload_id)
        _record(upload_id, state=UploadState.FAILED, error=STOPPED.format(doing="checking"))
        return
    state = UploadState.READY if outcome.ok else UploadState.REFUSED
    _record(upload_id, state=state, outcome=outcome_as_json(outcome))


def upload_import(*, upload_id: int) -> None:
    """The worker's import: all rows or none, checked again. The upload's new state is
    written in the import's own transaction, so an imported file never shows as waiting."""
    upload = _busy(upload_id, UploadState.IMPORTING)
    if upload is None:
        return
    try:
        with transaction.atomic():
            outcome = _run(upload, commit=True)
            if outcome.committed:
                # The content is not needed any more; the counts stay for the page.
                _record(
                    upload_id,
                    state=UploadState.IMPORTED,
                    outcome=outcome_as_json(outcome),
                    content=b"",
                )
    except PermissionDenied as error:
        _record(upload_id, state=UploadState.FAILED, error=str(error))
        return
    except Exception:
        logger.exception("Importing upload %s stopped", upload_id)
        _record(upload_id, state=UploadState.FAILED, error=STOPPED.format(doing="importing"))
        return
    if not outcome.committed:
        # Something changed since the check (a period closed, an entry added): the new
        # problems are listed and nothing was kept.
        _record(upload_id, state=UploadState.REFUSED, outcome=outcome_as_json(outcome))
