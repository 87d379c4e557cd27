"""Benchmark: statistics of one year by day (target: under 300 ms median, cold).

Run: .venv/bin/python bench/bench_statistics.py [runs]

Cold = the hourly-row cache is empty (the minute model of 365 days is simulated);
warm = the same request again (completed days come from the cache). The baseline, measured
in the same run, is the naive way: synthesise the 1 Hz data of a few days and integrate it,
extrapolated to a year. The ratio is baseline time / cold median.

Beside them, what a live view costs the emulator when its caches are warm: ``latest`` and the
work of a socket's first frame (``latest`` plus its window's frames), and a week by hour late
in an open 16-day block (the product page's request). Their baselines, in the same run, are
the ways the emulator did it before: recompute the heartbeat window's 1 Hz data (and, for the
socket, an hour of it) on every call, and simulate the open block's complete days every time.
Live sockets over a real server: ``bench/bench_live_start.py``.
"""

from __future__ import annotations

import os
import statistics as pystats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from django.core.cache import cache  # noqa: E402

from emulator import simulation  # noqa: E402
from emulator.minute_model import DAY, one_day, simulate_days  # noqa: E402
from emulator.site import Site  # noqa: E402
from emulator.statistics import _hourly, statistics  # noqa: E402

SITE = Site(
    product_id=4242,
    latitude=48.14,
    longitude=11.58,
    timezone="Europe/Berlin",
    installed_at=1_672_527_600,
)
T0 = 1_735_689_600  # 2025-01-01 UTC
NOW = T0 + 400 * DAY


def _year() -> list[dict]:
    return statistics(SITE, T0, T0 + 365 * DAY, "day", now=NOW)


def _naive_days(n_days: int) -> float:
    """Seconds for the 1 Hz way: synthesise every second of ``n_days`` and integrate."""
    start = time.perf_counter()
    for d in range(n_days):
        t = T0 + d * DAY
        values, online = simulation.seconds(SITE, t, t + DAY)
        on = values[online]
        _ = (on[:, 3].sum(), on[:, 1].sum(), np.maximum(on[:, 2], 0).sum(), on[:, 8].mean())
    return time.perf_counter() - start


def _latest_recomputed(site: Site, now: float) -> tuple[float, dict]:
    """The baseline: ``latest`` as it was, synthesising and masking the window on every call."""
    s = simulation.last_online_second(site, now)
    window = s - s % simulation.HEARTBEAT
    values, online = simulation.seconds(site, window, window + simulation.HEARTBEAT)
    rep = simulation._report_mask(values, online)[: s - window + 1]
    data = {}
    for i, field in enumerate(simulation.FIELDS):
        idx = np.flatnonzero(rep[:, i])
        if len(idx):
            data[field] = simulation.json_value(field, values[idx[-1], i])
    rows = np.flatnonzero(rep.any(axis=1))
    return float(window + rows[-1] + simulation.phase(site)), data


def _first_frame_recomputed(site: Site, now: float) -> None:
    """The baseline of a socket's first frame: latest recomputed, and its window's frames
    built from a whole hour of 1 Hz data (the socket's chunk size before)."""
    _latest_recomputed(site, now)
    start = int(now) - int(now) % simulation.HEARTBEAT
    for chunk in simulation.iter_reports(site, start, start + simulation.HEARTBEAT, now=now):
        for i in range(len(chunk.times)):
            _ = {f: float(v[i]) for f, v in chunk.values.items() if v[i] == v[i]}


def _first_frame(site: Site, now: float) -> None:
    simulation.latest(site, now)
    simulation.window_frames(site, int(now) - int(now) % simulation.HEARTBEAT)


def _week_recomputed(site: Site, now: float) -> None:
    """The baseline of a week by hour: the open block's complete days simulated every call."""
    days = np.arange(int(now // DAY) - 7, int(now // DAY))
    _hourly(simulate_days(site, days))
    statistics(site, now - 7 * DAY, now, "hour", now=now)


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return pystats.median(times) * 1000


def live_views(runs: int = 200) -> None:
    """Warm latest, first frame and a week by hour, against the old ways."""
    now = T0 + 400 * DAY + 13 * DAY + 15 * 3600 + 110.25  # late in a block and in a window
    assert simulation.latest(SITE, now) == _latest_recomputed(SITE, now)
    _first_frame(SITE, now)
    _week_recomputed(SITE, now)
    statistics(SITE, now - 7 * DAY, now, "hour", now=now)
    rows = [
        ("latest", lambda: simulation.latest(SITE, now), lambda: _latest_recomputed(SITE, now)),
        (
            "first frame",
            lambda: _first_frame(SITE, now),
            lambda: _first_frame_recomputed(SITE, now),
        ),
        (
            "7 days by hour",
            lambda: statistics(SITE, now - 7 * DAY, now, "hour", now=now),
            lambda: _week_recomputed(SITE, now),
        ),
    ]
    print(f"warm live views, median of {runs} calls (late in an open 16-day block):")
    for name, ours, baseline in rows:
        ours_ms, base_ms = _median_ms(ours, runs), _median_ms(baseline, max(runs // 10, 5))
        print(
            f"  {name:15s} {ours_ms:8.3f} ms   baseline (recomputed) {base_ms:8.2f} ms"
            f"   ratio {base_ms / ours_ms:7.1f}x"
        )


def main(runs: int = 7) -> None:
    cold, warm = [], []
    for _ in range(runs):
        cache.clear()
        one_day.cache_clear()
        start = time.perf_counter()
        rows = _year()
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        again = _year()
        warm.append(time.perf_counter() - start)
        assert rows == again and len(rows) == 365
    sample_days = 3
    naive_year = _naive_days(sample_days) / sample_days * 365
    cold_ms, warm_ms = pystats.median(cold) * 1000, pystats.median(warm) * 1000
    print(f"statistics, one year by day, median of {runs} runs:")
    print(f"  cold (nothing cached):   {cold_ms:8.1f} ms   (target < 300 ms)")
    print(f"  warm (days cached):      {warm_ms:8.1f} ms")
    print(f"  baseline, 1 Hz recompute of {sample_days} days, x365: {naive_year * 1000:8.0f} ms")
    print(f"  ratio baseline / cold:   {naive_year * 1000 / cold_ms:8.1f}x")
    print(f"  ratio baseline / warm:   {naive_year * 1000 / warm_ms:8.1f}x")
    live_views()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
