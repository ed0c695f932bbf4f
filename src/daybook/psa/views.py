"""Pages for PSA connections (admins only): the list, set-up and edit with a connection
test, mappings, and the sync log with its retry button; and the callback receiver."""

from __future__ import annotations

import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daybook.core.web import apply_errors, member_required, render_page

from . import crypto
from .choices import MapKind, Trigger
from .connectors.base import WebhookRequest, connector_classes
from .forms import ConnectionForm, kind_choices
from .mapping import local_choices
from .models import Connection, Mapping, SyncProblem
from .records import AuthFailed, ConnectorError, NotFound, Rejected
from .services import (
    connection_create,
    connection_test,
    connection_update,
    connector_for,
    mapping_set,
    may_manage,
    problem_retry_mark,
)


def _admin(request: HttpRequest) -> None:
    if not may_manage(request.member):
        raise PermissionDenied("Only administrators may open PSA connections.")


def _connection(request: HttpRequest, pk: int) -> Connection:
    _admin(request)
    return get_object_or_404(Connection.objects.select_related("run_as"), pk=pk)


@member_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    _admin(request)
    rows = Connection.objects.order_by("name")
    return render_page(
        request,
        "psa/connections.html",
        {"connections": rows, "kinds": kind_choices(), "key_problem": crypto.key_problem()},
    )


@member_required
@require_http_methods(["GET", "POST"])
def connection_new(request: HttpRequest) -> HttpResponse:
    _admin(request)
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in connector_classes():
        raise Http404("No connector of that kind is installed.")
    form = ConnectionForm(request.POST or None, kind=kind)
    key_problem = crypto.key_problem()
    if request.method == "POST" and form.is_valid():
        try:
            connection = connection_create(
                by=request.member,
                kind=kind,
                name=form.cleaned_data["name"],
                base_url=form.cleaned_data["base_url"],
                credentials=form.credentials(),
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            return redirect("psa:connection", connection.pk)
    return render_page(
        request,
        "psa/connection_form.html",
        {
            "form": form,
            "kind": kind,
            "label": connector_classes()[kind].label,
            "key_problem": key_problem,
            "connection": None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _apply(form: ConnectionForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        renamed = {
            (f"cred_{k}" if f"cred_{k}" in form.fields else k): v
            for k, v in error.message_dict.items()
        }
        error = ValidationError(renamed)
    apply_errors(form, error)


@member_required
@require_http_methods(["GET", "POST"])
def connection(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    initial = {
        "name": conn.name,
        "base_url": conn.base_url,
        "is_active": conn.is_active,
        "push_entries": conn.push_entries,
    }
    if not crypto.key_problem():
        try:
            stored = crypto.decrypt(conn.credentials)
        except crypto.KeyMissing:
            stored = {}
        cls = connector_classes()[conn.kind]
        for spec in cls.credential_fields:
            if not spec.secret:
                initial[f"cred_{spec.name}"] = stored.get(spec.name, "")
    form = ConnectionForm(request.POST or None, kind=conn.kind, editing=True, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            connection_update(
                by=request.member,
                connection=conn,
                name=form.cleaned_data["name"],
                base_url=form.cleaned_data["base_url"],
                credentials=form.credentials(),
                is_active=form.cleaned_data["is_active"],
                push_entries=form.cleaned_data["push_entries"],
            )
            saved = True
        except ValidationError as error:
            _apply(form, error)
    status = 400 if request.method == "POST" and not saved else 200
    cls = connector_classes()[conn.kind]
    callback_url = (
        request.build_absolute_uri(reverse("psa:webhook", args=[conn.pk, conn.webhook_token]))
        if cls.webhooks
        else ""
    )
    return render_page(
        request,
        "psa/connection_form.html",
        {
            "form": form,
            "kind": conn.kind,
            "label": conn.get_kind_display(),
            "connection": conn,
            "saved": saved,
            "key_problem": crypto.key_problem(),
            "callback_url": callback_url,
            "callback_help": cls.webhook_help(callback_url) if callback_url else "",
        },
        status=status,
    )


@member_required
@require_POST
def connection_check(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    ok, message = connection_test(connection=conn)
    return render_page(
        request,
        "psa/test_result.html",
        {"connection": conn, "ok": ok, "message": message},
        partial="psa/test_result.html",
    )


@member_required
@require_POST
def connection_sync(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    from .tasks import sync_connection

    sync_connection(conn.pk, Trigger.MANUAL)
    return redirect("psa:log", conn.pk)


@member_required
@require_http_methods(["GET", "POST"])
def mappings(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    error = ""
    if request.method == "POST":
        row = get_object_or_404(Mapping, pk=request.POST.get("mapping") or 0, connection=conn)
        raw = (request.POST.get("local") or "").strip()
        try:
            if row.kind == MapKind.STATUS:
                mapping_set(by=request.member, mapping=row, local_value=raw)
            else:
                mapping_set(by=request.member, mapping=row, local_id=int(raw) if raw else None)
        except (ValueError, ValidationError):
            error = f"{row.remote_name}: choose one of the listed Daybook values."
        else:
            return redirect(f"{reverse('psa:mappings', args=[conn.pk])}#mapping-{row.pk}")
    groups = []
    for kind, label in MapKind.choices:
        rows = list(conn.mappings.filter(kind=kind).order_by("remote_parent", "remote_name"))
        groups.append(
            {
                "kind": kind,
                "label": label,
                "rows": rows,
                "choices": local_choices(kind),
                "unmapped": sum(not r.is_mapped for r in rows),
            }
        )
    return render_page(
        request,
        "psa/mappings.html",
        {"connection": conn, "groups": groups, "error": error},
        status=400 if error else 200,
    )


@member_required
@require_GET
def sync_log(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    return render_page(
        request,
        "psa/log.html",
        {
            "connection": conn,
            "runs": conn.runs.all()[:20],
            "problems": conn.problems.filter(resolved_at__isnull=True)[:200],
            "resolved": conn.problems.filter(resolved_at__isnull=False).order_by("-resolved_at")[
                :20
            ],
        },
    )


@member_required
@require_POST
def problem_retry(request: HttpRequest, pk: int, problem_pk: int) -> HttpResponse:
    conn = _connection(request, pk)
    problem = get_object_or_404(SyncProblem, pk=problem_pk, connection=conn)
    try:
        problem_retry_mark(by=request.member, problem=problem)
    except ValidationError:
        return redirect("psa:log", conn.pk)
    from .tasks import sync_connection

    sync_connection(conn.pk, Trigger.RETRY)
    return redirect("psa:log", conn.pk)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """A PSA's callback: the secret token in the address, then the connector's own check
    (ConnectWise's and Autotask's signatures, Halo's Basic authentication). Answers 204 when
    taken, 403 when not trusted, 400 when not understood, 404 when it names a ticket the PSA
    does not have; the PSA's later calls and the polling pick up anything missed."""
    conn = Connection.objects.filter(pk=pk, is_active=True).first()
    if conn is None:
        return JsonResponse({"detail": "No such connection."}, status=404)
    token_ok = hmac.compare_digest(conn.webhook_token.encode(), token.encode())
    if not token_ok:
        return JsonResponse({"detail": "This callback address is not valid."}, status=403)
    try:
        connector = connector_for(conn)
        events = connector.parse_webhook(
            WebhookRequest(
                body=request.body,
                headers={k.lower(): v for k, v in request.headers.items()},
                query=request.GET.dict(),
                token_ok=token_ok,
            )
        )
    except AuthFailed as refused:
        return JsonResponse({"detail": f"Refused: {refused.summary}."}, status=403)
    except (ConnectorError, crypto.KeyMissing) as error:
        return JsonResponse({"detail": getattr(error, "summary", str(error))}, status=400)
    from .sync import webhook_apply

    try:
        webhook_apply(connection=conn, events=events, connector=connector)
    except NotFound as missing:
        return JsonResponse({"detail": _sentence(missing.summary)}, status=404)
    except Rejected as refused:
        return JsonResponse({"detail": _sentence(refused.summary)}, status=400)
    return HttpResponse(status=204)


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}."
