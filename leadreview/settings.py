"""LeadReview settings: one module, configured from the environment.

Unset variables give the local demo (SQLite, inline tasks, DEBUG on). Production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL and CELERY_BROKER_URL.
"""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.http import is_same_domain

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-leadreview-local-demo-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for search; inert on SQLite
    "django_htmx",
    "django_filters",
    "simple_history",
    "template_partials",
    "axes",
    "accounts",
    "qualification",
    "review",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Reads request.user, so after AuthenticationMiddleware.
    "leadreview.middleware.private_no_store",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadreview.urls"
WSGI_APPLICATION = "leadreview.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'demo.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's imports write from a thread beside the pages (TASKS_IN_THREADS). With WAL the
    # pages read while a batch writes, and an IMMEDIATE transaction waits its turn to write
    # instead of failing with "database is locked" when it upgrades from reading.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("TESTING"):
    # Hashing cost buys nothing in tests and makes every user fixture slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling (django-axes): the axes backend first, so a locked-out login is refused before
# the password is checked. It needs the request, so tests log in with force_login().
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Lock the username from the address it is being guessed from, so an attacker elsewhere cannot
# lock a colleague out of their own desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies every request comes from the proxy: read the client's address from
# X-Forwarded-For instead (the N-th entry from the right, the one our own proxy appended).
# 0 (the default) trusts no header and uses REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 2**20)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# A queued or running import with no sign of life for this long was interrupted (its process
# was killed or restarted, its queue message lost): the import page offers to resume it. Each
# batch of 2,000 rows is a sign of life; under a minute even on a loaded demo.
IMPORT_STALLED_AFTER = dt.timedelta(minutes=env_int("IMPORT_STALLED_MINUTES", 2))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("TESTING")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Which MQLs an SDR may accept or reject: "segment" (the segments they are listed on),
# "territory" (accounts in their segments' territories) or "any". See qualification/queue.py.
QUEUE_SDR_SCOPE = os.environ.get("QUEUE_SDR_SCOPE", "segment")

# Every amount in the app (a lead's amount estimate) is in this currency: an ISO 4217 code.
CURRENCY = os.environ.get("CURRENCY", "EUR").strip().upper()
if not (len(CURRENCY) == 3 and CURRENCY.isascii() and CURRENCY.isalpha()):
    raise ImproperlyConfigured(f"CURRENCY must be a three-letter ISO 4217 code, not {CURRENCY!r}.")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "leadreview@localhost")

# History: the change reason carries the transition's note, which can be long.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Celery: without a broker, tasks run inline so the demo needs nothing else.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No result backend unless asked for: nothing reads task results, and with Redis as the backend
# every delay() first subscribes for the result, retrying for 20 s when Redis is down.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# With no broker, a task a page starts and then watches (an import) still runs off the request,
# in a thread of the web process: the upload answers at once and shows progress. Tests: inline.
TASKS_IN_THREADS = CELERY_TASK_ALWAYS_EAGER and not env_bool("TESTING")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 30
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BEAT_SCHEDULE = {
    "sweep-sla-breaches": {"task": "qualification.tasks.sweep_sla", "schedule": 300.0},
    "recycle-nurture": {"task": "qualification.tasks.recycle_nurture", "schedule": 3600.0},
    "flag-stale-leads": {"task": "qualification.tasks.flag_stale", "schedule": 6 * 3600.0},
    "nightly-rescore": {
        "task": "qualification.tasks.nightly_rescore",
        "schedule": crontab(hour=2, minute=30),
    },
    "nightly-duplicate-detection": {
        "task": "qualification.tasks.detect_duplicates",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Content-Security-Policy: no inline script, no CDN; everything is served from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The address people open the app at. Every absolute link (the emails' links, the password
# reset) is built on it: a task has no request to take a host from, and a request's Host header
# is whatever the client sent.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL must be set when DEBUG is off: the address the app is served at, "
            "e.g. https://leadreview.example.com (the links in emails point there)."
        )
    SITE_URL = "http://127.0.0.1:8000"
_site = urlsplit(SITE_URL)
if (
    _site.scheme not in ("http", "https")
    or not _site.hostname
    or _site.path
    or _site.query
    or _site.fragment
    or "@" in _site.netloc
):
    raise ImproperlyConfigured(
        f"SITE_URL must be a scheme and a host (and a port, if any), like "
        f"https://leadreview.example.com, not {SITE_URL!r}."
    )
if not DEBUG:
    if ALLOWED_HOSTS and not any(
        pattern == "*" or is_same_domain(_site.hostname, pattern) for pattern in ALLOWED_HOSTS
    ):
        raise ImproperlyConfigured(
            f"SITE_URL's host {_site.hostname} is not in ALLOWED_HOSTS: its links would be refused."
        )
    if SECURE_SSL_REDIRECT and _site.scheme != "https":
        raise ImproperlyConfigured(
            "SITE_URL must start with https:// while the site redirects to https "
            "(SECURE_SSL_REDIRECT)."
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
