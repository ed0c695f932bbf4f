"""The import and export page (Finance and administrators): preview a file, import it, and
download entries for payroll or accounting."""

import io

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.money import may_see_money
from daybook.core.web import member_required, render_page

from . import tasks
from .files.exports import csv_chunks, entries_for_export, export_rows, xlsx_chunks
from .files.importing import ensure_may_import, run_import
from .files.jobs import (
    in_worker,
    latest_upload,
    upload_claim_import,
    upload_for,
    upload_outcome,
    upload_receive,
)
from .files.kinds import KINDS
from .forms import ExportForm, ImportForm
from .models import ImportUpload, UploadState

FILE_PERMISSION = "timekeeping.manage_all_entries"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How often the page asks after a file the worker is checking or importing.
POLL_SECONDS = 2


def _ensure_may_use_files(request: HttpRequest) -> None:
    if not request.user.has_perm(FILE_PERMISSION):
        raise PermissionDenied("Imports and exports are for Finance and administrators.")


def _page(request, *, form=None, export_form=None, outcome=None, upload=None, status=200):
    if upload is not None and outcome is None:
        outcome = upload_outcome(upload)
    return render_page(
        request,
        "interchange/files.html",
        {
            "form": form or ImportForm(),
            "export_form": export_form or ExportForm(),
            "kinds": KINDS.values(),
            "outcome": outcome,
            "upload": upload,
            "poll_seconds": POLL_SECONDS,
        },
        partial="interchange/_upload.html",
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def files(request: HttpRequest) -> HttpResponse:
    """GET: the page, with the member's latest upload. POST: upload a file and preview its
    import (nothing is kept yet); a large file is checked by the worker while the page
    polls."""
    _ensure_may_use_files(request)
    if request.method == "GET":
        return _page(request, upload=latest_upload(member=request.member))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    kind, uploaded = form.cleaned_data["kind"], form.cleaned_data["file"]
    content = uploaded.read()
    if in_worker(len(content)):
        # Refused early, like the inline check, rather than after a trip through the queue.
        ensure_may_import(kind=kind, by=request.member)
        upload = upload_receive(
            kind=kind, filename=uploaded.name, content=content, by=request.member
        )
        tasks.check_upload(upload.pk)
        upload.refresh_from_db()
        return _page(request, form=form, upload=upload, status=202 if upload.waiting else 200)
    outcome = run_import(
        kind=kind,
        stream=io.BytesIO(content),
        filename=uploaded.name,
        by=request.member,
        commit=False,
    )
    upload = None
    if outcome.ok:
        upload = upload_receive(
            kind=kind, filename=uploaded.name, content=content, by=request.member, outcome=outcome
        )
    return _page(request, form=form, outcome=outcome, upload=upload)


@member_required
@require_GET
def upload_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Where an upload stands: the card the page polls while the worker checks or imports
    it (htmx), or the whole page with it."""
    _ensure_may_use_files(request)
    upload = upload_for(user=request.user, pk=pk)
    return _page(request, upload=upload)


@member_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a previewed file: everything checked again, all of it or nothing. A large file
    is imported by the worker while the page polls."""
    _ensure_may_use_files(request)
    upload = get_object_or_404(ImportUpload, pk=pk, uploaded_by=request.member)
    if upload.state != UploadState.READY:
        # Pressed twice, already imported, or it has problems: show where it stands.
        return _page(request, upload=upload, status=409)
    if in_worker(len(upload.content)):
        if not upload_claim_import(upload=upload):  # another press got there first
            upload.refresh_from_db()
            return _page(request, upload=upload, status=409)
        tasks.import_upload(upload.pk)
        upload.refresh_from_db()
        return _page(request, upload=upload, status=202 if upload.waiting else 200)
    outcome = run_import(
        kind=upload.kind,
        stream=io.BytesIO(bytes(upload.content)),
        filename=upload.filename,
        by=request.member,
        commit=True,
    )
    if outcome.committed:
        upload.delete()
        upload = None
    return _page(request, outcome=outcome, upload=upload, status=200 if outcome.ok else 400)


@member_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Download entries, streamed; the viewer's own visibility and money rules apply."""
    _ensure_may_use_files(request)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, export_form=form, status=400)
    data = form.cleaned_data
    entries = entries_for_export(viewer=request.user, start=data["start"], end=data["end"])
    rows = export_rows(entries, data["purpose"], may_see_money(request.user))
    stamp = timezone.localdate().isoformat()
    name = f"daybook-{data['purpose']}-{stamp}.{data['format']}"
    if data["format"] == "xlsx":
        response = StreamingHttpResponse(xlsx_chunks(rows), content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
