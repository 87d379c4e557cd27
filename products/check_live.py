"""The installer's check on live frames: fresh, every field reporting, plausible, direction.

Pure functions of the frames of the last minutes (``Recent``), merged from the upstream
export's rows the way the relay merges socket frames; see ``products/check.py`` for why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from products.check_items import FAIL, PASS, WAITING, Item, seconds_text, watts_text
from products.fields import BY_KEY, CATALOGUE, KEYS, format_value

FRESH_SECONDS = 10  # the newest frame must be younger than this
SILENT_SECONDS = 60  # no frame for this long: fail instead of waiting
# A field reports when it changes, and at least once per heartbeat (the emulator's is 120 s;
# measured: temperatures, DC voltage, SoC and status report every 120 s, the powers every few
# seconds). A field silent for longer than a heartbeat and a margin counts as missing, so a
# sensor that stops fails "every field reporting" within FIELDS_SECONDS of its last report.
FIELDS_SECONDS = 150
WINDOW_SECONDS = 180  # how far back live frames are fetched: the fields rule's span and a margin
FRAMES = 30  # plausibility and direction look at this many newest frames ...
MIN_FRAMES = 10  # ... and wait until at least this many are there
BALANCE_WATTS = 50.0  # the balance closes within 50 W ...
BALANCE_SHARE = 0.05  # ... or 5 % of the largest flow, whichever is larger
MISS_SHARE = 0.1  # up to one frame in ten may miss (a frame can straddle a change of load)
ACTIVE_WATTS = 10.0  # below this a battery or grid flow counts as idle
SURPLUS_WATTS = 50.0  # PV above the house load by more than this is a surplus
FULL_SOC = 0.95
POWERS = ("householdPower", "pvPower", "inverterPower", "gridPower")


@dataclass(frozen=True)
class Frame:
    """The product's merged state at one report instant (every field known so far)."""

    time: float
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Recent:
    """The live frames of the last minutes, oldest first, and when each field last reported."""

    frames: tuple[Frame, ...] = ()
    last_report: Mapping[str, float] = field(default_factory=dict)  # field -> UNIX s

    @property
    def newest(self) -> float | None:
        return self.frames[-1].time if self.frames else None


def recent_from_rows(rows: Iterable[Mapping[str, Any]]) -> Recent:
    """Merge export rows (``{"time": ISO, <field>: value}``, sparse) into states, in order.

    A row whose time cannot be read is skipped, not fatal: the check must never crash on one
    odd row of an upstream we do not control.
    """
    parsed: list[tuple[float, Mapping[str, Any]]] = []
    for row in rows:
        when = _unix(row.get("time"))
        if when is not None:
            parsed.append((when, row))
    parsed.sort(key=lambda pair: pair[0])
    state: dict[str, Any] = {}
    frames: list[Frame] = []
    last_report: dict[str, float] = {}
    for when, row in parsed:
        changed = {k: v for k, v in row.items() if k != "time" and v is not None}
        state.update(changed)
        last_report.update(dict.fromkeys(changed, when))
        frames.append(Frame(when, dict(state)))
    return Recent(tuple(frames), last_report)


def _unix(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo else None


def check_fresh(newest: float | None, now: float) -> Item:
    """The newest live frame is under 10 s old; waits up to 60 s for one, then fails."""
    if newest is None:
        return Item(
            "fresh",
            FAIL,
            _("No live frame in the last %(minutes)d minutes.") % {"minutes": WINDOW_SECONDS // 60},
            None,
            _("Check that the product is powered and connected, then wait a minute."),
        )
    age = max(0.0, now - newest)
    evidence = _("Newest frame %(age)s old.") % {"age": seconds_text(age)}
    if age < FRESH_SECONDS:
        return Item("fresh", PASS, evidence, newest)
    if age < SILENT_SECONDS:
        return Item(
            "fresh",
            WAITING,
            evidence,
            newest,
            _("Waiting for a newer frame (fails after %(limit)d s without one).")
            % {"limit": SILENT_SECONDS},
        )
    return Item(
        "fresh",
        FAIL,
        evidence,
        newest,
        _("Check the product's internet connection: it stopped sending live data."),
    )


def check_fields(recent: Recent) -> Item:
    """Every field of the contract's catalogue reported in the FIELDS_SECONDS up to the newest
    frame. Measured from the newest frame, not the clock: when frames stop altogether, that is
    "data fresh" failing, not every field missing."""
    newest = recent.newest
    missing = [
        f
        for f in CATALOGUE
        if newest is None or recent.last_report.get(f.key, -math.inf) < newest - FIELDS_SECONDS
    ]
    if not recent.frames:
        return Item(
            "fields",
            WAITING,
            _("No live frame to look at yet."),
            None,
            _("Waiting for live data."),
        )
    if not missing:
        return Item(
            "fields",
            PASS,
            _("All %(count)d fields reported in the last %(seconds)d s.")
            % {"count": len(KEYS), "seconds": FIELDS_SECONDS},
            recent.newest,
        )
    names = ", ".join(_(f.name) for f in missing)
    return Item(
        "fields",
        FAIL,
        ngettext("Missing: %(names)s.", "Missing: %(names)s.", len(missing)) % {"names": names},
        recent.newest,
        _("Check the sensor cabling of the missing values, then restart the battery's controller."),
    )


def _out_of_range(frame: Frame) -> tuple[str, Any] | None:
    for f in CATALOGUE:
        value = frame.data.get(f.key)
        if f.low is None or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if not f.low <= value <= (f.high if f.high is not None else value):
            return f.key, value
    return None


def _imbalance(frame: Frame) -> tuple[float, float] | None:
    """(|house - (PV + battery + grid)|, the tolerance) of one frame; None if a power is unknown."""
    values = [frame.data.get(k) for k in POWERS]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    house, pv, battery, grid = (float(v) for v in values)  # type: ignore[arg-type]
    tolerance = max(
        BALANCE_WATTS, BALANCE_SHARE * max(abs(house), abs(pv), abs(battery), abs(grid))
    )
    return abs(house - (pv + battery + grid)), tolerance


def _too_many(misses: int, total: int) -> bool:
    return misses > max(1, int(total * MISS_SHARE))


def check_plausible(recent: Recent) -> Item:
    """SoC, temperatures and DC voltage within their ranges, and the power balance closing,
    over the newest 30 frames."""
    frames = recent.frames[-FRAMES:]
    if len(frames) < MIN_FRAMES:
        return _too_few("plausible", len(frames), recent.newest)
    for frame in frames:
        bad = _out_of_range(frame)
        if bad is not None:
            key, value = bad
            f = BY_KEY[key]
            return Item(
                "plausible",
                FAIL,
                _("%(name)s %(value)s is outside %(low)s to %(high)s.")
                % {
                    "name": _(f.name),
                    "value": format_value(key, value),
                    "low": format_value(key, f.low),
                    "high": format_value(key, f.high),
                },
                frame.time,
                _("Check the sensor and its calibration; if it stays, call VoltStorage service."),
            )
    balances = [(frame, b) for frame in frames if (b := _imbalance(frame)) is not None]
    misses = [(frame, off) for frame, (off, tolerance) in balances if off > tolerance]
    if not balances:
        return _too_few("plausible", 0, recent.newest)
    if _too_many(len(misses), len(balances)):
        frame, off = max(misses, key=lambda pair: pair[1])
        return Item(
            "plausible",
            FAIL,
            _("The power balance misses by up to %(watts)s in %(misses)d of %(total)d frames.")
            % {"watts": watts_text(off), "misses": len(misses), "total": len(balances)},
            frame.time,
            _("Check the current sensors: household, PV, battery and grid must add up."),
        )
    last = frames[-1].data
    shown = ", ".join(
        f"{_(BY_KEY[k].name)} {format_value(k, last[k])}"
        for k in ("stateOfCharge", "electrolyteTemp", "pumpTemp", "dcVoltage")
        if k in last
    )
    worst = max(off for _frame, (off, _tol) in balances)
    return Item(
        "plausible",
        PASS,
        _("%(values)s; balance within %(watts)s over %(count)d frames.")
        % {"values": shown, "watts": watts_text(worst), "count": len(frames)},
        frames[-1].time,
    )


def check_direction(recent: Recent) -> Item:
    """With a PV surplus and SoC below 95 %, the battery charges or the grid takes the surplus."""
    frames = recent.frames[-FRAMES:]
    if len(frames) < MIN_FRAMES:
        return _too_few("direction", len(frames), recent.newest)
    surplus, wrong = 0, []
    for frame in frames:
        d = frame.data
        pv, house, soc = d.get("pvPower"), d.get("householdPower"), d.get("stateOfCharge")
        battery, grid = d.get("inverterPower"), d.get("gridPower")
        if (
            None in (pv, house, soc, battery, grid)
            or pv - house <= SURPLUS_WATTS
            or soc >= FULL_SOC
        ):
            continue
        surplus += 1
        if not (battery < -ACTIVE_WATTS or grid < -ACTIVE_WATTS):
            wrong.append(frame)
    if surplus == 0:
        return Item(
            "direction",
            PASS,
            _("No PV surplus in the last %(count)d frames, so nothing contradicts it.")
            % {"count": len(frames)},
            frames[-1].time,
        )
    if _too_many(len(wrong), surplus):
        d = wrong[-1].data
        return Item(
            "direction",
            FAIL,
            _(
                "PV %(pv)s exceeds the house's %(house)s, yet the battery shows %(battery)s "
                "and the grid %(grid)s (%(misses)d of %(total)d surplus frames)."
            )
            % {
                "pv": format_value("pvPower", d["pvPower"]),
                "house": format_value("householdPower", d["householdPower"]),
                "battery": format_value("inverterPower", d["inverterPower"]),
                "grid": format_value("gridPower", d["gridPower"]),
                "misses": len(wrong),
                "total": surplus,
            },
            wrong[-1].time,
            _("Check the direction of the grid and battery current sensors."),
        )
    return Item(
        "direction",
        PASS,
        _("In %(count)d frames with a PV surplus the battery charged or the grid took it.")
        % {"count": surplus},
        frames[-1].time,
    )


def _too_few(name: str, count: int, newest: float | None) -> Item:
    return Item(
        name,
        WAITING,
        _("%(count)d of %(needed)d live frames so far.") % {"count": count, "needed": MIN_FRAMES},
        newest,
        _("Waiting for more live frames."),
    )
