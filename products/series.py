"""A day of export rows → per-field series for the detail chart, with offline time as gaps.

The powers come from the upstream export simplified with a small ``tolerance`` (a few hundred
points a day instead of 86,400 rows and megabytes of JSON). Simplification alone cannot show
when the product was offline: a flat stretch (no PV all night) shrinks to its two ends exactly
like an offline stretch does. So offline time is read from a second, tiny export of ``status``
without simplification: the product reports every field at least every few minutes (the
heartbeat), so a silence longer than ``GAP_SECONDS`` means it was offline. Where a simplified
segment crosses such a silence, the line is cut: it ends and restarts at the silence's edges,
with values interpolated on the simplified line (which stays within the tolerance of the
data), and a ``None`` in between so plotly draws a gap instead of a straight line.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Longer than the contract's "at least every few minutes" heartbeat, short enough to show ten
# minutes offline.
GAP_SECONDS = 600.0
# Relative to the day (time) and each field's range (value), as the upstream defines it.
DEFAULT_TOLERANCE = 0.002

Series = tuple[list[float], list[float | None]]
Period = tuple[float, float]


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


def report_times(rows: Iterable[Mapping[str, Any]]) -> list[float]:
    """The instants of export rows (any field), ascending."""
    times = []
    for row in rows:
        stamp = row.get("time")
        if isinstance(stamp, str):
            try:
                times.append(parse_time(stamp))
            except ValueError:
                continue
    times.sort()
    return times


def offline_periods(
    times: Sequence[float], *, window: Period, gap: float = GAP_SECONDS
) -> list[Period]:
    """Silences longer than ``gap`` inside ``window``, from the heartbeat's report times.

    ``window`` ends at the last moment that could have data (now, for today), so a day still
    running is not called offline after the current minute.
    """
    start, end = window
    if not times:
        return [window] if end > start else []
    edges = [start, *(t for t in times if start <= t <= end), end]
    return [(a, b) for a, b in itertools.pairwise(edges) if b - a > gap]


def _interpolate(t: float, t0: float, v0: float, t1: float, v1: float) -> float:
    return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def break_offline(
    times: Sequence[float], values: Sequence[float | None], offline: Sequence[Period]
) -> Series:
    """Cut the line wherever a segment crosses an offline period (see the module doc)."""
    out_t: list[float] = []
    out_v: list[float | None] = []
    prev: tuple[float, float] | None = None
    for t, v in zip(times, values, strict=True):
        if prev is not None and v is not None:
            t0, v0 = prev
            for a, b in offline:  # ascending and disjoint
                if b <= t0 or a >= t:
                    continue
                if a > t0:
                    out_t.append(a)
                    out_v.append(_interpolate(a, t0, v0, t, v))
                out_t.append((max(a, t0) + min(b, t)) / 2)
                out_v.append(None)
                if b < t:
                    out_t.append(b)
                    out_v.append(_interpolate(b, t0, v0, t, v))
        out_t.append(t)
        out_v.append(v)
        prev = (t, v) if v is not None else None
    return out_t, out_v


def day_series(
    value_rows: Iterable[Mapping[str, Any]],
    heartbeat_rows: Iterable[Mapping[str, Any]],
    fields: Sequence[str],
    *,
    window: Period,
    gap: float = GAP_SECONDS,
) -> tuple[dict[str, Series], list[Period]]:
    """Simplified export rows + heartbeat rows → per-field series with gaps, and the offline
    periods (the page lists them)."""
    offline = offline_periods(report_times(heartbeat_rows), window=window, gap=gap)
    series = {
        field: break_offline(times, values, offline)
        for field, (times, values) in columns(value_rows, fields).items()
    }
    return series, offline
