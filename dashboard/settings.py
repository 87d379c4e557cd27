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
    check_production_secrets,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    networks_from_list,
    redis_url,
)
from dashboard.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

PORT = env_int("PORT", 8000, minimum=1)
# The upstream VoltStorage API. By default the embedded emulator on this same server.
VOLTSTORAGE_API_URL = env_str("VOLTSTORAGE_API_URL", f"http://127.0.0.1:{PORT}/rest").rstrip("/")
# Off unless asked for: a mounted emulator hands out tokens for its demo accounts to anyone.
EMULATOR_ENABLED = env_bool("EMULATOR_ENABLED", False)
# Emulator requests running at once (more queue, in order): see emulator/middleware.py.
EMULATOR_CONCURRENCY = env_int("EMULATOR_CONCURRENCY", 1, minimum=1)
# Signs the emulator's JWTs; never SECRET_KEY (nor the public development key) outside DEBUG.
_DEV_EMULATOR_SECRET = "dev-only-insecure-emulator-jwt-secret"
EMULATOR_JWT_SECRET = env_str("EMULATOR_JWT_SECRET", _DEV_EMULATOR_SECRET)
UPSTREAM_TIMEOUT = env_int("UPSTREAM_TIMEOUT", 10, minimum=1)
METRICS_PUBLIC = env_bool("METRICS_PUBLIC", False)
# Proxies whose X-Forwarded-For is believed (signin/addresses.py): addresses or networks.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
TRUSTED_PROXY_NETWORKS = networks_from_list("TRUSTED_PROXIES", TRUSTED_PROXIES)
# Seals upstream tokens at rest (signin/tokens.py); separate from SECRET_KEY.
_DEV_TOKEN_KEY = "dev-only-insecure-token-encryption-key"
TOKEN_ENCRYPTION_KEY = env_str("TOKEN_ENCRYPTION_KEY", _DEV_TOKEN_KEY)
if not DEBUG:
    # Every default above is published in this file: outside DEBUG, refuse to start on one.
    check_production_secrets(
        SECRET_KEY=(SECRET_KEY, _DEV_SECRET),
        TOKEN_ENCRYPTION_KEY=(TOKEN_ENCRYPTION_KEY, _DEV_TOKEN_KEY),
        **(
            {"EMULATOR_JWT_SECRET": (EMULATOR_JWT_SECRET, _DEV_EMULATOR_SECRET)}
            if EMULATOR_ENABLED
            else {}
        ),
    )
    if EMULATOR_ENABLED and EMULATOR_JWT_SECRET in {SECRET_KEY, TOKEN_ENCRYPTION_KEY}:
        raise SettingError(
            "EMULATOR_JWT_SECRET must differ from SECRET_KEY and TOKEN_ENCRYPTION_KEY"
        )
# The sign-in page lists the demo accounts only when they are the ones that work: the upstream
# is the emulator this very server mounts.
UPSTREAM_IS_EMBEDDED_EMULATOR = EMULATOR_ENABLED and VOLTSTORAGE_API_URL in {
    f"http://{host}:{PORT}/rest" for host in ("127.0.0.1", "localhost", "[::1]")
}
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
# Seconds between a socket's re-joins of its sign-out group (a restarted Redis forgot it).
LIVEFEED_GROUP_REFRESH = env_int("LIVEFEED_GROUP_REFRESH", 30, minimum=1)
REDIS_URL = redis_url("REDIS_URL", env_str("REDIS_URL", ""))
# Prefix of every Redis key (cache and channel layer), so several sites can share one Redis.
REDIS_PREFIX = env_str("REDIS_PREFIX", "")
# Log lines: "text" (time, level, logger, [request id], message) or "json" (one object a line).
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise SettingError(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")

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
    "displays",
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
    "dashboard.middleware.ContentSecurityPolicyMiddleware",
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
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A dead server must fail a request (and /readyz) in seconds, not hang it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Test databases named after the real one (e.g. voltstorage_test), not test_voltstorage.
    DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}_test"}
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
            "CONFIG": {
                # redis-py 8 reads with a 5 s timeout by default, which is exactly how long
                # channels_redis blocks waiting for a message (BZPOPMIN 5): a quiet consumer
                # then crashed with TimeoutError and its socket closed (1006). Longer here.
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 3}
                ],
                "prefix": f"{REDIS_PREFIX}:asgi" if REDIS_PREFIX else "asgi",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            # A dead Redis fails a request in seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "dashboard.cache.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# HTTPS: the site is served over TLS (directly or behind a TLS proxy in TRUSTED_PROXIES, whose
# X-Forwarded-Proto is then believed): plain HTTP is redirected, HSTS is sent, cookies are Secure.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # __Host-: the browser takes these cookies only over HTTPS, for this host and path /, so
    # neither a sibling subdomain nor a plain-HTTP page can plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
if HTTPS and TRUSTED_PROXY_NETWORKS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (static/js, static/css): 'self' and nothing else, but for
# data: images (the pages' empty favicon).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Session lifetimes (signin/auth.py): unused for SESSION_IDLE_TIMEOUT seconds ("keep me signed
# in": SESSION_KEEP_IDLE_TIMEOUT) or older than SESSION_ABSOLUTE_LIFETIME, a session is over,
# whatever its upstream token's validity.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600, minimum=60)
SESSION_KEEP_IDLE_TIMEOUT = env_int("SESSION_KEEP_IDLE_TIMEOUT", 7 * 86400, minimum=60)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 30 * 86400, minimum=60)
# Sign-in throttling (signin/throttle.py), counted in the cache, so across processes on Redis.
SIGNIN_FREE_FAILURES = env_int("SIGNIN_FREE_FAILURES", 3, minimum=1)
SIGNIN_LOCK_FAILURES = env_int("SIGNIN_LOCK_FAILURES", 10, minimum=2)
SIGNIN_LOCK_SECONDS = env_int("SIGNIN_LOCK_SECONDS", 600, minimum=1)
# Django's deploy checks look for its middleware by path; ours are subclasses, so
# dashboard/checks.py runs the same checks against the classes really in MIDDLEWARE instead.
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

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
# Long cache lifetime for hashed static files (plotly.js's basic bundle is ~1.2 MB raw).
WHITENOISE_MAX_AGE = 31536000

LOGGING = logging_config(env_str("LOG_LEVEL", "INFO").upper(), LOG_FORMAT)
# Serve from the finders too, so a checkout works without collectstatic; unknown names fall back
# to their unhashed path instead of raising (tests render pages without a manifest).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# htmx comes from django-htmx, plotly.js's basic bundle from static/vendor; never from a CDN.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
