"""Settings, all read from the environment in this one file (see ``.env.example``).

The defaults run a fresh checkout on one machine with no services: SQLite, the in-memory
channel layer and the embedded emulator at ``/rest``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dashboard.env import (
    SettingError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    networks_from_list,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
if not DEBUG and SECRET_KEY == _DEV_SECRET and env_bool("REQUIRE_SECRET_KEY", False):
    raise SettingError("SECRET_KEY must be set when REQUIRE_SECRET_KEY is on")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

PORT = env_int("PORT", 8000, minimum=1)
# The upstream VoltStorage API. By default the embedded emulator on this same server.
VOLTSTORAGE_API_URL = env_str("VOLTSTORAGE_API_URL", f"http://127.0.0.1:{PORT}/rest").rstrip("/")
EMULATOR_ENABLED = env_bool("EMULATOR_ENABLED", True)
# Emulator requests running at once (more queue, in order): see emulator/middleware.py.
EMULATOR_CONCURRENCY = env_int("EMULATOR_CONCURRENCY", 1, minimum=1)
# Signs the emulator's JWTs; separate from SECRET_KEY so rotating one does not touch the other.
EMULATOR_JWT_SECRET = env_str("EMULATOR_JWT_SECRET", SECRET_KEY)
UPSTREAM_TIMEOUT = env_int("UPSTREAM_TIMEOUT", 10, minimum=1)
METRICS_PUBLIC = env_bool("METRICS_PUBLIC", False)
# Proxies whose X-Forwarded-For is believed (signin/addresses.py): addresses or networks.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
TRUSTED_PROXY_NETWORKS = networks_from_list("TRUSTED_PROXIES", TRUSTED_PROXIES)
# Seals upstream tokens at rest (signin/tokens.py); separate from SECRET_KEY.
_DEV_TOKEN_KEY = "dev-only-insecure-token-encryption-key"
TOKEN_ENCRYPTION_KEY = env_str("TOKEN_ENCRYPTION_KEY", _DEV_TOKEN_KEY)
# The upstream live socket; empty: VOLTSTORAGE_API_URL's /data/socket as ws(s)://.
VOLTSTORAGE_SOCKET_URL = env_str("VOLTSTORAGE_SOCKET_URL", "").rstrip("/")
# Live feed (livefeed/relay.py): seconds an unwatched upstream socket stays open; reconnect
# backoff (full jitter, first step and cap); silence before values count as stale; heartbeat
# period; silence after which a browser socket is closed; access-check cache lifetime.
LIVEFEED_GRACE_SECONDS = env_int("LIVEFEED_GRACE_SECONDS", 10, minimum=0)
LIVEFEED_BACKOFF_BASE = 0.5
LIVEFEED_BACKOFF_CAP = env_int("LIVEFEED_BACKOFF_CAP", 30, minimum=1)
LIVEFEED_STALE_SECONDS = env_int("LIVEFEED_STALE_SECONDS", 5, minimum=1)
LIVEFEED_HEARTBEAT_SECONDS = 2
# The page pongs every 5 s (static/js/live.js): below 15 s, two lost pongs would close it.
LIVEFEED_VIEWER_TIMEOUT = env_int("LIVEFEED_VIEWER_TIMEOUT", 20, minimum=15)
LIVEFEED_ACCESS_TTL = env_int("LIVEFEED_ACCESS_TTL", 60, minimum=1)
# State messages a browser may lag behind before it skips to the newest one.
LIVEFEED_VIEWER_QUEUE = env_int("LIVEFEED_VIEWER_QUEUE", 16, minimum=1)
REDIS_URL = env_str("REDIS_URL", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "channels",
    "dashboard",
    "signin",
    "fleet",
    "products",
    "livefeed",
]
if EMULATOR_ENABLED:
    INSTALLED_APPS.append("emulator")

# Django's own middleware, run on the event loop instead of a thread hop per call (see
# dashboard/middleware.py); django.contrib.messages is not used, so not installed.
MIDDLEWARE = [
    "dashboard.middleware.SecurityMiddleware",
    "dashboard.middleware.AsyncWhiteNoiseMiddleware",
    "dashboard.middleware.SessionMiddleware",
    "dashboard.middleware.LocaleMiddleware",
    "dashboard.middleware.CommonMiddleware",
    "dashboard.middleware.CsrfViewMiddleware",
    "dashboard.middleware.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
if EMULATOR_ENABLED:
    MIDDLEWARE.insert(2, "emulator.middleware.EmulatorGate")

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "dashboard.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), BASE_DIR
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    # A file, not memory, so the test suite's live server process sees the same data; one per
    # test run, so two runs on one machine never share (and destroy) each other's database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"voltstorage-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "dashboard.cache.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en"
# English and German (locale/de/LC_MESSAGES/django.po; the .mo is compiled by `make setup`).
# The first visit follows Accept-Language; the header's switch (set_language) sets a cookie.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats per language (24-hour clock in English too): dashboard/formats/<lang>/.
FORMAT_MODULE_PATH = ["dashboard.formats"]
LANGUAGE_COOKIE_AGE = 365 * 86400
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Long cache lifetime for hashed static files (plotly.js is ~4.6 MB before compression).
WHITENOISE_MAX_AGE = 31536000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
# Serve from the finders too, so a checkout works without collectstatic; unknown names fall back
# to their unhashed path instead of raising (tests render pages without a manifest).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# plotly.js and htmx come from the installed Python packages, never from a CDN.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.staticfinders.PlotlyFinder",
]
