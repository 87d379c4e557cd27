"""Export rows → detail series: offline time found from the heartbeat becomes a gap."""

from __future__ import annotations

import pytest

from products.series import break_offline, columns, day_series, offline_periods, parse_time


def stamp(seconds: float) -> str:
    minutes, s = divmod(seconds, 60)
    h, m = divmod(int(minutes), 60)
    return f"1970-01-01T{h:02d}:{m:02d}:{s:06.3f}+00:00"


def test_it_reads_export_timestamps_with_their_offset():
    assert parse_time("2020-03-25T12:20:41.562+00:00") == pytest.approx(1585138841.562)
    assert parse_time("2020-03-25T13:20:41.562+01:00") == pytest.approx(1585138841.562)


def test_it_collects_only_the_instants_a_field_reported():
    rows = [
        {"time": stamp(0), "pvPower": 10, "status": "idle"},
        {"time": stamp(1), "gridPower": -5.5},
        {"time": stamp(2), "pvPower": 12.5},
    ]
    result = columns(rows, ["pvPower", "gridPower"])
    assert result["pvPower"] == ([0.0, 2.0], [10.0, 12.5])
    assert result["gridPower"] == ([1.0], [-5.5])


def test_a_silence_in_the_heartbeat_longer_than_the_gap_is_offline():
    beats = [0, 120, 240, 4000, 4120]
    assert offline_periods(beats, window=(0, 4200), gap=600) == [(240, 4000)]


def test_silence_before_the_first_and_after_the_last_report_is_offline_too():
    assert offline_periods([3600, 3720], window=(0, 7200), gap=600) == [(0, 3600), (3720, 7200)]


def test_a_day_without_any_report_is_offline_all_day():
    assert offline_periods([], window=(0, 86400)) == [(0, 86400)]


def test_a_segment_across_an_offline_period_is_cut_at_its_edges():
    # Simplified PV: 0 W at 00:00 and 1000 W at 10:00; offline from 02:00 to 04:00.
    out_t, out_v = break_offline([0, 36000], [0.0, 1000.0], [(7200, 14400)])
    assert out_t == [0, 7200, 10800, 14400, 36000]
    assert out_v == [0.0, pytest.approx(200.0), None, pytest.approx(400.0), 1000.0]


def test_a_long_flat_segment_while_online_stays_one_line():
    assert break_offline([0, 36000], [0.0, 0.0], []) == ([0, 36000], [0.0, 0.0])


def test_day_series_cuts_every_field_and_returns_the_offline_periods():
    values = [
        {"time": stamp(0), "pvPower": 0, "stateOfCharge": 0.5},
        {"time": stamp(7200), "pvPower": 0, "stateOfCharge": 0.4},
    ]
    beats = [{"time": stamp(t)} for t in (0, 120, 240, *range(6000, 7201, 120))]
    series, offline = day_series(
        values, beats, ["pvPower", "stateOfCharge"], window=(0, 7200), gap=600
    )
    assert offline == [(240, 6000)]
    assert series["pvPower"][1] == [0.0, 0.0, None, 0.0, 0.0]
    assert None in series["stateOfCharge"][1]
