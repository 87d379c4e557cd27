"""``GET /rest/data/statistics``: UTC-aligned buckets computed from the minute model.

Why minutes and hours: the 1 Hz signal is the minute model plus noise that sums to zero per
minute, so minute sums are the exact integrals of the exported powers, and a year is 525,600
minutes instead of 31 million seconds. Completed days are reduced to 24 hourly rows and kept in
the Django cache in blocks of 16 days (locmem locally, Redis in production), so a lifetime
request recomputes nothing it has seen before; only the days cut by ``tstart``, ``tend`` or now
(and the current block) are recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np
from django.core.cache import cache

from emulator.minute_model import DAY, MINUTES, MinuteDays, one_day, simulate_days
from emulator.site import Site

TIMESPANS = ("hour", "day", "month", "year", "lifetime")
MAX_BUCKETS = 10_000
MODEL_VERSION = 1  # bump when the model changes: cached rows of older models are ignored
BATCH_DAYS = 192  # days simulated at once: bounds memory (~40 MB) on lifetime requests
BLOCK_DAYS = 16  # days per cache entry
CACHE_SECONDS = 30 * DAY

# Columns of an hourly row.
(PV, PV_ACT, CONS, RELEASED, STORED, IMPORT, MAX_T, N, AUX, TEMP_E, TEMP_P) = range(11)
(CAP_DC, CAP_AC, EFF_DC, EFF_AC) = range(11, 15)
K = 15


def _hourly(model: MinuteDays, keep: np.ndarray | None = None) -> np.ndarray:
    """(D*24, K) hourly sums of one or more simulated days; ``keep`` masks minutes out."""
    w = model.online if keep is None else model.online * keep
    has = w > 0
    grid = model.house - model.pv - model.inverter
    # Zeros, not ``np.empty``: the MAX_T row is only filled after the sum, and summing whatever
    # the allocator left there overflowed now and then (a 500 under warnings-as-errors).
    cols = np.zeros((K, *w.shape))
    cols[PV] = model.pv * w * 60
    cols[PV_ACT] = (model.pv > 0) * w * 60
    cols[CONS] = model.house * w * 60
    cols[RELEASED] = np.maximum(model.inverter, 0) * w * 60
    cols[STORED] = np.maximum(-model.inverter, 0) * w * 60
    cols[IMPORT] = np.maximum(grid, 0) * w * 60
    cols[N] = has
    cols[AUX] = model.aux * has
    cols[TEMP_E] = model.temp_e * has
    cols[TEMP_P] = model.temp_p * has
    cols[CAP_DC] = model.cap_dc * has
    cols[CAP_AC] = model.cap_ac * has
    cols[EFF_DC] = model.eff_dc[:, None] * has
    cols[EFF_AC] = model.eff_ac[:, None] * has
    rows = cols.reshape(K, -1, 60).sum(axis=2)
    # An hour without an online minute has no maximum: -inf here, never in an answer (only
    # buckets with samples are shown, and their maximum comes from an online minute).
    hottest = np.where(has, np.maximum(model.temp_e, model.temp_p), -np.inf)
    rows[MAX_T] = hottest.reshape(-1, 60).max(axis=1)
    return rows.T


def _site_key(site: Site) -> str:
    return hashlib.sha1(repr(site).encode()).hexdigest()[:20]


def _full_days(site: Site, days: list[int], now: float) -> dict[int, np.ndarray]:
    """Hourly rows of complete days. Days are cached in aligned blocks of ``BLOCK_DAYS`` (few
    keys even for a lifetime: a small cache does not evict half a year), once a whole block
    is in the past; the complete days of the current block one by one (a complete day never
    changes: recomputing them on every call cost up to ~80 ms late in a block)."""
    prefix = f"emu-stats:{MODEL_VERSION}:{_site_key(site)}:"
    blocks = sorted({d // BLOCK_DAYS for d in days})
    closed = [b for b in blocks if (b + 1) * BLOCK_DAYS * DAY <= now]
    found = cache.get_many([prefix + str(b) for b in closed])
    out: dict[int, np.ndarray] = {}
    for b in closed:
        if prefix + str(b) in found:
            rows = np.frombuffer(found[prefix + str(b)]).reshape(BLOCK_DAYS, 24, K)
            out.update({b * BLOCK_DAYS + j: rows[j] for j in range(BLOCK_DAYS)})
    missing = [b for b in closed if prefix + str(b) not in found]
    for i in range(0, len(missing), BATCH_DAYS // BLOCK_DAYS):
        batch = missing[i : i + BATCH_DAYS // BLOCK_DAYS]
        batch_days = np.concatenate(
            [np.arange(b * BLOCK_DAYS, (b + 1) * BLOCK_DAYS) for b in batch]
        )
        rows = _hourly(simulate_days(site, batch_days)).reshape(len(batch), BLOCK_DAYS, 24, K)
        cache.set_many(
            {prefix + str(b): rows[j].tobytes() for j, b in enumerate(batch)}, CACHE_SECONDS
        )
        for j, b in enumerate(batch):
            out.update({b * BLOCK_DAYS + k: rows[j, k] for k in range(BLOCK_DAYS)})
    rest = {d: f"{prefix}d{d}" for d in days if d not in out}
    found = cache.get_many(list(rest.values()))
    out.update({d: np.frombuffer(found[k]).reshape(24, K) for d, k in rest.items() if k in found})
    todo = [d for d, k in rest.items() if k not in found]
    if todo:
        rows = _hourly(simulate_days(site, np.array(todo))).reshape(len(todo), 24, K)
        cache.set_many({rest[d]: rows[j].tobytes() for j, d in enumerate(todo)}, CACHE_SECONDS)
        out.update({d: rows[j] for j, d in enumerate(todo)})
    return {d: out[d] for d in days}


def hourly_rows(
    site: Site, tstart: float, tend: float, now: float
) -> tuple[np.ndarray, np.ndarray]:
    """Hour starts and hourly rows covering completed minutes in [tstart, min(tend, now))."""
    empty = np.empty(0), np.empty((0, K))
    if site.installed_at is None:
        return empty
    end = min(tend, math.floor(now / 60) * 60)  # only minutes that are over
    lo = max(tstart, site.installed_at)
    if site.offline_since is not None:
        end = min(end, site.offline_since + 60)
    if end <= lo:
        return empty
    days = list(range(int(lo // DAY), math.ceil(end / DAY)))
    full = [d for d in days if d * DAY >= tstart and (d + 1) * DAY <= end]
    by_day = _full_days(site, full, now)
    # Days cut by tstart, tend or now (two at most): their minute model is the one the socket
    # and latest already hold in memory for today.
    for d in (d for d in days if d not in by_day):
        starts = d * DAY + 60 * np.arange(MINUTES)[None, :]
        by_day[d] = _hourly(one_day(site, d), (starts >= tstart) & (starts + 60 <= end))
    hours = (np.array(days)[:, None] * DAY + 3600 * np.arange(24)[None, :]).ravel()
    return hours, np.concatenate([by_day[d] for d in days])


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def bucket_count(timespan: str, tstart: float, tend: float) -> int:
    """How many buckets [tstart, tend) spans, without building them (ranges may be huge)."""
    if timespan == "lifetime":
        return 1
    if timespan in ("hour", "day"):
        size = 3600 if timespan == "hour" else DAY
        return max(1, math.ceil((tend - math.floor(tstart / size) * size) / size))
    start, end = _utc(tstart), _utc(max(tend - 1e-6, tstart))
    if timespan == "year":
        return end.year - start.year + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def bucket_edges(timespan: str, tstart: float, tend: float) -> np.ndarray:
    """Bucket starts (UTC-aligned) from the bucket holding ``tstart`` up to ``tend``; call
    ``bucket_count`` first, this builds them all."""
    if timespan == "lifetime":
        return np.array([tstart])
    if timespan in ("hour", "day"):
        size = 3600 if timespan == "hour" else DAY
        first = math.floor(tstart / size) * size
        return first + size * np.arange(bucket_count(timespan, tstart, tend), dtype=np.float64)
    start = _utc(tstart)
    step = 12 if timespan == "year" else 1
    first = start.year * 12 + (0 if step == 12 else start.month - 1)  # months since year 0
    # Only the edges asked for: the one after the last may be in year 10000, which datetime
    # refuses (a 500 for a range ending in 9999).
    months = range(first, first + step * bucket_count(timespan, tstart, tend), step)
    return np.array(
        [dt.datetime(m // 12, m % 12 + 1, 1, tzinfo=dt.UTC).timestamp() for m in months]
    )


def _mean(n: float, total: float) -> dict[str, Any]:
    return {"nSamples": int(n), "value": float(total / n)}


def bucket_json(start: float, row: np.ndarray) -> dict[str, Any]:
    """One statistics object with the keys of the seed's sample."""
    n = row[N]
    return {
        "timespan_start": int(start),
        "pv-total": round(row[PV]),
        "pv-activity": round(row[PV_ACT]),
        "consumption-total": round(row[CONS]),
        "storage-total-released": round(row[RELEASED]),
        "storage-total-stored": round(row[STORED]),
        "max-temperature": round(float(row[MAX_T]), 4),
        "own-consumption": _mean(n, row[AUX]),
        "electrolyte-temp": _mean(n, row[TEMP_E]),
        "pump-temp": _mean(n, row[TEMP_P]),
        "dc-capacity": _mean(n, row[CAP_DC]),
        "ac-capacity": _mean(n, row[CAP_AC]),
        "dc-efficiency": _mean(n, row[EFF_DC]),
        "ac-efficiency": _mean(n, row[EFF_AC]),
        "self-sufficiency": {
            "totalWeight": float(row[CONS]),
            "value": float(1.0 - row[IMPORT] / row[CONS]) if row[CONS] > 0 else 0.0,
        },
    }


def statistics(
    site: Site, tstart: float, tend: float, timespan: str, now: float
) -> list[dict[str, Any]]:
    """The statistics answer: one object per bucket with data, oldest first.

    Raises ``ValueError`` for more than ``MAX_BUCKETS`` buckets (the view answers 400)."""
    if timespan == "lifetime" and site.installed_at is not None:
        tstart = max(tstart, site.installed_at)  # the lifetime bucket starts with the data
    count = bucket_count(timespan, tstart, tend)
    if count > MAX_BUCKETS:
        raise ValueError(f"{count} buckets")
    edges = bucket_edges(timespan, tstart, tend)
    hours, rows = hourly_rows(site, tstart, tend, now)
    if not len(hours):
        return []
    index = np.searchsorted(edges, hours, side="right") - 1
    # Hours before the first edge (a lifetime range starting mid-hour) belong to bucket 0.
    index = np.maximum(index, 0)
    cuts = np.flatnonzero(np.diff(index)) + 1
    groups = np.concatenate([[0], cuts])
    sums = np.add.reduceat(rows, groups, axis=0)
    sums[:, MAX_T] = np.maximum.reduceat(rows[:, MAX_T], groups)
    starts = edges[index[groups]]
    return [bucket_json(s, r) for s, r in zip(starts, sums, strict=True) if r[N] > 0]
