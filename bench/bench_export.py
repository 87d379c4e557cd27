"""Benchmark: the export writers, RDP and the export's memory, each against a baseline run here.

Run: .venv/bin/python bench/bench_export.py [runs]

(a) A full day at 1 Hz of one simulated product, all ten fields, to CSV. The day's report
    chunks (of CHUNK_SECONDS, as the view asks for them) are computed once; then our
    ``iter_csv`` and a plain ``csv.writer`` loop with ``format(v, ".6g")`` per reported value
    write the SAME values. Two baselines: the plain
    loop formatting its own timestamps (``datetime.isoformat``), and the same loop handed
    ready-made timestamp strings (numbers only). Target: ours >= 2x the plain loop's rows/s.
(b) RDP of 86,400 points (a day of 1 Hz grid power, time and value scaled to [0, 1]) at
    tolerance 0.01: our ``rdp_keep`` vs the ``simplification`` package's Rust
    ``simplify_coords_idx`` on the same normalised points. Target: within 3x.
(c) Peak traced memory (tracemalloc) of a whole streamed export, simulation included, for
    31 days vs 1 day at 1 Hz, lossless and at tolerance 0.01. Target: 31 days within 50 MB
    of 1 day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics as pystats
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from simplification.cutil import simplify_coords_idx

from emulator.exporting import CHUNK_SECONDS, iter_csv
from emulator.rdp import rdp_keep, simplify_chunks
from emulator.simulation import FIELDS, STATUS_NAMES, iter_reports, seconds
from emulator.site import Site

DAY = 86_400
SITE = Site(
    product_id=4242,
    latitude=48.14,
    longitude=11.58,
    timezone="Europe/Berlin",
    installed_at=1_672_527_600,
    offline_rate=0.0,  # a full day of data
    error_rate=0.0,
)
T0 = 1_719_792_000  # 2024-07-01 UTC: a summer day, the PV curve busy
NOW = T0 + 40 * DAY


def _seconds(runs: int, fn: Callable[[], object]) -> list[float]:
    """Wall-clock seconds of each of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_of(runs: int, fn: Callable[[], object]) -> float:
    return min(_seconds(runs, fn))


def median_of(runs: int, fn: Callable[[], object]) -> float:
    return pystats.median(_seconds(runs, fn))


# --- (a) CSV -----------------------------------------------------------------------------------


def ours(chunks) -> int:
    return len(b"".join(iter_csv(chunks, FIELDS, status_names=STATUS_NAMES)))


def plain_loop(chunks, stamps: list[list[str]] | None = None) -> int:
    """The straightforward writer: csv.writer, one row at a time, format(v, ".6g")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["Time", *FIELDS])
    utc = dt.UTC
    status = FIELDS.index("status")
    for c, chunk in enumerate(chunks):
        columns = [chunk.values[f].tolist() for f in FIELDS]
        for i, t in enumerate(chunk.times.tolist()):
            if stamps is None:
                stamp = dt.datetime.fromtimestamp(t, utc).isoformat(timespec="milliseconds")
            else:
                stamp = stamps[c][i]
            row = [stamp]
            for j, column in enumerate(columns):
                v = column[i]
                if v != v:
                    row.append("")
                elif j == status:
                    row.append(STATUS_NAMES[int(v)])
                else:
                    row.append(format(v, ".6g"))
            writer.writerow(row)
    return len(buf.getvalue())


def bench_csv(runs: int) -> None:
    start = time.perf_counter()
    chunks = list(iter_reports(SITE, T0, T0 + DAY, FIELDS, chunk_seconds=CHUNK_SECONDS, now=NOW))
    simulate = time.perf_counter() - start
    rows = sum(len(c.times) for c in chunks)
    cells = sum(int(np.isfinite(v).sum()) for c in chunks for v in c.values.values())
    stamps = [
        [dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="milliseconds") for t in c.times]
        for c in chunks
    ]
    t_ours = best_of(runs, lambda: ours(chunks))
    t_plain = best_of(runs, lambda: plain_loop(chunks))
    t_numbers = best_of(runs, lambda: plain_loop(chunks, stamps))
    print(f"(a) CSV of one day at 1 Hz, all {len(FIELDS)} fields: {rows} rows, {cells} values")
    print(f"    (simulating the day: {simulate * 1000:.0f} ms, not counted below; best of {runs})")
    print(f"    ours (iter_csv):                          {rows / t_ours:>10,.0f} rows/s")
    print(f"    plain csv.writer + format(.6g) + isoformat: {rows / t_plain:>8,.0f} rows/s")
    print(f"    plain loop, timestamps handed in:         {rows / t_numbers:>10,.0f} rows/s")
    print(
        f"    ratio ours / plain loop:                  {t_plain / t_ours:>10.2f}x  (target >= 2x)"
    )
    print(f"    ratio ours / plain loop, numbers only:    {t_numbers / t_ours:>10.2f}x")


# --- (b) RDP -----------------------------------------------------------------------------------


def bench_rdp(runs: int) -> None:
    values, _online = seconds(SITE, T0, T0 + DAY)
    power = values[:, FIELDS.index("gridPower")]
    x = np.arange(DAY) / (DAY - 1)
    y = (power - power.min()) / (power.max() - power.min())
    coords = np.column_stack((x, y))
    kept_ours = rdp_keep(x, y, 0.01)
    kept_rust = np.asarray(simplify_coords_idx(coords, 0.01))
    assert np.array_equal(kept_ours, kept_rust)
    t_ours = median_of(runs, lambda: rdp_keep(x, y, 0.01))
    t_rust = median_of(runs, lambda: simplify_coords_idx(coords, 0.01))
    print(f"(b) RDP of {DAY} normalised points at tolerance 0.01 ({kept_ours.size} kept), median:")
    print(f"    ours (rdp_keep, incl. stacking x and y):  {t_ours * 1000:8.2f} ms")
    print(f"    simplification (Rust) simplify_coords_idx: {t_rust * 1000:6.2f} ms")
    print(f"    ratio ours / Rust:                        {t_ours / t_rust:8.2f}x  (target <= 3x)")


# --- (c) memory --------------------------------------------------------------------------------


def export_size(days: int, tolerance: float) -> int:
    """The view's pipeline: reports -> RDP (two passes) -> CSV pieces, consumed one by one."""
    t1 = T0 + days * DAY

    def reports():
        return iter_reports(SITE, T0, t1, FIELDS, chunk_seconds=CHUNK_SECONDS, now=NOW)

    chunks = simplify_chunks(reports, FIELDS, t0=T0, t1=t1, tolerance=tolerance)
    return sum(len(piece) for piece in iter_csv(chunks, FIELDS, status_names=STATUS_NAMES))


def peak(days: int, tolerance: float) -> tuple[float, int, float]:
    tracemalloc.start()
    start = time.perf_counter()
    size = export_size(days, tolerance)
    elapsed = time.perf_counter() - start
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1e6, size, elapsed


def bench_memory() -> None:
    print("(c) peak traced memory of a streamed export (simulation + RDP + CSV):")
    for tolerance in (0.0, 0.01):
        one, size1, t1 = peak(1, tolerance)
        month, size31, t31 = peak(31, tolerance)
        print(f"    tolerance {tolerance}:")
        print(f"      1 day:   {one:7.1f} MB peak, {size1 / 1e6:7.1f} MB of CSV ({t1:.1f} s)")
        print(f"      31 days: {month:7.1f} MB peak, {size31 / 1e6:7.1f} MB of CSV ({t31:.1f} s)")
        print(f"      difference: {month - one:+.1f} MB  (target <= 50 MB)")
    print("    (times under tracemalloc are slower than normal)")


def main(runs: int = 5) -> None:
    bench_csv(runs)
    bench_rdp(runs)
    bench_memory()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
