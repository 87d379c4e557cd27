"""The fleet overview (tiles + one page of 50) on a 10,000-product fleet, over real HTTP.

Targets (issue 4): under 150 ms median with a warm snapshot, and 20 concurrent loads take no
more than 3x one load. The baseline, measured in the same run, is the one upstream call the page
cannot avoid (``GET /rest/products?count=50``); the ratio says what the dashboard adds on top.

Two upstreams, both the emulator (one server process serves dashboard and emulator, as in
``make demo``):
- direct: the emulator's CPU work shares the machine with the dashboard, so on a small box 20
  concurrent loads queue on the CPU, not on the code;
- with 100 ms network latency (as a real cloud API is far away): the emulator in a server
  process of its own and a small proxy in front of it, in a third process, so that neither the
  proxy's nor the emulator's CPU is counted as the dashboard's (they are different servers in
  production). Shows whether upstream calls overlap or serialise the server.

Each arm also times building the table's rows alone (a page of 50, in this process once the
servers are gone), as a share of that arm's page median.

Run: .venv/bin/python bench/bench_fleet.py [--arms direct,proxy,replay]
(BENCH_SETTINGS=<module> runs the servers with other settings, e.g. to compare middleware.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _setup import ROOT, free_port, serve_app, setup_django

PRODUCTS = 10_000
RUNS = 25
CONCURRENT = 20
LATENCY = 0.1
TARGET_MS = 150.0
TARGET_RATIO = 3.0


def _serve(port: int, upstream: str, db_url: str, log: Path) -> subprocess.Popen:
    return serve_app(
        port,
        {
            # unhashed static names, so no collectstatic is needed
            "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS", "tests.server_settings"),
            "DATABASE_URL": db_url,
            "VOLTSTORAGE_API_URL": upstream,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
        log,
    )


async def _latency_proxy(target_port: int, delay: float, port: int = 0) -> asyncio.AbstractServer:
    """A TCP proxy that holds every new request ``delay`` seconds before passing it on."""

    async def pipe(reader, writer, first: bool) -> None:
        try:
            while data := await reader.read(65536):
                if first:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle_quietly(client_reader, client_writer) -> None:
        try:
            await handle(client_reader, client_writer)
        except (ConnectionError, asyncio.CancelledError):
            client_writer.close()

    async def handle(client_reader, client_writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(
            pipe(client_reader, up_writer, True), pipe(up_reader, client_writer, False)
        )

    return await asyncio.start_server(handle_quietly, "127.0.0.1", port)


def _proxy_main(kind: str, target_port: int, delay: float, port: int) -> None:
    async def run() -> None:
        start = _replay_server if kind == "--replay" else _latency_proxy
        server = await start(target_port, delay, port)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


async def _replay_server(target_port: int, delay: float, port: int) -> asyncio.AbstractServer:
    """An upstream that costs (almost) no CPU: each distinct request (method, path and query,
    Authorization, body) is asked of the emulator once, then its answer is replayed after
    ``delay`` seconds. It measures the dashboard alone, as against a cloud API whose CPU is not
    on our machine; the emulator answers every page in a few ms of Python of its own."""
    upstream = httpx.AsyncClient(base_url=f"http://127.0.0.1:{target_port}", timeout=120)
    answers: dict[tuple[str, str, str, bytes], bytes] = {}

    async def answer(method: str, target: str, auth: str, body: bytes) -> bytes:
        key = (method, target, auth, body)
        if key not in answers:
            headers = {"Authorization": auth} if auth else {}
            if body:
                headers["Content-Type"] = "application/json"
            r = await upstream.request(method, target, content=body or None, headers=headers)
            head = f"HTTP/1.1 {r.status_code} {r.reason_phrase}\r\n"
            for name in ("Content-Type", "X-Total-Count", "Access-Control-Expose-Headers"):
                if name in r.headers:
                    head += f"{name}: {r.headers[name]}\r\n"
            head += f"Content-Length: {len(r.content)}\r\n\r\n"
            answers[key] = head.encode() + r.content
        return answers[key]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                method, target, _ = line.decode().split(" ", 2)
                headers = {}
                while (h := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                await asyncio.sleep(delay)
                writer.write(await answer(method, target, headers.get("authorization", ""), body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port)


def _serve_proxy(
    target_port: int, delay: float, kind: str = "--proxy"
) -> tuple[subprocess.Popen, int]:
    """The proxy in a process of its own: its CPU is neither the load generator's nor the
    servers' (a real network delays packets without burning anyone's CPU)."""
    port = free_port()
    args = [kind, str(target_port), str(delay), str(port)]
    process = subprocess.Popen([sys.executable, __file__, *args], cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("latency proxy did not start")


async def _signed_in(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=120)
    await client.get("/signin/")
    response = await client.post(
        "/signin/",
        data={
            "email": "fleet@example.com",
            "password": "voltstorage",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/signin/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


async def _median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def _measure(label: str, base: str, api: str) -> tuple[float, float]:
    client = await _signed_in(base)
    token = (await httpx.AsyncClient().post(
        f"{api}/login/password",
        json={"email": "fleet@example.com", "password": "voltstorage", "validity": 3600},
    )).json()["token"]  # fmt: skip
    upstream = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)

    async def page() -> None:
        response = await client.get("/?size=50")
        assert response.status_code == 200 and "data-tile=" in response.text

    async def baseline() -> None:
        response = await upstream.get(f"{api}/products", params={"count": 50, "page": 1})
        assert response.status_code == 200

    # The first load starts the snapshot (the whole fleet, once); a slow one is not waited for:
    # the table comes first and the page's loader fetches the tiles when they are counted.
    start = time.perf_counter()
    first = await client.get("/?size=50")
    first_paint = (time.perf_counter() - start) * 1000
    if "data-tile=" not in first.text:
        loader = {"HX-Request": "true", "HX-Target": "fleet-results"}
        assert "data-tile=" in (await client.get("/?size=50", headers=loader)).text
    cold = (time.perf_counter() - start) * 1000
    await page()
    await baseline()
    base_ms = await _median_ms(baseline)
    page_ms = await _median_ms(page)

    async def burst() -> None:
        await asyncio.gather(*(page() for _ in range(CONCURRENT)))

    burst_ms = await _median_ms(burst, runs=7)  # a burst is noisy on a shared box
    ratio = burst_ms / page_ms
    print(f"[{label}]")
    print(f"  first load, table shown (tiles still counting):   {first_paint:8.1f} ms")
    print(f"  first load, tiles shown (snapshot of {PRODUCTS} products): {cold:8.1f} ms")
    print(f"  baseline, upstream page of 50 alone:              {base_ms:8.1f} ms median")
    print(
        f"  fleet page, warm snapshot:                        {page_ms:8.1f} ms median"
        f"  ({page_ms / base_ms:.2f}x baseline; target < {TARGET_MS:.0f} ms)"
    )
    print(
        f"  {CONCURRENT} concurrent loads:                              {burst_ms:8.1f} ms"
        f"  ({ratio:.2f}x one load; target <= {TARGET_RATIO:.0f}x;"
        f" serialised would be {CONCURRENT}x = {CONCURRENT * page_ms:.0f} ms)"
    )
    await client.aclose()
    await upstream.aclose()
    return page_ms, ratio


async def _run(port: int) -> float:
    base = f"http://127.0.0.1:{port}"
    page, _ = await _measure("direct: emulator on the same server", base, f"{base}/rest")
    return page


def _rows_ms(count: int = 50, runs: int = 200) -> float:
    """The table's rows built (``fleet.rows.rows_html``) in this process: their own share of a
    page, to hold against the page's median."""
    from fleet.rows import FleetRow, rows_html
    from products.errorcodes import describe_all

    rows = [
        FleetRow(
            id=10_000 + n,
            link=f"/products/{10_000 + n}/?back=size%3D50",
            serial=f"VS{n:07d}",
            type="VoltStorage SMART",
            group=f"Solarpark Gruppe {n % 40}",
            owner="Sonnenstrom Installationen GmbH",
            customer=f"Familie Müller {n}",
            installed="" if n % 9 == 0 else "4 Dec 2019",
            hardware="2.1",
            status="online" if n % 5 else "offline",
            status_text="Online" if n % 5 else "Offline",
            errors=describe_all(("pumpFault", "nonDefaultStrategy") if n % 7 == 0 else ()),
        )
        for n in range(count)
    ]
    rows_html(rows)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows_html(rows)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def _run_latency(port: int, proxy_port: int, delay: float) -> tuple[float, float]:
    base = f"http://127.0.0.1:{port}"
    return await _measure(
        f"upstream {delay * 1000:.0f} ms away (proxy)", base, f"http://127.0.0.1:{proxy_port}/rest"
    )


async def _with_proxy(db_url: str, tmp: Path, kind: str = "--proxy") -> tuple[float, float]:
    emulator_port = free_port()
    emulator = _serve(
        emulator_port, f"http://127.0.0.1:{emulator_port}/rest", db_url, tmp / "e.log"
    )
    proxy, proxy_port = _serve_proxy(emulator_port, LATENCY, kind)
    dash_port = free_port()
    dashboard = _serve(dash_port, f"http://127.0.0.1:{proxy_port}/rest", db_url, tmp / "d.log")
    try:
        if kind == "--replay":
            return await _measure(
                f"dashboard alone: upstream {LATENCY * 1000:.0f} ms away, answers replayed",
                f"http://127.0.0.1:{dash_port}",
                f"http://127.0.0.1:{proxy_port}/rest",
            )
        return await _run_latency(dash_port, proxy_port, LATENCY)
    finally:
        for process in (dashboard, emulator, proxy):
            process.terminate()
        for process in (dashboard, emulator, proxy):
            process.wait(10)


def _print_rows_share(arm: str, page_ms: float) -> None:
    rows = _rows_ms()
    print(
        f"== {arm}: the table's rows (a page of 50, built in-process) {rows:.2f} ms "
        f"median = {rows / page_ms * 100:.1f} % of the page's median {page_ms:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", default="direct,proxy,replay", help="which of the three to run")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the proxy and replay arms, fresh servers each",
    )
    args = parser.parse_args()
    arms = args.arms.split(",")
    tmp = setup_django(products=PRODUCTS)
    db_url = os.environ["DATABASE_URL"]
    print(f"fleet: {PRODUCTS} products, fleet@example.com sees all of them")
    if "direct" in arms:
        port = free_port()
        process = _serve(port, f"http://127.0.0.1:{port}/rest", db_url, tmp / "server.log")
        try:
            page = asyncio.run(_run(port))
        finally:
            process.terminate()
            process.wait(10)
        _print_rows_share("direct", page)
    # A run's servers settle into a faster or a slower state on this shared machine (the same
    # code measured 2.4x in one run and 3.2x in the next), so each arm runs with fresh servers
    # --repeat times and the verdict is the median run.
    for arm, kind in (("proxy", "--proxy"), ("replay", "--replay")):
        if arm not in arms:
            continue
        runs = [asyncio.run(_with_proxy(db_url, tmp, kind)) for _ in range(args.repeat)]
        pages = sorted(page for page, _ in runs)
        ratios = sorted(ratio for _, ratio in runs)
        page, ratio = statistics.median(pages), statistics.median(ratios)
        _print_rows_share(arm, page)
        print(
            f"== {arm}, median of {len(runs)} runs: page {page:.1f} ms "
            f"(target < {TARGET_MS:.0f} ms: {'OK' if page < TARGET_MS else 'OVER'}); "
            f"{CONCURRENT} concurrent / one = {ratio:.2f}x, runs {ratios[0]:.2f}-{ratios[-1]:.2f}x "
            f"(target <= {TARGET_RATIO:.0f}x: {'OK' if ratio <= TARGET_RATIO else 'OVER'})"
        )


if __name__ == "__main__":
    if sys.argv[1:2] in (["--proxy"], ["--replay"]):
        _proxy_main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
