"""Merge the upstream's UTC-aligned statistics buckets into periods of the site's local time.

The upstream answers buckets that start at UTC boundaries, but a fleet manager reads a day as
the household's day: midnight to midnight in the product's ``timezone``, which is 23 or 25 hours
long on daylight-saving days. So a local day is built from the upstream's hourly buckets, and a
local month from those days. Merging follows the upstream's own rules (docs/upstream-api.md):
energies add up, the maximum temperature is the largest maximum, and means combine weighted by
``nSamples`` (``totalWeight`` for self-sufficiency) so a half-offline hour counts for less.

Pure functions, no Django: the chart builders and the KPI cards both read these results.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from products.periods import UTC, Source, Unit, elapsed_hours, period_key, periods

SUM_KEYS = (
    "pv-total",
    "pv-activity",
    "consumption-total",
    "storage-total-stored",
    "storage-total-released",
)
MAX_KEYS = ("max-temperature",)
# Mean → the key of its weight.
MEAN_KEYS = {
    "own-consumption": "nSamples",
    "electrolyte-temp": "nSamples",
    "pump-temp": "nSamples",
    "dc-capacity": "nSamples",
    "ac-capacity": "nSamples",
    "dc-efficiency": "nSamples",
    "ac-efficiency": "nSamples",
    "self-sufficiency": "totalWeight",
}

J_PER_KWH = 3_600_000.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_SUM, _MAX, _MEAN = 0, 1, 2
_KIND = {
    **dict.fromkeys(SUM_KEYS, _SUM),
    **dict.fromkeys(MAX_KEYS, _MAX),
    **dict.fromkeys(MEAN_KEYS, _MEAN),
}


def merge_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Combine upstream buckets into one bucket, as the upstream would have computed it.

    A key that no row carries stays absent; a mean whose weights add up to zero is ``None``
    (no samples is "unknown", not zero). One pass over each row's own keys: a year of hourly
    buckets is 8,760 rows, so this loop is most of the page's own time on long ranges.
    """
    sums: dict[str, float] = {}
    maxima: dict[str, float] = {}
    weighted: dict[str, list[float]] = {}  # key → [sum of value*weight, sum of weight]
    start: int | None = None
    for row in rows:
        for key, value in row.items():
            kind = _KIND.get(key)
            if kind is None:
                if key == "timespan_start" and isinstance(value, int | float):
                    start = int(value) if start is None else min(start, int(value))
                continue
            if kind == _MEAN:
                if not isinstance(value, Mapping):
                    continue
                acc = weighted.get(key)
                if acc is None:
                    acc = weighted[key] = [0.0, 0.0]
                mean, weight = _number(value.get("value")), _number(value.get(MEAN_KEYS[key]))
                if mean is not None and weight is not None and weight > 0:
                    acc[0] += mean * weight
                    acc[1] += weight
                continue
            number = _number(value)
            if number is None:
                continue
            if kind == _SUM:
                sums[key] = sums.get(key, 0.0) + number
            elif key not in maxima or number > maxima[key]:
                maxima[key] = number
    merged: dict[str, Any] = {}
    if start is not None:
        merged["timespan_start"] = start
    merged.update(sums)
    merged.update(maxima)
    for key, (total, weight) in weighted.items():
        weight_key = MEAN_KEYS[key]
        weight_out: float | int = int(weight) if weight_key == "nSamples" else weight
        merged[key] = {weight_key: weight_out, "value": total / weight if weight else None}
    return merged


def mean_value(row: Mapping[str, Any] | None, key: str) -> float | None:
    """The value of a weighted mean in a (merged) row, or None when unknown."""
    if not row:
        return None
    mean = row.get(key)
    if not isinstance(mean, Mapping):
        return None
    return _number(mean.get("value"))


def kwh(row: Mapping[str, Any] | None, key: str) -> float | None:
    """An energy of a (merged) row in kWh (the upstream speaks joules)."""
    if not row:
        return None
    value = _number(row.get(key))
    return None if value is None else value / J_PER_KWH


@dataclass(frozen=True)
class Bucket:
    """One local period of a chart: ``row`` is the merged statistics, None when there is no
    data (the product was offline or not yet installed): a gap, not a zero."""

    start: dt.datetime  # aware, in the site's timezone
    end: dt.datetime  # aware, exclusive
    label: str
    row: dict[str, Any] | None
    parts: int  # upstream buckets merged into this one

    @property
    def hours(self) -> float:
        """Elapsed hours (23 or 25 on a daylight-saving day)."""
        return elapsed_hours(self.start, self.end)


def group_buckets(
    rows: Iterable[Mapping[str, Any]],
    *,
    tz: ZoneInfo,
    unit: Unit,
    start: dt.datetime,
    end: dt.datetime,
    source: Source = "hour",
) -> list[Bucket]:
    """Merge upstream buckets into every local period between ``start`` and ``end``.

    With ``source="hour"`` an upstream bucket belongs to the local period its start instant
    falls in (exact for whole-hour UTC offsets). With ``source="day"`` (ranges beyond a year,
    where hourly buckets would pass the upstream's 10,000-bucket limit) an upstream UTC day
    belongs to the month or year of its UTC date: close enough for months and years, and the
    page says so.
    """
    spans = periods(start, end, unit, tz)
    grouped: dict[int, list[Mapping[str, Any]]] = {}
    # Period edges as UNIX seconds: a bisection finds a bucket's period without building a
    # datetime per row (8,760 of them for a year).
    edges = [s.timestamp() for s, _, _ in spans] + ([spans[-1][1].timestamp()] if spans else [])
    by_utc_day: dict[dt.date, int] = {}
    if source == "day" and unit is not Unit.HOUR:
        by_utc_day = {period_key(s.date(), unit): i for i, (s, _, _) in enumerate(spans)}
    for row in rows:
        ts = row.get("timespan_start")
        if not isinstance(ts, int | float):
            continue
        if by_utc_day:
            utc_day = dt.datetime.fromtimestamp(ts, UTC).date()
            index = by_utc_day.get(period_key(utc_day, unit))
        else:
            index = bisect_right(edges, ts) - 1
            if not 0 <= index < len(spans):
                index = None
        if index is not None:
            grouped.setdefault(index, []).append(row)
    buckets = []
    for i, (begin, finish, label) in enumerate(spans):
        members = grouped.get(i, [])
        buckets.append(
            Bucket(
                start=begin,
                end=finish,
                label=label,
                row=merge_rows(members) if members else None,
                parts=len(members),
            )
        )
    return buckets


@dataclass(frozen=True)
class Kpis:
    """The headline numbers of a range; None where the range has no data for it."""

    produced_kwh: float | None
    consumed_kwh: float | None
    stored_kwh: float | None
    released_kwh: float | None
    self_sufficiency: float | None  # 0..1
    dc_efficiency: float | None  # 0..1
    ac_efficiency: float | None  # 0..1


def kpis(rows: Iterable[Mapping[str, Any]]) -> Kpis:
    """KPI cards of a range: energies summed, ratios merged with their weights."""
    merged = merge_rows(rows)
    return Kpis(
        produced_kwh=kwh(merged, "pv-total"),
        consumed_kwh=kwh(merged, "consumption-total"),
        stored_kwh=kwh(merged, "storage-total-stored"),
        released_kwh=kwh(merged, "storage-total-released"),
        self_sufficiency=mean_value(merged, "self-sufficiency"),
        dc_efficiency=mean_value(merged, "dc-efficiency"),
        ac_efficiency=mean_value(merged, "ac-efficiency"),
    )
