"""When each simulated product is offline and which error codes it carries, as O(1) functions of
(product, instant).

A product listing of 10,000 products must report ``online`` and ``errors`` for a page of them in
a few milliseconds, and the socket, ``latest``, the export and the statistics must all agree on
the same gaps. So the schedule is a pure hash of the product id and the time block: no state,
no history to replay, identical across processes and restarts.
"""

from __future__ import annotations

import numpy as np

from emulator.site import Site

OFFLINE_BLOCK = 6 * 3600
ERROR_BLOCK = 12 * 3600

# Episodic error codes (codes the real API uses are camelCase strings such as nonDefaultStrategy).
EPISODIC_ERRORS = (
    "highElectrolyteTemperature",
    "pumpFault",
    "communicationTimeout",
    "inverterFault",
    "stackVoltageImbalance",
    "lowStateOfHealth",
)
PERSISTENT_ERRORS = ("nonDefaultStrategy", "firmwareOutdated")

_MASK64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64 finaliser: a stable, well-spread hash of a 64-bit integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def uniform(*keys: int) -> float:
    """A deterministic number in [0, 1) for a tuple of integers."""
    h = 0
    for key in keys:
        h = _mix(h ^ (key & _MASK64))
    return (h >> 11) / float(1 << 53)


def _mix_np(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def uniform_np(*keys: int | np.ndarray) -> np.ndarray:
    """Vectorised ``uniform``: the same numbers for the same keys, elementwise."""
    h: np.ndarray = np.zeros(1, dtype=np.uint64)
    for key in keys:
        k = np.asarray(key).astype(np.int64).astype(np.uint64)
        h = _mix_np(h ^ k)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


_SALT_OFFLINE, _SALT_OFF_START, _SALT_OFF_LEN = 11, 12, 13
_SALT_ERR, _SALT_ERR_START, _SALT_ERR_LEN, _SALT_ERR_CODE = 21, 22, 23, 24


def _offline_window(site: Site, block: int) -> tuple[int, int] | None:
    if uniform(site.product_id, _SALT_OFFLINE, block) >= site.offline_rate:
        return None
    length = int(300 + uniform(site.product_id, _SALT_OFF_LEN, block) * (3 * 3600 - 300))
    start = block * OFFLINE_BLOCK + int(
        uniform(site.product_id, _SALT_OFF_START, block) * (OFFLINE_BLOCK - length)
    )
    return start, start + length


def is_online(site: Site, t: float) -> bool:
    """Whether the product is connected and reporting at UNIX time ``t``."""
    if site.installed_at is None or t < site.installed_at:
        return False
    if site.offline_since is not None and t >= site.offline_since:
        return False
    window = _offline_window(site, int(t // OFFLINE_BLOCK))
    return window is None or not (window[0] <= t < window[1])


def online_mask(site: Site, times: np.ndarray) -> np.ndarray:
    """``is_online`` for an array of UNIX times (vectorised; same answers)."""
    times = np.asarray(times, dtype=np.float64)
    if site.installed_at is None:
        return np.zeros(times.shape, dtype=bool)
    mask = times >= site.installed_at
    if site.offline_since is not None:
        mask &= times < site.offline_since
    blocks = np.floor(times / OFFLINE_BLOCK).astype(np.int64)
    for block in np.unique(blocks):
        window = _offline_window(site, int(block))
        if window is not None:
            mask &= ~((times >= window[0]) & (times < window[1]))
    return mask


def _error_window(site: Site, block: int) -> tuple[int, int, str] | None:
    if uniform(site.product_id, _SALT_ERR, block) >= site.error_rate:
        return None
    length = int(600 + uniform(site.product_id, _SALT_ERR_LEN, block) * (8 * 3600 - 600))
    start = block * ERROR_BLOCK + int(
        uniform(site.product_id, _SALT_ERR_START, block) * (ERROR_BLOCK - length)
    )
    code_index = int(uniform(site.product_id, _SALT_ERR_CODE, block) * len(EPISODIC_ERRORS))
    return start, start + length, EPISODIC_ERRORS[code_index]


def errors_at(site: Site, t: float) -> list[str]:
    """Error codes the product reports at UNIX time ``t`` (persistent ones first)."""
    if site.installed_at is None:
        return list(site.persistent_errors)
    codes = list(site.persistent_errors)
    window = _error_window(site, int(t // ERROR_BLOCK))
    if window is not None and window[0] <= t < window[1] and window[2] not in codes:
        codes.append(window[2])
    return codes
