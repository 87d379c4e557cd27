"""Settings of the test session: production settings with test-only secrets and the emulator on.

With DEBUG off the settings refuse the public development secrets, so the test session names
its own (published here, worthless outside tests) and mounts the emulator explicitly. They go
into the environment before ``dashboard.settings`` reads it, so every server process a test
starts (``tests/conftest.py``'s ``server``, the two-process tests, benchmarks run from tests)
inherits them; a test that needs other values passes its own environment.
"""

from __future__ import annotations

import os

TEST_ENVIRONMENT = {
    "SECRET_KEY": "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "TOKEN_ENCRYPTION_KEY": "tests-only-token-encryption-key-0123456789",
    "EMULATOR_ENABLED": "true",
    "EMULATOR_JWT_SECRET": "tests-only-emulator-jwt-secret-0123456789",
    # Throttling (tested on its own, with low limits): the suite's many sign-ins from one
    # address must not lock each other out.
    "SIGNIN_FREE_FAILURES": "50",
    "SIGNIN_LOCK_FAILURES": "100",
}
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from dashboard.settings import *  # noqa: E402, F403

# Connections close at the end of each request and each ``database_sync_to_async`` call, so
# no executor thread of the test process keeps one open (with production's 60 s, those kept
# the PostgreSQL test database "being accessed by other users" when the session dropped it).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
