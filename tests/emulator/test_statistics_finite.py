"""Statistics answers hold finite numbers only, whatever the product, range and clock.

A night run of the fuzz test once got a 500 from ``GET /rest/data/statistics?productId=1``: the
hourly sums read a row of ``np.empty`` memory before filling it, and what the allocator had left
there overflowed (an error under ``filterwarnings = error``; garbage in a quieter process).
Whether it happened depended on the allocations before the request, so these tests make that
memory hostile on purpose instead of hoping for it.
"""

from __future__ import annotations

import datetime as dt
import math
import types
from typing import Any

import numpy as np
import pytest

from emulator import statistics as stats
from emulator.data_views import MAX_TIME
from emulator.minute_model import MINUTES, one_day
from emulator.site import Site
from tests.emulator.conftest import DAY, auth_header

pytestmark = pytest.mark.django_db


def _utc(*args: int) -> float:
    return dt.datetime(*args, tzinfo=dt.UTC).timestamp()


BLOCK_EDGE = (_utc(2026, 12, 1) // DAY // stats.BLOCK_DAYS + 1) * stats.BLOCK_DAYS * DAY
# Instants where the open block, the cut days and the local day change: the night the fuzz test
# failed (00:42 in Berlin), just after UTC midnight, either side of a 16-day cache block's end,
# the hour after the autumn DST change in Europe, noon in June.
NOWS = [
    _utc(2026, 12, 1, 23, 42, 46),
    _utc(2026, 12, 2, 0, 0, 30),
    BLOCK_EDGE - 1.5,
    BLOCK_EDGE + 0.5,
    _utc(2026, 10, 25, 1, 30),
    _utc(2026, 6, 17, 14, 30, 12),
]


def _assert_finite(value: Any, where: str = "") -> None:
    """Every number finite; ``None`` is what orjson writes for a NaN, so it fails too."""
    if isinstance(value, dict):
        for key, item in value.items():
            _assert_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _assert_finite(item, f"{where}[{i}]")
    else:
        assert value is not None, where
        if isinstance(value, float):
            assert math.isfinite(value), f"{where} = {value}"


def _poisoned_numpy() -> types.SimpleNamespace:
    """``numpy`` whose ``empty`` hands out memory that overflows when summed: the worst an
    allocator may return, every time."""
    poisoned = types.SimpleNamespace(**{name: getattr(np, name) for name in dir(np)})
    poisoned.empty = lambda shape, *args, **kwargs: np.full(shape, 1e308, *args, **kwargs)
    return poisoned


def test_the_failing_night_request_answers_whatever_memory_held(
    client, fleet, time_machine, monkeypatch, empty_cache
):
    now = NOWS[0]
    time_machine.move_to(now, tick=False)
    monkeypatch.setattr(stats, "np", _poisoned_numpy())
    response = client.get(
        "/rest/data/statistics", {"productId": 1}, **auth_header("fleet@example.com", now)
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json(), "product 1 has data before that night"
    _assert_finite(response.json())


def test_hourly_sums_do_not_depend_on_freed_memory():
    """The same with the real allocator: a freed block of huge numbers, the size of the
    hourly columns, is what the next allocation of that size usually gets back."""
    site = Site(1, 51.0, 10.0, "Europe/Berlin", int(_utc(2025, 3, 1)))
    model = one_day(site, int(_utc(2026, 12, 1) // DAY))
    expected = stats._hourly(model)
    for _ in range(5):
        junk = np.full((stats.K, 1, MINUTES), 1e308)
        del junk
        with np.errstate(all="raise"):
            rows = stats._hourly(model)
        np.testing.assert_array_equal(rows, expected)
    assert np.isfinite(rows[rows[:, stats.N] > 0]).all()


@pytest.mark.parametrize(
    ("timespan", "tstart"), [("month", _utc(9990, 1, 1)), ("year", 0), ("lifetime", 0)]
)
def test_a_range_up_to_the_last_time_allowed_is_answered(client, fleet, now, timespan, tstart):
    """Edges are built up to the last bucket only: the one after would be in year 10000."""
    params = {"productId": 1, "tstart": tstart, "tend": MAX_TIME, "timespan": timespan}
    response = client.get("/rest/data/statistics", params, **auth_header("fleet@example.com", now))
    assert response.status_code == 200, response.content[:300]
    _assert_finite(response.json())
    assert stats.bucket_edges(timespan, _utc(9999, 12, 5), MAX_TIME)[-1] <= MAX_TIME


def _ranges(site: Site, now: float) -> list[tuple[float, float]]:
    """Ranges cutting days and hours at both ends, past now, and around the life's edges."""
    ranges = [(now - 2 * DAY - 0.5, float(MAX_TIME)), (now - 3600.25, now - 0.75)]
    if site.installed_at is not None:
        ranges.append((site.installed_at - 0.5, site.installed_at + DAY + 7.25))
    if site.offline_since is not None:
        ranges.append((site.offline_since - DAY - 0.5, site.offline_since + 3600.5))
    return ranges


@pytest.mark.parametrize("now", NOWS)
def test_statistics_of_every_product_are_finite(fleet, now):
    answered = 0
    for product in fleet:
        site = Site.from_product(product)
        for tstart, tend in _ranges(site, now):
            for timespan in stats.TIMESPANS:
                if stats.bucket_count(timespan, tstart, tend) > stats.MAX_BUCKETS:
                    continue
                with np.errstate(all="raise"):
                    answer = stats.statistics(site, tstart, tend, timespan, now)
                _assert_finite(answer, f"product {site.product_id} {timespan} {tstart}..{tend}")
                answered += bool(answer)
    assert answered > len(fleet)  # most products have data in most of these ranges
