"""The field catalogue as the dashboard shows it: names, units and formatting of each value.

Written from the contract (docs/upstream-api.md, "Field catalogue"), not imported from the
emulator, so a renamed key on either side shows up as a missing value instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    key: str
    name: str
    kind: str  # power (W), ratio (0..1), temperature (°C), voltage (V), text
    hint: str = ""
    # The plausible range of a reported value (inclusive), for the installer's check. SoC is the
    # contract's 0..1; temperatures and the stack voltage are the VoltStorage SMART's operating
    # limits as we know them (chosen here: the contract names no ranges).
    low: float | None = None
    high: float | None = None


CATALOGUE: tuple[Field, ...] = (
    Field("pvPower", "PV", "power", "production"),
    Field("householdPower", "Household", "power", "consumption"),
    Field("gridPower", "Grid", "power", "+ import, − feed-in"),
    Field("inverterPower", "Battery inverter", "power", "+ discharging, − charging"),
    Field("powerElectronicsPower", "Power electronics", "power", "+ discharging, − charging"),
    Field("stateOfCharge", "State of charge", "ratio", low=0.0, high=1.0),
    Field("status", "Status", "text"),
    Field("dcVoltage", "DC voltage", "voltage", "stack", low=20.0, high=32.0),
    Field("electrolyteTemp", "Electrolyte temperature", "temperature", low=5.0, high=50.0),
    Field("pumpTemp", "Pump temperature", "temperature", low=5.0, high=60.0),
)
BY_KEY = {f.key: f for f in CATALOGUE}
KEYS = tuple(f.key for f in CATALOGUE)


def format_value(key: str, value: Any) -> str:
    """A latest value with its unit: kW with two decimals, SoC in %, °C with one decimal."""
    if value is None:
        return "—"
    field = BY_KEY.get(key)
    kind = field.kind if field else "text"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "power":
        return f"{value / 1000:.2f} kW".replace("-", "−")
    if kind == "ratio":
        return f"{value * 100:.1f} %"
    if kind == "temperature":
        return f"{value:.1f} °C".replace("-", "−")
    if kind == "voltage":
        return f"{value:.1f} V"
    return f"{value:g}"


def latest_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """Every catalogue field in catalogue order (missing ones as "—"), then unknown keys."""
    rows = [
        {
            "key": f.key,
            "name": f.name,
            "hint": f.hint,
            "value": format_value(f.key, data.get(f.key)),
        }
        for f in CATALOGUE
    ]
    rows += [
        {"key": key, "name": key, "hint": "", "value": format_value(key, value)}
        for key, value in data.items()
        if key not in BY_KEY
    ]
    return rows


def age_text(seconds: float) -> str:
    """``4 s``, ``12 min``, ``3 h``, ``2 days``: how long ago the last data arrived."""
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    days = round(seconds / 86400)
    return f"{days} day" if days == 1 else f"{days} days"
