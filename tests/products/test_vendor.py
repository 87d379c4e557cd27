"""The plotly.js bundle the product page ships must draw what the Python side builds."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import plotly.offline
from django.contrib.staticfiles import finders

from products.buckets import group_buckets
from products.charts import detail_figure, energy_figure, ratio_figure, temperature_figure
from products.periods import Unit, local_midnight

# What plotly.js-basic-dist-min contains besides the core (axes, legends, hover).
BASIC_TRACE_TYPES = {"bar", "scatter", "pie"}


def test_the_shipped_plotly_bundle_is_the_version_python_plotly_builds_figures_for():
    path = finders.find("vendor/plotly-basic.min.js")
    with open(path, encoding="utf-8") as file:
        banner = file.read(200)
    version = re.search(r"plotly\.js \(basic - minified\) v(\S+)", banner).group(1)
    assert version == plotly.offline.get_plotlyjs_version()


def test_every_figure_uses_only_trace_types_of_the_basic_bundle():
    tz = ZoneInfo("Europe/Berlin")
    start, end = local_midnight(dt.date(2026, 1, 1), tz), local_midnight(dt.date(2026, 1, 3), tz)
    buckets = group_buckets([], tz=tz, unit=Unit.DAY, start=start, end=end)
    figures = [
        energy_figure(buckets),
        ratio_figure(buckets),
        temperature_figure(buckets),
        detail_figure({}, midnight=start, end=end),
    ]
    used = {trace["type"] for figure in figures for trace in figure["data"]}
    assert used <= BASIC_TRACE_TYPES


def test_the_german_plotly_locale_is_from_the_same_plotly_js_version():
    path = finders.find("vendor/plotly-locale-de.js")
    with open(path, encoding="utf-8") as file:
        banner = file.readline()
        body = file.read()
    version = re.search(r"npm package plotly\.js@(\S+),", banner).group(1)
    assert version == plotly.offline.get_plotlyjs_version()
    assert 'name:"de"' in body and "Plotly.register(locale)" in body
