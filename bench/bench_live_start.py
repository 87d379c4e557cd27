"""How fast the emulator starts live feeds: warm ``latest`` over HTTP, a socket's first frame,
and a reconnect storm of 400 sockets opened at once.

The real server (``dashboard.serve``, as ``make demo`` runs it) with a 200-product fleet. The
baseline, measured in the same run on the same server, is the floor under each figure: the
emulator's cheapest answer over HTTP (``openapi.json``) for ``latest``, and a socket refused
right after its handshake (a bad token) for the first frame. The storm's ratio compares the
time to the last first frame with 400 warm first frames one after the other.

Run: .venv/bin/python bench/bench_live_start.py [sockets]
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path

import httpx
from _setup import free_port, serve_app, setup_django
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

PASSWORD = "voltstorage"


async def _first_frame(ws_url: str) -> float:
    """Seconds from opening the socket to its first frame."""
    start = time.perf_counter()
    async with connect(ws_url, open_timeout=120, compression=None) as ws:
        await asyncio.wait_for(ws.recv(), 120)
        return time.perf_counter() - start


async def _refused(ws_url: str) -> float:
    start = time.perf_counter()
    async with connect(ws_url, open_timeout=60, compression=None) as ws:
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
    return time.perf_counter() - start


async def _serial_ms(make, urls: list[str]) -> float:
    return statistics.median([await make(url) for url in urls]) * 1000


async def _storm(urls: list[str]) -> list[float]:
    return await asyncio.gather(*(_first_frame(url) for url in urls))


def main(sockets: int = 400) -> None:
    tmp = setup_django(products=200, seed=1)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "VOLTSTORAGE_API_URL": f"{url}/rest",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The fleet was seeded with the fast MD5 hasher, which these settings accept.
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
    }
    server = serve_app(port, env, Path(tmp) / "server.log", timeout=60)
    try:
        with httpx.Client(base_url=f"{url}/rest", timeout=60) as client:
            token = client.post(
                "/login/password", json={"email": "fleet@example.com", "password": PASSWORD}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            products = client.get("/products").json()
            online = [p["id"] for p in products if p["online"] and p["installationDate"]]
            for pid in online:  # cold: each product's day model, once per process and day
                client.get(f"/products/{pid}/latest")

            def http_ms(path: str) -> float:
                times = []
                for i in range(60):
                    start = time.perf_counter()
                    client.get(path.format(pid=online[i % len(online)]))
                    times.append(time.perf_counter() - start)
                return statistics.median(times) * 1000

            latest_ms, floor_ms = http_ms("/products/{pid}/latest"), http_ms("/openapi.json")
        ws = url.replace("http://", "ws://") + "/rest/data/socket"
        urls = [f"{ws}?productId={online[i % len(online)]}&token={token}" for i in range(sockets)]
        first_ms = asyncio.run(_serial_ms(_first_frame, urls[:60]))
        refused_ms = asyncio.run(_serial_ms(_refused, [f"{ws}?productId=1&token=x"] * 60))
        start = time.perf_counter()
        waits = asyncio.run(_storm(urls))
        storm_s = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(10)
    print(f"live start, {len(online)} online products of 200, warm caches, medians:")
    print(
        f"  latest over HTTP        {latest_ms:7.2f} ms   baseline openapi.json "
        f"{floor_ms:6.2f} ms   ratio {latest_ms / floor_ms:5.2f}x"
    )
    print(
        f"  socket's first frame    {first_ms:7.2f} ms   baseline refused socket "
        f"{refused_ms:5.2f} ms   ratio {first_ms / refused_ms:5.2f}x"
    )
    serial_s = sockets * first_ms / 1000
    print(
        f"  storm: {sockets} sockets at once, last first frame after {storm_s:5.2f} s "
        f"(median wait {statistics.median(waits):5.2f} s); {sockets} one after the other "
        f"{serial_s:5.2f} s, ratio {storm_s / serial_s:5.2f}x"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
