"""Daybook settings: every value comes from the environment (see docs/configuration.md)."""

import re
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from daybook.accounts.config import oidc_providers_from_env
from daybook.core.env import env_bool, env_decimal, env_int, env_list, env_str
from daybook.people.choices import Role

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent

ENVIRONMENT = env_str("DAYBOOK_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"DAYBOOK_ENV must be development, production or test, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env_str("DAYBOOK_DATA_DIR", str(PROJECT_ROOT / "var"))).resolve()


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DAYBOOK_ENV=production")
    # Local and demo installs keep a generated key so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
# Off unless asked for, the demo included: its error pages are Daybook's own, not Django's
# debug pages (which list every URL pattern and setting).
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DAYBOOK_ENV=production")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DAYBOOK_ENV=production")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "daybook.core",
    "daybook.accounts",
    "daybook.catalogue",
    "daybook.people",
    "daybook.calendars",
    "daybook.clients",
    "daybook.service",
    "daybook.timekeeping",
    "daybook.review",
    "daybook.insights",
    "daybook.interchange",
    "daybook.psa",
    "daybook.setup",
    "daybook.home",
    "daybook.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Right after OTPMiddleware: a session owing its two-factor code is anonymous to the rest.
    "daybook.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Sends a member to the written process until they acknowledge the version in force.
    "daybook.home.middleware.ProcessAcknowledgementMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into our refusal (accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "daybook.urls"
WSGI_APPLICATION = "daybook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "daybook.home.context_processors.nav",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "daybook.sqlite3",
            "OPTIONS": {
                # WAL lets the worker and the web server read while the other writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# History keeps the reason a change was made in the member's own words (a notes correction,
# a re-rate, a reopened period): a text field, since those sentences outgrow 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
# SQLite ignores the covering part of entry_start_covering (it still uses the index);
# PostgreSQL, where the reports run at scale, uses all of it.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
TIME_ZONE = env_str("DAYBOOK_TIME_ZONE", "UTC")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"DAYBOOK_TIME_ZONE must be an IANA time zone name, not {TIME_ZONE!r}"
    ) from None

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [d for d in [PROJECT_ROOT / "build" / "static"] if d.exists()]
# In development WhiteNoise also serves static files straight from the apps, so a demo or a
# development server with DEBUG off still gets its styles and scripts (tests need not: the
# scan would cost every test client a moment).
WHITENOISE_USE_FINDERS = ENVIRONMENT == "development"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Insights flags agreements whose effective hourly rate falls below this.
# How amounts read on pages and statements ("$ 1,250.00"); Daybook keeps one currency.
DAYBOOK_CURRENCY_SYMBOL = env_str("DAYBOOK_CURRENCY_SYMBOL", "$")
DAYBOOK_TARGET_HOURLY_RATE = env_decimal("DAYBOOK_TARGET_HOURLY_RATE", "100")
# Links in emails and chat messages start with this (no trailing slash). Unset, it is the
# address `daybook serve` listens on, so a demo on another port still links to itself.
DAYBOOK_BASE_URL = env_str("DAYBOOK_BASE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip(
    "/"
)
# Notices that fail to send are tried again this many times, this many seconds apart.
DAYBOOK_DELIVERY_RETRIES = env_int("DAYBOOK_DELIVERY_RETRIES", 3)
DAYBOOK_DELIVERY_RETRY_SECONDS = env_int("DAYBOOK_DELIVERY_RETRY_SECONDS", 60)
if DAYBOOK_DELIVERY_RETRIES < 0 or DAYBOOK_DELIVERY_RETRY_SECONDS < 0:
    raise ImproperlyConfigured(
        "DAYBOOK_DELIVERY_RETRIES and DAYBOOK_DELIVERY_RETRY_SECONDS must be 0 or more."
    )
# How often open review pages and Requests refresh themselves, in seconds (not from the
# environment: the browser tests shorten it).
DAYBOOK_REVIEW_REFRESH_SECONDS = 30
# Steps run inside the same transaction whenever a member's entries change, each called with
# member= and days= (the local dates touched). Timekeeping sits below the apps that react, so it
# finds them here, as MIDDLEWARE does, instead of importing them.
DAYBOOK_AFTER_ENTRY_CHANGE = [
    "daybook.review.services.followups_refresh",
    # Rewrites the stored day summaries of the days changed (timekeeping/summaries.py).
    "daybook.timekeeping.summaries.summaries_refresh",
    # Queues the push of the changed entries to PSA connections (psa/push.py).
    "daybook.psa.push.entries_changed",
    # Recomputes the member's monthly totals the period reports read (timekeeping/totals.py).
    "daybook.timekeeping.totals.monthly_totals_refresh",
]
# Reviewers get the morning digest from this hour of their own day (0-23).
DAYBOOK_DIGEST_HOUR = env_int("DAYBOOK_DIGEST_HOUR", 8)
if not 0 <= DAYBOOK_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("DAYBOOK_DIGEST_HOUR must be an hour from 0 to 23.")

# Outbound requests (core/outbound.py): the only hosts Daybook sends to, as exact names or
# *.suffix. Slack's webhooks; Teams' old connector webhooks and its Workflows (Power Automate)
# trigger addresses, old and new; Outlook's and Google's published calendars.
DAYBOOK_OUTBOUND_HOSTS = [
    host.lower().rstrip(".")
    for host in env_list(
        "DAYBOOK_OUTBOUND_HOSTS",
        [
            "hooks.slack.com",
            "*.webhook.office.com",
            "*.logic.azure.com",
            "*.environment.api.powerplatform.com",
            "outlook.office365.com",
            "outlook.live.com",
            "calendar.google.com",
        ],
    )
]
for _host in DAYBOOK_OUTBOUND_HOSTS:
    if not re.fullmatch(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[?[0-9a-f:.]+\]?", _host):
        raise ImproperlyConfigured(
            f"DAYBOOK_OUTBOUND_HOSTS entries must be host names or *.suffix, not {_host!r}"
        )
# The whole of one request, connection to last byte, in seconds.
DAYBOOK_OUTBOUND_TIMEOUT_SECONDS = env_int("DAYBOOK_OUTBOUND_TIMEOUT_SECONDS", 10)
if not 1 <= DAYBOOK_OUTBOUND_TIMEOUT_SECONDS <= 300:
    raise ImproperlyConfigured("DAYBOOK_OUTBOUND_TIMEOUT_SECONDS must be from 1 to 300.")
# For development against a receiver on this machine only; both are refused in production.
DAYBOOK_OUTBOUND_ALLOW_HTTP = env_bool("DAYBOOK_OUTBOUND_ALLOW_HTTP", False)
DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = env_bool("DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK", False)
if PRODUCTION and (DAYBOOK_OUTBOUND_ALLOW_HTTP or DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK):
    raise ImproperlyConfigured(
        "DAYBOOK_OUTBOUND_ALLOW_HTTP and DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK must be off "
        "when DAYBOOK_ENV=production"
    )
# `daybook worker` runs this many threads, so one slow receiver never holds up the rest.
DAYBOOK_WORKER_THREADS = env_int("DAYBOOK_WORKER_THREADS", 4)
if not 1 <= DAYBOOK_WORKER_THREADS <= 64:
    raise ImproperlyConfigured("DAYBOOK_WORKER_THREADS must be from 1 to 64.")

# --- Work moved to the worker (docs/configuration.md, "Outbound requests and the worker") ---
# Uploads larger than this many bytes (about 2,000 lines of entries) are checked and imported
# by the worker while the page polls; smaller ones inside the request.
DAYBOOK_IMPORT_INLINE_BYTES = env_int("DAYBOOK_IMPORT_INLINE_BYTES", 256 * 1024)
# Report pages over a range longer than this many days are computed by the worker, and the
# result is kept for DAYBOOK_REPORT_FRESH_SECONDS so the same request again reuses it.
DAYBOOK_REPORT_INLINE_DAYS = env_int("DAYBOOK_REPORT_INLINE_DAYS", 92)
DAYBOOK_REPORT_FRESH_SECONDS = env_int("DAYBOOK_REPORT_FRESH_SECONDS", 300)
if DAYBOOK_IMPORT_INLINE_BYTES < 0 or DAYBOOK_REPORT_INLINE_DAYS < 0:
    raise ImproperlyConfigured(
        "DAYBOOK_IMPORT_INLINE_BYTES and DAYBOOK_REPORT_INLINE_DAYS cannot be negative."
    )
if DAYBOOK_REPORT_FRESH_SECONDS < 1:
    raise ImproperlyConfigured("DAYBOOK_REPORT_FRESH_SECONDS must be at least 1.")

# --- PSA connections (daybook.psa; docs/configuration.md, "PSA connections") ---
# The Fernet key that encrypts PSA credentials at rest (generate one with
# `daybook psa_key`). Without it, connections cannot be saved or used.
DAYBOOK_PSA_KEY = env_str("DAYBOOK_PSA_KEY")
# Tries per request to a PSA (the first included) before a run records the problem.
DAYBOOK_PSA_ATTEMPTS = env_int("DAYBOOK_PSA_ATTEMPTS", 5)
if not 1 <= DAYBOOK_PSA_ATTEMPTS <= 20:
    raise ImproperlyConfigured("DAYBOOK_PSA_ATTEMPTS must be from 1 to 20.")
# The first wait before a retry, doubled for each further one (Retry-After wins when sent).
DAYBOOK_PSA_BACKOFF_SECONDS = env_decimal("DAYBOOK_PSA_BACKOFF_SECONDS", "1")
if not 0 <= DAYBOOK_PSA_BACKOFF_SECONDS <= 60:
    raise ImproperlyConfigured("DAYBOOK_PSA_BACKOFF_SECONDS must be from 0 to 60.")
DAYBOOK_PSA_BACKOFF_SECONDS = float(DAYBOOK_PSA_BACKOFF_SECONDS)
# Requests per second to one PSA connection, from this process (0: no limit).
DAYBOOK_PSA_REQUESTS_PER_SECOND = env_int("DAYBOOK_PSA_REQUESTS_PER_SECOND", 10)
if not 0 <= DAYBOOK_PSA_REQUESTS_PER_SECOND <= 1000:
    raise ImproperlyConfigured("DAYBOOK_PSA_REQUESTS_PER_SECOND must be from 0 to 1000.")
# Minutes between polls of each active connection for changes (webhooks come sooner).
DAYBOOK_PSA_POLL_MINUTES = env_int("DAYBOOK_PSA_POLL_MINUTES", 5)
if not 1 <= DAYBOOK_PSA_POLL_MINUTES <= 1440:
    raise ImproperlyConfigured("DAYBOOK_PSA_POLL_MINUTES must be from 1 to 1440.")
# The connector classes, one per PSA kind (psa/connectors/base.py registry).
DAYBOOK_PSA_CONNECTORS = [
    "daybook.psa.connectors.connectwise.ConnectWise",
    "daybook.psa.connectors.autotask.Autotask",
    "daybook.psa.connectors.halo.Halo",
]

# A refused form (a missing or stale security token) gets Daybook's 403 page with a sentence
# saying what to do, instead of Django's.
CSRF_FAILURE_VIEW = "daybook.core.views.csrf_failure"

LOGIN_URL = "login"
# Each role starts from its own home page (timer and day, reviews, dispatch, periods).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Signing in (daybook.accounts; docs/configuration.md, "Signing in") ---
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a paused username and address before any password check.
    "daybook.accounts.throttle.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
DAYBOOK_LOGIN_FAILURE_LIMIT = env_int("DAYBOOK_LOGIN_FAILURE_LIMIT", 5)
DAYBOOK_LOGIN_COOLOFF_MINUTES = env_int("DAYBOOK_LOGIN_COOLOFF_MINUTES", 15)
if DAYBOOK_LOGIN_FAILURE_LIMIT < 1 or DAYBOOK_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "DAYBOOK_LOGIN_FAILURE_LIMIT and DAYBOOK_LOGIN_COOLOFF_MINUTES must be 1 or more."
    )
# How many reverse proxies in front of Daybook append to X-Forwarded-For (0: none, use the
# connection's address). Sign-in pauses are per username and address, so this must be right.
DAYBOOK_TRUSTED_PROXY_COUNT = env_int("DAYBOOK_TRUSTED_PROXY_COUNT", 0)
if DAYBOOK_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DAYBOOK_TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_FAILURE_LIMIT = DAYBOOK_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=DAYBOOK_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during a pause are refused without starting it again, so the time we quote holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "daybook.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "daybook.accounts.throttle.client_ip"
AXES_VERBOSE = False  # no banner on every command; failures are still logged
# API tokens last this many days unless their owner picks another number (1-365).
DAYBOOK_API_TOKEN_DAYS = env_int("DAYBOOK_API_TOKEN_DAYS", 90)
if not 1 <= DAYBOOK_API_TOKEN_DAYS <= 365:
    raise ImproperlyConfigured("DAYBOOK_API_TOKEN_DAYS must be from 1 to 365.")
# Roles whose members must sign in with an authenticator app code, e.g. "admin,finance".
_roles = {role.value.lower(): role.value for role in Role}
DAYBOOK_REQUIRE_2FA_FOR = []
for _name in env_list("DAYBOOK_REQUIRE_2FA_FOR"):
    if _name.lower() not in _roles:
        raise ImproperlyConfigured(
            f"DAYBOOK_REQUIRE_2FA_FOR may name {', '.join(r.lower() for r in _roles)}; "
            f"{_name!r} is not a role."
        )
    DAYBOOK_REQUIRE_2FA_FOR.append(_roles[_name.lower()])
OTP_TOTP_ISSUER = "Daybook"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Single sign-on with OpenID Connect: DAYBOOK_OIDC_PROVIDERS=entra,google and, for each,
# DAYBOOK_OIDC_<NAME>_CLIENT_ID, _CLIENT_SECRET, _ISSUER (accounts/config.py reads them).
DAYBOOK_OIDC_PROVIDERS = oidc_providers_from_env()
# A verified email no login uses gets a new login (no password, no role) instead of a refusal.
DAYBOOK_OIDC_CREATE_USERS = env_bool("DAYBOOK_OIDC_CREATE_USERS", False)

_email = dj_email_url.parse(env_str("EMAIL_URL", "console:"))
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured(
        "EMAIL_URL must start with console:, smtp://, submission:// (see docs/configuration.md)"
    )
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
# A worker waits this long for a slow mail server before the delivery counts as failed and
# is tried again later (seconds; ?timeout= in EMAIL_URL).
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "daybook@localhost")

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "daybook",
        "url": REDIS_URL,
        "immediate": False,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # The queue's file lives in the data folder; make it now, or every command would fail on
    # a fresh DAYBOOK_DATA_DIR before anything else could create it.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "daybook",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": ENVIRONMENT == "test",
    }
# `daybook worker` (run_huey) starts this many worker threads unless told otherwise (-w, -k).
HUEY["consumer"] = {"workers": DAYBOOK_WORKER_THREADS, "worker_type": "thread"}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "daybook.accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, for browsers too: DRF's HTML pages list every related row in their forms
    # (a thousand clients, tens of thousands of tickets), which at MSP scale took seconds to
    # minutes a page. People read the API at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Pages of PAGE_SIZE; a client may ask for up to DAYBOOK_API_MAX_PAGE_SIZE with page_size.
    "DEFAULT_PAGINATION_CLASS": "daybook.core.pagination.DaybookPagination",
    "PAGE_SIZE": env_int("DAYBOOK_API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "daybook.core.api.DaybookAutoSchema",
}
DAYBOOK_API_MAX_PAGE_SIZE = env_int("DAYBOOK_API_MAX_PAGE_SIZE", 500)
if not 1 <= REST_FRAMEWORK["PAGE_SIZE"] <= DAYBOOK_API_MAX_PAGE_SIZE:
    raise ImproperlyConfigured(
        f"DAYBOOK_API_PAGE_SIZE must be from 1 to DAYBOOK_API_MAX_PAGE_SIZE "
        f"({DAYBOOK_API_MAX_PAGE_SIZE}), not {REST_FRAMEWORK['PAGE_SIZE']}."
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "Daybook API",
    "DESCRIPTION": "Time entries, timers, tickets, agreements and the people who log time.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate shapes for what a client sends and what it gets back: read-only fields are
    # only in answers, and answers may leave out what a role does not see (money).
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BillableOptionEnum": "daybook.catalogue.choices.BillableOption",
        # Entries and suggestions both have a "source", from different lists.
        "EntrySourceEnum": "daybook.timekeeping.choices.EntrySource",
        "SuggestionSourceEnum": "daybook.timekeeping.choices.SuggestionSource",
    },
    # The API docs page loads Swagger UI from our own static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

if PRODUCTION:
    # Behind a TLS-terminating proxy (the usual set-up) the proxy says which scheme the
    # browser used; trust that header only when told a proxy sets it.
    if env_bool("DAYBOOK_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health checks come from the load balancer over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # Preloading a domain into browsers is hard to undo, so it is the operator's choice
    # (SECURE_HSTS_PRELOAD); the check that nags for it is off.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Content-Security-Policy (django-csp; docs/configuration.md) ---
# Scripts and styles come only from our own static files: no inline <script>, no on*=
# handlers, no <style> blocks and no style= attributes in any page, and htmx runs without
# eval (allowEval false in base.html). Values worked out on the server (timeline positions,
# colours) reach the page as data-css-* attributes that core/static/core/daybook.js sets
# through the CSSOM, which the policy allows. Bootstrap's icons are data: images; Chart.js draws on
# a canvas and sizes it through the CSSOM. The API docs page (Swagger UI) loads its start-up
# script as a file of its own (api_urls.py), so it needs no exception either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Error pages with DEBUG on and error mails list settings; hide every address that can carry
# a password (DATABASE_URL, REDIS_URL, EMAIL_URL) along with Django's usual secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "daybook.core.debug.SettingsFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # httpx logs every request's full address at INFO, and a webhook address is a secret.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
