"""Ramer-Douglas-Peucker simplification of an export, as the contract defines ``tolerance``.

Per field, time and value are each scaled to [0, 1] over the export window (the value range
over the whole window for that field), and points within ``tolerance`` perpendicular distance
of the simplified line are dropped; the first and last points are kept.

The value range needs the whole window before the first row is written, but holding a month at
1 Hz in memory is what streaming avoids. So this takes a *factory* of chunk iterators: one pass
for the ranges, a second pass that simplifies chunk by chunk (the simulation is deterministic
and cheap to recompute). Each chunk's line starts at the previous chunk's last kept point, so
the simplified polyline is continuous and every dropped point is within ``tolerance`` of it.
The RDP itself is the ``simplification`` package's Rust implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from simplification.cutil import simplify_coords_idx

from emulator.exporting import TEXT_FIELDS, Chunk


@dataclass
class Rows:
    """A simplified chunk; shaped like the simulation's ``ReportChunk``."""

    times: np.ndarray
    values: dict[str, np.ndarray]


def rdp_keep(x: np.ndarray, y: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points RDP keeps (ascending, always the first and the last)."""
    n = len(x)
    if n <= 2 or tolerance <= 0:
        return np.arange(n)
    coords = np.column_stack((np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)))
    return np.asarray(simplify_coords_idx(coords, float(tolerance)), dtype=np.int64)


def value_ranges(chunks: Iterable[Chunk], fields: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(min, max) of each field's reports over all chunks; fields that never report are absent."""
    lo = dict.fromkeys(fields, np.inf)
    hi = dict.fromkeys(fields, -np.inf)
    for chunk in chunks:
        for f in fields:
            v = chunk.values.get(f)
            if v is None:
                continue
            v = v[np.isfinite(v)]
            if v.size:
                lo[f] = min(lo[f], float(v.min()))
                hi[f] = max(hi[f], float(v.max()))
    return {f: (lo[f], hi[f]) for f in fields if lo[f] <= hi[f]}


def simplify_chunks(
    make_chunks: Callable[[], Iterable[Chunk]],
    fields: Sequence[str],
    *,
    t0: float,
    t1: float,
    tolerance: float,
) -> Iterator[Chunk]:
    """The chunks of ``make_chunks()`` with the points RDP drops set to NaN, and rows where no
    field kept a point left out. ``tolerance`` 0 passes the data through untouched (lossless).

    Text fields (``status``) are categories, not a curve: they are never simplified.
    """
    if tolerance <= 0:
        yield from make_chunks()
        return
    ranges = value_ranges(make_chunks(), fields)
    span = (t1 - t0) or 1.0
    # Per field: the last kept point so far, in scaled coordinates.
    carry: dict[str, tuple[float, float]] = {}
    for chunk in make_chunks():
        times = np.asarray(chunk.times, dtype=np.float64)
        keep_row = np.zeros(len(times), dtype=bool)
        out: dict[str, np.ndarray] = {}
        for f in fields:
            v = chunk.values.get(f)
            if v is None:
                continue
            idx = np.flatnonzero(np.isfinite(v))
            if idx.size == 0:
                out[f] = v
                continue
            if f in TEXT_FIELDS:
                kept = idx
            else:
                # get(): a window that changed between the passes must not fail mid-stream.
                lo, hi = ranges.get(f, (float(v[idx].min()), float(v[idx].max())))
                x = (times[idx] - t0) / span
                y = (v[idx] - lo) / ((hi - lo) or 1.0)
                prev = carry.get(f)
                if prev is not None:
                    x = np.concatenate(([prev[0]], x))
                    y = np.concatenate(([prev[1]], y))
                    keep = rdp_keep(x, y, tolerance)
                    keep = keep[keep > 0] - 1  # the carried point was written already
                else:
                    keep = rdp_keep(x, y, tolerance)
                carry[f] = (float(x[-1]), float(y[-1]))
                kept = idx[keep]
            column = np.full(len(times), np.nan)
            column[kept] = v[kept]
            out[f] = column
            keep_row[kept] = True
        if keep_row.any():
            yield Rows(times=times[keep_row], values={f: c[keep_row] for f, c in out.items()})
