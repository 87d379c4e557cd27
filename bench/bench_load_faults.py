"""Load and faults (issue 16): viewer sockets over two processes behind nginx on 200 products at
the emulator's rate, then Redis restarted mid-run, then PostgreSQL restarted mid-run.

Redis and PostgreSQL are PRIVATE instances on free ports in a temporary folder (never the
machine's shared ones): ``redis-server --port`` and ``initdb`` + ``pg_ctl`` (as the
``postgres`` user when run as root). The emulator is a process of its own on SQLite.

Prints, per phase: delivered fraction (frames a socket received ÷ frames of its product
that reached any viewer, on either process), p99 latency (receipt minus the state's
``now``, stamped by the dashboard when it serialised the frame), upstream sockets per process
(``/metrics``), and for the faults: whether sign-out messages cross processes after Redis
returns, ``/readyz`` answers during and after the PostgreSQL outage, and that no process exited.

Run: .venv/bin/python bench/bench_load_faults.py [--sockets 2000] [--phase-seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _setup import ROOT, free_port, serve_app, setup_django
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

sys.path.insert(0, str(ROOT))
from tests.cluster import Dashboard, Nginx, PrivatePostgres, PrivateRedis, sign_in, sign_out

PRODUCTS = 200


class Viewer:
    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.received: list[tuple[float, float, float]] = []  # (receipt, now, frame time)
        self.closes: list[tuple[float, int | None]] = []  # (when, close code; None: refused)

    async def run(self) -> None:
        while True:
            try:
                async with connect(self.url, origin="http://127.0.0.1", open_timeout=60,
                                   additional_headers={"Cookie": self.cookie}) as ws:  # fmt: skip
                    pong = asyncio.create_task(self._pong(ws))
                    with contextlib.suppress(ConnectionClosed):
                        async for raw in ws:
                            m = json.loads(raw)
                            if m["type"] == "state" and m.get("time") is not None:
                                self.received.append((time.time(), m["now"], m["time"]))
                    pong.cancel()
                    self.closes.append((time.time(), ws.close_code))
                    if ws.close_code in (4401, 4403):
                        return
            except (OSError, WebSocketException, TimeoutError):
                self.closes.append((time.time(), None))
            await asyncio.sleep(1)

    @property
    def signed_out(self) -> bool:
        return any(code == 4401 for _, code in self.closes)

    def dropped(self, start: float, end: float) -> int:
        """Socket closes and refused reconnects in [start, end)."""
        return sum(start <= when < end for when, _ in self.closes)

    async def _pong(self, ws) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(5)
                await ws.send('{"type":"pong"}')


def figures(viewers: list[Viewer], start: float, end: float, grace: float = 3.0) -> tuple:
    """Delivered fraction and p99 latency (ms) of the frames that first reached any viewer of
    their product in [start, end - grace): every viewer of that product should have had it, on
    either process, with ``grace`` seconds to get it (so a window's edge loses nothing)."""
    first: dict[tuple[str, object], float] = {}
    for v in viewers:
        for r, _, t in v.received:
            first[(v.url, t)] = min(r, first.get((v.url, t), r))
    wanted: dict[str, set[object]] = {}
    for (url, t), r in first.items():
        if start <= r < end - grace:
            wanted.setdefault(url, set()).add(t)
    got = want = 0
    latencies: list[float] = []
    for v in viewers:
        frames = wanted.get(v.url, set())
        mine = {t: (r, n) for r, n, t in v.received if t in frames}
        got, want = got + len(mine), want + len(frames)
        latencies.extend((r - n) * 1000 for r, n in mine.values())
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return (got / want if want else float("nan")), p99


async def main_async(args: argparse.Namespace, tmp: Path) -> None:
    redis, pg = PrivateRedis(), PrivatePostgres()
    redis.start()
    pg.init().start()
    emulator_port = free_port()
    emulator = serve_app(emulator_port, {"DJANGO_SETTINGS_MODULE": "tests.server_settings",
                                         "DATABASE_URL": os.environ["DATABASE_URL"],
                                         "LOG_LEVEL": "WARNING"}, tmp / "emulator.log")  # fmt: skip
    env = {"DATABASE_URL": pg.url, "REDIS_URL": redis.url,
           "VOLTSTORAGE_API_URL": f"http://127.0.0.1:{emulator_port}/rest",
           "TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "WARNING"}  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT,
                   env={**os.environ, **env, "EMULATOR_ENABLED": "false"}, check=True)  # fmt: skip
    from django.conf import settings

    one = Dashboard({**env}).start()
    two = Dashboard({**env}).start()
    nginx = Nginx([one.port, two.port], Path(settings.STATIC_ROOT)).start()
    tasks: list[asyncio.Task] = []
    try:
        sessions = [await asyncio.to_thread(sign_in, nginx.url, "fleet@example.com")
                    for _ in range(10)]  # fmt: skip
        name = settings.SESSION_COOKIE_NAME
        ws = nginx.url.replace("http", "ws", 1)
        viewers = [
            # A product's viewers open one after the other, so nginx spreads them over both
            # processes: each process then holds an upstream socket for (nearly) every product.
            Viewer(f"{ws}/ws/products/{1 + i * PRODUCTS // args.sockets}/",
                   f"{name}={sessions[i % len(sessions)].cookies[name]}")
            for i in range(args.sockets)
        ]  # fmt: skip
        for i, v in enumerate(viewers):
            tasks.append(asyncio.create_task(v.run()))
            if i % 50 == 49:
                await asyncio.sleep(0.2)  # ramp up
        # Until every viewer has a state, or no more get one for 10 s (a product that is not
        # installed yet sends none), at most 120 s.
        deadline, connected, still = time.time() + 120, -1, 0
        while time.time() < deadline and connected < len(viewers) and still < 10:
            await asyncio.sleep(1)
            now_connected = sum(bool(v.received) for v in viewers)
            still = still + 1 if now_connected == connected else 0
            connected = now_connected

        def drops(since: float) -> int:
            return sum(v.dropped(since, time.time()) for v in viewers if v not in mine)

        mine: list[Viewer] = []  # the signed-out session's, once it is
        sockets = [await asyncio.to_thread(d.gauge, "livefeed_upstream_sockets_open")
                   for d in (one, two)]  # fmt: skip
        t0 = time.time()
        await asyncio.sleep(args.phase_seconds)
        steady = figures(viewers, t0, time.time())
        print(f"{args.sockets} sockets ({connected} with a state), {PRODUCTS} products, "
              f"upstream sockets per process: {sockets[0]:.0f} / {sockets[1]:.0f}")  # fmt: skip
        print(f"steady ({args.phase_seconds:.0f} s): delivered {steady[0]:.2%}, "
              f"p99 {steady[1]:.0f} ms, {drops(t0)} sockets closed")  # fmt: skip

        # Redis restarted: frames keep flowing (they do not cross Redis); sign-out resumes.
        t1 = time.time()
        redis.stop()
        await asyncio.sleep(5)
        redis.start()
        await asyncio.sleep(args.phase_seconds)
        during = figures(viewers, t1, time.time())
        print(f"Redis stopped 5 s, restarted, {args.phase_seconds:.0f} s more: delivered "
              f"{during[0]:.2%}, p99 {during[1]:.0f} ms, {drops(t1)} sockets closed")  # fmt: skip
        leaving = sessions[0]
        cookie = f"{name}={leaving.cookies[name]}"
        mine.extend(v for v in viewers if v.cookie == cookie)
        status = await asyncio.to_thread(sign_out, leaving, one.url)
        out_at = time.time()
        while time.time() < out_at + 30 and not all(v.signed_out for v in mine):
            await asyncio.sleep(0.2)
        closed = sum(v.signed_out for v in mine)
        took = time.time() - out_at
        print(f"  sign-out through one process after Redis returned (HTTP {status}): "
              f"{closed}/{len(mine)} of the session's sockets, on both processes, closed in "
              f"{took:.1f} s")  # fmt: skip

        # PostgreSQL restarted: /readyz says 503 while it is down, 200 again after.
        async with httpx.AsyncClient(timeout=30) as http:

            async def readyz() -> list[int]:
                answers = [await http.get(f"{d.url}/readyz") for d in (one, two)]
                return [a.status_code for a in answers]

            async def fleet_page() -> int:
                cookies = {name: sessions[1].cookies[name]}
                return (await http.get(f"{nginx.url}/", cookies=cookies)).status_code

            t2 = time.time()
            await asyncio.to_thread(pg.stop)
            codes, page_down = await readyz(), await fleet_page()
            await asyncio.sleep(5)
            await asyncio.to_thread(pg.start)
            back = None
            while time.time() < t2 + 60:
                if await readyz() == [200, 200]:
                    back = time.time() - t2
                    break
                await asyncio.sleep(0.5)
            page = await fleet_page()
        await asyncio.sleep(max(0.0, t2 + args.phase_seconds - time.time()))
        outage = figures([v for v in viewers if v not in mine], t2, time.time())
        alive = all(d.process.poll() is None for d in (one, two))
        print(f"PostgreSQL stopped 5 s, restarted: /readyz {codes} and fleet page {page_down} "
              f"while down; /readyz 200 on both {back:.1f} s after the stop, fleet page {page} "
              f"after; delivered {outage[0]:.2%}, p99 {outage[1]:.0f} ms, {drops(t2)} sockets "
              f"closed; processes alive: {alive}")  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        nginx.stop()
        one.stop()
        two.stop()
        emulator.terminate()
        emulator.wait(10)
        redis.stop()
        pg.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--phase-seconds", type=float, default=30)
    args = parser.parse_args()
    tmp = setup_django(products=PRODUCTS)  # before the loop: Django's ORM is sync-only
    asyncio.run(main_async(args, tmp))


if __name__ == "__main__":
    main()
