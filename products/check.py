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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from products.check_items import FAIL, NAMES, PASS, WAITING, Item, Result, clock
from products.check_live import (
    Recent,
    check_direction,
    check_fields,
    check_fresh,
    check_plausible,
)
from products.client_types import Product
from products.errorcodes import describe_all

HISTORY_HOURS = 24

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
        _("Installed %(date)s · %(zone)s · %(lat)s°, %(lon)s°")
        % {
            "date": date_format(product.installation_date, "DATE_FORMAT"),
            "zone": zone,
            "lat": number_format(product.latitude, 3, use_l10n=True),
            "lon": number_format(product.longitude, 3, use_l10n=True),
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


def check_errors(codes: Sequence[str], now: float) -> Item:
    """No error codes; each code present is explained (in the active language)."""
    if not codes:
        return Item("errors", PASS, _("No error codes reported."), now)
    infos = tuple(describe_all(list(codes)))
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
        if now - installed_at < 2 * 3600:  # the first full hour may not be over yet
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
        hours = ", ".join(clock(h, tz, seconds=False) for h in missing[:6])
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
        % {"count": len(expected), "since": _day_and_clock(min(present), tz)},
        float(max(present)),
    )


def _day_and_clock(unix: float, tz: ZoneInfo) -> str:
    """ "2026-06-16 13:00": the first bucket is often yesterday, and a bare time reads as today."""
    local = dt.datetime.fromtimestamp(unix, dt.UTC).astimezone(tz)
    return f"{local.date().isoformat()} {clock(unix, tz, seconds=False)}"


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
    items += [check_setup(product, now), check_errors(product.errors, now)]
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
