"""Django settings for Tousu, read from the environment with safe local defaults.

Production mode (``DEBUG`` off) refuses to start with the default secret key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TOUSU_VAR_DIR", PROJECT_DIR / "var"))

DEFAULT_SECRET_KEY = "insecure-local-development-key-change-me"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("TOUSU_TESTING", False)
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEFAULT_SECRET_KEY
# `make run` is a local demo: it sets TOUSU_LOCAL=1, which allows the default key.
LOCAL_MODE = env_bool("TOUSU_LOCAL", False) or TESTING

if not LOCAL_MODE:
    if SECRET_KEY == DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production: export SECRET_KEY to a long random value "
            "(TOUSU_LOCAL=1 allows the development key for local use only)."
        )
    if DEBUG:
        raise ImproperlyConfigured(
            "DEBUG must be off in production: unset DEBUG (TOUSU_LOCAL=1 allows it locally)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "tousu.common",
    "tousu.accounts",
    "tousu.companies",
    "tousu.complaints",
    "tousu.moderation",
    "tousu.disputes",
    "tousu.privacy",
    "tousu.engagement",
    "tousu.opendata",
    "tousu.partners",
    "tousu.leads",
    "tousu.imports",
    "tousu.merchants",
    "tousu.metrics",
    "tousu.search",
    "tousu.datagen",
    "tousu.insights",
    "tousu.api",
    "tousu.web",
    "tousu.pagecache",
]

MIDDLEWARE = [
    # with DATABASE_REPLICA_URLS, "tousu.common.dbrouter.ReplicaMiddleware" goes first (below)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tousu.moderation.context.ClientAddressMiddleware",  # submitting address (mass filing)
    "tousu.moderation.context.DeviceCookieMiddleware",  # submitting device (mass filing)
    "tousu.partners.middleware.ApiLimitsMiddleware",  # per-client limits of the read API
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tousu.urls"
WSGI_APPLICATION = "tousu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tousu.web.context.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "tousu.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}"
_db = dj_database_url.parse(
    DATABASE_URL, conn_max_age=0 if TESTING else 60, conn_health_checks=not TESTING
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL for concurrent readers, IMMEDIATE transactions so writers queue on the busy
    # timeout instead of failing on lock upgrade, foreign keys are on in Django's backend.
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    _db["CONN_MAX_AGE"] = 0 if TESTING else 600
    _db["TEST"] = {"NAME": os.environ.get("TOUSU_SQLITE_TEST_NAME") or None}
DATABASES: dict[str, Any] = {"default": _db}
IS_SQLITE = _db["ENGINE"] == "django.db.backends.sqlite3"

# Read replicas (docs/adr/0022-scale-out.md): off unless DATABASE_REPLICA_URLS lists them. The
# router sends only reads of public pages and APIs to a replica, never a write, a read in a
# transaction or a read by someone who just wrote (tousu.common.dbrouter).
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
DATABASE_REPLICAS: list[str] = []
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URLS and IS_SQLITE:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URLS needs a PostgreSQL primary (DATABASE_URL=postgres://…)."
    )
for _n, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=0 if TESTING else 60, conn_health_checks=not TESTING
    )
    # tests see the replica as the primary's test database (no second copy to create)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_n}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_n}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["tousu.common.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(0, "tousu.common.dbrouter.ReplicaMiddleware")
elif TESTING and not IS_SQLITE:
    # The router's tests on PostgreSQL need a replica alias: a test mirror of the primary,
    # unused unless a test switches the router on (tests/common/test_dbrouter.py).
    DATABASES["replica1"] = {**_db, "TEST": {"MIRROR": "default"}}
# pinned to the primary for this long after a write (read-your-writes across requests)
DATABASE_REPLICA_STICKY_SECONDS = int(os.environ.get("DATABASE_REPLICA_STICKY_SECONDS") or 15)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits, OTP throttles) -----------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        # rendered anonymous pages (tousu.pagecache), shared by every worker
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pages",
        },
        # each worker's copies of the pages it serves, in front of Redis: a hit on a page this
        # worker served before needs no round trip (its versions are checked all the same)
        "pages-local": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tousu-pages-local",
            "OPTIONS": {
                "MAX_ENTRIES": int(os.environ.get("TOUSU_PAGE_CACHE_ENTRIES") or 1500),
                "CULL_FREQUENCY": 4,
            },
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tousu",
        },
        # rendered anonymous pages (tousu.pagecache), per worker and bounded: at most
        # PAGE_CACHE_ENTRIES pages of at most PAGE_CACHE_MAX_BYTES compressed bytes each
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tousu-pages",
            "OPTIONS": {
                "MAX_ENTRIES": int(os.environ.get("TOUSU_PAGE_CACHE_ENTRIES") or 1500),
                "CULL_FREQUENCY": 4,
            },
        },
    }

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tousu.accounts.backends.PhoneOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Fast hashing in tests only; production and `make run` use argon2 (first in the list).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["phone", "email", "nickname"]},
    },
]
LOGIN_URL = "/accounts/login/"

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
OPEN_DATA_DIR = Path(os.environ.get("TOUSU_OPEN_DATA_DIR", VAR_DIR / "opendata"))
MEDIA_URL = "/media/"  # never served directly: evidence goes through a view that checks visibility
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024

# --- background tasks -----------------------------------------------------
# The database backend by default; TOUSU_TASK_BACKEND=rq (with REDIS_URL) queues tasks in Redis
# for workers on several machines (the optional `redis` extra; docs/adr/0022-scale-out.md).
TASK_BACKEND_ALIASES = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
_task_backend = os.environ.get("TOUSU_TASK_BACKEND", "").strip() or "database"
_task_backend = TASK_BACKEND_ALIASES.get(_task_backend, _task_backend)
TASKS = {"default": {"BACKEND": _task_backend, "QUEUES": ["default"]}}
if _task_backend == TASK_BACKEND_ALIASES["rq"]:
    if not REDIS_URL:
        raise ImproperlyConfigured("TOUSU_TASK_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# django-rq's queues (read only by the RQ backend and `tousu worker` on it)
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

# --- security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "tousu.web.views.errors.csrf_failure"  # a Chinese page, JSON under /api/
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not LOCAL_MODE:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# --- Tousu ----------------------------------------------------------------
TOUSU: dict[str, Any] = {
    # SLA, in working days of the Chinese public-holiday calendar (see docs/adr/0004-sla.md)
    "REVIEW_SLA_WORKING_DAYS": 2,
    "REPLY_SLA_WORKING_DAYS": 5,
    # processing complaints whose reply is this many working days overdue are closed
    "CLOSE_AFTER_OVERDUE_WORKING_DAYS": 30,
    # unassigned complaints (company unreachable) are closed after this many calendar days
    "CLOSE_UNASSIGNED_AFTER_DAYS": 90,
    # a completion request the consumer ignores for this many calendar days auto-completes
    "CONFIRM_TIMEOUT_DAYS": 7,
    # a consumer may reopen a completed complaint within this many calendar days
    "REOPEN_WITHIN_DAYS": 30,
    # complaints about purchases older than this are not accepted
    "MAX_COMPLAINT_AGE_DAYS": 3 * 365,
    # screening (docs/moderation.md): accept clean complaints the model is this sure about
    # without a moderator. Off unless the operator sets TOUSU_AUTO_ACCEPT=1.
    "AUTO_ACCEPT": env_bool("TOUSU_AUTO_ACCEPT", False),
    "AUTO_ACCEPT_MIN_CONFIDENCE": float(os.environ.get("TOUSU_AUTO_ACCEPT_MIN_CONFIDENCE") or 0.98),
    # Screening suggestions, groups and mass-filing evidence computed by the worker after the
    # submission commits (an outbox row in the same transaction) instead of inside it; the
    # near-duplicate index and the refusal of repeats stay in the submission (ADR 0026).
    "SCREEN_IN_BACKGROUND": env_bool("TOUSU_SCREEN_IN_BACKGROUND", False),
    "EVIDENCE_MAX_FILES": 9,
    "EVIDENCE_MAX_IMAGE_BYTES": 10 * 1024 * 1024,
    "EVIDENCE_MAX_PDF_BYTES": 10 * 1024 * 1024,
    "EVIDENCE_MAX_VIDEO_BYTES": 50 * 1024 * 1024,
    "OTP_TTL_SECONDS": 600,
    "OTP_RESEND_SECONDS": 60,
    "OTP_MAX_PER_HOUR": 5,
    "OTP_MAX_ATTEMPTS": 5,
    "MESSAGE_SENDER": os.environ.get("TOUSU_MESSAGE_SENDER", "tousu.engagement.senders.LogSender"),
    # reverse proxies in front of the app that append to X-Forwarded-For (per-address limits)
    "TRUSTED_PROXY_HOPS": int(os.environ.get("TOUSU_TRUSTED_PROXY_HOPS") or 0),
    # read API (GET under /api/) per client and minute; partner keys carry their own limits
    "API_READ_PER_MINUTE_ANON": int(os.environ.get("TOUSU_API_READ_PER_MINUTE_ANON") or 60),
    "API_READ_PER_MINUTE_USER": int(os.environ.get("TOUSU_API_READ_PER_MINUTE_USER") or 300),
    # company API keys (docs/api.md, "Merchant API"): requests per key per window
    "COMPANY_API_KEY_RATE_LIMIT": int(os.environ.get("TOUSU_COMPANY_API_KEY_RATE_LIMIT") or 120),
    "COMPANY_API_KEY_RATE_WINDOW_SECONDS": 60,
    # webhooks (docs/webhooks.md). Receivers on private, loopback or link-local addresses and
    # plain-http URLs are refused unless allowed here (local development and tests only).
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": env_bool("TOUSU_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False),
    "WEBHOOK_ALLOW_HTTP": env_bool("TOUSU_WEBHOOK_ALLOW_HTTP", False),
    "WEBHOOK_CONNECT_TIMEOUT_SECONDS": 5.0,
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    # attempt n (1-based) failed → next try after min(BASE * FACTOR**(n-1), MAX) seconds
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_RETRY_BASE_SECONDS": 60,
    "WEBHOOK_RETRY_FACTOR": 4,
    "WEBHOOK_RETRY_MAX_SECONDS": 12 * 3600,
    # an endpoint is disabled after this many failed attempts in a row (any success resets)
    "WEBHOOK_DISABLE_AFTER_FAILURES": 15,
    # an attempt that has not reported back after this long is tried again
    "WEBHOOK_LEASE_SECONDS": 300,
    # with REDIS_URL, periodic jobs are claimed under this Redis key prefix (tousu.common.jobs)
    "PERIODIC_CLAIM_PREFIX": os.environ.get("TOUSU_PERIODIC_CLAIM_PREFIX") or "tousu:periodic:",
    # anonymous public pages served from the page cache (docs/adr/0028-public-page-cache.md);
    # TOUSU_PAGE_CACHE=0 turns it off. Off in tests unless a test turns it on.
    "PAGE_CACHE": env_bool("TOUSU_PAGE_CACHE", not TESTING),
    # a cached page is kept at most this long (a backstop: changes invalidate it at once)
    "PAGE_CACHE_SECONDS": int(os.environ.get("TOUSU_PAGE_CACHE_SECONDS") or 600),
    # pages larger than this (compressed) are not kept
    "PAGE_CACHE_MAX_BYTES": 32 * 1024,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
