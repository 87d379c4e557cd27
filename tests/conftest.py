"""Shared fixtures: a seeded emulator fleet, the real server (as `make demo` runs it), demo
personas, a browser.

The fleet is seeded once per session and committed, so the live server (a separate process
sharing the SQLite file) sees it. Tests use the ``db`` fixture, whose transaction rolls back;
``transactional_db`` would truncate the shared fleet, so tests must not use it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings

from tests.chromium import chromium

# Property-based tests: ``make test`` draws the same bounded examples on every run (a CI that
# fails must fail again on a re-run, and pass for the same reason); ``make fuzz`` draws many
# fresh random ones to find what the fixed set misses.
_HYPOTHESIS_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=30, **_HYPOTHESIS_COMMON
)
settings.register_profile(
    "fuzz",
    derandomize=False,
    database=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "1500")),
    **_HYPOTHESIS_COMMON,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD = "voltstorage"
FLEET_SIZE = 60
FLEET_SEED = 7
ROOT = Path(__file__).resolve().parent.parent
_PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@dataclass(frozen=True)
class Persona:
    email: str
    owner_index: int | None  # None: sees the whole fleet


FLEET_MANAGER = Persona("fleet@example.com", None)
OWNER1 = Persona("owner1@example.com", 0)
OWNER2 = Persona("owner2@example.com", 1)


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _fast_passwords):
    from emulator.fleet import build_fleet

    name = str(connections["default"].settings_dict["NAME"])
    if "test" not in name:  # never seed (or later flush) a real database
        raise RuntimeError(f"refusing to seed {name!r}: it is not a test database")
    with django_db_blocker.unblock():
        build_fleet(products=FLEET_SIZE, seed=FLEET_SEED)
    yield
    with django_db_blocker.unblock():
        _close_other_connections(name)


def _close_other_connections(name: str) -> None:
    """Before pytest-django drops the test database: close this process's connections, and on
    PostgreSQL end any other client's (the drop would fail with "being accessed by other
    users", after every test passed, and leave the database behind).

    Server subprocesses are stopped by their fixtures before this runs, so a connection left
    now is a leak (a thread or process a test forgot): it is named on stderr, then ended.
    """
    connections.close_all()
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for _ in range(50):  # a stopped subprocess's backends end a moment after it exits
            cursor.execute(
                "SELECT pid, application_name, client_port, state, left(query, 80) "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            others = cursor.fetchall()
            if not others:
                break
            time.sleep(0.1)  # a backend's exit after its client's: nothing to await on
        for pid, *_ in others:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connections.close_all()
    if others:
        # Reported, not raised: the suite's verdict is its tests'; the drop now succeeds.
        print(f"\n{name}: connections left open at the end, ended: {others}", file=sys.stderr)


@pytest.fixture
def fleet(db):
    """The session's seeded fleet (60 products, seed 7), read inside the test's transaction."""
    from emulator.models import Product

    return list(Product.objects.select_related("group", "group__owner", "type").order_by("id"))


# A live test that needs frames picks a product the emulator's deterministic schedule keeps online
# for this long from now: "online now" alone fails when an offline window starts mid-test.
STEADY_SECONDS = 15 * 60


@pytest.fixture(scope="session")
def seeded_products(django_db_setup, django_db_blocker) -> list[Any]:
    """The seeded fleet's products, read once outside any test's transaction: on SQLite a test
    holding a read transaction makes the live server's writes fail ("database is locked"), and
    signing in on the live server writes a session."""
    from emulator.models import Product

    with django_db_blocker.unblock():
        return list(Product.objects.select_related("group", "group__owner").order_by("id"))


def steady_online(products: Iterable[Any], *, seconds: int = STEADY_SECONDS) -> list[Any]:
    """The installed ``products`` (emulator models, in order) that ``emulator.schedule`` says are
    online at every second of the next ``seconds``, starting from now."""
    from emulator import schedule
    from emulator.site import Site

    instants = time.time() + np.arange(seconds + 1)
    return [
        p
        for p in products
        if p.installation_date is not None
        and schedule.online_mask(Site.from_product(p), instants).all()
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    port: int
    log_path: Path  # what the server wrote (stdout and stderr)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def api_url(self) -> str:
        return f"{self.url}/rest"


def _database_url() -> str:
    """The test database as a DATABASE_URL, for the server subprocess."""
    db = connections["default"].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_until_serving(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/rest/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer in 30 s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def server(django_db_setup, tmp_path_factory) -> Iterator[LiveServer]:
    """The real server (``python -m dashboard.serve``) with the whole app (dashboard + emulator)
    on a free port, as a separate process on the session's test database, exactly as
    ``make demo`` runs it.

    A subprocess rather than a fork: a fork after asyncio tests inherits their loops and
    executor threads, and the child then drops its connections.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "DATABASE_URL": _database_url(),
        "PORT": str(port),
        "VOLTSTORAGE_API_URL": f"{url}/rest",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    overrides = override_settings(VOLTSTORAGE_API_URL=f"{url}/rest", STORAGES=_PLAIN_STORAGES)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(url, process, log_path)
    except RuntimeError:
        process.kill()
        raise
    overrides.enable()
    try:
        yield LiveServer(url=url, port=port, log_path=log_path)
    finally:
        overrides.disable()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def login_token(server: LiveServer, email: str, password: str = PASSWORD, validity: int = 3600):
    """A real upstream token from the emulator, as a user would get it."""
    response = httpx.post(
        f"{server.api_url}/login/password",
        json={"email": email, "password": password, "validity": validity},
    )
    response.raise_for_status()
    return response.json()["token"]


@pytest.fixture(scope="session")
def fleet_token(server: LiveServer) -> str:
    return login_token(server, FLEET_MANAGER.email)


@pytest.fixture(scope="session")
def owner1_token(server: LiveServer) -> str:
    return login_token(server, OWNER1.email)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    pytest.importorskip("playwright.sync_api")
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if htmx reported an error in the console (a trigger it
    cannot parse under the CSP, say), which would otherwise leave a control silently dead."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    htmx_errors: list[str] = []
    page.on(
        "console",
        lambda m: htmx_errors.append(m.text) if m.type == "error" and "htmx:" in m.text else None,
    )
    yield page
    context.close()
    assert htmx_errors == [], f"htmx errors in the console: {htmx_errors}"


def pytest_collection_modifyitems(config, items) -> None:
    """Run the Chromium tests last.

    Playwright's sync API keeps an event loop running in the main thread while the browser is
    open; any asyncio test after it would fail with "cannot be called from a running event loop".
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
    # pytest-django creates the test database only for tests that ask for the database; a test
    # that only talks to the live server must count too, or the fleet would be seeded into the
    # developer's own database.
    for item in items:
        # Every Chromium test is marked, whether or not its module says so (a ``pytestmark``
        # in tests/browser/conftest.py marks nothing): CI's engines pass leaves them out.
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
        if "server" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.django_db)
        # CI's engines pass (.ci/run) runs these again on PostgreSQL and Redis.
        if item.get_closest_marker("django_db") or _ENGINE_FIXTURES & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.engines)


# Fixtures that reach the database, the cache, the sessions or the channel layer.
_ENGINE_FIXTURES = {"db", "server", "make_session", "empty_cache", "fleet_client", "cluster"}


def sign_in(client: Client, email: str, *, keep: bool = False, next_url: str = ""):
    """Sign ``client`` in through the real sign-in page against the live emulator."""
    data = {"email": email, "password": PASSWORD}
    if keep:
        data["keep"] = "on"
    if next_url:
        data["next"] = next_url
    return client.post("/signin/", data)


@pytest.fixture
def fleet_client(server, db) -> Client:
    client = Client()
    assert sign_in(client, "fleet@example.com").status_code == 302
    return client


@pytest.fixture
def owner1_client(server, db) -> Client:
    client = Client()
    assert sign_in(client, "owner1@example.com").status_code == 302
    return client


@pytest.fixture
def empty_cache() -> Iterator[None]:
    """The test starts and ends without fleet snapshots, sessions or counters left by another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise() -> Iterator[None]:
    """Each test starts in the default language: a request served in-process by a German page
    (LocaleMiddleware activates per thread) must not leave later tests reading German."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
