"""Two server processes sharing a real Redis: each holds at most one upstream socket per product,
both deliver every frame, and a sign-out reaches the session's sockets in both."""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.cluster import dashboards, redis_up
from tests.conftest import _database_url
from tests.livefeed.conftest import eventually

# CI's engines pass names its Redis database (REDIS_URL); make test uses db 9 (TEST_REDIS_URL
# overrides it), which this test flushes: one run per database at a time.
REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get(
    "TEST_REDIS_URL", "redis://127.0.0.1:6379/9"
)


pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


def _layer_prefix() -> str:
    prefix = os.environ.get("REDIS_PREFIX", "")
    return f"{prefix}:asgi" if prefix else "asgi"


@pytest.fixture
def processes(server, upstream):
    """Two server processes on the test database, with Redis as channel layer and cache."""
    env = {
        "DATABASE_URL": _database_url(),  # SQLite in make test, PostgreSQL in CI's engines pass
        "REDIS_URL": REDIS_URL,
        "EMULATOR_ENABLED": os.environ["EMULATOR_ENABLED"],  # as the session's (tests/settings)
        "VOLTSTORAGE_API_URL": server.api_url,  # access checks: the real emulator
        "VOLTSTORAGE_SOCKET_URL": upstream.url,  # frames: the fake upstream of this test
        "LIVEFEED_GRACE_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    with dashboards(env) as running:
        yield [dashboard.port for dashboard in running]


def _gauge(port: int, name: str) -> int:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith(name + " ")))


class Browser:
    """A real WebSocket client, as a browser tab of a signed-in session."""

    def __init__(self, port: int, product: int, session_key: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/products/{product}/"
        self.cookie = f"sessionid={session_key}"
        self.states: list[dict] = []
        self.close_code: int | None = None

    async def run(self) -> None:
        async with connect(
            self.url, origin="http://127.0.0.1", additional_headers={"Cookie": self.cookie}
        ) as ws:
            try:
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "state":
                        self.states.append(message)
            finally:
                self.close_code = ws.close_code

    def seen(self) -> set[int]:
        return {m["data"]["n"] for m in self.states if "n" in m["data"]}


async def test_two_processes_each_hold_one_upstream_socket_per_product_and_deliver_every_frame(
    settings, processes, upstream, make_session, owner1_token, fleet_token, owner1_products
):
    products = owner1_products[:2]
    shared = make_session(owner1_token)  # one session with a tab on each process
    other = make_session(fleet_token)
    browsers = [
        Browser(port, product, key)
        for port in processes
        for product in products
        for key in (shared, other)
    ]
    tasks = [asyncio.create_task(b.run()) for b in browsers]
    try:
        await eventually(lambda: all(b.states for b in browsers), timeout=60)
        for product in products:
            assert upstream.sockets_for(product) == 2  # one per process, not one per viewer
        for port in processes:
            assert await asyncio.to_thread(_gauge, port, "livefeed_upstream_sockets_open") == 2
            assert await asyncio.to_thread(_gauge, port, "livefeed_viewers") == 4

        for n in range(30):
            for product in products:
                frame = {"type": "latest-data", "time": 2000 + n, "data": {"n": n}}
                await upstream.send(product, frame)
            await asyncio.sleep(0.02)  # paces the fake upstream, as a real device does
        await eventually(lambda: all(29 in b.seen() for b in browsers), timeout=60)
        for b in browsers:
            assert b.seen() == set(range(30)), b.url

        # Signing out in one process closes that session's tabs in both, through Redis.
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # The processes' own prefix (settings: REDIS_PREFIX), or the sign-out
                # would go to groups nobody is in.
                "CONFIG": {"hosts": [REDIS_URL], "prefix": _layer_prefix()},
            }
        }
        from channels.layers import get_channel_layer

        from signin.signals import signed_out

        await signed_out.asend(sender="signin", session_key=shared)
        closed = [b for b in browsers if b.cookie.endswith(shared)]
        await eventually(lambda: all(b.close_code == 4401 for b in closed), timeout=30)
        assert {b.url.split("/")[2] for b in closed} == {f"127.0.0.1:{p}" for p in processes}
        assert all(b.close_code is None for b in browsers if b not in closed)
        await get_channel_layer().flush()  # this test's groups, in its own Redis db
        await get_channel_layer().close_pools()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
