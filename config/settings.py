"""Settings for the owner dashboard.

Environment (the production set is in ``deploy/production.env.example`` and the README):
- DATABASE_URL: PostgreSQL (``postgres://user@host:5432/name``); SQLite under ``var/`` when unset.
- REDIS_URL: Celery broker and result backend; tasks run in-process when unset.
- CELERY_TASK_DEFAULT_QUEUE: the queue tasks go to (``celery``).
- DEBUG (``1`` by default, for ``make run``), SECRET_KEY (required with ``DEBUG=0``), ALLOWED_HOSTS.
- DB_CONN_MAX_AGE: seconds a database connection is kept (0 under runserver; gunicorn and
  ``make worker``: 600).
- TRUSTED_PROXY_COUNT: reverse proxies in front that set X-Forwarded-For/-Proto (0: none).
- SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_HSTS_PRELOAD: HTTPS settings for ``DEBUG=0``.
- STATIC_ROOT: where collectstatic writes (``var/staticfiles`` by default).
- EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_TIMEOUT,
  DEFAULT_FROM_EMAIL: the SMTP server of the notices (console output without EMAIL_HOST);
  NOTIFICATIONS_BASE_URL: the public address their unsubscribe links point to.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0") == "1"


DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
DEBUG = env_flag("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    # The development key is public (it is in this file): with it anyone could sign sessions,
    # agenda cursors and password-reset links. Refuse to start rather than run on it.
    raise ImproperlyConfigured(
        "DEBUG=0 needs its own SECRET_KEY: the development key is public. Set SECRET_KEY to a "
        "long random value, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

# HTTPS. With DEBUG=0 everything is on by default; a deployment opts out explicitly.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    # Only a proxy that overwrites X-Forwarded-Proto may be trusted with it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template, never read the cookie
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's own middleware): scripts and styles only from our static
# files, no inline code (htmx's indicator styles are in app.css, see the htmx-config meta tag).
# Under DEBUG django-htmx's debug script shows error pages by eval-ing their inline scripts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, *([CSP.UNSAFE_EVAL] if DEBUG else [])],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features the dashboard never uses, switched off for every page (and any injected code).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "calendar_app",
    "calendar_app.wix",
    "calendar_app.wix.health",
    "calendar_app.feeds",
    "calendar_app.conferencing",
    "calendar_app.notifications",
    "participants",
    "bookings",
    "bookings.magicline",
    "participants.customers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "calendar_app.middleware.PermissionsPolicyMiddleware",
    "calendar_app.middleware.WebhookMiddleware",  # webhooks skip the rest (their views say so)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # HTML compresses about ninefold
    "calendar_app.middleware.CsrfNeutralConditionalGetMiddleware",  # ETag and 304 for pages
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "calendar_app.middleware.AtomicUnsafeRequestsMiddleware",
    "calendar_app.tenancy.middleware.LoginRequiredMiddleware",  # Django's; HTMX gets HX-Redirect
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "calendar_app.tenancy.middleware.CurrentBusinessMiddleware",
    "calendar_app.middleware.RejectNulBytesMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
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
                "calendar_app.tenancy.context_processors.current_business",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
VAR_DIR.mkdir(exist_ok=True)
if DATABASE_URL:
    # runserver serves each request on a new thread, and a thread's kept connection outlives
    # it: 0 there (one connection per request, closed at its end). gunicorn's workers (one
    # thread each) serve one request at a time, so one kept connection per worker is the pool
    # (gunicorn.conf.py sets 600); health checks drop a connection the server closed.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # One badly estimated query once cost a 1 s JIT compile; the app's queries are small.
        # The data lives in memory (or on SSD): at the default random_page_cost of 4 the
        # planner read a whole business's events through its business_id index rather than
        # the calendar window's range of (business, start), 10x slower for a week.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            "-c jit=off -c random_page_cost=1.1"
        )
        # psycopg's own default (Django turns it off): a statement run five times on a
        # connection through a cursor that binds on the server is prepared there. Django's
        # cursors bind on the client and never prepare; the only such cursor is the webhook
        # intake's INSERT (``calendar_app.sync.deliveries``), parsed and planned once per
        # connection rather than per delivery. (No pooler sits in front: each web worker keeps
        # its own connection, gunicorn.conf.py.)
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
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
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): 5 failures lock the username (from anywhere) and, separately,
# the client address (whatever usernames it tries) for 15 minutes after the last failure.
# Unlock: delete the attempt in Django admin (Axes → Access attempts) or
# ``manage.py axes_reset_username <name>`` / ``axes_reset_ip <address>`` / ``axes_reset``.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "calendar_app.tenancy.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calendar_app:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# ``make serve`` runs collectstatic into STATIC_ROOT before gunicorn starts (DEBUG=0 needs its
# manifest of hashed names).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
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
# Workers look for such tasks every 10 s (``unacked_restore_interval``): kombu's default looks
# only every tenth time, so a task could wait 100 s more than its visibility timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# The queue tasks go to when none is named (a worker consumes it with ``-Q``); tasks that queue
# more tasks (a delivery queuing its meeting) send them to the same one. Deployments sharing one
# Redis keep apart by it, and a benchmark's server queues onto a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A worker (and the beat) started while Redis is down, or losing it later, keeps trying to
# reconnect rather than exiting; what Redis lost meanwhile the beat's sweeps queue again.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat queues again the webhook deliveries stored this many seconds ago and still not
# applied (their task was lost: Redis restarted without persistence or was flushed, a worker
# killed), every as many seconds; and refreshes each Magicline studio's bookings (the deliveries
# Magicline never sent) every MAGICLINE_REFRESH_SECONDS.
SYNC_REQUEUE_SECONDS = int(os.environ.get("SYNC_REQUEUE_SECONDS", "300"))
MAGICLINE_REFRESH_SECONDS = int(os.environ.get("MAGICLINE_REFRESH_SECONDS", "900"))
CELERY_BEAT_SCHEDULE = {
    "magicline-refresh-bookings": {
        "task": "bookings.magicline.tasks.refresh_all_bookings",
        "schedule": timedelta(seconds=MAGICLINE_REFRESH_SECONDS),
    },
    "extend-events-view": {
        "task": "calendar_app.tasks.extend_events_views",
        "schedule": timedelta(hours=6),
    },
    "reconcile-wix-connections": {
        "task": "calendar_app.wix.tasks.reconcile_connections",
        "schedule": timedelta(hours=1),
    },
    "requeue-stalled-bulk-operations": {
        "task": "calendar_app.tasks.requeue_stalled_operations",
        "schedule": timedelta(minutes=5),
    },
    "requeue-stalled-wix-deliveries": {
        "task": "calendar_app.wix.tasks.requeue_stalled_deliveries",
        "schedule": timedelta(seconds=SYNC_REQUEUE_SECONDS),
        "kwargs": {"older_than_seconds": SYNC_REQUEUE_SECONDS},
    },
    "requeue-stalled-magicline-deliveries": {
        "task": "bookings.magicline.tasks.requeue_stalled_deliveries",
        "schedule": timedelta(seconds=SYNC_REQUEUE_SECONDS),
        "kwargs": {"older_than_seconds": SYNC_REQUEUE_SECONDS},
    },
    "requeue-stalled-wix-erasures": {  # an owner's erase whose task to Wix was lost
        "task": "calendar_app.wix.tasks.requeue_stalled_erasures",
        "schedule": timedelta(minutes=15),
    },
    "mark-attendance-not-recorded": {
        "task": "participants.tasks.mark_not_recorded",
        "schedule": timedelta(minutes=15),
    },
    "sync-customer-directories": {
        "task": "participants.customers.tasks.sync_directories",
        "schedule": timedelta(minutes=15),
    },
    "send-waiting-messages": {
        "task": "calendar_app.notifications.tasks.send_waiting_messages",
        "schedule": timedelta(minutes=5),
    },
    "queue-due-reminders": {  # a reminder goes out at most this late after its lead time
        "task": "calendar_app.notifications.tasks.queue_due_reminders",
        "schedule": timedelta(minutes=5),
    },
}

# How far ahead the local backend keeps recurring instances materialized (the spec's events view
# is complete for at least a year; Wix's example shows 380 days).
EVENTS_VIEW_FUTURE_DAYS = 380

# Rows one request changes at most in a cascade (cancelling a schedule's future events); more
# go to a Celery task (calendar_app.tasks.run_bulk_operation) that changes this many per
# transaction, with their audit records and its progress.
BULK_OPERATION_BATCH_SIZE = int(os.environ.get("BULK_OPERATION_BATCH_SIZE", "500"))

# How many days of past events a calendar feed keeps (its series start at the window's first day).
CALENDAR_FEED_PAST_DAYS = 90
# A feed's body is kept this long per version (a change makes a new version at once).
CALENDAR_FEED_CACHE_SECONDS = 24 * 60 * 60

# Conferencing automation: the built-in provider's rooms live on this meeting host (a Jitsi
# server, say); Google Meet is reached at these two addresses (tests point them at a fake).
CONFERENCING_MEETING_HOST = os.environ.get("CONFERENCING_MEETING_HOST", "https://meet.jit.si")
GOOGLE_CALENDAR_API_URL = os.environ.get(
    "GOOGLE_CALENDAR_API_URL", "https://www.googleapis.com/calendar/v3"
)
GOOGLE_OAUTH_TOKEN_URL = os.environ.get(
    "GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"
)

# Outbound calls (Wix, Magicline, Google, outgoing webhooks) reach public addresses only
# (calendar_app.sync.egress); these CIDRs or host:port may be reached although private.
EGRESS_ALLOW = [
    part.strip() for part in os.environ.get("EGRESS_ALLOW", "").split(",") if part.strip()
]

# Email (the notices to participants): Django's mailer, from the usual EMAIL_* variables of the
# environment. Without EMAIL_HOST (as under ``make run``) messages go to the worker's console.
_email_host = os.environ.get("EMAIL_HOST", "")  # lowercase: not a (deprecated) setting
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_flag("EMAIL_USE_TLS", False),
                "timeout": int(os.environ.get("EMAIL_TIMEOUT", "30")),
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "notifications@localhost")
# Where the one-click unsubscribe links in messages point (this site's public address).
NOTIFICATIONS_BASE_URL = os.environ.get("NOTIFICATIONS_BASE_URL", "http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO: one line per upstream call and per webhook test post.
    "loggers": {"httpx": {"level": "WARNING"}},
}
