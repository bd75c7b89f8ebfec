"""Feedloop settings: one module, driven by environment variables.

Safe by default: DEBUG is off unless asked for, hosts are never a wildcard, there is
no fallback SECRET_KEY outside DEBUG, and malformed values stop the process.
The README lists every variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_int_list, env_list, env_str
from config.queues import task_queues
from config.replica import REPLICA, replica_database
from config.storage import s3_backend

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Only for local development with DEBUG on; never used by a deployment.
    SECRET_KEY = "insecure-local-development-key-only-used-with-DJANGO_DEBUG"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if "*" in ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts; '*' is refused outside DEBUG.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "guardian",
    "accounts",
    "workspaces",
    "feedback",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before anything else (any Host, plain HTTP, no session).
    "config.health.HealthMiddleware",
    # GET /metrics for a Prometheus scraper holding FEEDLOOP_METRICS_TOKEN (config.prometheus).
    "config.prometheus.MetricsMiddleware",
    # The request id (X-Request-ID), the access log line and the request-latency metric.
    "config.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # An unreachable database or broker is a 503 (JSON under /api/), not a 500 page.
    "config.errors.ServiceUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The caller's workspace roles, read once per request however often they are checked.
    "workspaces.middleware.roles_memo_middleware",
    # Who is acting, and through what (admin, API, page), for the audit log.
    "workspaces.middleware.audit_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.signup",
            ],
        },
    },
]

# Database: PostgreSQL through DATABASE_URL in tests and deployments. SQLite only for
# the quick local try, when DATABASE_URL is unset.
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        _default_db = dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
else:
    _default_db = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
DATABASES = {"default": _default_db}
# A streaming replica of the PostgreSQL primary for exports, metrics computations, the
# leaderboard and search (config/replica.py: which reads go there, how lag is handled).
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES[REPLICA] = replica_database(_replica_url, default=_default_db)
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
# Seconds an export or metrics computation waits for the replica to catch up with the
# primary before it reads from the primary instead.
FEEDLOOP_REPLICA_WAIT_SECONDS = env_int("FEEDLOOP_REPLICA_WAIT_SECONDS", 10, minimum=0)
# Milliseconds a search or a leaderboard waits for it (someone waits for the answer).
FEEDLOOP_REPLICA_REQUEST_WAIT_MS = env_int("FEEDLOOP_REPLICA_REQUEST_WAIT_MS", 200, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# The cache holds allauth's login rate limits: use Redis when several processes serve.
_cache_url = env_str("DJANGO_CACHE_URL")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("DJANGO_CACHE_URL must be a redis:// or rediss:// URL.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# django-allauth: log in by username or email; sign-up closed unless switched on;
# its login rate limits stay on (the Django admin's login goes through it too).
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
FEEDLOOP_SIGNUP_OPEN = env_bool("FEEDLOOP_SIGNUP_OPEN", False)
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Login throttling, by client address and by account. Behind reverse proxies the address
# is read from X-Forwarded-For, counting FEEDLOOP_TRUSTED_PROXY_COUNT proxies from the
# right (never trusted otherwise: anyone can send the header), or from the header a
# trusted proxy sets (FEEDLOOP_TRUSTED_CLIENT_IP_HEADER, e.g. X-Real-IP). The per-address
# limits are sized for an office of hundreds behind one NAT; an account gets 5 failed
# attempts in 5 minutes, from anywhere.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("FEEDLOOP_TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("FEEDLOOP_TRUSTED_CLIENT_IP_HEADER") or None
ACCOUNT_RATE_LIMITS = {
    "login": "600/m/ip",
    "login_failed": "60/m/ip,5/5m/key",
    "reset_password": "60/m/ip,5/m/key",
}

# django-guardian: no anonymous user row; only authenticated users hold grants.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("FEEDLOOP_STORAGE_DIR", str(BASE_DIR / "var" / "storage")))
# Files (uploaded imports, export files): a local directory, or with FEEDLOOP_STORAGE=s3
# a private bucket on S3-compatible object storage, so that every web and worker machine
# sees the files any of them wrote (config/storage.py).
FEEDLOOP_STORAGE = env_str("FEEDLOOP_STORAGE", "local")
if FEEDLOOP_STORAGE == "local":
    _default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FEEDLOOP_STORAGE == "s3":
    if not env_str("FEEDLOOP_S3_BUCKET"):
        raise ImproperlyConfigured("FEEDLOOP_S3_BUCKET must name the bucket when FEEDLOOP_STORAGE=s3.")
    _addressing_style = env_str("FEEDLOOP_S3_ADDRESSING_STYLE", "auto")
    if _addressing_style not in ("auto", "path", "virtual"):
        raise ImproperlyConfigured(f"FEEDLOOP_S3_ADDRESSING_STYLE={_addressing_style!r} is not auto, path or virtual.")
    _default_storage = s3_backend(
        bucket=env_str("FEEDLOOP_S3_BUCKET"),
        prefix=env_str("FEEDLOOP_S3_PREFIX", ""),
        endpoint_url=env_str("FEEDLOOP_S3_ENDPOINT_URL") or None,
        region=env_str("FEEDLOOP_S3_REGION") or None,
        addressing_style=_addressing_style,
        connect_timeout=env_int("FEEDLOOP_S3_CONNECT_TIMEOUT", 5, minimum=1),
        read_timeout=env_int("FEEDLOOP_S3_READ_TIMEOUT", 60, minimum=1),
    )
else:
    raise ImproperlyConfigured(f"FEEDLOOP_STORAGE={FEEDLOOP_STORAGE!r} is not local or s3.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        # Hashed, compressed files (after `collectstatic`) in deployments; plain files
        # with DEBUG or when DJANGO_STATIC_MANIFEST is off (the test suite).
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security: cookies are secure outside DEBUG unless said otherwise; HTTPS redirects and
# HSTS are switched on by the deployment (config/production.env lists the production
# profile; a deployment behind TLS-terminating proxies sets DJANGO_SECURE_PROXY_SSL_HEADER).
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp), enforced on every page, the admin and the API
# docs included: scripts, styles and everything else from this site only, never inline
# (every page script and style is a static file), images also as data: URIs (the
# dashboard's charts), no plugins, no framing. FEEDLOOP_CSP_EXTRA_SOURCES names the
# origins a deployment also loads files from (a CDN in front of the static files).
_csp_extra = env_list("FEEDLOOP_CSP_EXTRA_SOURCES", [])
for _source in _csp_extra:
    if not re.fullmatch(r"https?://[^\s;,'\"]+", _source):
        raise ImproperlyConfigured(
            f"FEEDLOOP_CSP_EXTRA_SOURCES: {_source!r} is not an origin such as https://cdn.example.com."
        )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF, *_csp_extra],
        "script-src": [SELF, *_csp_extra],
        "style-src": [SELF, *_csp_extra],
        "img-src": [SELF, "data:", *_csp_extra],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "feedloop@localhost")

# Celery on Redis. Without a broker (the quick local try) tasks run eagerly in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
# Late acknowledgement: a task's message is acknowledged when the task ends, not when a
# worker takes it, so a worker that dies mid-task does not lose it; with
# reject_on_worker_lost a pool child killed mid-task (out of memory, SIGKILL) has its
# message put back at once. A whole worker process lost (host gone, SIGKILL of a solo
# worker) leaves the message unacknowledged on Redis, which redelivers it only after
# the visibility timeout: one hour, kept that long so that long jobs and webhook retries
# waiting for their countdown are not delivered twice. Jobs do not wait for it: the
# sweep below re-queues a job whose heartbeat stopped after FEEDLOOP_JOB_HEARTBEAT_TIMEOUT,
# and a run delivered twice is dropped (feedback.services.jobs). One task at a time per
# worker process (prefetch 1), so a long job never holds others back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Queues by kind (config.queues): imports, exports, metrics and webhooks each have their
# own queue named after the default queue ("celery.webhooks"); the sweeps go to the
# default queue itself. A worker consumes all of them unless given -Q. Deployments or
# test sessions sharing one Redis database each name their own default queue.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE") or "celery"
CELERY_TASK_QUEUES = task_queues(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = ["config.queues.route_by_kind"]
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["feedback.api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only; file uploads (imports) declare their own parser.
    "DEFAULT_PARSER_CLASSES": ["feedback.api.parsers.StrictJSONParser"],
    # A body without a Content-Type is read as JSON (LiteLLM's Argilla logger sends one).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "feedback.api.parsers.JSONWhenUndeclared",
    "EXCEPTION_HANDLER": "feedback.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.ApiKeyRateThrottle"],
}
# Requests per API key (per user for sessions, per address for anonymous callers), as
# DRF writes rates: "100/second", "5000/minute"; empty for no limit.
FEEDLOOP_API_RATE = env_str("FEEDLOOP_API_RATE", "100/second")

# Feedloop's own limits.
FEEDLOOP_BULK_MAX_RECORDS = env_int("FEEDLOOP_BULK_MAX_RECORDS", 500, minimum=1)
FEEDLOOP_API_MAX_BODY_BYTES = env_int("FEEDLOOP_API_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)
# How much text a record and an answer may hold, in characters (a chat field counts its
# messages' contents): one field, all of a record's fields together, one written answer.
FEEDLOOP_MAX_FIELD_CHARS = env_int("FEEDLOOP_MAX_FIELD_CHARS", 50_000, minimum=100)
FEEDLOOP_MAX_RECORD_CHARS = env_int("FEEDLOOP_MAX_RECORD_CHARS", 100_000, minimum=100)
FEEDLOOP_MAX_ANSWER_CHARS = env_int("FEEDLOOP_MAX_ANSWER_CHARS", 50_000, minimum=100)
# File imports: the largest file accepted, the largest single cell, and how many row
# errors a job keeps (all are counted).
FEEDLOOP_IMPORT_MAX_BYTES = env_int("FEEDLOOP_IMPORT_MAX_BYTES", 2 * 1024**3, minimum=1024)
FEEDLOOP_IMPORT_MAX_CELL_BYTES = env_int("FEEDLOOP_IMPORT_MAX_CELL_BYTES", 10 * 1024 * 1024, minimum=1024)
FEEDLOOP_IMPORT_MAX_REPORTED_ERRORS = env_int("FEEDLOOP_IMPORT_MAX_REPORTED_ERRORS", 10_000, minimum=1)
# Webhook delivery: how long one attempt may take, and the waits (seconds) before each
# retry of a failed one (Argilla's schedule: three retries, after 10 s, 1 min and 3 min).
FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS = env_int("FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
FEEDLOOP_WEBHOOK_RETRY_DELAYS = env_int_list("FEEDLOOP_WEBHOOK_RETRY_DELAYS", [10, 60, 180])
# The SSRF guard (feedback.outbound): outbound requests (webhooks) may only reach public
# addresses unless this is on. Only for the quick try and the tests, whose receivers
# listen on 127.0.0.1; never in a deployment.
FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = env_bool("FEEDLOOP_OUTBOUND_ALLOW_PRIVATE", False)
# Finished deliveries older than this are deleted by the clean-up below (the admin's history).
FEEDLOOP_WEBHOOK_KEEP_DAYS = env_int("FEEDLOOP_WEBHOOK_KEEP_DAYS", 30, minimum=1)
# Background jobs (imports, exports; feedback.services.jobs). A running job writes a
# heartbeat at least every FEEDLOOP_JOB_HEARTBEAT_SECONDS; the sweep, run by Celery beat
# every FEEDLOOP_JOB_SWEEP_SECONDS, re-queues a job whose heartbeat is older than
# FEEDLOOP_JOB_HEARTBEAT_TIMEOUT (its worker died) and fails it, with the reason, rather
# than start it more than FEEDLOOP_JOB_MAX_ATTEMPTS times; it sends a queued job the
# broker never took (it was down) once FEEDLOOP_JOB_QUEUE_GRACE seconds have passed, and
# sends again one still queued FEEDLOOP_JOB_RESEND_SECONDS after it was sent (a lost message).
FEEDLOOP_JOB_HEARTBEAT_SECONDS = env_int("FEEDLOOP_JOB_HEARTBEAT_SECONDS", 15, minimum=1)
FEEDLOOP_JOB_HEARTBEAT_TIMEOUT = env_int("FEEDLOOP_JOB_HEARTBEAT_TIMEOUT", 120, minimum=1)
if FEEDLOOP_JOB_HEARTBEAT_TIMEOUT <= FEEDLOOP_JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("FEEDLOOP_JOB_HEARTBEAT_TIMEOUT must be longer than FEEDLOOP_JOB_HEARTBEAT_SECONDS.")
FEEDLOOP_JOB_MAX_ATTEMPTS = env_int("FEEDLOOP_JOB_MAX_ATTEMPTS", 3, minimum=1)
FEEDLOOP_JOB_QUEUE_GRACE = env_int("FEEDLOOP_JOB_QUEUE_GRACE", 30, minimum=0)
FEEDLOOP_JOB_RESEND_SECONDS = env_int("FEEDLOOP_JOB_RESEND_SECONDS", 3600, minimum=60)
FEEDLOOP_JOB_SWEEP_SECONDS = env_int("FEEDLOOP_JOB_SWEEP_SECONDS", 60, minimum=1)
# How often beat looks for datasets with activity since their cached dashboard and
# queues a metrics job for each (feedback.services.metrics).
FEEDLOOP_METRICS_REFRESH_SECONDS = env_int("FEEDLOOP_METRICS_REFRESH_SECONDS", 600, minimum=10)
# How often beat cleans up: deletes the work queue's lease rows that no longer mean
# anything (feedback.services.queue) and the webhook deliveries older than
# FEEDLOOP_WEBHOOK_KEEP_DAYS.
FEEDLOOP_CLEANUP_SECONDS = env_int("FEEDLOOP_CLEANUP_SECONDS", 3600, minimum=1)


def _every(seconds: int, task: str) -> dict:
    """A beat entry: `task` every `seconds`, dropped if no worker took it by the next."""
    return {"task": task, "schedule": float(seconds), "options": {"expires": float(seconds)}}


# Run by `celery -A config beat` (or a worker started with -B); the tasks go to the
# default queue (config.queues). A sweep no worker took within its interval is dropped:
# the next one does the same work.
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": _every(FEEDLOOP_JOB_SWEEP_SECONDS, "feedback.tasks.sweep_jobs"),
    "refresh-metrics": _every(FEEDLOOP_METRICS_REFRESH_SECONDS, "feedback.tasks.refresh_metrics"),
    "sweep-leases": _every(FEEDLOOP_CLEANUP_SECONDS, "feedback.tasks.sweep_leases"),
    "forget-old-deliveries": _every(FEEDLOOP_CLEANUP_SECONDS, "feedback.tasks.forget_old_deliveries"),
}
FEEDLOOP_VERSION = "0.1.0"

# OpenAPI schema of /api/v1 at /api/schema, browsable at /api/docs (feedback.api.docs).
# Both are public (the schema holds no data) and the page's assets are served from
# here (the sidecar package), never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Feedloop API",
    "VERSION": FEEDLOOP_VERSION,
    "DESCRIPTION": (
        "Feedloop's REST API under /api/v1. It speaks the Argilla v1 wire format (compatible with the "
        "Argilla 2.x server and its Python SDK, argilla==2.8.0); Feedloop's own endpoints follow the same "
        "conventions. Authenticate with the header `X-Argilla-Api-Key: <key>` or `Authorization: Bearer <key>`."
    ),
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name ("status", "type", "role") take different literals per resource.
    "ENUM_NAME_OVERRIDES": {
        "DatasetStatusEnum": "feedback.models.DatasetStatus",
        "RecordStatusEnum": "feedback.models.RecordStatus",
        "ResponseStatusEnum": "feedback.models.ResponseStatus",
        "ServiceStatusEnum": ["ok"],
        "FieldTypeEnum": "feedback.models.FieldType",
        "QuestionTypeEnum": "feedback.models.QuestionType",
        "MetadataTypeEnum": "feedback.models.MetadataType",
        "SuggestionTypeEnum": "feedback.models.SuggestionType",
        "UserRoleEnum": "feedback.api.inputs.ROLES",
        "MemberRoleEnum": ["admin", "annotator"],
        "JobStatusEnum": ["queued", "running", "succeeded", "failed"],
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs go to stdout, one line per record: JSON objects (python-json-logger) unless
# FEEDLOOP_LOG_FORMAT=text, the default with DEBUG. Every record carries the id of the
# request (or of the request that sent the task) it was written for (config.requestlog);
# Celery workers log the same way (config.celery).
FEEDLOOP_LOG_FORMAT = env_str("FEEDLOOP_LOG_FORMAT", "text" if DEBUG else "json")
if FEEDLOOP_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"FEEDLOOP_LOG_FORMAT={FEEDLOOP_LOG_FORMAT!r} is not json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.requestlog.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC.
            "timestamp": "time",
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": FEEDLOOP_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# Prometheus metrics at GET /metrics (config.prometheus), served only to a request with
# `Authorization: Bearer <FEEDLOOP_METRICS_TOKEN>`; unset, there is no such page.
FEEDLOOP_METRICS_TOKEN = env_str("FEEDLOOP_METRICS_TOKEN") or ""
