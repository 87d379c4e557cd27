"""Numbers, dates, times and chart labels in each language (Django's formats, our overrides)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format

from products.buckets import Kpis
from products.errorcodes import describe
from products.fields import age_text, format_value
from products.periods import Unit, hour_label, period_label
from products.ranges import format_date, plan
from products.views import _kpi_cards

BERLIN = ZoneInfo("Europe/Berlin")
KPIS = Kpis(1234.54, 5678.9, 12.0, 10.25, 0.6543, 0.8, 0.7)


def _in(language: str, function, *args):
    with translation.override(language):
        return function(*args)


@pytest.mark.parametrize(
    ("language", "dec1", "mar1"),
    [("en", "1 Dec 2026", "1 Mar 2026"), ("de", "1. Dez. 2026", "1. März 2026")],
)
def test_dates_read_as_each_language_writes_them(language, dec1, mar1):
    assert _in(language, format_date, dt.date(2026, 12, 1)) == dec1
    assert _in(language, format_date, dt.date(2026, 3, 1)) == mar1


@pytest.mark.parametrize("language", ["en", "de"])
def test_both_languages_use_a_24_hour_clock(language):
    evening = dt.datetime(2026, 12, 1, 21, 5, 9, tzinfo=BERLIN)
    assert _in(language, date_format, evening, "TIME_FORMAT") == "21:05"
    assert "21:05:09" in _in(language, date_format, evening, "DATETIME_FORMAT")


@pytest.mark.parametrize(
    ("language", "energy", "ratio", "power", "temperature"),
    [
        ("en", "1,234.5", "65.4", "1,234.57 kW", "−3.5 °C"),
        ("de", "1.234,5", "65,4", "1.234,57 kW", "−3,5 °C"),
    ],
)
def test_numbers_use_the_languages_separators(language, energy, ratio, power, temperature):
    cards = _in(language, _kpi_cards, KPIS)
    assert (cards[0]["value"], cards[0]["unit"]) == (energy, "kWh")
    assert cards[4]["value"] == ratio
    assert _in(language, format_value, "pvPower", 1234567.0) == power
    assert _in(language, format_value, "electrolyteTemp", -3.45) == temperature


@pytest.mark.parametrize(
    ("language", "day", "month", "kpi"),
    [
        ("en", "Sun 29 Mar", "Mar 2026", "PV produced"),
        ("de", "So 29. Mär", "Mär 2026", "PV-Erzeugung"),
    ],
)
def test_chart_labels_name_days_and_months_in_the_language(language, day, month, kpi):
    assert _in(language, period_label, dt.date(2026, 3, 29), Unit.DAY) == day
    assert _in(language, period_label, dt.date(2026, 3, 1), Unit.MONTH) == month
    assert _in(language, _kpi_cards, KPIS)[0]["label"] == kpi


def test_the_repeated_hour_is_labelled_with_its_zone_in_german():
    first = dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC).astimezone(BERLIN)
    assert _in("de", hour_label, first) == "So 02:00 MESZ"
    assert _in("en", hour_label, first) == "Sun 02:00 CEST"


@pytest.mark.parametrize(
    ("language", "texts"),
    [("en", ["4 s", "12 min", "3 h", "2 days"]), ("de", ["4 s", "12 min", "3 h", "2 Tage"])],
)
def test_the_age_of_the_last_data_in_each_language(language, texts):
    assert [_in(language, age_text, s) for s in (4, 720, 10800, 172800)] == texts


def test_error_codes_are_explained_from_the_one_catalogue():
    assert _in("en", describe, "pumpFault").name == "Pump fault"
    german = _in("de", describe, "pumpFault")
    assert german.name == "Pumpenfehler"
    assert german.explanation.startswith("Eine Elektrolytpumpe meldet einen Fehler")
    assert _in("de", lambda: describe("pumpFault").severity_label) == "kritisch"
    unknown = _in("de", describe, "someNewCode")
    assert (unknown.name, unknown.known) == ("someNewCode", False)
    assert unknown.explanation.startswith("Ein Fehlercode, für den")


def test_range_texts_and_errors_in_german():
    now = dt.datetime(2026, 12, 1, 12, tzinfo=BERLIN)
    with translation.override("de"):
        week = plan("7d", tz=BERLIN, now=now)
        assert week.title == "25. Nov. 2026 – 1. Dez. 2026"
        assert week.energy_title == "Energie pro Tag"
        assert week.method.startswith("Tage sind Ortstage in Europe/Berlin")
