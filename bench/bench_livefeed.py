"""Live-feed fan-out: N browser sockets over P products at R frames/s, three designs, one run.

Arms (same frame source, same client harness, same machine, one after the other):
  bare   a bare ``websockets`` server generating the frames and ``broadcast``-ing them to its
         clients: the ceiling (one hop, nothing else).
  ours   fake upstream -> the dashboard as served (``python -m dashboard.serve``: uvicorn with
         the websockets sans-I/O protocol; ``livefeed.relay``: one upstream socket per product,
         serialise once and encode the WebSocket frame once, write it to every in-process
         viewer's socket: ``dashboard/wsprotocol.py``) -> clients, signed in.
  naive  fake upstream -> the same server running ``bench/_naive_livefeed.py`` (one
         channel-layer ``group_send`` per frame to every viewer) -> clients.
  floor  fake upstream -> the same server running a bare ASGI app that passes each frame
         unparsed to every viewer's raw ASGI ``send`` (no Channels, no session): the least a
         relay going through ASGI's ``websocket.send`` can cost (each send encodes its own
         frame), so ``floor / bare`` is that server stack's own share.
  dfloor the floor app served by daphne instead: why the dashboard is no longer served by
         daphne (its write path alone measured 3-5x the ceiling).
  hop    fake upstream -> a bare ``websockets`` relay process (one upstream socket per product,
         ``broadcast`` of each frame as received) -> clients: the cost of the extra hop and
         process alone, with the cheapest server stack there is.

The frame source is a fake upstream at R Hz, not the emulator: the emulator sends about one
frame a second, and the target is stated for 10 frames/s. Every frame carries a sequence number
and two times; clients count sequence numbers (delivered = unique frames received / frames
sent x viewers) and measure latency to their receipt from each time:

  born  when the frame came into existence. By default (``--phases aligned``) every product
        reports at the same moment, once per tick, the worst case for a fan-out: ``born`` is
        the tick, the same for all 50 frames of it. This is the target's measure ("upstream
        frame -> browser"), the same for every arm: the bare server's frames exist at the tick
        as much as the relay's do.
  sent  right before the frame source writes this frame: to its viewers (bare), to the relay's
        upstream socket (every other arm). The measure of earlier versions of this benchmark,
        still printed. It is not the same thing across arms: the bare server writes product
        after product, so a product's ``sent`` is when the bare server got round to it, and its
        wait behind the tick's other products is never counted; a relay receives all of the
        tick's frames at once and that wait is counted in full. The ``hop`` arm, a relay doing
        nothing, measured 1.3-1.9x the bare server by this measure on this kind of machine.

``--phases spread`` spreads the products evenly over the tick instead (``born`` = ``sent``):
each frame goes out alone, nothing waits behind anything, and the latency left is the hop's own.

Fairness: the clients are the same code in the same two processes of their own for every arm
(never inside a server process), and they pong like the page does (once every 5 s). The
machine is shared, so one run says little: ``--repeat`` runs the arms in turn that many times
and the verdict compares medians. Each arm also reports the server side's CPU time per
delivered message (bare: its one process; the others: the server plus the frame source),
measured while frames flow: it shows where a latency gap comes from.

Target (issue 6): ours delivers every frame, p99 within 1.5x the bare ceiling's p99, exactly
P upstream sockets. Defaults are the issue's figures (500 viewers, 50 products, 10 frames/s);
on a small shared machine pass smaller ones, e.g. ``--viewers 200 --products 20``.

Run: .venv/bin/python bench/bench_livefeed.py [--viewers N] [--products P] [--rate R] [--seconds S]
     [--repeat K] [--arms bare,ours,naive] [--phases aligned|spread]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from _setup import ROOT, SERVE, setup_django

PORTS = {"source": 8360, "ours": 8361, "naive": 8362, "bare": 8363, "floor": 8364, "hop": 8365}
PORTS["dfloor"] = 8366
APPS = {
    "ours": "dashboard.asgi:application",
    "naive": "bench._naive_livefeed:application",
    "floor": "bench._naive_livefeed:floor_application",
    "dfloor": "bench._naive_livefeed:floor_application",
}
CLIENT_PROCESSES = 2
PONG_EVERY = 5.0  # seconds, as static/js/live.js


# -- the frame source (a process of its own) ---------------------------------------------------
def run_source(
    port: int, products: int, rate: float, ticks: int, spread: bool, start_at, connections
) -> None:
    """Fake upstream socket: full first frame on connect, then ``ticks`` frames per product."""
    gc.freeze()  # see run_clients
    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

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
                async for _ in ws:  # the clients' pongs (bare arm)
                    pass
            except ConnectionClosed:  # a relay arm's server terminated at the end
                pass
            finally:
                subscribers[pid].discard(ws)

        async with serve(handler, "127.0.0.1", port, compression=None):
            while start_at.value == 0:
                await asyncio.sleep(0.05)
            begin = start_at.value
            for k in range(ticks):
                born = 0.0
                for i, conns in enumerate(subscribers.values()):
                    if i == 0 or spread:
                        delay = begin + k / rate + spread * i / (rate * products) - time.time()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        born = time.time()
                    now = time.time()
                    data = {"seq": k, "born": born, "sent": now, "pvPower": 1500.0 + k % 7}
                    broadcast(conns, json.dumps({"type": "latest-data", "time": now, "data": data}))
            await asyncio.sleep(3600)  # keep sockets open until terminated

    asyncio.run(main())


# -- the cheapest possible relay (a process of its own, for the "hop" arm) -------------------
def run_hop(port: int, upstream_port: int) -> None:
    """A bare ``websockets`` relay: one upstream socket per product, frames broadcast as-is."""
    gc.freeze()  # see run_clients
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

    logging.getLogger("websockets").setLevel(logging.WARNING)

    async def main() -> None:
        viewers: dict[int, set] = {}
        upstreams: dict[int, asyncio.Task[None]] = {}

        async def relay(pid: int) -> None:
            url = f"ws://127.0.0.1:{upstream_port}/data/socket?productId={pid}&token=hop"
            async with connect(url, compression=None) as ws:
                async for raw in ws:
                    broadcast(viewers[pid], raw)

        async def handler(ws) -> None:
            pid = int(ws.request.path.strip("/").split("/")[-1])
            viewers.setdefault(pid, set()).add(ws)
            if pid not in upstreams:
                upstreams[pid] = asyncio.create_task(relay(pid))
            try:
                async for _ in ws:  # the clients' pongs
                    pass
            except ConnectionClosed:
                pass
            finally:
                viewers[pid].discard(ws)

        async with serve(handler, "127.0.0.1", port, compression=None):
            await asyncio.sleep(3600)

    asyncio.run(main())


# -- the clients (two processes, the same harness for every arm) -------------------------------
def run_clients(urls, headers, ticks, ready, stop_at, results) -> None:
    # A forked child inherits the parent's heap (Django, the seeded fleet): one full GC pass
    # over it stalled a client 80-130 ms at a random moment of any arm. Never scan it here.
    gc.freeze()
    from websockets.asyncio.client import connect

    logging.getLogger("websockets").setLevel(logging.WARNING)

    async def main() -> None:
        received = [set() for _ in urls]
        latencies: list[float] = []  # from "born"
        since_sent: list[float] = []
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
            # Like the page (static/js/live.js): a pong every 5 s while messages arrive; pages
            # are opened at different moments, so the pongs are spread.
            pong_at = time.monotonic() + random.uniform(0, PONG_EVERY)
            async for raw in ws:
                now = time.time()
                data = json.loads(raw).get("data") or {}
                seq = data.get("seq")
                if isinstance(seq, int) and 0 <= seq < ticks and seq not in received[i]:
                    received[i].add(seq)
                    latencies.append(now - data["born"])
                    since_sent.append(now - data["sent"])
                if time.monotonic() >= pong_at:
                    pong_at = time.monotonic() + PONG_EVERY
                    await ws.send('{"type":"pong"}')

        readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets) if ws]
        while stop_at.value == 0 or time.time() < stop_at.value:
            await asyncio.sleep(0.1)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets if ws), return_exceptions=True)
        results.put(([len(r) for r in received], latencies, since_sent, failures))

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


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc; NaN elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _quantile_ms(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted latencies in seconds, in milliseconds (NaN if none)."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


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
            args.phases == "spread",
            start_at,
            connections,
        ),
        daemon=True,
    )
    source.start()
    server = None
    if name == "hop":
        _wait_port(PORTS["source"])
        server = ctx.Process(target=run_hop, args=(PORTS["hop"], PORTS["source"]), daemon=True)
        server.start()
        _wait_port(PORTS["hop"])
        base = f"ws://127.0.0.1:{PORTS['hop']}"
    elif name == "bare":
        _wait_port(PORTS["bare"])
        base = f"ws://127.0.0.1:{PORTS['bare']}"
    else:
        _wait_port(PORTS["source"])
        port = str(PORTS[name])
        command = [*SERVE, "--port", port, "--app", APPS[name]]
        if name == "dfloor":
            daphne = str(Path(sys.executable).with_name("daphne"))
            command = [daphne, "-b", "127.0.0.1", "-p", port, APPS[name]]
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PORT": port, "VOLTSTORAGE_API_URL": f"http://127.0.0.1:{port}/rest"},
            stdout=subprocess.DEVNULL,
            stderr=open(Path(env["BENCH_TMP"]) / f"server-{name}.log", "w"),  # noqa: SIM115
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
    server_pids = [source.pid] + ([server.pid] if server is not None else [])
    time.sleep(max(0.0, start_at.value - time.time()))
    cpu_before = _cpu_seconds(server_pids)
    counts, latencies, since_sent, failures = [], [], [], 0
    for n, _ in enumerate(workers):
        c, lat, sent, f = results.get(timeout=args.seconds + 120)
        if n == 0:
            cpu_used = _cpu_seconds(server_pids) - cpu_before
        counts += c
        latencies += lat
        since_sent += sent
        failures += f
    upstream = connections.value
    for w in workers:
        w.join(10)
    if isinstance(server, subprocess.Popen):
        server.terminate()
        server.wait(10)
    elif server is not None:
        server.terminate()
        server.join(10)
    source.terminate()
    source.join(10)
    latencies.sort()
    since_sent.sort()
    return {
        "connected": connected,
        "failures": failures,
        "delivered": sum(counts) / (ticks * args.viewers),
        "p50": _quantile_ms(latencies, 0.50),
        "p99": _quantile_ms(latencies, 0.99),
        "max": latencies[-1] * 1000 if latencies else float("nan"),
        "p99_sent": _quantile_ms(since_sent, 0.99),
        "upstream": upstream if name != "bare" else None,
        "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "cpu_us": cpu_used / max(1, len(latencies)) * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="frames per second per product")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--arms", default="bare,hop,floor,ours,naive,dfloor")
    parser.add_argument("--repeat", type=int, default=3, help="runs of every arm, in turn")
    parser.add_argument(
        "--phases",
        choices=("aligned", "spread"),
        default="aligned",
        help="products report at the same moment (default) or spread over the tick",
    )
    args = parser.parse_args()

    tmp = setup_django(products=max(args.products, 10))
    from emulator.auth import issue_token
    from emulator.models import User
    from signin.auth import session_store as SessionStore
    from signin.auth import store_token

    session = SessionStore()
    store_token(session, issue_token(User.objects.get(email="fleet@example.com"), 3600))
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
        f"{args.rate:g} Hz upstream (the emulator sends ~1 frame/s), products reporting "
        f"{'at the same moment' if args.phases == 'aligned' else 'spread over each tick'}; "
        f"{os.cpu_count()} CPUs, shared; latency from the frame's birth (and from the "
        f"source's write)"
    )
    runs: dict[str, list[dict]] = {name: [] for name in args.arms.split(",")}
    for k in range(args.repeat):
        for name in runs:
            runs[name].append(r := run_arm(name, args, env, headers))
            sockets = "-" if r["upstream"] is None else str(r["upstream"])
            print(
                f"  run {k + 1} {name:6s} connected {r['connected']:4d}  "
                f"delivered {r['delivered'] * 100:7.2f} %  p50 {r['p50']:8.1f} ms  "
                f"p99 {r['p99']:8.1f} ms ({r['p99_sent']:5.1f})  max {r['max']:8.1f} ms  "
                f"server CPU {r['cpu_us']:6.1f} us/msg  upstream sockets {sockets}",
                flush=True,
            )
    med = {
        name: {key: statistics.median(r[key] for r in rs) for key in ("p99", "p99_sent", "cpu_us")}
        | {
            "delivered": min(r["delivered"] for r in rs),
            "upstream": {r["upstream"] for r in rs},
        }
        for name, rs in runs.items()
    }
    if "bare" in med and "ours" in med:
        ours, bare = med["ours"], med["bare"]
        ratio = ours["p99"] / bare["p99"]
        per_run = [o["p99"] / b["p99"] for o, b in zip(runs["ours"], runs["bare"], strict=True)]
        every = ours["delivered"] >= 0.9999
        exact = ours["upstream"] == {args.products}
        print(
            f"median p99: bare {bare['p99']:.1f} ms, ours {ours['p99']:.1f} ms -> "
            f"ours / bare = {ratio:.2f}x (per run {min(per_run):.2f}-{max(per_run):.2f}x; "
            f"target <= 1.5x: {'OK' if ratio <= 1.5 else 'OVER'}); "
            f"every frame delivered in every run: {'yes' if every else 'NO'}; "
            f"upstream sockets == {args.products}: {'yes' if exact else 'NO'}"
        )
        print(
            f"measured from the source's write instead (not the same thing across arms, see "
            f"the docstring): bare {bare['p99_sent']:.1f} ms, ours {ours['p99_sent']:.1f} ms -> "
            f"{ours['p99_sent'] / bare['p99_sent']:.2f}x"
        )
        print(
            f"server CPU per delivered message (median): bare {bare['cpu_us']:.1f} us, "
            f"ours {ours['cpu_us']:.1f} us ({ours['cpu_us'] / bare['cpu_us']:.1f}x)"
        )
    for name, label in (("floor", "server floor"), ("dfloor", "daphne floor")):
        if name in med and "bare" in med:
            floor, bare = med[name], med["bare"]
            print(
                f"{label} (raw ASGI send, nothing else): median p99 {floor['p99']:.1f} ms = "
                f"{floor['p99'] / bare['p99']:.2f}x bare, server CPU {floor['cpu_us']:.1f} us/msg"
                + (f"; ours = {med['ours']['p99'] / floor['p99']:.2f}x it" if "ours" in med else "")
            )
    if "hop" in med and "bare" in med:
        hop, bare = med["hop"], med["bare"]
        print(
            f"bare websockets relay (the extra hop alone): median p99 {hop['p99']:.1f} ms = "
            f"{hop['p99'] / bare['p99']:.2f}x bare ({hop['p99_sent'] / bare['p99_sent']:.2f}x "
            f"from the source's write), server CPU {hop['cpu_us']:.1f} us/msg"
        )
    if "naive" in med and "ours" in med:
        naive, ours = med["naive"], med["ours"]
        lag = naive["p99"] / ours["p99"]
        cost = naive["cpu_us"] / ours["cpu_us"]
        print(
            f"naive per-viewer group_send: delivered {naive['delivered'] * 100:.2f} % (worst run) "
            f"vs ours {ours['delivered'] * 100:.2f} %; median p99 {lag:.1f}x ours; "
            f"server CPU {cost:.1f}x ours per message"
        )


if __name__ == "__main__":
    main()
