"""Helpers every app's pages share: a member-only door, one view for page and htmx partial,
service refusals onto forms, and safe redirects."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from daybook.core.members import request_member

NO_MEMBER = "Only members log time. Ask an administrator to set up a member for your login."


class MemberRequest(HttpRequest):
    member: Model  # a people.Member


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then the login must belong to a member. Pages run in the member's zone,
    so forms read and show times as the member's wall clock."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        member = request_member(request)
        if member is None:
            raise PermissionDenied(NO_MEMBER)
        request.member = member
        with timezone.override(member.zone):
            return view(request, *args, **kwargs)

    return wrapper


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """One view, two answers: the partial for an htmx request, the whole page otherwise."""
    is_partial = partial and getattr(request, "htmx", False) and not request.htmx.boosted
    return render(request, partial if is_partial else template, context, status=status)


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal onto the form, by field where the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a form: `next` if it points back into this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
