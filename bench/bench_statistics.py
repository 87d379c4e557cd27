"""Benchmark: statistics of one year by day (target: under 300 ms median, cold).

Run: .venv/bin/python bench/bench_statistics.py [runs]

Cold = the hourly-row cache is empty (the minute model of 365 days is simulated);
warm = the same request again (completed days come from the cache). The baseline, measured
in the same run, is the naive way: synthesise the 1 Hz data of a few days and integrate it,
extrapolated to a year. The ratio is baseline time / cold median.
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
from emulator.minute_model import DAY, one_day  # noqa: E402
from emulator.site import Site  # noqa: E402
from emulator.statistics import statistics  # noqa: E402

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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
