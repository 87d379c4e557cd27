"""Shared fixtures: a seeded emulator fleet, a real daphne server, demo personas, a browser.

The fleet is seeded once per session and committed, so the live server (a separate process
sharing the SQLite file) sees it. Tests use the ``db`` fixture, whose transaction rolls back;
``transactional_db`` would truncate the shared fleet, so tests must not use it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from django.test.utils import override_settings

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD = "voltstorage"
FLEET_SIZE = 60
FLEET_SEED = 7


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

    with django_db_blocker.unblock():
        build_fleet(products=FLEET_SIZE, seed=FLEET_SEED)


@pytest.fixture
def fleet(db):
    """The session's seeded fleet (60 products, seed 7), read inside the test's transaction."""
    from emulator.models import Product

    return list(Product.objects.select_related("group", "group__owner", "type").order_by("id"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _application():
    # The same application as `make demo`: WhiteNoise serves static files, hashed names from
    # STATIC_ROOT after collectstatic (ASGIStaticFilesHandler only knows unhashed finder names,
    # so with a manifest present htmx and the CSS would 404 in browser tests).
    from dashboard.asgi import application

    return application


def _child_setup(blocker) -> None:
    """In the forked server: allow database access and open fresh connections."""
    from django.db import connections

    blocker.unblock()
    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    port: int

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def api_url(self) -> str:
        return f"{self.url}/rest"


@pytest.fixture(scope="session")
def server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """A real daphne serving the whole app (dashboard + emulator) on a free port.

    The dashboard's upstream is the emulator on the same server, as in ``make demo``.
    """
    from daphne.testing import DaphneProcess

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    overrides = override_settings(VOLTSTORAGE_API_URL=f"{url}/rest")
    overrides.enable()
    process = DaphneProcess(
        "127.0.0.1",
        partial(_application),
        port=port,
        setup=partial(_child_setup, django_db_blocker),
    )
    process.daemon = True
    process.start()
    if not process.ready.wait(timeout=30):
        raise RuntimeError("daphne did not start in 30 s")
    try:
        yield LiveServer(url=url, port=port)
    finally:
        process.terminate()
        process.join(10)
        overrides.disable()


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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(config, items) -> None:
    """Run the Chromium tests last.

    Playwright's sync API keeps an event loop running in the main thread while the browser is
    open; any asyncio test after it would fail with "cannot be called from a running event loop".
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
