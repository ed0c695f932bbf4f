"""The home page each role starts from, and the written process: read, acknowledge, edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from daybook.core.members import request_member
from daybook.core.web import apply_errors, member_required, safe_next

from .forms import AcknowledgeForm, ProcessForm
from .models import ProcessAcknowledgement, ProcessVersion
from .panels import home_panels
from .selectors import process_current, process_readers, process_versions
from .services import NOT_AN_ADMIN, may_edit_process, process_acknowledge, process_publish
from .text import process_html

NO_SUCH_VERSION = "There is no such version of the process."


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role's panels; a login without a member (a bare superuser) gets a pointer to
    setting one up instead."""
    member = request_member(request)
    if member is not None:
        with timezone.override(member.zone):
            panels = home_panels(member)
            return render(request, "home/home.html", {"panels": panels, "member": member})
    return render(request, "home/home.html", {"panels": None, "member": None})


def _admin_required(request: HttpRequest) -> None:
    if not may_edit_process(request.user):
        raise PermissionDenied(NOT_AN_ADMIN)


@login_required
@require_http_methods(["GET", "POST"])
def process_view(request: HttpRequest) -> HttpResponse:
    """The process in force. A member who has not acknowledged it yet is asked to; saying so
    records who, which version and when, and goes on to where they were headed."""
    member = request_member(request)
    current = process_current()
    next_url = safe_next(request, reverse("home"))
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST":
        if member is None:
            raise PermissionDenied("Only members acknowledge the process.")
        if form.is_valid():
            try:
                process_acknowledge(member=member, version_number=form.cleaned_data["version"])
            except ValidationError as error:
                apply_errors(form, error)
                current = process_current()
            else:
                messages.success(request, "Thank you: your acknowledgement is recorded.")
                return redirect(next_url)
    acknowledged = (
        ProcessAcknowledgement.objects.filter(member=member, version=current).first()
        if member is not None and current is not None
        else None
    )
    read_before = (
        acknowledged is None
        and member is not None
        and ProcessAcknowledgement.objects.filter(member=member).exists()
    )
    context = {
        "current": current,
        "read_before": read_before,
        "html": process_html(current.text) if current else "",
        "acknowledged": acknowledged,
        "may_acknowledge": member is not None and current is not None,
        "may_edit": may_edit_process(request.user),
        "form": form,
        "next": next_url,
    }
    # Dates in the member's own zone, as on every member page.
    with timezone.override(member.zone if member is not None else timezone.get_current_timezone()):
        return render(request, "home/process.html", context, status=400 if form.errors else 200)


@member_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest) -> HttpResponse:
    """Administrators write a new version; saving never changes an earlier one."""
    _admin_required(request)
    current = process_current()
    initial = {"based_on": current.number} if current else {}
    if current:
        initial |= {"title": current.title, "text": current.text}
    form = ProcessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = process_publish(
                title=data["title"],
                text=data["text"],
                summary=data["summary"],
                based_on=data["based_on"],
                by=request.member,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} is saved. Every member will be asked to read it at "
                "their next page.",
            )
            return redirect("home:process_versions")
    return render(
        request,
        "home/process_edit.html",
        {"form": form, "current": current},
        status=400 if form.errors else 200,
    )


@member_required
@require_GET
def process_versions_view(request: HttpRequest) -> HttpResponse:
    """Every version with its author and how many acknowledged it (administrators)."""
    _admin_required(request)
    return render(request, "home/process_versions.html", {"versions": process_versions()})


@member_required
@require_GET
def process_version_view(request: HttpRequest, number: int) -> HttpResponse:
    """One version's text, and each working member: acknowledged when, or not yet."""
    _admin_required(request)
    version = ProcessVersion.objects.select_related("author__user").filter(number=number).first()
    if version is None:
        raise Http404(NO_SUCH_VERSION)
    readers = process_readers(version, today=timezone.localdate())
    return render(
        request,
        "home/process_version.html",
        {
            "version": version,
            "html": process_html(version.text),
            "readers": readers,
            "read_count": sum(1 for r in readers if r.acknowledged_at),
        },
    )
