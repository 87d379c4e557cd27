"""Plotly figures for the product page, built from merged statistics buckets and day series.

Pure functions returning plain figure dicts (``{"data": [...], "layout": {...}}``) that
plotly.js draws as they are. Plain dicts rather than ``plotly.graph_objects``: the objects
validate every attribute on construction, which costs more server time than the whole upstream
call for a year of days; the tests validate our dicts against plotly's schema instead.

Every text (legend names, axis titles) is in the active language, and so are the x labels
(``periods``). The x axis is a category axis of local labels (``Sun 29 Mar``, ``Mar 2026``,
``Sun 02:00 CET``):
plotly.js has no notion of a named timezone, and a date axis would either show UTC or fold the
repeated hour of a daylight-saving day onto itself. A bucket without data is ``None``, which
plotly draws as a gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from products.buckets import Bucket, kwh, mean_value
from products.periods import elapsed_hours

Figure = dict[str, Any]

COLORS = {
    "pv": "#e0a100",
    "consumption": "#5b6b7f",
    "stored": "#1f9d8b",
    "released": "#7b61d1",
    "grid": "#d1495b",
    "soc": "#2f6db5",
    "dc": "#1f9d8b",
    "ac": "#7b61d1",
    "self": "#e0a100",
    "electrolyte": "#2f6db5",
    "pump": "#1f9d8b",
    "max": "#d1495b",
}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "margin": {"l": 56, "r": 16, "t": 8, "b": 40},
        "height": 300,
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        # At most ~13 labels (every other hour of a day, every few days of a month): plotly
        # thins category labels itself once they would collide, but only after rotating them.
        "xaxis": {"type": "category", "automargin": True, "gridcolor": "#e6e9ee", "nticks": 13},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e6e9ee"},
    }
    layout.update(extra)
    return layout


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def energy_figure(buckets: Sequence[Bucket]) -> Figure:
    """Grouped bars per bucket: PV produced, household consumed, battery stored and released."""
    labels = [b.label for b in buckets]
    series = (
        (_("PV produced"), "pv-total", COLORS["pv"]),
        (_("Consumed"), "consumption-total", COLORS["consumption"]),
        (_("Stored"), "storage-total-stored", COLORS["stored"]),
        (_("Released"), "storage-total-released", COLORS["released"]),
    )
    data = [
        {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [_round(kwh(b.row, key), 3) for b in buckets],
            "marker": {"color": color},
            "hovertemplate": "%{y:.2f} kWh",
        }
        for name, key, color in series
    ]
    return {"data": data, "layout": _layout("kWh", barmode="group", bargap=0.25)}


def _lines(buckets: Sequence[Bucket], series: Sequence[tuple[str, list[Any], str, str]]) -> list:
    labels = [b.label for b in buckets]
    return [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": labels,
            "y": values,
            "line": {"color": color, "width": 2},
            "marker": {"size": 5},
            "connectgaps": False,
            "hovertemplate": template,
        }
        for name, values, color, template in series
    ]


def ratio_figure(buckets: Sequence[Bucket]) -> Figure:
    """Round-trip efficiencies (DC, AC) and self-sufficiency per bucket, in percent."""
    pct = "%{y:.1f} %"
    series = [
        (
            _("Self-sufficiency"),
            [_percent(mean_value(b.row, "self-sufficiency")) for b in buckets],
            COLORS["self"],
            pct,
        ),
        (
            _("DC efficiency"),
            [_percent(mean_value(b.row, "dc-efficiency")) for b in buckets],
            COLORS["dc"],
            pct,
        ),
        (
            _("AC efficiency"),
            [_percent(mean_value(b.row, "ac-efficiency")) for b in buckets],
            COLORS["ac"],
            pct,
        ),
    ]
    # Not clamped to 0..100: self-sufficiency dips below zero when the battery charges from the
    # grid, and hiding that would flatter the product.
    layout = _layout("%")
    return {"data": _lines(buckets, series), "layout": layout}


def temperature_figure(buckets: Sequence[Bucket]) -> Figure:
    """Mean electrolyte and pump temperatures and the highest temperature per bucket, in °C."""
    deg = "%{y:.1f} °C"
    series = [
        (
            _("Electrolyte (mean)"),
            [_round(mean_value(b.row, "electrolyte-temp"), 2) for b in buckets],
            COLORS["electrolyte"],
            deg,
        ),
        (
            _("Pump (mean)"),
            [_round(mean_value(b.row, "pump-temp"), 2) for b in buckets],
            COLORS["pump"],
            deg,
        ),
        (
            _("Maximum"),
            [_round(b.row.get("max-temperature") if b.row else None, 2) for b in buckets],
            COLORS["max"],
            deg,
        ),
    ]
    layout = _layout("°C")
    layout["yaxis"]["rangemode"] = "normal"
    return {"data": _lines(buckets, series), "layout": layout}


# -- the day detail chart -----------------------------------------------------------------------

DETAIL_SERIES = (
    # field, legend name, colour, scale to the plotted unit, axis
    ("pvPower", gettext_lazy("PV"), COLORS["pv"], 0.001, "y"),
    ("householdPower", gettext_lazy("Household"), COLORS["consumption"], 0.001, "y"),
    ("gridPower", gettext_lazy("Grid (+ import)"), COLORS["grid"], 0.001, "y"),
    ("inverterPower", gettext_lazy("Battery (+ discharge)"), COLORS["released"], 0.001, "y"),
    ("stateOfCharge", gettext_lazy("State of charge"), COLORS["soc"], 100.0, "y2"),
)


def hour_ticks(midnight: dt.datetime, end: dt.datetime, every: int = 3) -> tuple[list, list]:
    """Tick positions (hours elapsed since local midnight) and their local wall-clock labels.

    Elapsed hours, not wall time, on the axis: a 25-hour day then has room for both 02:00s and
    a 23-hour day simply has no 02:00.
    """
    values, texts = [], []
    hours = int(elapsed_hours(midnight, end))
    utc_midnight = midnight.astimezone(dt.UTC)
    for h in range(0, hours + 1, every):
        local = (utc_midnight + dt.timedelta(hours=h)).astimezone(midnight.tzinfo)
        values.append(h)
        texts.append(f"{local:%H:%M}")
    return values, texts


def detail_figure(
    series: dict[str, tuple[list[float], list[float | None]]],
    *,
    midnight: dt.datetime,
    end: dt.datetime,
) -> Figure:
    """Powers in kW and state of charge in % over one local day.

    ``series`` maps a field to (UNIX seconds, values) with ``None`` already inserted where the
    product was offline, so plotly breaks the line there instead of bridging the gap.
    """
    base = midnight.timestamp()
    data = []
    for field, name, color, scale, axis in DETAIL_SERIES:
        times, values = series.get(field, ([], []))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": str(name),
                "x": [round((t - base) / 3600, 5) for t in times],
                "y": [None if v is None else round(v * scale, 3) for v in values],
                "line": {"color": color, "width": 1.5, "dash": "dot" if axis == "y2" else "solid"},
                "connectgaps": False,
                "yaxis": axis,
                "hovertemplate": "%{y:.1f} %" if axis == "y2" else "%{y:.2f} kW",
            }
        )
    tickvals, ticktext = hour_ticks(midnight, end)
    hours = elapsed_hours(midnight, end)
    layout = _layout("kW")
    layout["yaxis"]["rangemode"] = "normal"
    layout["hovermode"] = "closest"
    layout["xaxis"] = {
        "type": "linear",
        "range": [0, hours],
        "tickvals": tickvals,
        "ticktext": ticktext,
        "gridcolor": "#e6e9ee",
        "title": {"text": _("local time ({zone})").format(zone=midnight.tzinfo)},
    }
    layout["yaxis2"] = {
        "title": {"text": _("SoC %")},
        "overlaying": "y",
        "side": "right",
        "range": [0, 100],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": 25,
        "showgrid": False,
    }
    layout["margin"] = {"l": 56, "r": 56, "t": 8, "b": 48}
    layout["height"] = 360
    return {"data": data, "layout": layout}
