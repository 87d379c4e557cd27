"""Settings of the server subprocess that the test suite's ``server`` fixture starts.

The same settings as production, plus what the test session needs: the fast password hasher
the session's fleet was seeded with, and unhashed static names (a manifest left by an earlier
``collectstatic`` could otherwise point the pages at stale copies of our JS and CSS).
"""

from __future__ import annotations

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
