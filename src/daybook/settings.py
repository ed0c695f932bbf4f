"""Daybook settings: every value comes from the environment (see docs/configuration.md)."""

import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from daybook.core.env import env_bool, env_decimal, env_int, env_list, env_str

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
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "huey.contrib.djhuey",
    "daybook.core",
    "daybook.catalogue",
    "daybook.people",
    "daybook.clients",
    "daybook.service",
    "daybook.timekeeping",
    "daybook.review",
    "daybook.insights",
    "daybook.interchange",
    "daybook.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "daybook.review.context_processors.review_nav",
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
DAYBOOK_TARGET_HOURLY_RATE = env_decimal("DAYBOOK_TARGET_HOURLY_RATE", "100")
# Links in emails and chat messages start with this (no trailing slash).
DAYBOOK_BASE_URL = env_str("DAYBOOK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
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
# Reviewers get the morning digest from this hour of their own day (0-23).
DAYBOOK_DIGEST_HOUR = env_int("DAYBOOK_DIGEST_HOUR", 8)
if not 0 <= DAYBOOK_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("DAYBOOK_DIGEST_HOUR must be an hour from 0 to 23.")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "timekeeping:my_day"
LOGOUT_REDIRECT_URL = "login"

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
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "daybook",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": ENVIRONMENT == "test",
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("DAYBOOK_API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Daybook API",
    "DESCRIPTION": "Time entries, timers, tickets, agreements and the people who log time.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"BillableOptionEnum": "daybook.catalogue.choices.BillableOption"},
    # The API docs page loads Swagger UI from our own static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
