"""The 1 Hz data a simulated product reports: what ``export``, ``latest`` and the socket serve.

The signal of every second is the minute model (``minute_model.py``) plus noise that sums to
zero within each minute, so the statistics computed from minutes equal integrals of this data.
Reporting is sparse like the seed's CSV: a field reports when it moved by more than its
threshold since its last report, and every field reports at the first online second of each
two-minute window (the heartbeat). Resetting at fixed windows keeps a second's report
independent of where a request started, so every endpoint sees the same rows.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from emulator import schedule
from emulator.minute_model import DAY, MINUTES, one_day
from emulator.site import Site

FIELDS: tuple[str, ...] = (
    "gridPower",
    "householdPower",
    "inverterPower",
    "pvPower",
    "powerElectronicsPower",
    "stateOfCharge",
    "status",
    "dcVoltage",
    "electrolyteTemp",
    "pumpTemp",
)
STATUS_NAMES: tuple[str, ...] = ("charging", "discharging", "idle", "standby", "fault")
HEARTBEAT = 120  # s: every field reports at least once per aligned window of this length
# (absolute, relative) change since the last report that makes a field report again. Small
# enough that a sample-and-hold integral of the powers stays well within 1 % of the truth.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "gridPower": (3.0, 0.005),
    "householdPower": (3.0, 0.005),
    "inverterPower": (3.0, 0.005),
    "pvPower": (3.0, 0.005),
    "powerElectronicsPower": (3.0, 0.005),
    "stateOfCharge": (0.0002, 0.0),
    "status": (0.5, 0.0),
    "dcVoltage": (0.02, 0.0),
    "electrolyteTemp": (0.05, 0.0),
    "pumpTemp": (0.05, 0.0),
}
_ABS = np.array([THRESHOLDS[f][0] for f in FIELDS])
_REL = np.array([THRESHOLDS[f][1] for f in FIELDS])
_S_PHASE, _S_NOISE_PV, _S_NOISE_HOUSE, _S_NOISE_INV = 201, 202, 203, 204
_S_METER_HOUSE = 205
# W: what a household meter's reading jitters by from one second to the next (at most a quarter
# of the load), and the swing of the battery's pumps and electronics around their draw.
HOUSE_JITTER, AUX_SWING = 6.0, 3.0


@dataclass
class ReportChunk:
    """Rows of reports: ``times`` (UNIX s incl. the sub-second phase) and one float array per
    field, NaN where that field did not report at that instant (``status`` is the index into
    ``STATUS_NAMES``)."""

    times: np.ndarray
    values: dict[str, np.ndarray]


def phase(site: Site) -> float:
    """The fixed sub-second offset of a product's samples (the seed's ``.556``)."""
    return (500 + int(schedule.uniform(site.product_id, _S_PHASE) * 100)) / 1000.0


def _zero_sum_noise(site: Site, salt: int, seconds: np.ndarray) -> np.ndarray:
    """Noise in (-1, 1) whose sum over each whole minute is zero."""
    u = schedule.uniform_np(site.product_id, salt, seconds).reshape(-1, 60)
    return (u - u.mean(axis=1, keepdims=True)).ravel()


def _alternating_swing(site: Site, salt: int, seconds: np.ndarray) -> np.ndarray:
    """Noise that changes sign every second, magnitude in [0.8, 1), summing to zero per minute.

    Why alternate: at night, with no PV and the battery idle, nothing else moves, and the
    contract promises about one frame a second while a product is online. Within a minute two
    consecutive seconds differ by at least 1.6, so the inverter's swing (``AUX_SWING`` W plus
    12 % of its power, see ``seconds``) exceeds its report threshold every second; only at a
    minute's edge can the minute values' own step cancel it (a second's gap at most)."""
    u = 0.8 + 0.2 * schedule.uniform_np(site.product_id, salt, seconds)
    swing = np.where(seconds % 2 == 0, u, -u).reshape(-1, 60)
    return (swing - swing.mean(axis=1, keepdims=True)).ravel()


def _minutes(site: Site, m0: int, m1: int) -> dict[str, np.ndarray]:
    """Minute-model arrays for minutes [m0, m1) (UNIX minute numbers), across day edges."""
    parts: list[dict[str, np.ndarray]] = []
    m = m0
    while m < m1:
        day = m // MINUTES
        a, b = m - day * MINUTES, min(m1 - day * MINUTES, MINUTES)
        model = one_day(site, day)
        parts.append(
            {
                "pv": model.pv[0, a:b],
                "house": model.house[0, a:b],
                "x": model.battery_ac[0, a:b],
                "aux": model.aux[0, a:b],
                "pe": model.pe[0, a:b],
                "soc0": model.soc[0, a:b],
                "soc1": model.soc[0, a + 1 : b + 1],
                "temp_e": model.temp_e[0, a:b],
                "temp_p": model.temp_p[0, a:b],
                "status": model.status[0, a:b],
            }
        )
        m += b - a
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def seconds(site: Site, s0: int, s1: int) -> tuple[np.ndarray, np.ndarray]:
    """Every field at every second in [s0, s1) (multiples of 60): an (n, len(FIELDS)) array
    in ``FIELDS`` order, and the online mask of those seconds."""
    secs = np.arange(s0, s1, dtype=np.int64)
    times = secs + phase(site)
    mins = _minutes(site, s0 // 60, s1 // 60)

    def per_second(key: str) -> np.ndarray:
        return np.repeat(mins[key], 60)

    n_pv = _zero_sum_noise(site, _S_NOISE_PV, secs)
    n_house = _zero_sum_noise(site, _S_NOISE_HOUSE, secs)
    swing = _alternating_swing(site, _S_NOISE_INV, secs)
    pv = per_second("pv") * (1.0 + 0.1 * n_pv)
    house_min = per_second("house")
    meter = _zero_sum_noise(site, _S_METER_HOUSE, secs) * np.minimum(HOUSE_JITTER, house_min / 4)
    house = house_min * (1.0 + 0.01 * n_house) + meter
    # The conversion's power and the pumps' draw swing against each other, so the inverter's
    # AC power (their difference) swings by their sum whatever the direction of the power.
    x_min, pe_min = per_second("x"), per_second("pe")
    x = x_min + 0.12 * np.abs(x_min) * swing
    aux = per_second("aux") - AUX_SWING * swing
    inverter = x - aux
    pe = pe_min + 0.12 * np.abs(pe_min) * swing
    frac = ((secs % 60) + phase(site)) / 60.0
    soc0 = per_second("soc0")
    soc = soc0 + (per_second("soc1") - soc0) * frac
    values = np.empty((len(secs), len(FIELDS)))
    values[:, 0] = house - pv - inverter  # the grid is whatever balances the house
    values[:, 1] = house
    values[:, 2] = inverter
    values[:, 3] = pv
    values[:, 4] = pe
    values[:, 5] = soc
    values[:, 6] = per_second("status")
    values[:, 7] = 24.0 + 4.0 * soc - 0.0008 * pe
    values[:, 8] = per_second("temp_e")
    values[:, 9] = per_second("temp_p")
    return values, schedule.online_mask(site, times)


def _report_mask(values: np.ndarray, online: np.ndarray) -> np.ndarray:
    """Which (second, field) report, for whole ``HEARTBEAT`` windows; see the module doc."""
    n, f = values.shape
    v = values.reshape(-1, HEARTBEAT, f)
    on = online.reshape(-1, HEARTBEAT)
    rep = np.zeros(v.shape, dtype=bool)
    rep[:, 0, :] = on[:, 0, None]
    last = v[:, 0, :].copy()
    for j in range(1, HEARTBEAT):
        current = v[:, j, :]
        limit = np.maximum(_ABS, _REL * np.abs(last))
        # The first online second after a gap reports every field, like the window start.
        force = (on[:, j] & ~on[:, j - 1])[:, None]
        r = on[:, j, None] & (force | (np.abs(current - last) > limit))
        np.copyto(last, current, where=r)
        rep[:, j, :] = r
    return rep.reshape(n, f)


def _has_data(site: Site, s0: int, s1: int) -> bool:
    if site.installed_at is None or s1 <= site.installed_at:
        return False
    return site.offline_since is None or s0 < site.offline_since


def iter_reports(
    site: Site,
    t0: float,
    t1: float,
    fields: Sequence[str] = FIELDS,
    chunk_seconds: int = 3600,
    *,
    now: float | None = None,
) -> Iterator[ReportChunk]:
    """Reports with times in [t0, t1) and at or before ``now``, oldest first, one chunk at a
    time (memory bounded by ``chunk_seconds``). Rows only where a requested field reported."""
    now = time.time() if now is None else now
    p = phase(site)
    first = math.ceil(t0 - p)  # first second whose sample time is >= t0
    last = min(math.ceil(t1 - p) - 1, math.floor(now - p))  # time < t1 and <= now
    if last < first:
        return
    cols = [FIELDS.index(f) for f in fields]
    step = max(HEARTBEAT, -(-chunk_seconds // HEARTBEAT) * HEARTBEAT)
    start = first - first % HEARTBEAT
    while start <= last:
        stop = start + step
        if _has_data(site, start, stop):
            values, online = seconds(site, start, stop)
            rep = _report_mask(values, online)[:, cols]
            lo, hi = max(first - start, 0), min(last - start + 1, stop - start)
            rep, values = rep[lo:hi], values[lo:hi, cols]
            rows = rep.any(axis=1)
            if rows.any():
                picked = np.where(rep[rows], values[rows], np.nan)
                yield ReportChunk(
                    times=np.arange(start + lo, start + hi)[rows] + p,
                    values={f: picked[:, i] for i, f in enumerate(fields)},
                )
        start = stop


def last_online_second(site: Site, now: float) -> int | None:
    """The last whole second whose sample (at ``s + phase``) is online and at or before now."""
    p = phase(site)
    s = math.floor(now - p)
    if site.installed_at is None:
        return None
    for _ in range(10_000):
        if s < site.installed_at:
            return None
        if site.offline_since is not None and s >= site.offline_since:
            s = site.offline_since - 1
            continue
        window = schedule._offline_window(site, s // schedule.OFFLINE_BLOCK)
        if window is not None and window[0] <= s < window[1]:
            s = window[0] - 1
            continue
        return s
    return None


def json_value(field: str, value: float) -> float | str:
    """A reported value as the JSON API shows it: status by name, numbers to 6 significant
    digits (the export's default precision, so ``latest`` and the socket match it)."""
    if field == "status":
        return STATUS_NAMES[int(value)]
    return float(f"{value:.6g}")


Frames = tuple[tuple[float, ...], tuple[dict[str, float | str], ...]]


@lru_cache(maxsize=1024)
def window_frames(site: Site, start: int) -> Frames:
    """Times and changed fields (JSON-ready) of every report instant in the heartbeat window
    [start, start + HEARTBEAT), all of it, whatever the clock says.

    Cached because it is deterministic and both the socket (every frame) and ``latest`` read it:
    a warm ``latest`` is then a merge of at most 120 small dicts instead of synthesising and
    masking the window's 1 Hz data again (about 2-3 ms each time, and 20 ms and more per product
    on a busy machine when a reconnect storm asked for them all at once). About 70 kB a window;
    1024 windows hold the current and the previous window of 500 live products."""
    times: list[float] = []
    changes: list[dict[str, float | str]] = []
    end = start + HEARTBEAT
    for chunk in iter_reports(site, start, end, chunk_seconds=HEARTBEAT, now=end):
        columns = [(f, chunk.values[f]) for f in FIELDS]
        for i, t in enumerate(chunk.times):
            times.append(float(t))
            changes.append({f: json_value(f, float(v[i])) for f, v in columns if v[i] == v[i]})
    return tuple(times), tuple(changes)


def latest(site: Site, now: float) -> tuple[float | None, dict[str, float | str]]:
    """Time of the last report at or before ``now`` and the last reported value of every
    field (JSON-ready, see ``json_value``); ``(None, {})`` for a product that never reported."""
    s = last_online_second(site, now)
    if s is None:
        return None, {}
    # The first online second of a window (and after a gap) reports every field, so merging
    # the window's frames up to that second gives them all.
    times, changes = window_frames(site, s - s % HEARTBEAT)
    data: dict[str, float | str] = {}
    last = bisect_right(times, s + phase(site))
    for change in changes[:last]:
        data.update(change)
    return times[last - 1], dict(data)


__all__ = [
    "DAY",
    "FIELDS",
    "STATUS_NAMES",
    "ReportChunk",
    "iter_reports",
    "json_value",
    "last_online_second",
    "latest",
    "phase",
    "seconds",
    "window_frames",
]
