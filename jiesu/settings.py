"""Settings for jiesu.

Embedded by default (SQLite, tasks run in-process); production comes from the environment:
DATABASE_URL (PostgreSQL), REDIS_URL (cache + Celery broker), SECRET_KEY, DEBUG, ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIESU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# shared/ sits beside the project (in CI too); demo data and training sets are read from it.
SHARED_DIR = Path(os.environ.get("JIESU_SHARED_DIR", BASE_DIR.parent / "shared"))

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-change-me-in-production")
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "jiesu.org",
    "jiesu.worktime",
    "jiesu.attachments",
    "jiesu.workorders",
    "jiesu.intake",
    "jiesu.dispatch",
    "jiesu.assessment",
    "jiesu.insights",
    "jiesu.supervision",
    "jiesu.indicators",
    "jiesu.reports",
    "jiesu.web",
    "jiesu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ]
        },
    }
]
WSGI_APPLICATION = "jiesu.wsgi.application"

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{VAR_DIR / 'jiesu.sqlite3'}", conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers work while a writer commits; the timeout waits instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif os.environ.get("JIESU_PG_SYNCHRONOUS_COMMIT"):
    # Opt-in trade of durability for commit latency (a crash may lose the last fraction of a second
    # of commits, never consistency); see docs/performance.md before using it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c synchronous_commit={os.environ['JIESU_PG_SYNCHRONOUS_COMMIT']}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

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

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True  # embedded default: tasks run in-process
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
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
        "SupervisionItemStateEnum": "jiesu.supervision.models.ItemState",
    },
}

# Office window used for deadlines counted in working hours (see worktime.services).
JIESU_OFFICE_HOURS = (9, 18)

# Who keeps the follow-up of a leader's 点评 (docs/indicators.md): the local items by default; a
# class over the 督办 engine when it is wired (create_follow_up / statuses / report_progress).
JIESU_FOLLOW_UP_BACKEND = os.environ.get("JIESU_FOLLOW_UP_BACKEND", "jiesu.supervision.followups.SupervisionFollowUps")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
