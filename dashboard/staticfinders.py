"""Expose plotly.js from the installed ``plotly`` package as ``vendor/plotly.min.js``.

The dashboard must work on closed networks, so the chart library is served by us; taking it
from the Python package keeps plotly.js and the figure builder at matching versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_NAME = "vendor/plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PLOTLY_DIR))
        self.storage.prefix = "vendor"

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        if path == PLOTLY_NAME:
            found = str(PLOTLY_DIR / "plotly.min.js")
            return [found] if find_all or kwargs.get("all") else found
        return []  # "not found" for both modes; "" would become a match [""]

    def list(self, ignore_patterns: Any):
        yield "plotly.min.js", self.storage
