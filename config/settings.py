"""Settings for the owner dashboard.

Environment:
- DATABASE_URL: PostgreSQL (``postgres://user@host:5432/name``); SQLite under ``var/`` when unset.
- REDIS_URL: Celery broker and result backend; tasks run in-process when unset.
- SECRET_KEY, DEBUG, ALLOWED_HOSTS: the usual.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = os.environ.get("DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "calendar_app",
    "calendar_app.wix",
    "calendar_app.wix.health",
    "calendar_app.feeds",
    "participants",
    "bookings",
    "bookings.magicline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # HTML compresses about ninefold
    "django.middleware.http.ConditionalGetMiddleware",  # ETag and 304 for pages
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "calendar_app.middleware.AtomicUnsafeRequestsMiddleware",
    "calendar_app.middleware.LoginRequiredMiddleware",  # Django's, answering HTMX with HX-Redirect
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "calendar_app.middleware.CurrentBusinessMiddleware",
    "calendar_app.middleware.RejectNulBytesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "calendar_app.context_processors.current_business",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
VAR_DIR.mkdir(exist_ok=True)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # One badly estimated query once cost a 1 s JIT compile; the app's queries are small.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
    if os.environ.get("BENCH_SQLITE"):  # make bench: the month on a SQLite file, as make run has
        DATABASES["default"]["TEST"] = {"NAME": VAR_DIR / "bench.sqlite3"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calendar_app:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve static/ and app static without collectstatic
# In production (DEBUG=0, after ``collectstatic``) file names carry a content hash and are served
# compressed with a year's cache lifetime; runserver and the tests serve the plain names from the
# finders, so they need no collectstatic.
STATIC_FILES_STORAGE = (
    "whitenoise.storage.CompressedStaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATIC_FILES_STORAGE},
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# How long Redis keeps a task that a worker took but never acknowledged (a worker killed
# mid-task) before handing it to another worker. Idempotent tasks make a redelivery harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "extend-events-view": {
        "task": "calendar_app.tasks.extend_events_views",
        "schedule": timedelta(hours=6),
    },
    "reconcile-wix-connections": {
        "task": "calendar_app.wix.tasks.reconcile_connections",
        "schedule": timedelta(hours=1),
    },
    "requeue-stalled-wix-deliveries": {
        "task": "calendar_app.wix.tasks.requeue_stalled_deliveries",
        "schedule": timedelta(minutes=5),
    },
}

# How far ahead the local backend keeps recurring instances materialized (the spec's events view
# is complete for at least a year; Wix's example shows 380 days).
EVENTS_VIEW_FUTURE_DAYS = 380

# How many days of past events a calendar feed keeps (its series start at the window's first day).
CALENDAR_FEED_PAST_DAYS = 90
# A feed's body is kept this long per version (a change makes a new version at once).
CALENDAR_FEED_CACHE_SECONDS = 24 * 60 * 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO: one line per upstream call and per webhook test post.
    "loggers": {"httpx": {"level": "WARNING"}},
}
