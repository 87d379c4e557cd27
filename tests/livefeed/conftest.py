"""Live-feed fixtures: a real session row per viewer, a browser socket through the real ASGI
application, and a tiny fake upstream for the faults the emulator cannot be made to show
(a token refused on the socket, an abrupt drop, a burst of frames).

Access checks always go to the real emulator (the ``server`` fixture), with real tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from channels.testing import WebsocketCommunicator
from websockets.asyncio.server import ServerConnection, serve

ORIGIN = (b"origin", b"http://127.0.0.1")
FULL_FRAME = {
    "gridPower": 120.0,
    "householdPower": 950.0,
    "inverterPower": 330.0,
    "pvPower": 500.0,
    "powerElectronicsPower": 340.0,
    "stateOfCharge": 0.55,
    "status": "discharging",
    "dcVoltage": 51.2,
    "electrolyteTemp": 24.5,
    "pumpTemp": 27.0,
}


@pytest.fixture(autouse=True)
def _quick_livefeed(settings) -> None:
    """Short grace and backoff so reliability tests run in seconds, not minutes."""
    settings.LIVEFEED_GRACE_SECONDS = 0.3
    settings.LIVEFEED_BACKOFF_BASE = 0.05
    settings.LIVEFEED_BACKOFF_CAP = 0.4
    settings.LIVEFEED_HEARTBEAT_SECONDS = 30
    settings.LIVEFEED_STALE_SECONDS = 30


@pytest.fixture
def db_open(server: Any, db) -> None:
    """The seeded database and the live server (the ``db`` fixture: never transactional_db)."""


def _committed(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on a thread of its own, so its writes commit outside the test's transaction
    and the consumer's database thread (and the live server) can read them."""
    from django.db import connections

    def run() -> Any:
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def make_session(db_open) -> Iterator[Callable[[str], str]]:
    """A real session row holding an upstream token, as sign-in leaves it; removed after."""
    from signin.auth import session_store as SessionStore
    from signin.auth import store_token

    created: list[str] = []

    def save(token: str) -> str:
        session = SessionStore()
        store_token(session, token)
        session.save()
        return session.session_key

    def make(token: str) -> str:
        key = _committed(lambda: save(token))
        created.append(key)
        return key

    yield make
    _committed(lambda: [SessionStore(session_key=key).delete() for key in created])


def viewer(product_id: int, session_key: str | None, origin: tuple = ORIGIN):
    """A browser socket to the real ASGI application."""
    from dashboard.asgi import application

    headers = [origin] if origin else []
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/products/{product_id}/", headers=headers)


async def next_message(
    communicator: WebsocketCommunicator,
    where: Callable[[dict[str, Any]], bool] = lambda m: m["type"] == "state",
    timeout: float = 3.0,
) -> dict[str, Any]:
    """The next message matching ``where`` (others, e.g. heartbeats, are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("no matching message in time")
        message = await communicator.receive_json_from(timeout=remaining)
        if where(message):
            return message


async def eventually(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for a condition another task brings about (polled, with a deadline generous for a
    busy machine: a bound on an event, not a measure of speed)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class FakeUpstream:
    """A minimal VoltStorage socket: full first frame, then whatever the test sends."""

    def __init__(self) -> None:
        self.open: dict[ServerConnection, int] = {}
        self.tokens: list[str] = []  # token of every accepted connection, in order
        self.refused: set[str] = set()  # tokens closed with 4401 right after accept
        self.connects = Counter[int]()
        self.url = ""

    def sockets_for(self, product_id: int) -> int:
        return sum(1 for pid in self.open.values() if pid == product_id)

    async def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlparse(ws.request.path).query)
        product_id, token = int(query["productId"][0]), query["token"][0]
        if token in self.refused:
            await ws.close(4401, "token invalid")
            return
        self.tokens.append(token)
        self.connects[product_id] += 1
        self.open[ws] = product_id
        try:
            await ws.send(json.dumps({"type": "latest-data", "time": 1000, "data": FULL_FRAME}))
            await ws.wait_closed()
        finally:
            self.open.pop(ws, None)

    async def send(self, product_id: int, frame: dict[str, Any]) -> None:
        async with asyncio.timeout(
            5
        ):  # a relay that stopped reading must fail the test, not hang it
            for ws, pid in list(self.open.items()):
                if pid == product_id:
                    await ws.send(json.dumps(frame))

    def drop_all(self) -> None:
        """Cut every connection without a closing handshake, as a network failure does."""
        for ws in list(self.open):
            ws.transport.abort()


@pytest.fixture
async def upstream(settings, db_open) -> AsyncIterator[FakeUpstream]:
    from livefeed.relay import get_relay

    fake = FakeUpstream()
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}/data/socket"
        settings.VOLTSTORAGE_SOCKET_URL = fake.url
        yield fake
        await get_relay().aclose()


@pytest.fixture
async def relay_cleanup() -> AsyncIterator[None]:
    from livefeed.relay import get_relay

    yield
    await get_relay().aclose()


@contextlib.asynccontextmanager
async def connected(communicator: WebsocketCommunicator) -> AsyncIterator[WebsocketCommunicator]:
    # Channels' default 1 s bounds failed on a busy CI machine; generous bounds only wait longer.
    ok, code = await communicator.connect(timeout=30)
    assert ok, code
    try:
        yield communicator
    finally:
        await communicator.disconnect(timeout=30)


def _visible_ids(server: Any, token: str) -> list[int]:
    import httpx

    response = httpx.get(f"{server.api_url}/products", params={"token": token})
    response.raise_for_status()
    return [p["id"] for p in response.json()]


@pytest.fixture(scope="session")
def owner1_products(server: Any, owner1_token: str) -> list[int]:
    return _visible_ids(server, owner1_token)


@pytest.fixture(scope="session")
def foreign_product(server: Any, fleet_token: str, owner1_products: list[int]) -> int:
    """A product owner1 may not see."""
    return next(i for i in _visible_ids(server, fleet_token) if i not in owner1_products)
