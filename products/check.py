"""The installer's check: the rules that turn a product's observed state into pass, fail or wait.

Each rule is a pure function of what was observed (the product record, the live frames of the
last minutes, the hourly statistics, the time) and returns one ``Item``: its result, the
evidence (a value and its time) and, on fail, what to do in one sentence. Nothing here does
I/O, so every rule is unit-tested on crafted states (``tests/products/test_check_rules.py``).

Why every rule runs here, on the server, and none in JavaScript: the printable report must show
the same verdicts as the live checklist, and it is rendered by the server (and must be right
when printed, or handed over as a PDF, without a script having run). Running the live rules in
the browser would have needed a second implementation of them for the report. So the server
evaluates everything, and the page stays live by re-fetching its checklist fragment (htmx)
whenever the existing live socket (``/ws/products/<id>/``, the relay) delivers a new frame,
and every few seconds regardless.

Where the live frames come from: the upstream export of the last few minutes (lossless JSON),
fetched with the viewer's token through ``products/client.py``. Its rows are the product's
report instants with the fields that reported at each, which is exactly what the upstream
socket sends as frames; merged in order they give the same states the relay holds. The relay
itself keeps only the merged state and chart points, per process, and lives in ``livefeed``,
which ``products`` may not import; the export needs no state and works behind any number of
processes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from products.client_types import Product
from products.errorcodes import ErrorInfo, describe_all
from products.fields import BY_KEY, CATALOGUE, KEYS, format_value

Result = Literal["pass", "fail", "waiting"]
PASS: Result = "pass"
FAIL: Result = "fail"
WAITING: Result = "waiting"

FRESH_SECONDS = 10  # the newest frame must be younger than this
SILENT_SECONDS = 60  # no frame for this long: fail instead of waiting
WINDOW_SECONDS = 300  # how far back live frames are fetched (the emulator's heartbeat is 120 s)
FRAMES = 30  # plausibility and direction look at this many newest frames ...
MIN_FRAMES = 10  # ... and wait until at least this many are there
BALANCE_WATTS = 50.0  # the balance closes within 50 W ...
BALANCE_SHARE = 0.05  # ... or 5 % of the largest flow, whichever is larger
MISS_SHARE = 0.1  # up to one frame in ten may miss (a frame can straddle a change of load)
ACTIVE_WATTS = 10.0  # below this a battery or grid flow counts as idle
SURPLUS_WATTS = 50.0  # PV above the house load by more than this is a surplus
FULL_SOC = 0.95
HISTORY_HOURS = 24
POWERS = ("householdPower", "pvPower", "inverterPower", "gridPower")

NAMES = (
    "reachable",
    "online",
    "fresh",
    "fields",
    "plausible",
    "direction",
    "setup",
    "errors",
    "history",
)


def titles() -> dict[str, str]:
    """The items' names as the installer reads them (a function: translated when called)."""
    return {
        "reachable": _("VoltStorage API reachable"),
        "online": _("Product online"),
        "fresh": _("Live data fresh"),
        "fields": _("Every field reporting"),
        "plausible": _("Values plausible"),
        "direction": _("Battery direction sane"),
        "setup": _("Set up"),
        "errors": _("No error codes"),
        "history": _("Last 24 hours of history"),
    }


@dataclass(frozen=True)
class Item:
    """One line of the checklist; ``advice`` is what to do on fail, or why it waits."""

    name: str
    result: Result
    evidence: str
    at: float | None = None  # UNIX s of the evidence
    advice: str = ""
    details: tuple[ErrorInfo, ...] = ()

    @property
    def title(self) -> str:
        return titles()[self.name]

    @property
    def when(self) -> dt.datetime | None:
        """The evidence's time as an aware datetime (templates show it in the site's zone)."""
        return None if self.at is None else dt.datetime.fromtimestamp(self.at, dt.UTC)


@dataclass(frozen=True)
class Frame:
    """The product's merged state at one report instant (every field known so far)."""

    time: float
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Recent:
    """The live frames of the last minutes, oldest first, and which fields reported in them."""

    frames: tuple[Frame, ...] = ()
    reported: frozenset[str] = frozenset()

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
    reported: set[str] = set()
    for when, row in parsed:
        changed = {k: v for k, v in row.items() if k != "time" and v is not None}
        state.update(changed)
        reported.update(changed)
        frames.append(Frame(when, dict(state)))
    return Recent(tuple(frames), frozenset(reported))


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


# -- the rules -----------------------------------------------------------------------------------


def check_reachable(
    now: float, error: str | None = None, *, refused: bool = False, started: bool = False
) -> Item:
    """The upstream answered for this product with the viewer's token.

    A failure once the check is running marks the item waiting (the next refresh retries); at
    the start, or when the account is refused, it fails.
    """
    if error is None:
        return Item("reachable", PASS, _("The VoltStorage API answered for this product."), now)
    if refused:
        return Item(
            "reachable",
            FAIL,
            _("The VoltStorage API refused this product to your account: %(reason)s")
            % {"reason": error},
            now,
            _("Sign in with the account this product is registered to."),
        )
    if started:
        return Item(
            "reachable",
            WAITING,
            _("The VoltStorage API did not answer just now: %(reason)s") % {"reason": error},
            now,
            _("Retrying by itself; nothing to do unless this stays."),
        )
    return Item(
        "reachable",
        FAIL,
        _("The VoltStorage API did not answer: %(reason)s") % {"reason": error},
        now,
        _("Check this phone's internet connection and reload the page."),
    )


def check_online(product: Product, now: float) -> Item:
    """The product reports itself online."""
    if product.online:
        return Item("online", PASS, _("The product reports itself online."), now)
    return Item(
        "online",
        FAIL,
        _("The product reports itself offline."),
        now,
        _("Check the battery's network cable or Wi-Fi and that the router reaches the internet."),
    )


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
    evidence = _("Newest frame %(age)s old.") % {"age": _seconds(age)}
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
    """Every field of the contract's catalogue reported at least once in the window."""
    missing = [f for f in CATALOGUE if f.key not in recent.reported]
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
            _("All %(count)d fields reported in the last %(minutes)d minutes.")
            % {"count": len(KEYS), "minutes": WINDOW_SECONDS // 60},
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
            % {"watts": _watts(off), "misses": len(misses), "total": len(balances)},
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
        % {"values": shown, "watts": _watts(worst), "count": len(frames)},
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


def check_setup(product: Product, now: float) -> Item:
    """Installation date, timezone and the group's coordinates are set."""
    missing = []
    if product.installation_date is None:
        missing.append(_("installation date"))
    zone = product.raw.get("timezone")
    if not _valid_zone(zone):
        missing.append(_("timezone"))
    if product.latitude is None or product.longitude is None:
        missing.append(_("the site's coordinates"))
    if missing:
        return Item(
            "setup",
            FAIL,
            _("Not set: %(missing)s.") % {"missing": ", ".join(missing)},
            now,
            _("Enter the missing values for this product in the VoltStorage portal."),
        )
    return Item(
        "setup",
        PASS,
        _("Installed %(date)s · %(zone)s · %(lat).3f°, %(lon).3f°")
        % {
            "date": product.installation_date.isoformat(),  # type: ignore[union-attr]
            "zone": zone,
            "lat": product.latitude,
            "lon": product.longitude,
        },
        now,
    )


def _valid_zone(zone: Any) -> bool:
    if not isinstance(zone, str) or not zone:
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_errors(codes: Sequence[str], now: float, lang: str = "en") -> Item:
    """No error codes; each code present is explained."""
    if not codes:
        return Item("errors", PASS, _("No error codes reported."), now)
    infos = tuple(describe_all(list(codes), lang))
    return Item(
        "errors",
        FAIL,
        ", ".join(info.name for info in infos),
        now,
        _("Resolve the codes below (each is explained), then run the check again."),
        infos,
    )


def check_history(
    buckets: Sequence[Mapping[str, Any]], installed_at: float | None, now: float, tz: ZoneInfo
) -> Item:
    """Hourly statistics exist for every complete hour of the last 24, from the product's first
    reported hour on (the installation date has no time of day, so the first bucket is when
    the product really started)."""
    if installed_at is None:
        return Item(
            "history",
            FAIL,
            _("No installation date, so no history is expected."),
            now,
            _("Set the installation date first (see Set up)."),
        )
    current = int(now // 3600) * 3600
    start = max(int(max(installed_at, now - HISTORY_HOURS * 3600) // 3600) * 3600, 0)
    present = {
        int(b["timespan_start"])
        for b in buckets
        if isinstance(b.get("timespan_start"), int | float)
        and start <= b["timespan_start"] < current
    }
    if not present:
        if current - start < 3600 or current <= start:
            return Item(
                "history",
                WAITING,
                _("No complete hour since the installation yet."),
                now,
                _("The first hourly statistics appear after the first full hour."),
            )
        return Item(
            "history",
            FAIL,
            _("No hourly statistics in the last 24 hours."),
            now,
            _("Check that the product is online; statistics follow within the hour."),
        )
    expected = range(min(present), current, 3600)
    missing = [h for h in expected if h not in present]
    if missing:
        hours = ", ".join(_clock(h, tz, seconds=False) for h in missing[:6])
        more = len(missing) - 6
        return Item(
            "history",
            FAIL,
            ngettext(
                "%(count)d of %(total)d hours missing: %(hours)s",
                "%(count)d of %(total)d hours missing: %(hours)s",
                len(missing),
            )
            % {"count": len(missing), "total": len(expected), "hours": hours}
            + (f" (+{more})" if more > 0 else ""),
            now,
            _("Hours are missing while the product was offline: make its connection stable."),
        )
    return Item(
        "history",
        PASS,
        ngettext(
            "%(count)d hourly bucket since %(since)s.",
            "%(count)d hourly buckets since %(since)s.",
            len(expected),
        )
        % {"count": len(expected), "since": _clock(min(present), tz, seconds=False)},
        float(max(present)),
    )


# -- the whole checklist -------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """Everything the check saw in one round, including what could not be fetched and why."""

    now: float
    tz: ZoneInfo
    product: Product | None = None
    product_error: str | None = None
    refused: bool = False
    started: bool = False  # a refresh of a running check (not its first render)
    recent: Recent | None = None
    recent_error: str | None = None
    buckets: Sequence[Mapping[str, Any]] | None = None
    buckets_error: str | None = None
    lang: str = "en"


def evaluate(seen: Observed) -> list[Item]:
    """Every item in the checklist's order. What could not be fetched waits, with the reason."""
    now = seen.now
    items = [check_reachable(now, seen.product_error, refused=seen.refused, started=seen.started)]
    product = seen.product
    if product is None:
        reason = _("Needs the product's record, which the VoltStorage API did not give.")
        return items + [Item(n, WAITING, reason, None, "") for n in NAMES[1:]]
    items.append(check_online(product, now))
    if seen.recent is None:
        reason = _("Live frames could not be loaded: %(reason)s") % {
            "reason": seen.recent_error or "?"
        }
        items += [Item(n, WAITING, reason, None, "") for n in ("fresh", "fields", "plausible")]
        items.append(Item("direction", WAITING, reason, None, ""))
    else:
        items += [
            check_fresh(seen.recent.newest, now),
            check_fields(seen.recent),
            check_plausible(seen.recent),
            check_direction(seen.recent),
        ]
    items += [check_setup(product, now), check_errors(product.errors, now, seen.lang)]
    if seen.buckets is None:
        reason = _("Statistics could not be loaded: %(reason)s") % {
            "reason": seen.buckets_error or "?"
        }
        items.append(Item("history", WAITING, reason, None, ""))
    else:
        items.append(check_history(seen.buckets, installed_at(product), now, seen.tz))
    return items


@dataclass(frozen=True)
class Summary:
    ready: bool
    passed: int
    failed: int
    waiting: int

    @property
    def result(self) -> Result:
        return PASS if self.ready else (FAIL if self.failed else WAITING)


def summarise(items: Sequence[Item]) -> Summary:
    """ "Ready to hand over" only when every item passes."""
    passed = sum(1 for i in items if i.result == PASS)
    failed = sum(1 for i in items if i.result == FAIL)
    return Summary(passed == len(items), passed, failed, len(items) - passed - failed)


def installed_at(product: Product) -> float | None:
    """UNIX s of local midnight of the installation date (the emulator's data starts there)."""
    if product.installation_date is None:
        return None
    zone = product.timezone if _valid_zone(product.timezone) else "UTC"
    midnight = dt.datetime.combine(product.installation_date, dt.time(), tzinfo=ZoneInfo(zone))
    return midnight.timestamp()


def _too_few(name: str, count: int, newest: float | None) -> Item:
    return Item(
        name,
        WAITING,
        _("%(count)d of %(needed)d live frames so far.") % {"count": count, "needed": MIN_FRAMES},
        newest,
        _("Waiting for more live frames."),
    )


def _seconds(age: float) -> str:
    return f"{age:.0f} s" if age < 90 else f"{age / 60:.0f} min"


def _watts(value: float) -> str:
    return f"{value:.0f} W"


def _clock(unix: float, tz: ZoneInfo, *, seconds: bool = True) -> str:
    local = dt.datetime.fromtimestamp(unix, dt.UTC).astimezone(tz)
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")
