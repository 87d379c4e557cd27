"""Product error codes → human name, explanation and severity, in English and German.

The one table every page uses (fleet badges, product page, live feed). It is written from the
contract and our knowledge of the VoltStorage SMART, not imported from the emulator, so a code
the emulator invents without a name here shows up as the bare code instead of silently passing.
An unknown code is described by the code itself, with severity ``warning``: better to draw an
operator's eye to something we cannot name than to hide it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")
LANGUAGES = ("en", "de")


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    name: str
    explanation: str
    severity: Severity
    known: bool = True


# code: (severity, {lang: (name, explanation)})
_TABLE: dict[str, tuple[Severity, dict[str, tuple[str, str]]]] = {
    "pumpFault": (
        "critical",
        {
            "en": (
                "Pump fault",
                "An electrolyte pump reports a fault; the battery cannot charge or discharge.",
            ),
            "de": (
                "Pumpenfehler",
                "Eine Elektrolytpumpe meldet einen Fehler; der Speicher kann weder laden noch "
                "entladen.",
            ),
        },
    ),
    "inverterFault": (
        "critical",
        {
            "en": (
                "Inverter fault",
                "The battery inverter reports a fault; no power flows to or from the battery.",
            ),
            "de": (
                "Wechselrichterfehler",
                "Der Batteriewechselrichter meldet einen Fehler; es fließt keine Leistung in "
                "oder aus dem Speicher.",
            ),
        },
    ),
    "highElectrolyteTemperature": (
        "critical",
        {
            "en": (
                "High electrolyte temperature",
                "The electrolyte is hotter than its safe operating range; power is limited "
                "until it cools down.",
            ),
            "de": (
                "Hohe Elektrolyttemperatur",
                "Der Elektrolyt ist wärmer als sein sicherer Betriebsbereich; die Leistung ist "
                "begrenzt, bis er abgekühlt ist.",
            ),
        },
    ),
    "stackVoltageImbalance": (
        "warning",
        {
            "en": (
                "Stack voltage imbalance",
                "The cell stack voltages drift apart; usable capacity may be reduced.",
            ),
            "de": (
                "Ungleiche Stackspannung",
                "Die Spannungen der Zellstapel laufen auseinander; die nutzbare Kapazität kann "
                "sinken.",
            ),
        },
    ),
    "communicationTimeout": (
        "warning",
        {
            "en": (
                "Communication timeout",
                "An internal component stopped answering the controller for a while.",
            ),
            "de": (
                "Kommunikations-Zeitüberschreitung",
                "Eine interne Komponente hat eine Zeit lang nicht auf die Steuerung geantwortet.",
            ),
        },
    ),
    "lowStateOfHealth": (
        "warning",
        {
            "en": (
                "Low state of health",
                "The measured capacity is well below the rated capacity; a service visit is "
                "advised.",
            ),
            "de": (
                "Niedriger Gesundheitszustand",
                "Die gemessene Kapazität liegt deutlich unter der Nennkapazität; ein "
                "Servicebesuch wird empfohlen.",
            ),
        },
    ),
    "firmwareOutdated": (
        "info",
        {
            "en": (
                "Firmware outdated",
                "A newer firmware is available for this product.",
            ),
            "de": (
                "Firmware veraltet",
                "Für dieses Produkt ist eine neuere Firmware verfügbar.",
            ),
        },
    ),
    "nonDefaultStrategy": (
        "info",
        {
            "en": (
                "Non-default strategy",
                "The battery runs an operating strategy other than the default "
                "self-consumption mode.",
            ),
            "de": (
                "Abweichende Betriebsstrategie",
                "Der Speicher läuft mit einer anderen Betriebsstrategie als dem "
                "Standard-Eigenverbrauchsmodus.",
            ),
        },
    ),
}

_UNKNOWN_EXPLANATION = {
    "en": "An error code this dashboard has no description for yet.",
    "de": "Ein Fehlercode, für den dieses Dashboard noch keine Beschreibung hat.",
}


def describe(code: str, lang: str = "en") -> ErrorInfo:
    """The human description of ``code``; an unknown code is named by the code itself."""
    lang = lang if lang in LANGUAGES else "en"
    entry = _TABLE.get(code)
    if entry is None:
        return ErrorInfo(code, code, _UNKNOWN_EXPLANATION[lang], "warning", known=False)
    severity, texts = entry
    name, explanation = texts[lang]
    return ErrorInfo(code, name, explanation, severity)


def describe_all(codes: list[str] | tuple[str, ...], lang: str = "en") -> list[ErrorInfo]:
    """Descriptions of several codes, most severe first (stable within a severity)."""
    infos = [describe(code, lang) for code in codes]
    return sorted(infos, key=lambda info: SEVERITIES.index(info.severity))


def known_codes() -> tuple[str, ...]:
    return tuple(_TABLE)
