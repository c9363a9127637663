"""Minimal Django project hosting django-helpdesk's REST API, for benchmarks only.

Configured from the environment by bench/peer/django_helpdesk_bench.py:
  PEER_DB_ENGINE   sqlite (default) | postgresql
  PEER_SQLITE_PATH path of the SQLite file (default: helpdesk.sqlite3 in a temp dir)
  PEER_PG_NAME     PostgreSQL database name (default helpdesk_bench)
  PEER_PG_HOST / PEER_PG_PORT / PEER_PG_USER / PEER_PG_PASSWORD
  PEER_CONN_MAX_AGE  seconds a worker keeps its DB connection (default 600)
  PEER_SQLITE_SYNCHRONOUS  NORMAL (default) | FULL: SQLite's synchronous pragma
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False  # DEBUG=True would log every SQL query and slow the server down
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]

# Django's standard middleware stack, as a real deployment would have.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peerdesk.urls"
WSGI_APPLICATION = "peerdesk.wsgi.application"

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
            ],
        },
    },
]

# Token auth: Basic auth would run Django's PBKDF2 hasher (1M iterations) on every
# request and measure password hashing instead of ticket creation.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}

# django-helpdesk: the REST API (/api/tickets/) is on by default; state it anyway.
HELPDESK_API_ENABLED = True
# Teams mode needs pinax-teams; it plays no part in creating tickets.
HELPDESK_TEAMS_MODE_ENABLED = False

# Mail is rendered (part of helpdesk's ticket creation) but discarded.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.invalid"

_conn_max_age = int(os.environ.get("PEER_CONN_MAX_AGE", "600"))
if os.environ.get("PEER_DB_ENGINE", "sqlite") == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PEER_PG_NAME", "helpdesk_bench"),
            "USER": os.environ.get("PEER_PG_USER", "postgres"),
            "PASSWORD": os.environ.get("PEER_PG_PASSWORD", ""),
            "HOST": os.environ.get("PEER_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("PEER_PG_PORT", "5432"),
            "CONN_MAX_AGE": _conn_max_age,
        }
    }
else:
    _path = os.environ.get("PEER_SQLITE_PATH") or os.path.join(
        tempfile.gettempdir(), "helpdesk.sqlite3"
    )
    # The benchmark passes telcodesk's own setting, so both pay for the same durability.
    _sqlite_synchronous = os.environ.get("PEER_SQLITE_SYNCHRONOUS", "NORMAL").upper()
    if _sqlite_synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"PEER_SQLITE_SYNCHRONOUS must be NORMAL or FULL: {_sqlite_synchronous}")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _path,
            "CONN_MAX_AGE": _conn_max_age,
            # Same pragmas as telcodesk's SQLite engine, so both pay the same I/O costs;
            # IMMEDIATE keeps concurrent workers from deadlocking on lock upgrades.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous="
                    + _sqlite_synchronous
                    + "; PRAGMA busy_timeout=30000"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("PEER_MEDIA_ROOT", os.path.join(tempfile.gettempdir(), "peermedia"))
LOGIN_URL = "helpdesk:login"
