"""Each rule of the installer's check on crafted states: a pass and a fail (and a wait) each."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from products.check import (
    Observed,
    check_errors,
    check_history,
    check_online,
    check_reachable,
    check_setup,
    evaluate,
    summarise,
)
from products.check_items import NAMES
from products.check_live import (
    FIELDS_SECONDS,
    WINDOW_SECONDS,
    Recent,
    check_direction,
    check_fields,
    check_fresh,
    check_plausible,
    recent_from_rows,
)
from products.client_types import Product

NOW = dt.datetime(2026, 6, 17, 12, 0, 30, tzinfo=dt.UTC).timestamp()
BERLIN = ZoneInfo("Europe/Berlin")
GOOD = {
    "gridPower": 200.0,
    "householdPower": 700.0,
    "inverterPower": 300.0,
    "pvPower": 200.0,
    "powerElectronicsPower": 320.0,
    "stateOfCharge": 0.5,
    "status": "discharging",
    "dcVoltage": 25.0,
    "electrolyteTemp": 25.0,
    "pumpTemp": 27.0,
}


def product(**changes) -> Product:
    raw = {
        "id": 7,
        "serialNumber": "AA00007",
        "installationDate": "2026-06-01",
        "timezone": "Europe/Berlin",
        "group": {"id": 1, "name": "München Süd", "latitude": 48.1, "longitude": 11.56},
        "errors": [],
        "online": True,
        **changes,
    }
    return Product.from_json(raw)


def frames(n: int = 30, **override) -> Recent:
    """``n`` frames a second apart ending at NOW - 1, every field in each."""
    rows = []
    for i in range(n):
        t = dt.datetime.fromtimestamp(NOW - n + i, dt.UTC).isoformat()
        rows.append({"time": t, **GOOD, **override})
    return recent_from_rows(rows)


def test_reachable_passes_when_the_upstream_answered_and_fails_at_the_start_when_not():
    assert check_reachable(NOW).result == "pass"
    failed = check_reachable(NOW, "VoltStorage API unreachable")
    assert failed.result == "fail" and "unreachable" in failed.evidence and failed.advice


def test_reachable_waits_when_the_upstream_fails_mid_check_and_fails_when_refused():
    assert check_reachable(NOW, "timeout", started=True).result == "waiting"
    assert check_reachable(NOW, "not yours", refused=True, started=True).result == "fail"


def test_online_passes_for_an_online_product_and_fails_for_an_offline_one():
    assert check_online(product(), NOW).result == "pass"
    offline = check_online(product(online=False), NOW)
    assert offline.result == "fail" and offline.advice


def test_fresh_passes_under_10_s_waits_until_60_s_then_fails():
    assert check_fresh(NOW - 3, NOW).result == "pass"
    assert check_fresh(NOW - 30, NOW).result == "waiting"
    assert check_fresh(NOW - 61, NOW).result == "fail"
    assert check_fresh(None, NOW).result == "fail"


def test_fields_pass_when_every_catalogue_field_reported_and_name_the_missing_ones():
    assert check_fields(frames()).result == "pass"
    rows = [{"time": NOW - 2, **{k: v for k, v in GOOD.items() if k != "pumpTemp"}}]
    missing = check_fields(recent_from_rows(rows))
    assert missing.result == "fail" and "Pump temperature" in missing.evidence
    assert check_fields(Recent()).result == "waiting"


def test_fields_count_a_field_that_reported_once_in_the_window_as_reporting():
    rows = [{"time": NOW - 5, **GOOD}, {"time": NOW - 1, "gridPower": 210.0}]
    recent = recent_from_rows(rows)
    assert check_fields(recent).result == "pass"
    assert recent.frames[-1].data["pumpTemp"] == 27.0  # merged like the relay's state


def test_fields_miss_a_field_silent_longer_than_the_heartbeat_before_the_newest_frame():
    """A sensor that stops fails within FIELDS_SECONDS of its last report, not after the whole
    fetched window; measured from the newest frame, so a product gone quiet is "fresh"'s fail."""
    quiet = {k: v for k, v in GOOD.items() if k != "pumpTemp"}
    start = NOW - FIELDS_SECONDS - 10
    rows = [{"time": start, **GOOD}]
    rows += [{"time": start + i, "gridPower": 200.0 + i} for i in range(1, 10)]
    almost = [*rows, {"time": start + FIELDS_SECONDS - 1, **quiet}]
    assert check_fields(recent_from_rows(almost)).result == "pass"
    late = [*rows, {"time": start + FIELDS_SECONDS + 1, **quiet}]
    item = check_fields(recent_from_rows(late))
    assert item.result == "fail" and item.evidence == "Missing: Pump temperature."
    assert FIELDS_SECONDS < WINDOW_SECONDS  # the export fetched covers the rule's span


def test_plausible_passes_for_good_frames():
    item = check_plausible(frames())
    assert item.result == "pass" and "30 frames" in item.evidence


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("stateOfCharge", 1.4, "State of charge 140.0 %"),
        ("stateOfCharge", -0.1, "State of charge -10.0 %"),
        ("electrolyteTemp", 71.0, "Electrolyte temperature 71.0 °C"),
        ("pumpTemp", -20.0, "Pump temperature −20.0 °C"),
        ("dcVoltage", 48.0, "DC voltage 48.0 V"),
    ],
)
def test_plausible_fails_for_a_value_out_of_its_range(field, value, shown):
    item = check_plausible(frames(**{field: value}))
    assert item.result == "fail" and shown in item.evidence and item.advice


def test_plausible_fails_when_the_power_balance_does_not_close():
    # house 700 = pv 200 + battery 300 + grid 200 closes; a grid of 500 misses by 300 W.
    item = check_plausible(frames(gridPower=500.0))
    assert item.result == "fail" and "300 W" in item.evidence


def test_plausible_tolerates_5_percent_of_the_largest_flow_and_a_stray_frame():
    big = {"householdPower": 5000.0, "pvPower": 4000.0, "inverterPower": 0.0}
    assert check_plausible(frames(gridPower=1200.0, **big)).result == "pass"  # 200 W ≤ 250 W
    rows = [{"time": NOW - 30 + i, **GOOD} for i in range(30)]
    rows[10] = {**rows[10], "gridPower": 900.0}
    assert check_plausible(recent_from_rows(rows)).result == "pass"


def test_plausible_and_direction_wait_for_enough_frames():
    assert check_plausible(frames(5)).result == "waiting"
    assert check_direction(frames(5)).result == "waiting"


def test_direction_passes_when_the_surplus_charges_the_battery_or_feeds_in():
    charging = {"pvPower": 3000.0, "householdPower": 500.0, "inverterPower": -2500.0}
    assert check_direction(frames(gridPower=0.0, **charging)).result == "pass"
    feeding = {"pvPower": 3000.0, "householdPower": 500.0, "inverterPower": 0.0}
    assert check_direction(frames(gridPower=-2500.0, **feeding)).result == "pass"


def test_direction_fails_when_importing_and_discharging_during_a_surplus():
    wrong = {"pvPower": 3000.0, "householdPower": 500.0, "inverterPower": 800.0}
    item = check_direction(frames(gridPower=300.0, **wrong))
    assert item.result == "fail" and "3.00 kW" in item.evidence and item.advice


def test_direction_ignores_a_surplus_with_a_nearly_full_battery_and_passes_without_one():
    full = {"pvPower": 3000.0, "householdPower": 500.0, "inverterPower": 800.0}
    assert check_direction(frames(gridPower=300.0, stateOfCharge=0.97, **full)).result == "pass"
    assert "No PV surplus" in check_direction(frames()).evidence


def test_setup_passes_with_date_timezone_and_coordinates_and_names_what_is_missing():
    assert check_setup(product(), NOW).result == "pass"
    item = check_setup(product(installationDate=None, timezone="", group={"name": "x"}), NOW)
    assert item.result == "fail"
    assert all(w in item.evidence for w in ("installation date", "timezone", "coordinates"))


def test_errors_pass_without_codes_and_fail_with_each_code_explained():
    assert check_errors((), NOW).result == "pass"
    item = check_errors(("pumpFault", "madeUpCode"), NOW)
    assert item.result == "fail"
    assert [d.code for d in item.details] == ["pumpFault", "madeUpCode"]
    assert "cannot charge or discharge" in item.details[0].explanation


def _hours(start: float, end: float, skip: tuple[int, ...] = ()) -> list[dict]:
    first = int(start // 3600) * 3600
    return [
        {"timespan_start": h} for i, h in enumerate(range(first, int(end), 3600)) if i not in skip
    ]


def test_history_passes_with_every_hour_of_the_last_day():
    item = check_history(_hours(NOW - 86400, NOW), NOW - 30 * 86400, NOW, BERLIN)
    assert item.result == "pass" and "24 hourly buckets" in item.evidence
    assert "since 2026-06-16 14:00" in item.evidence  # yesterday's hour, with its date


def test_history_starts_at_the_first_reported_hour_after_the_installation():
    installed = NOW - 12 * 3600  # the installation date's midnight; data began 3 hours later
    item = check_history(_hours(installed + 3 * 3600, NOW), installed, NOW, BERLIN)
    assert item.result == "pass" and "9 hourly buckets" in item.evidence


def test_history_fails_with_the_missing_hours_named_in_site_time():
    item = check_history(_hours(NOW - 86400, NOW, skip=(5, 6)), NOW - 30 * 86400, NOW, BERLIN)
    assert item.result == "fail" and "2 of 24 hours missing" in item.evidence
    assert check_history([], NOW - 30 * 86400, NOW, BERLIN).result == "fail"
    assert check_history([], None, NOW, BERLIN).result == "fail"


def test_history_waits_for_the_first_full_hour_after_installation():
    assert check_history([], NOW - 600, NOW, BERLIN).result == "waiting"


def test_the_checklist_is_ready_only_when_every_item_passes():
    seen = Observed(
        NOW, BERLIN, product=product(), recent=frames(), buckets=_hours(NOW - 86400, NOW)
    )
    items = evaluate(seen)
    assert [i.name for i in items] == list(NAMES)
    assert summarise(items).ready, [(i.name, i.evidence) for i in items if i.result != "pass"]
    bad = evaluate(
        Observed(
            NOW,
            BERLIN,
            product=product(errors=["pumpFault"]),
            recent=frames(),
            buckets=_hours(NOW - 86400, NOW),
        )
    )
    assert not summarise(bad).ready and summarise(bad).failed == 1


def test_what_could_not_be_fetched_waits_with_the_reason():
    seen = Observed(
        NOW,
        BERLIN,
        product=product(),
        recent_error="export timed out",
        buckets_error="statistics timed out",
        started=True,
    )
    results = {i.name: i for i in evaluate(seen)}
    for name in ("fresh", "fields", "plausible", "direction"):
        assert results[name].result == "waiting" and "export timed out" in results[name].evidence
    assert results["history"].result == "waiting"
    unreachable = evaluate(Observed(NOW, BERLIN, product_error="down", started=True))
    assert {i.result for i in unreachable} == {"waiting"}
