"""Plotly figures from merged buckets and day series: valid for plotly, in local time, gaps kept."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest

from products.buckets import group_buckets
from products.charts import (
    detail_figure,
    energy_figure,
    hour_ticks,
    ratio_figure,
    temperature_figure,
)
from products.periods import Unit, local_midnight

BERLIN = ZoneInfo("Europe/Berlin")


def three_days_with_a_gap():
    start = local_midnight(dt.date(2026, 11, 20), BERLIN)
    end = local_midnight(dt.date(2026, 11, 23), BERLIN)
    rows = [
        {
            "timespan_start": int(start.timestamp()) + 3600 * h,
            "pv-total": 3.6e6,
            "consumption-total": 1.8e6,
            "storage-total-stored": 0.9e6,
            "storage-total-released": 0.45e6,
            "max-temperature": 31.0 + h,
            "electrolyte-temp": {"nSamples": 60, "value": 25.0},
            "pump-temp": {"nSamples": 60, "value": 27.0},
            "dc-efficiency": {"nSamples": 60, "value": 0.92},
            "ac-efficiency": {"nSamples": 60, "value": 0.71},
            "self-sufficiency": {"totalWeight": 1.8e6, "value": 0.6},
        }
        for h in (8, 9, 56)  # two hours on Friday, none on Saturday, one on Sunday
    ]
    return group_buckets(rows, tz=BERLIN, unit=Unit.DAY, start=start, end=end)


@pytest.mark.parametrize("builder", [energy_figure, ratio_figure, temperature_figure])
def test_every_statistics_figure_is_valid_for_plotly(builder):
    go.Figure(builder(three_days_with_a_gap()))  # raises on an unknown attribute or bad value


def test_the_energy_chart_shows_kwh_per_local_day():
    figure = energy_figure(three_days_with_a_gap())
    pv = next(trace for trace in figure["data"] if trace["name"] == "PV produced")
    assert pv["x"] == ["Fri 20 Nov", "Sat 21 Nov", "Sun 22 Nov"]
    assert pv["y"] == [2.0, None, 1.0]
    assert figure["layout"]["yaxis"]["title"]["text"] == "kWh"
    assert [t["name"] for t in figure["data"]] == ["PV produced", "Consumed", "Stored", "Released"]


def test_a_day_without_data_is_a_gap_in_the_ratio_lines():
    figure = ratio_figure(three_days_with_a_gap())
    by_name = {trace["name"]: trace for trace in figure["data"]}
    assert by_name["DC efficiency"]["y"] == [92.0, None, 92.0]
    assert by_name["AC efficiency"]["y"] == [71.0, None, 71.0]
    assert by_name["Self-sufficiency"]["y"] == [60.0, None, 60.0]
    assert all(trace["connectgaps"] is False for trace in figure["data"])


def test_the_temperature_chart_keeps_the_highest_maximum_of_the_day():
    figure = temperature_figure(three_days_with_a_gap())
    maximum = next(trace for trace in figure["data"] if trace["name"] == "Maximum")
    assert maximum["y"] == [40.0, None, 87.0]


def test_hour_ticks_of_a_fall_back_day_show_the_repeated_hour_twice():
    midnight = local_midnight(dt.date(2026, 10, 25), BERLIN)
    values, texts = hour_ticks(midnight, local_midnight(dt.date(2026, 10, 26), BERLIN), every=1)
    assert values[-1] == 25
    assert texts[:5] == ["00:00", "01:00", "02:00", "02:00", "03:00"]


def test_hour_ticks_of_a_spring_forward_day_have_no_two_oclock():
    midnight = local_midnight(dt.date(2026, 3, 29), BERLIN)
    values, texts = hour_ticks(midnight, local_midnight(dt.date(2026, 3, 30), BERLIN), every=1)
    assert values[-1] == 23
    assert texts[:4] == ["00:00", "01:00", "03:00", "04:00"]


def test_the_detail_chart_plots_kw_and_soc_on_a_second_axis_with_gaps():
    midnight = local_midnight(dt.date(2026, 11, 25), BERLIN)
    end = local_midnight(dt.date(2026, 11, 26), BERLIN)
    t0 = midnight.timestamp()
    series = {
        "pvPower": ([t0 + 3600, t0 + 3660, t0 + 5400, t0 + 9000], [1500.0, 1600.0, None, 800.0]),
        "stateOfCharge": ([t0, t0 + 7200], [0.5, 0.75]),
    }
    figure = detail_figure(series, midnight=midnight, end=end)
    go.Figure(figure)
    by_name = {trace["name"]: trace for trace in figure["data"]}
    assert by_name["PV"]["y"] == [1.5, 1.6, None, 0.8]
    assert by_name["PV"]["x"] == pytest.approx([1.0, 61 / 60, 1.5, 2.5], abs=1e-4)
    assert by_name["State of charge"]["y"] == [50.0, 75.0]
    assert by_name["State of charge"]["yaxis"] == "y2"
    assert figure["layout"]["xaxis"]["range"] == [0, 24]
    assert "Europe/Berlin" in figure["layout"]["xaxis"]["title"]["text"]
