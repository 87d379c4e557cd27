"""Two server processes behind nginx (the site file of ``deploy/``), on the same database and
Redis, with the emulator as a third process upstream: every viewer gets every frame, each
process holds one upstream socket per product, a sign-out through one process closes the
session's sockets on the other, and stopping one process leaves the other's viewers alone
while its own reconnect through nginx by themselves.

Run by CI's engines pass (``REDIS_URL`` and a PostgreSQL ``DATABASE_URL``, see ``.ci/run``);
skipped without ``REDIS_URL``, since several processes need Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from tests.cluster import Dashboard, Nginx, dashboards, nginx_available, sign_in, sign_out
from tests.conftest import ROOT, _database_url

pytestmark = [
    pytest.mark.skipif(not nginx_available(), reason="nginx is not installed"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="several processes need REDIS_URL (CI sets it)"
    ),
    pytest.mark.django_db,
]

_LIVE_JS = (ROOT / "static" / "js" / "live.js").read_text()
# The page's own reconnect schedule, so these clients reconnect as a browser tab would.
BACKOFF_BASE = int(re.search(r"BACKOFF_BASE_MS = (\d+)", _LIVE_JS).group(1)) / 1000
BACKOFF_CAP = int(re.search(r"BACKOFF_CAP_MS = (\d+)", _LIVE_JS).group(1)) / 1000
FINAL = {int(code) for code in re.findall(r"(\d{4}): \"", _LIVE_JS.split("FINAL")[1][:200])}


class Tab:
    """A browser tab's live socket: reconnects like ``static/js/live.js`` (full jitter, the
    same base and cap), stops on a final close code (signed out, forbidden)."""

    def __init__(self, base_ws: str, product: int, cookie: str) -> None:
        self.url = f"{base_ws}/ws/products/{product}/"
        self.product = product
        self.cookie = cookie
        self.times: list[float] = []  # upstream frame times of the states received
        self.closes: list[int | None] = []
        self.opened = 0
        self.final: int | None = None
        self.last_state_at = 0.0

    async def run(self) -> None:
        attempt = 0
        while True:
            try:
                async with connect(
                    self.url,
                    origin="http://127.0.0.1",
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=30,
                ) as ws:
                    self.opened += 1
                    attempt = 0
                    pongs = asyncio.create_task(self._pong(ws))
                    with contextlib.suppress(ConnectionClosed):
                        async for raw in ws:
                            message = json.loads(raw)
                            if message["type"] == "state":
                                self.last_state_at = time.time()
                                if message.get("time") is not None:
                                    self.times.append(message["time"])
                    pongs.cancel()
                    self.closes.append(ws.close_code)
                    if ws.close_code in FINAL:
                        self.final = ws.close_code
                        return
            except (OSError, WebSocketException, TimeoutError):
                self.closes.append(None)
            attempt += 1
            await asyncio.sleep(random.random() * min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))

    async def _pong(self, ws) -> None:
        """Every 5 s, like the page: the server closes a silent socket (4408)."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(5)
                await ws.send('{"type":"pong"}')

    def frames_between(self, start: float, end: float) -> set[float]:
        return {t for t in self.times if start < t <= end}


async def eventually(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.2)


async def cancel_tabs(tasks: list[asyncio.Task]) -> None:
    """End the tabs' tasks (each cancelled, then awaited) at the end of a test."""
    for task in tasks:
        task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def cluster(server, fleet) -> Iterator[tuple[Dashboard, Dashboard, Nginx]]:
    from django.conf import settings

    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "REDIS_PREFIX": os.environ.get("REDIS_PREFIX", ""),
        "VOLTSTORAGE_API_URL": server.api_url,
        "TRUSTED_PROXIES": "127.0.0.1",
        "LIVEFEED_GRACE_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    with dashboards(env) as (one, two):
        nginx = Nginx([one.port, two.port], Path(settings.STATIC_ROOT))
        try:
            nginx.start()
            yield one, two, nginx
        finally:
            nginx.stop()


def _online_products(fleet, count: int) -> list[int]:
    """Products the emulator reports as online now, so their sockets carry frames."""
    from emulator import schedule
    from emulator.site import Site

    now = time.time()
    online = [p.id for p in fleet if schedule.is_online(Site.from_product(p), now)]
    return online[:count]


async def test_two_processes_behind_nginx(cluster, fleet):
    one, two, nginx = cluster
    products = _online_products(fleet, 2)
    assert len(products) == 2
    proxy_ws = nginx.url.replace("http://", "ws://")

    # Static files come from nginx itself, straight from STATIC_ROOT.
    static = await asyncio.to_thread(httpx.get, f"{nginx.url}/static/css/app.css", timeout=10)
    assert static.status_code == 200 and "uvicorn" not in static.headers.get("server", "")

    # Two sessions, signed in through nginx like browsers.
    leaving = await asyncio.to_thread(sign_in, nginx.url, "fleet@example.com")
    staying = await asyncio.to_thread(sign_in, nginx.url, "fleet@example.com")
    from django.conf import settings

    name = settings.SESSION_COOKIE_NAME
    leaving_cookie = f"{name}={leaving.cookies[name]}"
    staying_cookie = f"{name}={staying.cookies[name]}"

    # Six tabs per product through nginx (round robin spreads them), plus the leaving
    # session's tabs pinned to each process.
    tabs = [Tab(proxy_ws, p, staying_cookie) for p in products for _ in range(6)]
    pinned = [
        Tab(d.url.replace("http://", "ws://"), products[0], leaving_cookie) for d in cluster[:2]
    ]
    everyone = tabs + pinned
    tasks = [asyncio.create_task(tab.run()) for tab in everyone]
    try:
        await eventually(lambda: all(t.times for t in everyone), 60, "every tab has a state")
        viewers = [await asyncio.to_thread(d.gauge, "livefeed_viewers") for d in (one, two)]
        assert sum(viewers) == len(everyone) and min(viewers) > 0, viewers
        for d in (one, two):
            sockets = await asyncio.to_thread(d.gauge, "livefeed_upstream_sockets_open")
            assert 1 <= sockets <= len(products)  # one per product, not one per viewer

        # Every tab of a product, on either process, gets the same frames.
        start = time.time() + 1
        await eventually(
            lambda: all(any(t > start + 5 for t in tab.times) for tab in everyone),
            120,
            "frames after the window opened",
        )
        for product in products:
            watching = [tab for tab in everyone if tab.product == product]
            end = min(max(tab.times) for tab in watching)
            seen = [tab.frames_between(start, end) for tab in watching]
            assert seen[0], f"no frame of product {product} in the window"
            assert all(s == seen[0] for s in seen), (product, seen)

        # Signing out through process one closes the session's tab on process two as well.
        assert await asyncio.to_thread(sign_out, leaving, one.url) in (200, 302, 303)
        await eventually(lambda: all(t.final == 4401 for t in pinned), 30, "signed-out tabs")
        assert all(t.final is None for t in tabs)

        # Stop process two: its tabs reconnect through nginx to process one by themselves; the
        # tabs on process one are not disturbed at all.
        on_two = int(await asyncio.to_thread(two.gauge, "livefeed_viewers"))
        closed_before = {id(t): len(t.closes) for t in tabs}
        stopped_at = time.time()
        await asyncio.to_thread(two.stop)
        await eventually(
            lambda: sum(len(t.closes) > closed_before[id(t)] for t in tabs) >= on_two,
            30,
            "the stopped process's tabs see their sockets close",
        )
        moved = [t for t in tabs if len(t.closes) > closed_before[id(t)]]
        stayed = [t for t in tabs if t not in moved]
        assert len(moved) == on_two > 0
        await eventually(
            lambda: all(t.last_state_at > stopped_at for t in moved),
            BACKOFF_CAP + 5,
            "moved tabs live again through nginx",
        )
        assert all(t.opened >= 2 and t.final is None for t in moved), [t.closes for t in moved]
        await eventually(
            lambda: all(any(f > stopped_at for f in t.times) for t in stayed),
            60,
            "frames keep coming to the tabs of process one",
        )
        assert all(len(t.closes) == closed_before[id(t)] for t in stayed), [t.closes for t in tabs]
        sockets = await asyncio.to_thread(one.gauge, "livefeed_upstream_sockets_open")
        assert sockets <= len(products)
    finally:
        await cancel_tabs(tasks)
        leaving.close()
        staying.close()
