"""The simulated data agrees with itself: power balance, energies, gaps, chunking, determinism."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emulator import schedule, simulation
from emulator.minute_model import one_day
from emulator.site import Site
from emulator.statistics import statistics
from tests.emulator.conftest import DAY, NOW

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
YESTERDAY = (NOW // DAY - 1) * DAY


def _rows(site: Site, t0: float, t1: float, **kwargs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    chunks = list(simulation.iter_reports(site, t0, t1, now=NOW, **kwargs))
    if not chunks:
        return np.empty(0), {}
    times = np.concatenate([c.times for c in chunks])
    return times, {f: np.concatenate([c.values[f] for c in chunks]) for f in chunks[0].values}


def _held_integral(times: np.ndarray, values: np.ndarray, t1: float) -> tuple[float, float]:
    """Sample-and-hold integral of a sparse field: (positive part, negative part), in J.

    A value holds until the field's next report, but never longer than the heartbeat: a
    longer silence is the product being offline."""
    idx = np.flatnonzero(np.isfinite(values))
    t, v = times[idx], values[idx]
    hold = np.minimum(np.diff(np.append(t, t1)), simulation.HEARTBEAT)
    return float((np.maximum(v, 0) * hold).sum()), float((np.maximum(-v, 0) * hold).sum())


def test_the_power_balance_holds_on_every_row_where_all_four_powers_report(site):
    _times, v = _rows(site, YESTERDAY, YESTERDAY + DAY)
    full = np.isfinite(v["gridPower"] + v["householdPower"] + v["pvPower"] + v["inverterPower"])
    assert full.sum() > 100
    balance = v["pvPower"] + v["inverterPower"] + v["gridPower"] - v["householdPower"]
    assert np.abs(balance[full]).max() < 1e-6


def test_a_days_statistics_energies_are_within_1_percent_of_the_exported_1hz_integral(site):
    times, v = _rows(site, YESTERDAY, YESTERDAY + DAY)
    [day] = statistics(site, YESTERDAY, YESTERDAY + DAY, "day", now=NOW)
    end = YESTERDAY + DAY
    pv, _ = _held_integral(times, v["pvPower"], end)
    house, _ = _held_integral(times, v["householdPower"], end)
    released, stored = _held_integral(times, v["inverterPower"], end)
    assert pv == pytest.approx(day["pv-total"], rel=0.01)
    assert house == pytest.approx(day["consumption-total"], rel=0.01)
    assert released == pytest.approx(day["storage-total-released"], rel=0.01)
    assert stored == pytest.approx(day["storage-total-stored"], rel=0.01)
    assert day["pv-total"] > 0 and day["storage-total-stored"] > 0


def test_the_values_are_physically_plausible(site):
    model = one_day(site, int(YESTERDAY // DAY))
    assert model.pv.min() >= 0 and model.pv.max() < site.pv_kwp * 1000
    assert model.house.min() > 0
    assert np.abs(model.battery_ac).max() <= 1500 + 1e-9
    assert model.soc.min() >= 0.05 - 1e-9 and model.soc.max() <= 0.95 + 1e-9
    assert model.temp_e.min() > 10 and model.temp_p.max() < 60
    assert set(np.unique(model.status)) <= set(range(len(simulation.STATUS_NAMES)))


def test_rows_do_not_depend_on_where_a_request_starts_or_how_it_is_chunked(site):
    t0 = YESTERDAY + 5 * 3600
    times_a, a = _rows(site, t0, t0 + 1800)
    times_b, b = _rows(site, t0 - 777.25, t0 + 3600, chunk_seconds=300)
    keep = (times_b >= t0) & (times_b < t0 + 1800)
    np.testing.assert_array_equal(times_a, times_b[keep])
    for field in simulation.FIELDS:
        np.testing.assert_array_equal(a[field], b[field][keep])


def test_every_field_reports_at_least_every_two_minutes_while_online(site):
    times, v = _rows(site, YESTERDAY, YESTERDAY + 6 * 3600)
    online = schedule.online_mask(site, times)
    assert online.all()
    for field in simulation.FIELDS:
        gaps = np.diff(times[np.isfinite(v[field])])
        if (np.diff(times) < simulation.HEARTBEAT).all():
            assert gaps.max() <= simulation.HEARTBEAT, field


def test_there_is_no_data_while_offline_nor_before_installation(fleet):
    flaky = next(p for p in fleet if p.sim_offline_rate > 0.5 and p.installation_date)
    site = Site.from_product(flaky)
    times, _ = _rows(site, NOW - 2 * DAY, NOW)
    assert len(times) > 0
    assert schedule.online_mask(site, times).all()
    seconds = np.arange(NOW - 2 * DAY, NOW) // 1 + simulation.phase(site)
    assert (~schedule.online_mask(site, seconds)).sum() > 600  # it really was offline
    assert list(simulation.iter_reports(site, 0, site.installed_at, now=NOW)) == []
    missing = next(p for p in fleet if p.installation_date is None)
    assert _rows(Site.from_product(missing), NOW - DAY, NOW)[0].size == 0
    assert simulation.latest(Site.from_product(missing), NOW) == (None, {})


def test_nothing_is_reported_past_now(site):
    times, _ = _rows(site, NOW - 600, NOW + 600)
    assert times.max() <= NOW
    assert times.max() > NOW - 5


def test_latest_equals_the_last_exported_value_of_every_field(site):
    when, data = simulation.latest(site, NOW)
    times, v = _rows(site, NOW - 3600, NOW + 1)
    assert when == times[-1]
    for field in simulation.FIELDS:
        last = v[field][np.isfinite(v[field])][-1]
        assert data[field] == simulation.json_value(field, last), field


SCRIPT = """
import hashlib, numpy as np
from emulator.site import Site
from emulator import simulation
site = Site(product_id=42, latitude=48.1, longitude=11.6, timezone="Europe/Berlin",
            installed_at=1700000000)
h = hashlib.sha256()
for c in simulation.iter_reports(site, 1781000000, 1781003600, now=1781010000):
    h.update(c.times.tobytes())
    for f in simulation.FIELDS:
        h.update(c.values[f].tobytes())
print(h.hexdigest())
"""


def test_the_same_product_and_instant_give_the_same_values_in_another_process():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "123"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    site = Site(42, 48.1, 11.6, "Europe/Berlin", 1700000000)
    h = hashlib.sha256()
    for c in simulation.iter_reports(site, 1781000000, 1781003600, now=1781010000):
        h.update(c.times.tobytes())
        for f in simulation.FIELDS:
            h.update(c.values[f].tobytes())
    assert out.stdout.strip() == h.hexdigest()


def test_status_is_fault_while_an_inverter_or_pump_fault_is_active(fleet):
    block = int(NOW // schedule.ERROR_BLOCK)
    for product in fleet:
        site = Site.from_product(product)
        if site.installed_at is None:
            continue
        for b in range(block - 60, block):
            window = schedule._error_window(site, b)
            if window and window[2] in ("inverterFault", "pumpFault"):
                t = (window[0] // 60 + 1) * 60
                assert window[2] in schedule.errors_at(site, t)
                model = one_day(site, t // DAY)
                status = model.status[0, (t % DAY) // 60]
                assert simulation.STATUS_NAMES[int(status)] == "fault"
                assert model.battery_ac[0, (t % DAY) // 60] == 0
                return
    pytest.fail("no fault episode in the seeded fleet's last month")


# 03:00 and 12:00 in Berlin on a December day: at night PV is zero and most batteries idle.
WINTER_NIGHT = 1_796_173_200  # 2026-12-01T02:00:00Z
WINTER_NOON = WINTER_NIGHT + 10 * 3600


@pytest.mark.parametrize("start", [WINTER_NIGHT, WINTER_NOON], ids=["night", "noon"])
def test_an_online_product_reports_about_every_second_day_and_night(fleet, start):
    """The contract's "about one frame per second while online": no silence a viewer could take
    for a stale product (the dashboard's threshold is 5 s), whatever the hour."""
    end = start + 3600
    for product in fleet:
        site = Site.from_product(product)
        if site.installed_at is None:
            continue
        times = np.concatenate(
            [c.times for c in simulation.iter_reports(site, start, end, now=end)] or [[]]
        )
        seconds = np.arange(start, end) + simulation.phase(site)
        online = schedule.online_mask(site, seconds)
        if not online.any():
            continue
        reported = np.isin(np.round(seconds, 3), np.round(times, 3))
        assert reported[online].mean() >= 0.99, product.id
        # The longest run of online seconds without a report.
        silent = online & ~reported
        runs = np.diff(np.flatnonzero(np.concatenate([[True], ~silent, [True]]))) - 1
        assert runs.max() <= 1, product.id
