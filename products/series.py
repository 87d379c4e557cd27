"""A day of 1 Hz export rows → per-field series for the detail chart, with offline gaps kept.

Why the simplification is done here and not by the upstream's ``tolerance``: the upstream
simplifies each field over the whole window, so a flat stretch (no PV all night) shrinks to its
two ends, and a night of zeros would then look exactly like a night offline. The products report
every field at least every few minutes (the heartbeat), so on the lossless data a silence
longer than ``GAP_SECONDS`` means "offline"; we split there first, then simplify each piece
with the same scaled Ramer-Douglas-Peucker the upstream uses, and put a ``None`` between the
pieces so plotly breaks the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from simplification.cutil import simplify_coords_idx

# Longer than the contract's "at least every few minutes" heartbeat, short enough to show an
# hour offline.
GAP_SECONDS = 600.0
# Relative to the day (time) and the field's range (value): 0.2 % keeps the shape of a day in
# a few hundred points per field instead of tens of thousands.
DEFAULT_TOLERANCE = 0.002

Series = tuple[list[float], list[float | None]]


def parse_time(value: str) -> float:
    """An export timestamp (``2020-03-25T12:20:41.562+00:00``) → UNIX seconds."""
    return dt.datetime.fromisoformat(value).timestamp()


def columns(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> dict[str, Series]:
    """Export JSON rows → (times, values) per field, only the instants the field reported."""
    out: dict[str, tuple[list[float], list[float | None]]] = {f: ([], []) for f in fields}
    for row in rows:
        stamp = row.get("time")
        if not isinstance(stamp, str):
            continue
        try:
            t = parse_time(stamp)
        except ValueError:
            continue
        for field in fields:
            value = row.get(field)
            if isinstance(value, int | float) and not isinstance(value, bool):
                times, values = out[field]
                times.append(t)
                values.append(float(value))
    return out


def simplify(
    times: Sequence[float],
    values: Sequence[float | None],
    *,
    window: tuple[float, float],
    tolerance: float = DEFAULT_TOLERANCE,
    gap: float = GAP_SECONDS,
) -> Series:
    """Split at silences longer than ``gap``, simplify each piece, join with ``None`` breaks."""
    if not times:
        return [], []
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    span_t = max(window[1] - window[0], 1.0)
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    span_v = hi - lo if hi > lo else 1.0
    breaks = np.flatnonzero(np.diff(t) > gap) + 1
    out_t: list[float] = []
    out_v: list[float | None] = []
    for piece_index, (a, b) in enumerate(zip(np.r_[0, breaks], np.r_[breaks, len(t)], strict=True)):
        pt, pv = t[a:b], v[a:b]
        if piece_index:
            out_t.append(float((out_t[-1] + pt[0]) / 2))
            out_v.append(None)
        if tolerance > 0 and len(pt) > 2:
            coords = np.column_stack(((pt - window[0]) / span_t, (pv - lo) / span_v))
            keep = simplify_coords_idx(np.ascontiguousarray(coords), tolerance)
            pt, pv = pt[keep], pv[keep]
        out_t.extend(pt.tolist())
        out_v.extend(pv.tolist())
    return out_t, out_v


def day_series(
    rows: Iterable[Mapping[str, Any]],
    fields: Sequence[str],
    *,
    window: tuple[float, float],
    tolerance: float = DEFAULT_TOLERANCE,
    gap: float = GAP_SECONDS,
) -> dict[str, Series]:
    """Export rows of one day → simplified series with offline gaps for every field."""
    return {
        field: simplify(times, values, window=window, tolerance=tolerance, gap=gap)
        for field, (times, values) in columns(rows, fields).items()
    }
