"""Fleet page throughput with one and with two dashboard processes behind nginx (issue 16).

The deploy/ nginx site in front (tests/cluster.py renders it with this run's ports); sessions
and cache in a private Redis and tables in a private PostgreSQL (tests/cluster.py), as in
production. The upstream is the emulator behind ``bench_fleet``'s replay server: every distinct
upstream request is asked of the emulator once, then answered from memory 100 ms later, like a
cloud API whose CPU is not on our machine (the emulator itself answers one request at a time, so
as the upstream it would cap both arms alike). The load is ``wrk`` (Debian's package, C): 20
connections loading the fleet page (a page of 50 and the tiles) for ``--seconds`` each.

Arms alternate (one, two, one, two, …, ``--repeat`` times each, fresh servers every time) and
the verdict is each arm's median run, because this machine is shared and noisy. On its two
cores, the dashboard processes share the CPU with nginx, PostgreSQL, Redis, the replay server
and wrk, so the ratio says how much of a second core a second process can use, not what a
bigger host would give.

Run: .venv/bin/python bench/bench_scale.py [--seconds 15] [--repeat 3] [--products 10000]
     [--latency 0.1]  (0: an upstream with no delay, so the CPU is all that limits)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _setup import ROOT, free_port, serve_app, setup_django
from bench_fleet import LATENCY, _serve_proxy

sys.path.insert(0, str(ROOT))
from tests.cluster import Dashboard, Nginx, PrivatePostgres, PrivateRedis, sign_in

CONNECTIONS = 20
PAGE = "/?size=50"


def _cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) so far of each named process and its descendants, from
    /proc: where the two cores went during a run."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    owner = {pid: name for name, pid in roots.items()}
    totals = dict.fromkeys(roots, 0.0)
    for pid, seconds in used.items():
        p = pid
        while p in parents and p not in owner:
            p = parents[p]
        if p in owner:
            totals[owner[p]] += seconds
    return totals


def _machine_busy() -> float:
    """CPU seconds of the whole machine so far (every core, /proc/stat), idle excluded."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, cookie: str, seconds: int) -> tuple[float, float, float]:
    """Pages per second, median and p99 latency (ms) of ``wrk`` on ``url``; any non-2xx answer
    fails the run (a fast error page is no throughput)."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "30s",
         "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed loads:\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rate, ms("50%"), ms("99%")


def run_arm(
    processes: int, env: dict[str, str], seconds: int, static_root: Path, others: dict[str, int]
) -> tuple[float, float, float, dict[str, float]]:
    """One run: pages/s, median and p99 (ms), and CPU seconds per component during wrk."""
    dashboards = [Dashboard(env).start() for _ in range(processes)]
    nginx = Nginx([d.port for d in dashboards], static_root).start()
    try:
        client = sign_in(nginx.url, "fleet@example.com")
        # Warm every process (nginx alternates) until each shows the tiles: its snapshot of the
        # whole fleet is built once, in the background, while the first loads show the table.
        deadline, in_a_row = time.monotonic() + 180, 0
        while in_a_row < 4 * processes:
            if time.monotonic() > deadline:
                raise RuntimeError("the fleet page showed no tiles within 180 s")
            page = client.get(PAGE, timeout=120)
            if page.status_code != 200:
                raise RuntimeError(f"fleet page answered {page.status_code}")
            in_a_row = in_a_row + 1 if "data-tile=" in page.text else 0
            if not in_a_row:
                time.sleep(0.5)  # the snapshot builds in a server process: nothing to await on
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        client.close()
        roots = {**{f"dashboard {i + 1}": d.process.pid for i, d in enumerate(dashboards)},
                 "nginx": nginx.process.pid, **others}  # fmt: skip
        before, busy = _cpu_seconds(roots), _machine_busy()
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        rate, p50, p99 = _wrk(nginx.url + PAGE, cookie, seconds)
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = _cpu_seconds(roots)
        cpu = {name: after[name] - before[name] for name in roots}
        cpu["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime) - (
            wrk_before.ru_utime + wrk_before.ru_stime
        )
        cpu["machine"] = _machine_busy() - busy
        cpu["other work"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")
        return rate, p50, p99, {name: value / seconds for name, value in cpu.items()}
    finally:
        nginx.stop()
        for d in dashboards:
            d.stop()


def _postmaster(pg: PrivatePostgres) -> int:
    return int((pg.folder / "data" / "postmaster.pid").read_text().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15, help="wrk's duration per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per arm, alternating")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument(
        "--latency", type=float, default=LATENCY, help="seconds the replayed upstream waits"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_scale needs wrk (Debian: apt-get install wrk)")

    tmp = setup_django(products=args.products)
    redis, pg = PrivateRedis(), PrivatePostgres()
    redis.start()
    pg.init().start()
    emulator_port = free_port()
    emulator = serve_app(
        emulator_port,
        {"DJANGO_SETTINGS_MODULE": "tests.server_settings", "LOG_LEVEL": "WARNING"},
        tmp / "emulator.log",
    )
    replay, replay_port = _serve_proxy(emulator_port, args.latency, "--replay")
    env = {
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "VOLTSTORAGE_API_URL": f"http://127.0.0.1:{replay_port}/rest",
        "TRUSTED_PROXIES": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT,
                   env={**os.environ, **env, "EMULATOR_ENABLED": "false"}, check=True)  # fmt: skip
    from django.conf import settings

    static_root = Path(settings.STATIC_ROOT)
    others = {"PostgreSQL": _postmaster(pg), "Redis": redis.process.pid,
              "replay upstream": replay.pid, "emulator": emulator.pid}  # fmt: skip
    runs: dict[int, list[tuple[float, float, float, dict[str, float]]]] = {1: [], 2: []}
    try:
        for _ in range(args.repeat):
            for n in (1, 2):
                runs[n].append(run_arm(n, env, args.seconds, static_root, others))
                rate, p50, p99, cores = runs[n][-1]
                split = ", ".join(f"{name} {value:.2f}" for name, value in cores.items())
                print(f"  run: {n} process(es): {rate:6.1f} pages/s, median {p50:.0f} ms, "
                      f"p99 {p99:.0f} ms; cores used: {split}", flush=True)  # fmt: skip
    finally:
        replay.terminate()
        emulator.terminate()
        emulator.wait(10)
        redis.stop()
        pg.remove()
    print(f"fleet page ({PAGE}, {args.products} products, "
          f"upstream {args.latency * 1000:.0f} ms away), "
          f"{CONNECTIONS} concurrent loads through nginx, {args.seconds} s per run, "
          f"{args.repeat} runs per arm")  # fmt: skip
    medians = {}
    for n, results in runs.items():
        medians[n] = statistics.median(r[0] for r in results)
        p50 = statistics.median(r[1] for r in results)
        p99 = statistics.median(r[2] for r in results)
        rates = ", ".join(f"{r[0]:.1f}" for r in results)
        dashboards = statistics.median(
            sum(v for k, v in r[3].items() if k.startswith("dashboard")) for r in results
        )
        machine = statistics.median(r[3]["machine"] for r in results)
        other = statistics.median(r[3]["other work"] for r in results)
        label = "1 process  " if n == 1 else f"{n} processes"
        print(f"  {label}: {medians[n]:6.1f} pages/s (runs {rates}), median load {p50:.0f} ms, "
              f"p99 {p99:.0f} ms; cores busy: dashboards {dashboards:.2f}, "
              f"machine {machine:.2f} of {os.cpu_count()} (other work than this run's: "
              f"{other:.2f})")  # fmt: skip
    print(f"  ratio two ÷ one: {medians[2] / medians[1]:.2f}x")


if __name__ == "__main__":
    main()
