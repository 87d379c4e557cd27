"""Live-feed fan-out: N browser sockets over P products at R frames/s, three designs, one run.

Arms (same frame source, same client harness, same machine, one after the other):
  bare   a bare ``websockets`` server generating the frames and ``broadcast``-ing them to its
         clients: the ceiling (one hop, nothing else).
  ours   fake upstream -> daphne running the dashboard (``livefeed.relay``: one upstream socket
         per product, serialise once, hand to in-process consumers) -> clients, signed in.
  naive  fake upstream -> daphne running ``bench/_naive_livefeed.py`` (one channel-layer
         ``group_send`` per frame to every viewer) -> clients.

The frame source is a fake upstream at R Hz, not the emulator: the emulator sends about one
frame a second, and the target is stated for 10 frames/s. Every frame carries a sequence number
and its send time; clients count sequence numbers (delivered = unique frames received / frames
sent x viewers) and measure latency from the upstream's send to the client's receipt.

Target (issue 6): ours delivers every frame, p99 within 1.5x the bare ceiling's p99, exactly
P upstream sockets. Defaults are the issue's figures (500 viewers, 50 products, 10 frames/s);
on a small shared machine pass smaller ones, e.g. ``--viewers 200 --products 20``.

Run: .venv/bin/python bench/bench_livefeed.py [--viewers N] [--products P] [--rate R] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from _setup import ROOT, setup_django

PORTS = {"source": 8360, "ours": 8361, "naive": 8362, "bare": 8363}
CLIENT_PROCESSES = 2


# -- the frame source (a process of its own) ---------------------------------------------------
def run_source(port: int, products: int, rate: float, ticks: int, start_at, connections) -> None:
    """Fake upstream socket: full first frame on connect, then ``ticks`` frames per product."""
    from websockets.asyncio.server import broadcast, serve

    logging.getLogger("websockets").setLevel(logging.WARNING)

    async def main() -> None:
        subscribers: dict[int, set] = {p: set() for p in range(1, products + 1)}

        async def handler(ws) -> None:
            url = urlparse(ws.request.path)
            query = parse_qs(url.query)
            pid = (
                int(query["productId"][0]) if "productId" in query else int(url.path.split("/")[3])
            )
            with connections.get_lock():
                connections.value += 1
            subscribers[pid].add(ws)
            full = {"pvPower": 1500.0, "householdPower": 900.0, "inverterPower": -500.0}
            full.update({"gridPower": -100.0, "stateOfCharge": 0.5, "seq": -1, "sent": 0})
            await ws.send(json.dumps({"type": "latest-data", "time": time.time(), "data": full}))
            try:
                await ws.wait_closed()
            finally:
                subscribers[pid].discard(ws)

        async with serve(handler, "127.0.0.1", port, compression=None):
            while start_at.value == 0:
                await asyncio.sleep(0.05)
            begin = start_at.value
            for k in range(ticks):
                delay = begin + k / rate - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                for conns in subscribers.values():
                    now = time.time()
                    data = {"seq": k, "sent": now, "pvPower": 1500.0 + k % 7}
                    broadcast(conns, json.dumps({"type": "latest-data", "time": now, "data": data}))
            await asyncio.sleep(3600)  # keep sockets open until terminated

    asyncio.run(main())


# -- the clients (two processes, the same harness for every arm) -------------------------------
def run_clients(urls, headers, ticks, ready, stop_at, results) -> None:
    from websockets.asyncio.client import connect

    logging.getLogger("websockets").setLevel(logging.WARNING)

    async def main() -> None:
        received = [set() for _ in urls]
        latencies: list[float] = []
        failures = 0
        gate = asyncio.Semaphore(25)
        sockets = []

        async def open_one(url):
            nonlocal failures
            async with gate:
                try:
                    return await connect(url, compression=None, max_queue=None, **headers)
                except Exception:
                    failures += 1
                    return None

        sockets = await asyncio.gather(*(open_one(u) for u in urls))
        ready.put(len(urls) - failures)

        async def read(i, ws) -> None:
            async for raw in ws:
                now = time.time()
                data = json.loads(raw).get("data") or {}
                seq = data.get("seq")
                if isinstance(seq, int) and 0 <= seq < ticks and seq not in received[i]:
                    received[i].add(seq)
                    latencies.append(now - data["sent"])

        readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets) if ws]
        while stop_at.value == 0 or time.time() < stop_at.value:
            await asyncio.sleep(0.1)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets if ws), return_exceptions=True)
        results.put(([len(r) for r in received], latencies, failures))

    asyncio.run(main())


# -- one arm -------------------------------------------------------------------------------
def _wait_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def run_arm(name: str, args, env: dict[str, str], headers: dict) -> dict:
    ctx = mp.get_context("fork")
    ticks = int(args.seconds * args.rate)
    start_at, stop_at = ctx.Value("d", 0.0), ctx.Value("d", 0.0)
    connections = ctx.Value("i", 0)
    source = ctx.Process(
        target=run_source,
        args=(
            PORTS["source"] if name != "bare" else PORTS["bare"],
            args.products,
            args.rate,
            ticks,
            start_at,
            connections,
        ),
        daemon=True,
    )
    source.start()
    server = None
    if name == "bare":
        _wait_port(PORTS["bare"])
        base = f"ws://127.0.0.1:{PORTS['bare']}"
    else:
        _wait_port(PORTS["source"])
        app = "dashboard.asgi" if name == "ours" else "bench._naive_livefeed"
        daphne = str(Path(sys.executable).with_name("daphne"))
        server = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(PORTS[name]), f"{app}:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(env["BENCH_TMP"]) / f"daphne-{name}.log", "w"),  # noqa: SIM115
        )
        _wait_port(PORTS[name])
        base = f"ws://127.0.0.1:{PORTS[name]}"
    urls = [f"{base}/ws/products/{v % args.products + 1}/" for v in range(args.viewers)]
    ready, results = ctx.Queue(), ctx.Queue()
    workers = [
        ctx.Process(
            target=run_clients,
            args=(urls[i::CLIENT_PROCESSES], headers, ticks, ready, stop_at, results),
            daemon=True,
        )
        for i in range(CLIENT_PROCESSES)
    ]
    for w in workers:
        w.start()
    connected = sum(ready.get(timeout=120) for _ in workers)
    start_at.value = time.time() + 1.5  # every viewer has its first state before frame 0
    stop_at.value = start_at.value + args.seconds + 3.0  # drain time for late frames
    counts, latencies, failures = [], [], 0
    for _ in workers:
        c, lat, f = results.get(timeout=args.seconds + 120)
        counts += c
        latencies += lat
        failures += f
    upstream = connections.value
    for w in workers:
        w.join(10)
    if server is not None:
        server.terminate()
        server.wait(10)
    source.terminate()
    source.join(10)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "connected": connected,
        "failures": failures,
        "delivered": sum(counts) / (ticks * args.viewers),
        "p50": pick(0.50) if latencies else float("nan"),
        "p99": pick(0.99) if latencies else float("nan"),
        "max": latencies[-1] * 1000 if latencies else float("nan"),
        "upstream": upstream if name != "bare" else None,
        "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="frames per second per product")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--arms", default="bare,ours,naive")
    args = parser.parse_args()

    tmp = setup_django(products=max(args.products, 10))
    from django.contrib.sessions.backends.db import SessionStore

    from dashboard.auth import TOKEN_KEY
    from emulator.auth import issue_token
    from emulator.models import User

    session = SessionStore()
    session[TOKEN_KEY] = issue_token(User.objects.get(email="fleet@example.com"), 3600)
    session.save()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "PORT": str(PORTS["ours"]),
        "VOLTSTORAGE_API_URL": f"http://127.0.0.1:{PORTS['ours']}/rest",
        "VOLTSTORAGE_SOCKET_URL": f"ws://127.0.0.1:{PORTS['source']}/data/socket",
        "LOG_LEVEL": "WARNING",
        "BENCH_TMP": str(tmp),
    }
    env.pop("REDIS_URL", None)  # one process each: the in-memory channel layer
    headers = {
        "origin": "http://127.0.0.1",
        "additional_headers": {"Cookie": f"sessionid={session.session_key}"},
    }
    print(
        f"live feed: {args.viewers} browser sockets over {args.products} products, "
        f"{args.rate:g} frames/s each for {args.seconds:g} s "
        f"({args.viewers * args.rate:g} messages/s to browsers); frame source: a fake "
        f"{args.rate:g} Hz upstream (the emulator sends ~1 frame/s); {os.cpu_count()} CPUs, shared"
    )
    results = {}
    for name in args.arms.split(","):
        results[name] = r = run_arm(name, args, env, headers)
        sockets = "-" if r["upstream"] is None else str(r["upstream"])
        print(
            f"  {name:6s} connected {r['connected']:4d}  delivered {r['delivered'] * 100:7.2f} %  "
            f"p50 {r['p50']:8.1f} ms  p99 {r['p99']:8.1f} ms  max {r['max']:8.1f} ms  "
            f"upstream sockets {sockets}"
        )
    if "bare" in results and "ours" in results:
        ours, bare = results["ours"], results["bare"]
        ratio = ours["p99"] / bare["p99"]
        every = ours["delivered"] >= 0.9999
        exact = ours["upstream"] == args.products
        print(
            f"ours p99 / bare p99 = {ratio:.2f}x "
            f"(target <= 1.5x: {'OK' if ratio <= 1.5 else 'OVER'}); "
            f"every frame delivered: {'yes' if every else 'NO'}; "
            f"upstream sockets == {args.products}: {'yes' if exact else 'NO'}"
        )
    if "naive" in results and "ours" in results:
        naive, ours = results["naive"], results["ours"]
        print(
            f"naive per-viewer group_send: delivered {naive['delivered'] * 100:.2f} % vs ours "
            f"{ours['delivered'] * 100:.2f} %; p99 {naive['p99'] / ours['p99']:.1f}x ours"
        )


if __name__ == "__main__":
    main()
