"""The field catalogue as the dashboard shows it: names, units and formatting of each value.

Written from the contract (docs/upstream-api.md, "Field catalogue"), not imported from the
emulator, so a renamed key on either side shows up as a missing value instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Field:
    key: str
    name: str | Promise  # translated when printed
    kind: str  # power (W), ratio (0..1), temperature (°C), voltage (V), text
    hint: str | Promise = ""
    # The plausible range of a reported value (inclusive), for the installer's check. SoC is the
    # contract's 0..1; temperatures and the stack voltage are the VoltStorage SMART's operating
    # limits as we know them (chosen here: the contract names no ranges).
    low: float | None = None
    high: float | None = None


CATALOGUE: tuple[Field, ...] = (
    Field("pvPower", _("PV"), "power", _("production")),
    Field("householdPower", _("Household"), "power", _("consumption")),
    Field("gridPower", _("Grid"), "power", _("+ import, − feed-in")),
    Field("inverterPower", _("Battery inverter"), "power", _("+ discharging, − charging")),
    Field("powerElectronicsPower", _("Power electronics"), "power", _("+ discharging, − charging")),
    Field("stateOfCharge", _("State of charge"), "ratio", low=0.0, high=1.0),
    Field("status", _("Status"), "text"),
    Field("dcVoltage", _("DC voltage"), "voltage", _("stack"), low=20.0, high=32.0),
    Field("electrolyteTemp", _("Electrolyte temperature"), "temperature", low=5.0, high=50.0),
    Field("pumpTemp", _("Pump temperature"), "temperature", low=5.0, high=60.0),
)
# The values of ``status`` (the contract's list), as the page shows them.
STATUS_TEXTS = {
    "charging": _("charging"),
    "discharging": _("discharging"),
    "idle": _("idle"),
    "standby": _("standby"),
    "fault": _("fault"),
}
BY_KEY = {f.key: f for f in CATALOGUE}
KEYS = tuple(f.key for f in CATALOGUE)


def format_value(key: str, value: Any) -> str:
    """A latest value with its unit: kW with two decimals, SoC in %, °C with one decimal, in the
    active language's number format (``1,25 kW`` in German)."""
    if value is None:
        return "—"
    field = BY_KEY.get(key)
    kind = field.kind if field else "text"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(STATUS_TEXTS.get(value, value)) if key == "status" else str(value)
    if kind == "power":
        return f"{_number(value / 1000, 2)} kW".replace("-", "−")
    if kind == "ratio":
        return f"{_number(value * 100, 1)} %"
    if kind == "temperature":
        return f"{_number(value, 1)} °C".replace("-", "−")
    if kind == "voltage":
        return f"{_number(value, 1)} V"
    return number_format(value, use_l10n=True)


def _number(value: float, digits: int) -> str:
    return number_format(round(value, digits), digits, use_l10n=True, force_grouping=True)


def latest_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """Every catalogue field in catalogue order (missing ones as "—"), then unknown keys."""
    rows = [
        {
            "key": f.key,
            "name": str(f.name),
            "hint": str(f.hint),
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
    """``4 s``, ``12 min``, ``3 h``, ``2 days`` (``2 Tage``): how long ago the last data came."""
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    days = round(seconds / 86400)
    return ngettext("{days} day", "{days} days", days).format(days=days)
