"""Settings for jiesu.

Embedded by default (SQLite, tasks run in-process); production comes from the environment:
DATABASE_URL (PostgreSQL), REDIS_URL (cache + Celery broker), SECRET_KEY, DEBUG, ALLOWED_HOSTS.
DEBUG is off unless DEBUG=1 (bin/start sets it for the demo); with DEBUG off a SECRET_KEY is
required. docs/deploy.md lists every variable.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 须为整数（当前为 {value!r}）") from None


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIESU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# shared/ sits beside the project (in CI too); demo data and training sets are read from it.
SHARED_DIR = Path(os.environ.get("JIESU_SHARED_DIR", BASE_DIR.parent / "shared"))

DEBUG = _env_bool("DEBUG", False)
JIESU_TECHNICAL_ERRORS = _env_bool("JIESU_TECHNICAL_ERRORS", False)  # Django's English debug error pages
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not DEBUG and os.environ.get("JIESU_OFFLINE_COMMAND") == "1":
    SECRET_KEY = secrets.token_urlsafe(50)  # one-off, for an offline command (manage.py OFFLINE_COMMANDS)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：关闭 DEBUG 运行时必须提供（例如 "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')）；"
            "演示环境请用 bin/start（DEBUG=1）。SECRET_KEY is required when DEBUG is off."
        )
    SECRET_KEY = "dev-only-not-secret-change-me-in-production"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",  # kept for its table; API tokens are knox's (expiring, rotated)
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "jiesu.org",
    "jiesu.privacy",
    "jiesu.worktime",
    "jiesu.attachments",
    "jiesu.workorders",
    "jiesu.intake",
    "jiesu.dispatch",
    "jiesu.assessment",
    "jiesu.insights",
    "jiesu.supervision",
    "jiesu.grids",
    "jiesu.hazards",
    "jiesu.indicators",
    "jiesu.reports",
    "jiesu.timers",
    "jiesu.notify",
    "jiesu.ops",
    "jiesu.web",
    "jiesu.api",
]

MIDDLEWARE = [
    "jiesu.common.requestlog.RequestIdMiddleware",
    "jiesu.web.views.errors.ChineseErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Oversized bodies (413) and NUL/control characters anywhere (400) never reach a view.
    "jiesu.common.guard.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() after a TOTP login
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: answers a locked-out login with 429 (jiesu.common.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiesu.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiesu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ]
        },
    }
]
WSGI_APPLICATION = "jiesu.wsgi.application"

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{VAR_DIR / 'jiesu.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers work while a writer commits; the timeout waits instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # PostgreSQL: one bounded connection pool per process (psycopg_pool), shared by its threads.
    # A thread borrows a connection for a request or task and gives it back at the end, so a
    # process never holds more than JIESU_DB_POOL_MAX connections however many threads it runs:
    # gunicorn workers × pool max + Celery worker + beat stays under the server's max_connections
    # (docs/deploy.md). A request that finds the pool busy waits up to JIESU_DB_POOL_TIMEOUT s.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})
    if _env_bool("JIESU_DB_POOL", True):
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": _env_int("JIESU_DB_POOL_MIN", 1),
            "max_size": _env_int("JIESU_DB_POOL_MAX", 4),
            "timeout": _env_int("JIESU_DB_POOL_TIMEOUT", 10),
            # Idle connections beyond min_size are closed after this many seconds.
            "max_idle": 60,
        }
    if os.environ.get("JIESU_PG_SYNCHRONOUS_COMMIT"):
        # Opt-in trade of durability for commit latency (a crash may lose the last fraction of a
        # second of commits, never consistency); see docs/performance.md before using it.
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c synchronous_commit={os.environ['JIESU_PG_SYNCHRONOUS_COMMIT']}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

# django-axes first: it refuses a locked-out account or client before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# whitenoise serves the collected files (hashed names, compressed) from the app server itself.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _env_bool("JIESU_STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


def _attachment_storage() -> dict:
    """Attachments (jiesu.attachments): local files by default; any S3-compatible object store
    when JIESU_S3_BUCKET is set (JIESU_S3_ENDPOINT_URL for MinIO and the like)."""
    bucket = os.environ.get("JIESU_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT / "attachments"), "base_url": None},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("JIESU_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("JIESU_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("JIESU_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("JIESU_S3_REGION") or None,
            "file_overwrite": False,
            "querystring_auth": True,  # files are private; the app hands out signed URLs
            "querystring_expire": 300,
            "default_acl": None,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": _attachment_storage(),
}
# Larger uploads go to a temporary file instead of memory; attachment limits: jiesu/attachments/limits.py.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Request limits (data/rules/input_limits.yaml holds the same numbers for the guard and the parser).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

REDIS_URL = os.environ.get("REDIS_URL", "")
# Leader pages read stored figures (jiesu.assessment.aggregates) that a timer keeps current; on a
# tiny installation a read may re-compute a stale figure itself instead.
JIESU_AGGREGATES_REFRESH_ON_READ = _env_bool("JIESU_AGGREGATES_REFRESH_ON_READ", False)
# Every Redis key this deployment writes starts with it (several deployments or test runs can
# share one Redis); Celery's queues use their own database number from the URL.
REDIS_PREFIX = os.environ.get("JIESU_REDIS_PREFIX", "jiesu")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery:"}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True  # embedded default: tasks run in-process
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat only ticks; jiesu.timers decides what is due, claims each slot once in the database and
# runs it on a worker (docs/timers.md). The same registry runs in `manage.py run_timers`.
CELERY_BEAT_SCHEDULE = {
    "timers-tick": {"task": "timers.tick", "schedule": float(_env_int("JIESU_TIMER_TICK_SECONDS", 30))},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiesu.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies: size → 413, nesting depth or NUL → 400 (jiesu.common.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "jiesu.common.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jiesu.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jiesu 接诉即办平台 API",
    "DESCRIPTION": "工单受理、派单、闭环办理与查询接口。错误统一返回 {code, message}。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Two models call their lifecycle field "state": name each enum after its own model.
    "ENUM_NAME_OVERRIDES": {
        "OrderStateEnum": "jiesu.workorders.models.State",
        "OrderLevelEnum": "jiesu.workorders.models.Level",
        "HazardLevelEnum": "jiesu.hazards.models.HazardLevel",
        "HazardStateEnum": "jiesu.hazards.models.HazardState",
        "SupervisionItemStateEnum": "jiesu.supervision.models.ItemState",
    },
}

# ---------------------------------------------------------------- login protection (docs/security.md)
# django-axes: JIESU_LOGIN_FAILURE_LIMIT wrong passwords for one account, or from one client
# address, lock that account / address for JIESU_LOGIN_COOLOFF_MINUTES (web login and API token).
# Behind a reverse proxy set JIESU_TRUSTED_PROXY_COUNT to the number of proxies that append to
# X-Forwarded-For; the client address is the entry the nearest proxy wrote (jiesu.common.clientip).
AXES_FAILURE_LIMIT = _env_int("JIESU_LOGIN_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_env_int("JIESU_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # login audit: axes AccessAttempt / AccessLog / AccessFailureLog
AXES_LOCKOUT_CALLABLE = "jiesu.common.lockout.lockout_response"
JIESU_TRUSTED_PROXY_COUNT = _env_int("JIESU_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "jiesu.common.clientip.client_ip"
# API tokens (django-rest-knox): stored hashed, expire after JIESU_TOKEN_TTL_HOURS, rotated by
# POST /api/v1/auth/token/refresh.
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=_env_int("JIESU_TOKEN_TTL_HOURS", 10)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Office window used for deadlines counted in working hours (see worktime.services).
JIESU_OFFICE_HOURS = (9, 18)

# A bulk import without progress for this long was killed: the sweeper timer marks it failed and resumable.
JIESU_IMPORT_STALE_MINUTES = _env_int("JIESU_IMPORT_STALE_MINUTES", 30)

# Who keeps the follow-up of a leader's 点评 (docs/indicators.md): the local items by default; a
# class over the 督办 engine when it is wired (create_follow_up / statuses / report_progress).
JIESU_FOLLOW_UP_BACKEND = os.environ.get("JIESU_FOLLOW_UP_BACKEND", "jiesu.supervision.followups.SupervisionFollowUps")

# ---------------------------------------------------------------- messages (jiesu.notify)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"  # the embedded default keeps mails as files
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "接诉即办平台 <noreply@jiesu.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The SMS gateway (jiesu.notify.sms): file (var/sms/outbox.jsonl), console, or a dotted path.
JIESU_SMS_BACKEND = os.environ.get("JIESU_SMS_BACKEND", "jiesu.notify.sms.FileSmsBackend")
JIESU_SMS_FILE = Path(os.environ.get("JIESU_SMS_FILE", VAR_DIR / "sms" / "outbox.jsonl"))
# Where links in messages point (e-mail and SMS are read outside the platform).
JIESU_PUBLIC_URL = os.environ.get("JIESU_PUBLIC_URL", "http://127.0.0.1:8000")

# ---------------------------------------------------------------- production hardening
# HTTPS is assumed when DEBUG is off (behind a TLS-terminating proxy that sets X-Forwarded-Proto);
# JIESU_HTTPS=0 serves plain HTTP (only for loopback tests and benchmarks).
_HTTPS = _env_bool("JIESU_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes of the load balancer speak plain HTTP
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = _env_int("JIESU_HSTS_SECONDS", 31536000) if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _env_bool("JIESU_HSTS_PRELOAD", _HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts and styles only from this site (htmx, ECharts and
# the map are vendored); inline <script> blocks carry the per-request nonce. Inline style
# attributes stay allowed: ECharts and a few templates set them, and they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# ---------------------------------------------------------------- logs
# One JSON object per line on stderr with the request id (X-Request-ID) of the request that wrote
# it; JIESU_LOG_FORMAT=text gives plain lines for a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "jiesu.common.requestlog.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": os.environ.get("JIESU_LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request (method, path, status, ms, user) at INFO.
        "jiesu.request": {"level": os.environ.get("JIESU_REQUEST_LOG_LEVEL", "INFO"), "propagate": True},
        "jiesu.timers": {"level": "INFO", "propagate": True},
        "jiesu.notify": {"level": "INFO", "propagate": True},
    },
}

# The region every position must lie in (GPS of photos, grid polygons, grid workers' locations):
# an outline in GCJ-02 as published, checked with a small margin (jiesu.common.geo.require_in_region).
JIESU_REGION_NAME = "北京市"
JIESU_REGION_OUTLINE = BASE_DIR / "data" / "grids" / "beijing_outline.geojson"

# Maps (Leaflet, vendored): a tile URL template for production, e.g. an approved (审图号) base map
# of the operator's; none by default — offline the maps draw the district, street and grid layers
# on a blank background. JIESU_MAP_TILE_CRS says the tiles' datum (gcj02 for 高德/腾讯 tiles):
# every layer and point is converted to it before drawing.
JIESU_MAP_TILE_URL = os.environ.get("JIESU_MAP_TILE_URL", "")
JIESU_MAP_TILE_ATTRIBUTION = os.environ.get("JIESU_MAP_TILE_ATTRIBUTION", "")
JIESU_MAP_TILE_CRS = os.environ.get("JIESU_MAP_TILE_CRS", "wgs84")
if JIESU_MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(JIESU_MAP_TILE_URL.replace("{s}", "a"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
