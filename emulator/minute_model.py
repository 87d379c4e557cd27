"""The one-minute model of a product: PV, household load, the battery controller, temperatures.

Why one-minute resolution, vectorised across days: statistics of a year must not recompute
31 million one-second values, and the 1 Hz signal is this minute base plus noise that sums
to zero within each minute (see ``simulation.py``), so minute sums are exact integrals.

Every UTC day is simulated independently: its state of charge and temperature start from the
end of a "warm-up" run of the previous day, which itself starts from a hash of (product, day).
So day ``d`` never depends on which range was asked for; that is what makes the model
deterministic across requests, processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from emulator import schedule
from emulator.site import Site

DAY = 86_400
MINUTES = 1_440
P_MAX = 1_500.0  # W, AC charge/discharge limit of a SMART
USABLE_J = 6.2 * 3.6e6  # usable stack energy of a new SMART between the SoC limits
SOC_MIN, SOC_MAX = 0.05, 0.95
ETA_CONV = 0.945  # power-electronics conversion efficiency, each direction
AUX_ACTIVE, AUX_IDLE = 45.0, 10.0  # W of pumps and electronics, drawn on the AC side
DEADBAND = 25.0  # W: below this imbalance the controller stays idle
FAULT_CODES = frozenset({"inverterFault", "pumpFault"})
# Indices into simulation.STATUS_NAMES.
CHARGING, DISCHARGING, IDLE, STANDBY, FAULT = 0.0, 1.0, 2.0, 3.0, 4.0

_S_SOC0, _S_WEATHER, _S_CLOUD, _S_LOAD_DAY, _S_SPIKE, _S_SPIKE_P, _S_EFF = range(101, 108)
_S_HEALTH = 108


@dataclass(frozen=True)
class MinuteDays:
    """Minute values of consecutive or scattered UTC days; every array is (D, 1440) unless noted.

    Powers are minute means in W (sign conventions of the field catalogue); ``soc`` is (D, 1441),
    the state of charge at every minute boundary; ``online`` is the fraction of the minute's
    one-second samples that are online (0..1), following ``schedule.online_mask``.
    """

    days: np.ndarray  # (D,) UTC day numbers (unix // 86400)
    pv: np.ndarray
    house: np.ndarray
    inverter: np.ndarray  # AC side incl. auxiliary consumption, + discharging
    battery_ac: np.ndarray  # AC power of the conversion alone (inverter + aux)
    pe: np.ndarray  # DC side, + discharging
    aux: np.ndarray
    soc: np.ndarray
    temp_e: np.ndarray
    temp_p: np.ndarray
    status: np.ndarray
    online: np.ndarray
    eff_dc: np.ndarray  # (D,)
    eff_ac: np.ndarray  # (D,)
    cap_dc: np.ndarray  # per-minute estimate, J
    cap_ac: np.ndarray


def _weather_key(site: Site) -> int:
    # Products of one group share coordinates, hence the same clouds.
    return round(site.latitude * 1000) * 1_000_003 + round(site.longitude * 1000)


@lru_cache(maxsize=4096)
def _utc_offset_hours(tz: str, day: int) -> float:
    offset = dt.datetime.fromtimestamp(day * DAY + 43_200, ZoneInfo(tz)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def _inputs(site: Site, days: np.ndarray) -> dict[str, np.ndarray]:
    """PV and household load per minute (D, 1440), and per-day constants."""
    d = days.astype(np.float64)[:, None]
    n_days = len(days)
    doy = (d + 4) % 365.25  # unix day 0 is 1 January 1970
    hours_utc = np.arange(MINUTES, dtype=np.float64)[None, :] / 60 + 1 / 120
    minute_ids = days.astype(np.int64)[:, None] * MINUTES + np.arange(MINUTES)[None, :]

    # Sun elevation (declination and hour angle; the equation of time is below our noise).
    # The hour angle depends on the minute only; declination on the day only.
    lat = math.radians(site.latitude)
    decl = np.radians(23.44) * np.sin(2 * np.pi * (doy + 284 - 1) / 365.0)
    cos_h = np.cos(np.radians(15.0 * (hours_utc + site.longitude / 15.0 - 12.0)))
    sin_el = np.sin(lat) * np.sin(decl) + (np.cos(lat) * np.cos(decl)) * cos_h
    # Low sun loses more to the atmosphere (a cheap stand-in for an air-mass model).
    clear = np.maximum(sin_el, 0.0) * (0.85 + 0.15 * np.maximum(sin_el, 0.0))

    # Weather: a daily clearness and clouds drifting over 10-minute blocks, shared by a group.
    key = _weather_key(site)
    clearness = 0.15 + 0.85 * schedule.uniform_np(key, _S_WEATHER, days) ** 0.6
    blocks = days.astype(np.int64)[:, None] * 145 + np.arange(145)[None, :]
    cloud_nodes = schedule.uniform_np(key, _S_CLOUD, blocks).reshape(n_days, 145)
    cloud_nodes = 1.0 - (1.0 - clearness[:, None]) * 1.4 * cloud_nodes
    x = np.arange(MINUTES) / 10.0
    lo = np.floor(x).astype(np.int64)
    frac = x - lo
    cloud = cloud_nodes[:, lo] * (1 - frac) + cloud_nodes[:, lo + 1] * frac
    pv = site.pv_kwp * 1000.0 * 0.75 * clear * np.clip(cloud, 0.08, 1.0)

    # Household: base load, morning and evening peaks in local time, appliance spikes.
    offsets = np.array([_utc_offset_hours(site.timezone, int(day)) for day in days])
    unique_offsets, which = np.unique(offsets, return_inverse=True)
    local = (hours_utc + unique_offsets[:, None]) % 24.0  # one row per UTC offset in use
    shape = (
        0.45
        + 1.3 * np.exp(-0.5 * ((local - 7.3) / 1.0) ** 2)
        + 0.6 * np.exp(-0.5 * ((local - 12.5) / 1.3) ** 2)
        + 2.0 * np.exp(-0.5 * ((local - 19.2) / 1.8) ** 2)
        - 0.25 * np.exp(-0.5 * ((local - 3.5) / 2.0) ** 2)
    )[which]
    room_daily = (1.2 * np.sin(2 * np.pi * (local - 10.0) / 24.0))[which]
    season = 1.0 + 0.2 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    day_factor = 0.85 + 0.3 * schedule.uniform_np(site.product_id, _S_LOAD_DAY, days)
    mean_w = site.load_kwh_year * 3.6e6 / (365.25 * DAY)
    u_spike = schedule.uniform_np(site.product_id, _S_SPIKE, minute_ids)
    fridge = 0.92 + 0.16 * ((u_spike * 4096.0) % 1.0)  # the hash's low bits: independent
    spikes = np.where(u_spike < 0.03 * shape / 1.2, 600.0 + 1600.0 * u_spike / 0.03, 0.0)
    house = mean_w * season * day_factor[:, None] * shape / 1.08 * fridge + spikes

    # Per-day battery constants: round-trip DC efficiency and state of health.
    eff_dc = 0.92 + 0.008 * (schedule.uniform_np(site.product_id, _S_EFF, days) - 0.5)
    age_years = np.zeros(n_days)
    if site.installed_at is not None:
        age_years = np.maximum(days * DAY - site.installed_at, 0) / (365.25 * DAY)
    jitter = 0.01 * schedule.uniform_np(site.product_id, _S_HEALTH, days)
    health = 0.99 - jitter - 0.015 * age_years
    room = 19.0 + 4.0 * np.cos(2 * np.pi * (doy - 200) / 365.25) + room_daily
    return {
        "pv": pv,
        "house": house,
        "eff_dc": eff_dc,
        "usable": USABLE_J * health,
        "room": room,
    }


def _faults(site: Site, days: np.ndarray) -> np.ndarray:
    """(D, 1440) True where a fault error code is active at the minute start."""
    fault = np.zeros((len(days), MINUTES), dtype=bool)
    per_day = DAY // schedule.ERROR_BLOCK
    for i, day in enumerate(days):
        for block in range(int(day) * per_day, (int(day) + 1) * per_day):
            window = schedule._error_window(site, block)
            if window is None or window[2] not in FAULT_CODES:
                continue
            a = max(0, -(-(window[0] - int(day) * DAY) // 60))
            b = min(MINUTES, -(-(window[1] - int(day) * DAY) // 60))
            fault[i, a:b] = True
    return fault


def _controller(
    want: np.ndarray, soc0: np.ndarray, usable: np.ndarray, eff_dc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Self-consumption control, one step per minute on arrays of D days.

    ``want`` is the AC power the household asks of the battery (+ discharge). The stack holds
    energy E (J) between the SoC limits; returns the AC power delivered and E at every boundary.
    """
    total = usable / (SOC_MAX - SOC_MIN)
    e_min, e_max = total * SOC_MIN, total * SOC_MAX
    a = np.sqrt(eff_dc)  # one-way stack efficiency
    k_dis = 60.0 / (ETA_CONV * a)  # J taken from the stack per W discharged for a minute
    k_chg = 60.0 * ETA_CONV * a  # J put into the stack per W charged for a minute
    energy = np.empty((MINUTES + 1, len(soc0)))
    out = np.empty((MINUTES, len(soc0)))
    e = soc0 * total
    energy[0] = e
    want_t = np.ascontiguousarray(want.T)
    for m in range(MINUTES):
        x = np.minimum(np.maximum(want_t[m], (e - e_max) / k_chg), (e - e_min) / k_dis)
        e = e - np.maximum(x, 0.0) * k_dis - np.minimum(x, 0.0) * k_chg
        out[m] = x
        energy[m + 1] = e
    return out.T, (energy / total).T


def _temperature(drive: np.ndarray, t0: np.ndarray, k: float = 0.02) -> np.ndarray:
    """First-order lag T[m+1] = T[m] + k (drive[m] - T[m]), closed form, (D, 1440) at starts."""
    r = 1.0 - k
    n = drive.shape[1]
    powers = r ** np.arange(n, dtype=np.float64)
    # T[m] = r^m T0 + k * sum_{j<m} r^(m-1-j) drive[j]; split the weights to stay in range.
    weighted = np.cumsum(drive / powers[None, :], axis=1) * powers[None, :] * k
    temps = np.empty_like(drive)
    temps[:, 0] = t0
    temps[:, 1:] = t0[:, None] * powers[None, 1:] + weighted[:, :-1]
    return temps


def _take(inputs: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {key: value[rows] for key, value in inputs.items()}


def _run(inputs: dict[str, np.ndarray], soc0: np.ndarray, temp0: np.ndarray) -> dict:
    demand = inputs["house"] - inputs["pv"]
    want = np.clip(demand, -P_MAX, P_MAX)
    want[(np.abs(demand) < DEADBAND) | inputs["fault"]] = 0.0
    x, soc = _controller(want, soc0, inputs["usable"], inputs["eff_dc"])
    x[np.abs(x) < 1.0] = 0.0  # a trickle at the SoC limit is no activity
    pe = np.where(x > 0, x / ETA_CONV, x * ETA_CONV)
    load = np.abs(pe) / P_MAX
    drive = inputs["room"] + 9.0 + 10.0 * load
    temp_e = _temperature(drive, temp0)
    status = np.where(x > 0, DISCHARGING, np.where(x < 0, CHARGING, IDLE))
    status[(x == 0) & (want != 0)] = STANDBY
    status[inputs["fault"]] = FAULT
    # The temperature after the last minute: the next day's start.
    temp_end = temp_e[:, -1] + 0.02 * (drive[:, -1] - temp_e[:, -1])
    return {
        **inputs,
        "x": x,
        "pe": pe,
        "soc": soc,
        "temp_e": temp_e,
        "load": load,
        "status": status,
        "temp_end": temp_end,
    }


def _online_fraction(site: Site, days: np.ndarray) -> np.ndarray:
    """Fraction of online one-second samples per minute; the same rule as
    ``schedule.online_mask`` (installation, ``offline_since``, the six-hour-block windows),
    applied by slices instead of per-sample tests, and exact at edges inside a minute."""
    starts = (days.astype(np.int64)[:, None] * DAY + 60 * np.arange(MINUTES)[None, :]).ravel()
    online = np.ones(len(starts))
    edges: list[int] = []
    if site.installed_at is None:
        return np.zeros((len(days), MINUTES))
    windows = [(-(2**62), site.installed_at)]
    if site.offline_since is not None:
        windows.append((site.offline_since, 2**62))
    per_day = DAY // schedule.OFFLINE_BLOCK
    for day in days:
        for block in range(int(day) * per_day, (int(day) + 1) * per_day):
            window = schedule._offline_window(site, block)
            if window is not None:
                windows.append(window)
    for a, b in windows:
        # Minutes whose first second is offline; a partial minute is fixed up below.
        online[np.searchsorted(starts, a) : np.searchsorted(starts, b)] = 0.0
        edges.extend(edge for edge in (a, b) if edge % 60)
    for edge in edges:
        idx = np.searchsorted(starts, edge - edge % 60)
        if idx < len(starts) and starts[idx] == edge - edge % 60:
            seconds = np.arange(starts[idx], starts[idx] + 60, dtype=np.float64) + 0.5
            online[idx] = schedule.online_mask(site, seconds).mean()
    return online.reshape(len(days), MINUTES)


def simulate_days(site: Site, days: np.ndarray) -> MinuteDays:
    """The minute model of ``days`` (sorted, unique UTC day numbers) for one product."""
    days = np.asarray(days, dtype=np.int64)
    prev = days - 1
    # Inputs of each needed day once: a contiguous range shares all but one warm-up day.
    all_days = np.union1d(prev, days)
    inputs = _inputs(site, all_days)
    inputs["fault"] = _faults(site, all_days)
    warm_in = _take(inputs, np.searchsorted(all_days, prev))
    soc0 = SOC_MIN + (SOC_MAX - SOC_MIN) * schedule.uniform_np(site.product_id, _S_SOC0, prev)
    warm = _run(warm_in, soc0, warm_in["room"][:, 0] + 9.0)
    run = _run(_take(inputs, np.searchsorted(all_days, days)), warm["soc"][:, -1], warm["temp_end"])
    aux = np.where(run["x"] != 0, AUX_ACTIVE, AUX_IDLE)
    cap_dc = run["usable"][:, None] * (1.0 + 0.003 * (run["temp_e"] - 30.0))
    return MinuteDays(
        days=days,
        pv=run["pv"],
        house=run["house"],
        inverter=run["x"] - aux,
        battery_ac=run["x"],
        pe=run["pe"],
        aux=aux,
        soc=run["soc"],
        temp_e=run["temp_e"],
        temp_p=run["temp_e"] + 1.5 + 4.0 * run["load"],
        status=run["status"],
        online=_online_fraction(site, days),
        eff_dc=run["eff_dc"],
        eff_ac=run["eff_dc"] * ETA_CONV**2 * 0.875,
        cap_dc=cap_dc,
        cap_ac=cap_dc * ETA_CONV * np.sqrt(run["eff_dc"])[:, None],
    )


@lru_cache(maxsize=512)
def one_day(site: Site, day: int) -> MinuteDays:
    """The minute model of a single day, cached: the 1 Hz synthesis asks for it per chunk, and
    today's for every socket's first frame and every ``latest``. About 180 kB a day (90 MB
    full); 512 days hold today of 400 live products (a reconnect storm finds them warm) plus a
    31-day export."""
    return simulate_days(site, np.array([day], dtype=np.int64))
