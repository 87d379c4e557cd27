"""One item of the installer's check: its result, evidence and advice (see ``check.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from products.errorcodes import ErrorInfo

Result = Literal["pass", "fail", "waiting"]
PASS: Result = "pass"
FAIL: Result = "fail"
WAITING: Result = "waiting"

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


def seconds_text(age: float) -> str:
    return f"{age:.0f} s" if age < 90 else f"{age / 60:.0f} min"


def watts_text(value: float) -> str:
    return f"{value:.0f} W"


def clock(unix: float, tz: ZoneInfo, *, seconds: bool = True) -> str:
    local = dt.datetime.fromtimestamp(unix, dt.UTC).astimezone(tz)
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")
