"""Export rows → detail series: offline gaps stay gaps, flat stretches are simplified away."""

from __future__ import annotations

import pytest

from products.series import columns, parse_time, simplify


def test_it_reads_export_timestamps_with_their_offset():
    assert parse_time("2020-03-25T12:20:41.562+00:00") == pytest.approx(1585138841.562)
    assert parse_time("2020-03-25T13:20:41.562+01:00") == pytest.approx(1585138841.562)


def test_it_collects_only_the_instants_a_field_reported():
    rows = [
        {"time": "1970-01-01T00:00:00.000+00:00", "pvPower": 10, "status": "idle"},
        {"time": "1970-01-01T00:00:01.000+00:00", "gridPower": -5.5},
        {"time": "1970-01-01T00:00:02.000+00:00", "pvPower": 12.5},
    ]
    result = columns(rows, ["pvPower", "gridPower"])
    assert result["pvPower"] == ([0.0, 2.0], [10.0, 12.5])
    assert result["gridPower"] == ([1.0], [-5.5])


def test_a_silence_longer_than_the_gap_becomes_a_break_in_the_line():
    times = [0.0, 60.0, 120.0, 3720.0, 3780.0]  # an hour with no report between 120 and 3720
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    out_t, out_v = simplify(times, values, window=(0, 86400), tolerance=0, gap=600)
    assert out_v == [1.0, 2.0, 3.0, None, 4.0, 5.0]
    assert out_t[3] == pytest.approx(1920.0)


def test_heartbeats_of_a_flat_night_are_simplified_without_a_break():
    times = [float(t) for t in range(0, 8 * 3600, 120)]  # a report every two minutes
    values = [0.0] * len(times)
    values[-1] = 500.0  # sunrise
    out_t, out_v = simplify(times, values, window=(0, 86400), tolerance=0.002, gap=600)
    assert None not in out_v
    assert out_t[0] == 0.0
    assert out_t[-1] == times[-1]
    assert len(out_t) <= 4


def test_without_reports_there_is_no_series():
    assert simplify([], [], window=(0, 1)) == ([], [])
