"""The range picker's rules: local dates, bucket size and which upstream buckets are merged."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from products.periods import Unit
from products.ranges import RangeError, plan

BERLIN = ZoneInfo("Europe/Berlin")
# 23:30 UTC on 25 Nov is already 26 Nov in Berlin.
NOW = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)


def test_today_is_the_sites_today_in_hours():
    today = plan("today", tz=BERLIN, now=NOW)
    assert today.first_day == today.last_day == dt.date(2026, 11, 26)
    assert today.unit is Unit.HOUR
    assert today.start.isoformat() == "2026-11-26T00:00:00+01:00"


def test_seven_days_end_today_in_local_days_from_hourly_buckets():
    week = plan("7d", tz=BERLIN, now=NOW)
    assert (week.first_day, week.last_day) == (dt.date(2026, 11, 20), dt.date(2026, 11, 26))
    assert (week.unit, week.source) == (Unit.DAY, "hour")
    assert "Europe/Berlin" in week.method


def test_this_year_is_in_months_merged_from_hourly_buckets():
    year = plan("year", tz=BERLIN, now=NOW)
    assert year.first_day == dt.date(2026, 1, 1)
    assert (year.unit, year.source) == (Unit.MONTH, "hour")
    assert (year.tend - year.tstart) // 3600 <= 10_000


def test_a_lifetime_of_years_uses_the_upstreams_daily_buckets_and_says_so():
    lifetime = plan("lifetime", tz=BERLIN, now=NOW, installed=dt.date(2020, 5, 4))
    assert (lifetime.unit, lifetime.source) == (Unit.YEAR, "day")
    assert "daily buckets" in lifetime.method


def test_a_short_lifetime_is_shown_in_months():
    lifetime = plan("lifetime", tz=BERLIN, now=NOW, installed=dt.date(2026, 2, 1))
    assert lifetime.unit is Unit.MONTH


def test_a_product_that_is_not_installed_has_no_lifetime():
    with pytest.raises(RangeError, match="not installed"):
        plan("lifetime", tz=BERLIN, now=NOW, installed=None)


@pytest.mark.parametrize(
    ("first", "last", "unit"),
    [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 2), Unit.HOUR),
        (dt.date(2026, 8, 1), dt.date(2026, 10, 31), Unit.DAY),
        (dt.date(2026, 1, 1), dt.date(2026, 10, 31), Unit.MONTH),
    ],
)
def test_the_bucket_size_follows_a_custom_range(first, last, unit):
    assert plan("custom", tz=BERLIN, now=NOW, first=first, last=last).unit is unit


def test_a_custom_range_ending_before_it_starts_is_refused():
    with pytest.raises(RangeError, match="before the start"):
        plan("custom", tz=BERLIN, now=NOW, first=dt.date(2026, 5, 2), last=dt.date(2026, 5, 1))


def test_a_custom_range_ending_in_the_future_is_refused():
    with pytest.raises(RangeError, match="in the future"):
        plan("custom", tz=BERLIN, now=NOW, first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 27))


def test_a_custom_range_beyond_the_upstreams_bucket_limit_is_refused():
    with pytest.raises(RangeError, match="10,000"):
        plan("custom", tz=BERLIN, now=NOW, first=dt.date(1990, 1, 1), last=dt.date(2026, 1, 1))
