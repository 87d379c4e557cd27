"""Latest values as the page shows them: units, decimals, and the age of the last data."""

from __future__ import annotations

import pytest

from products.fields import KEYS, age_text, format_value, latest_rows


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("pvPower", 1234.5, "1.23 kW"),
        ("gridPower", -49.8754, "−0.05 kW"),
        ("stateOfCharge", 0.611868, "61.2 %"),
        ("electrolyteTemp", 25.08, "25.1 °C"),
        ("dcVoltage", 24.3779, "24.4 V"),
        ("status", "charging", "charging"),
        ("pvPower", None, "—"),
    ],
)
def test_values_are_shown_with_their_unit(key, value, text):
    assert format_value(key, value) == text


def test_every_catalogue_field_has_a_row_even_when_it_never_reported():
    rows = latest_rows({"pvPower": 1000, "newField": 3})
    assert [r["key"] for r in rows] == [*KEYS, "newField"]
    assert rows[0]["value"] == "1.00 kW"
    assert rows[1]["value"] == "—"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(4, "4 s"), (4.9, "4 s"), (89, "89 s"), (720, "12 min"), (10800, "3 h"), (172800, "2 days")],
)
def test_the_age_of_the_last_data_reads_naturally(seconds, text):
    assert age_text(seconds) == text
