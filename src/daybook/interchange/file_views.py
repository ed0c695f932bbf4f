"""The import and export page (Finance and administrators): preview a file, import it, and
download entries for payroll or accounting."""

import io

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.money import may_see_money
from daybook.core.web import member_required

from .files.exports import csv_chunks, entries_for_export, export_rows, xlsx_chunks
from .files.importing import run_import
from .files.kinds import KINDS
from .forms import ExportForm, ImportForm
from .models import ImportUpload

FILE_PERMISSION = "timekeeping.manage_all_entries"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ensure_may_use_files(request: HttpRequest) -> None:
    if not request.user.has_perm(FILE_PERMISSION):
        raise PermissionDenied("Imports and exports are for Finance and administrators.")


def _page(request, *, form=None, export_form=None, outcome=None, upload=None, status=200):
    return render(
        request,
        "interchange/files.html",
        {
            "form": form or ImportForm(),
            "export_form": export_form or ExportForm(),
            "kinds": KINDS.values(),
            "outcome": outcome,
            "upload": upload,
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def files(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST: upload a file and preview its import (nothing is kept yet)."""
    _ensure_may_use_files(request)
    if request.method == "GET":
        return _page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    kind, uploaded = form.cleaned_data["kind"], form.cleaned_data["file"]
    content = uploaded.read()
    outcome = run_import(
        kind=kind,
        stream=io.BytesIO(content),
        filename=uploaded.name,
        by=request.member,
        commit=False,
    )
    upload = None
    if outcome.ok:
        # Old uploads of this member that were never imported go; this one waits.
        ImportUpload.objects.filter(uploaded_by=request.member).delete()
        upload = ImportUpload.objects.create(
            kind=kind, filename=uploaded.name[:200], content=content, uploaded_by=request.member
        )
    return _page(request, form=form, outcome=outcome, upload=upload)


@member_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a previewed file: everything checked again, all of it or nothing."""
    _ensure_may_use_files(request)
    upload = get_object_or_404(ImportUpload, pk=pk, uploaded_by=request.member)
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
