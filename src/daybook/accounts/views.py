"""Account pages: API tokens, two-factor sign-in, password change and reset, single sign-on.

Every page here is for the signed-in user about their own login (except the reset pages and
the single sign-on doors, which are how one gets signed in). Another user's token is a 404.
"""

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from daybook.core.web import apply_errors, safe_next

from .config import OidcProvider
from .forms import CodeForm, PasswordChangeForm, PasswordResetForm, PasswordSetForm, TokenCreateForm
from .models import ApiToken
from .oidc import SsoRefused, provider_named, sso_redirect, sso_verified_email
from .selectors import role_requires_two_factor, tokens_of, totp_device_of
from .services import (
    sso_user_for_email,
    token_create,
    token_revoke,
    totp_enrol,
    totp_new_key,
    totp_remove,
    totp_verify,
)

PENDING_KEY_SESSION = "accounts_totp_pending_key"
SSO_NEXT_SESSION = "accounts_sso_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _home() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    live = tokens_of(user=user).filter(revoked_at__isnull=True, expires_at__gt=now).count()
    return render(
        request,
        "accounts/index.html",
        {
            "two_factor_on": totp_device_of(user=user) is not None,
            "live_tokens": live,
            "has_password": user.has_usable_password(),
        },
    )


# --- API tokens -------------------------------------------------------------------------------


def token_for(user, pk: int) -> ApiToken:
    """Only the user's own tokens; anyone else's is a 404."""
    return get_object_or_404(ApiToken, pk=pk, user=user)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    new_token = new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new_token, new_key = token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                form = TokenCreateForm()
        if new_key is None:
            status = 400
    now = timezone.now()
    rows = [(token, token.state_at(now)) for token in tokens_of(user=request.user)]
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "rows": rows, "new_token": new_token, "new_key": new_key},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_revoke(token=token_for(request.user, pk))
    messages.success(request, f"The token “{token.name}” ({token.prefix}…) no longer works.")
    return redirect("accounts:tokens")


# --- two-factor -------------------------------------------------------------------------------


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrolment(user, key: str) -> dict:
    """The QR code (inline SVG, made here: nothing leaves the server) and the same secret as
    text for apps that cannot scan."""
    url = TOTPDevice(user=user, key=key).config_url
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return {"qr_svg": svg, "secret": _grouped(b32encode(unhexlify(key)).decode())}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST or None)
    status = 200
    if totp_device_of(user=user) is not None:
        if request.method == "POST" and form.is_valid():
            try:
                totp_remove(user=user, code=form.cleaned_data["code"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, "Two-factor sign-in is off. Your password alone signs you in now."
                )
                return redirect("accounts:two_factor")
        if request.method == "POST":
            status = 400
        context = {
            "form": form,
            "on": True,
            "required": role_requires_two_factor(user=user),
        }
        return render(request, "accounts/two_factor.html", context, status=status)

    key = request.session.get(PENDING_KEY_SESSION)
    if not key:
        key = totp_new_key()
        request.session[PENDING_KEY_SESSION] = key
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_enrol(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            del request.session[PENDING_KEY_SESSION]
            otp_login(request, device)
            messages.success(
                request,
                "Two-factor sign-in is on. From now on Daybook asks for a code from your app "
                "after your password.",
            )
            return redirect(safe_next(request, reverse("accounts:two_factor")))
    if request.method == "POST":
        status = 400
    context = {
        "form": form,
        "on": False,
        "required": role_requires_two_factor(user=user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        **_enrolment(user, key),
    }
    return render(request, "accounts/two_factor.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step. TwoFactorMiddleware sends every request of a session that
    has passed the password but not the code here, with the user as `pending_user`."""
    pending = getattr(request, "pending_user", None)
    if pending is None:
        if request.user.is_authenticated:
            return redirect(safe_next(request, _home()))
        return redirect(settings.LOGIN_URL)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = totp_verify(user=pending, code=form.cleaned_data["code"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.user = pending
                # A new session key for the fully signed-in session.
                request.session.cycle_key()
                otp_login(request, device)
                return redirect(safe_next(request, _home()))
    context = {
        "form": form,
        "pending": pending,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_verify.html", context, status=status)


# --- passwords --------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Links start with the public address, whatever host name this request came in on.
        self.extra_email_context = {
            "base_url": settings.DAYBOOK_BASE_URL,
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PasswordSetForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- single sign-on ---------------------------------------------------------------------------


def _provider(name: str) -> OidcProvider:
    provider = provider_named(name)
    if provider is None:
        raise Http404("No such sign-in provider is set up.")
    return provider


def _login_page(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    context = {"form": AuthenticationForm(request), "sso_error": message, "next": ""}
    return render(request, "core/login.html", context, status=status)


@require_GET
def sso_start(request: HttpRequest, provider: str) -> HttpResponse:
    found = _provider(provider)
    request.session[SSO_NEXT_SESSION] = safe_next(request, _home())
    try:
        return sso_redirect(request, found)
    except SsoRefused as refusal:
        return _login_page(request, refusal.message, status=502)


@never_cache
@require_GET
def sso_callback(request: HttpRequest, provider: str) -> HttpResponse:
    found = _provider(provider)
    try:
        email = sso_verified_email(request, found)
        user = sso_user_for_email(email=email, create=settings.DAYBOOK_OIDC_CREATE_USERS)
    except SsoRefused as refusal:
        return _login_page(request, refusal.message)
    except ValidationError as refusal:
        return _login_page(request, " ".join(refusal.messages))
    next_url = request.session.pop(SSO_NEXT_SESSION, None) or _home()
    login(request, user, backend=MODEL_BACKEND)
    return redirect(next_url)
