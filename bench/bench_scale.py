"""Fleet page throughput with one and with two dashboard processes behind nginx (issue 16).

The deploy/ nginx site in front (tests/cluster.py renders it with this run's ports), the
emulator as an upstream process of its own (so its CPU is not the dashboard's, as in
production), sessions and cache in Redis (``BENCH_REDIS_URL``, default db 11). Each arm signs
in once, warms the fleet snapshot, then fires bursts of 20 concurrent fleet-page loads through
nginx; throughput is pages per second over all bursts. The ratio two ÷ one is printed.

On the 2-core development machine the two dashboard processes share the cores with the
emulator and nginx, so the ratio says how much of a second core the second process can use,
not what a bigger host would give.

Run: .venv/bin/python bench/bench_scale.py [--bursts 15] [--products 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from _setup import ROOT, free_port, serve_app, setup_django

sys.path.insert(0, str(ROOT))
from tests.cluster import Dashboard, Nginx, sign_in

CONCURRENT = 20


async def _burst(client: httpx.AsyncClient) -> list[float]:
    async def one() -> float:
        start = time.perf_counter()
        response = await client.get("/")
        if response.status_code != 200:
            raise RuntimeError(f"fleet page answered {response.status_code}")
        return time.perf_counter() - start

    return await asyncio.gather(*(one() for _ in range(CONCURRENT)))


async def _arm(nginx_url: str, cookies: httpx.Cookies, bursts: int) -> tuple[float, float]:
    """Pages per second over ``bursts`` bursts, and the median load time (ms)."""
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(
        base_url=nginx_url, cookies=cookies, timeout=60, limits=limits
    ) as client:
        for _ in range(2):  # warm: snapshot, connections, caches
            await _burst(client)
        times: list[float] = []
        start = time.perf_counter()
        for _ in range(bursts):
            times.extend(await _burst(client))
        elapsed = time.perf_counter() - start
    return len(times) / elapsed, statistics.median(times) * 1000


def run_arm(processes: int, env: dict[str, str], bursts: int, static_root: Path) -> tuple:
    dashboards = [Dashboard(env).start() for _ in range(processes)]
    nginx = Nginx([d.port for d in dashboards], static_root).start()
    try:
        client = sign_in(nginx.url, "fleet@example.com")
        cookies = client.cookies
        client.close()
        return asyncio.run(_arm(nginx.url, cookies, bursts))
    finally:
        nginx.stop()
        for d in dashboards:
            d.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bursts", type=int, default=15)
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")

    tmp = setup_django(products=args.products)
    db_url = os.environ["DATABASE_URL"]
    emulator_port = free_port()
    emulator = serve_app(
        emulator_port,
        {
            "DJANGO_SETTINGS_MODULE": "tests.server_settings",
            "DATABASE_URL": db_url,
            "LOG_LEVEL": "WARNING",
        },
        tmp / "emulator.log",
    )
    env = {
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": "bench-scale",
        "VOLTSTORAGE_API_URL": f"http://127.0.0.1:{emulator_port}/rest",
        "TRUSTED_PROXIES": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    from django.conf import settings

    static_root = Path(settings.STATIC_ROOT)
    try:
        results = {n: run_arm(n, env, args.bursts, static_root) for n in (1, 2)}
    finally:
        emulator.terminate()
        emulator.wait(10)
    print(f"fleet page, {args.products} products, {CONCURRENT} concurrent loads through nginx, "
          f"{args.bursts} bursts per arm")  # fmt: skip
    for n, (rate, median) in results.items():
        label = "1 process" if n == 1 else f"{n} processes"
        print(f"  {label}: {rate:6.1f} pages/s, median load {median:.0f} ms")
    print(f"  ratio two ÷ one: {results[2][0] / results[1][0]:.2f}x")


if __name__ == "__main__":
    main()
