"""Product error codes → human name, explanation and severity, in the viewer's language.

The one table every page uses (fleet badges, product page, live feed). It is written from the
contract and our knowledge of the VoltStorage SMART, not imported from the emulator, so a code
the emulator invents without a name here shows up as the bare code instead of silently passing.
An unknown code is described by the code itself, with severity ``warning``: better to draw an
operator's eye to something we cannot name than to hide it.

The texts are English source strings in Django's catalogue (``locale/<lang>/LC_MESSAGES``), so
German and any later language come from the same ``.po`` file as the rest of the site, and
``describe`` answers in the language active for the request (``LocaleMiddleware``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")
SEVERITY_LABELS: dict[Severity, Promise] = {
    "critical": pgettext_lazy("error severity", "critical"),
    "warning": pgettext_lazy("error severity", "warning"),
    "info": pgettext_lazy("error severity", "info"),
}


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    name: str
    explanation: str
    severity: Severity
    known: bool = True

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS[self.severity])


# code: (severity, name, explanation)
_TABLE: dict[str, tuple[Severity, Promise, Promise]] = {
    "pumpFault": (
        "critical",
        _("Pump fault"),
        _("An electrolyte pump reports a fault; the battery cannot charge or discharge."),
    ),
    "inverterFault": (
        "critical",
        _("Inverter fault"),
        _("The battery inverter reports a fault; no power flows to or from the battery."),
    ),
    "highElectrolyteTemperature": (
        "critical",
        _("High electrolyte temperature"),
        _(
            "The electrolyte is hotter than its safe operating range; power is limited "
            "until it cools down."
        ),
    ),
    "stackVoltageImbalance": (
        "warning",
        _("Stack voltage imbalance"),
        _("The cell stack voltages drift apart; usable capacity may be reduced."),
    ),
    "communicationTimeout": (
        "warning",
        _("Communication timeout"),
        _("An internal component stopped answering the controller for a while."),
    ),
    "lowStateOfHealth": (
        "warning",
        _("Low state of health"),
        _("The measured capacity is well below the rated capacity; a service visit is advised."),
    ),
    "firmwareOutdated": (
        "info",
        _("Firmware outdated"),
        _("A newer firmware is available for this product."),
    ),
    "nonDefaultStrategy": (
        "info",
        _("Non-default strategy"),
        _("The battery runs an operating strategy other than the default self-consumption mode."),
    ),
}


def describe(code: str) -> ErrorInfo:
    """The human description of ``code`` in the active language; an unknown code is named by
    the code itself."""
    entry = _TABLE.get(code)
    if entry is None:
        explanation = gettext("An error code this dashboard has no description for yet.")
        return ErrorInfo(code, code, explanation, "warning", known=False)
    severity, name, explanation = entry
    return ErrorInfo(code, str(name), str(explanation), severity)


def describe_all(codes: list[str] | tuple[str, ...]) -> list[ErrorInfo]:
    """Descriptions of several codes, most severe first (stable within a severity)."""
    infos = [describe(code) for code in codes]
    return sorted(infos, key=lambda info: SEVERITIES.index(info.severity))


def known_codes() -> tuple[str, ...]:
    return tuple(_TABLE)
