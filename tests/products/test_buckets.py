"""Merging the upstream's UTC hourly buckets into local days, months and years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from products.buckets import group_buckets, kpis, merge_rows
from products.periods import Unit, hour_label, local_midnight, periods

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def hourly_row(ts: int, *, pv: float = 3.6e6, eff: float = 0.9, n: int = 60) -> dict:
    """An upstream hourly bucket: 1 kWh of PV, a DC efficiency from ``n`` samples."""
    return {
        "timespan_start": ts,
        "pv-total": pv,
        "consumption-total": 7.2e6,
        "storage-total-stored": 1.8e6,
        "storage-total-released": 0.9e6,
        "max-temperature": 30.0,
        "dc-efficiency": {"nSamples": n, "value": eff},
        "self-sufficiency": {"totalWeight": 7.2e6, "value": 0.5},
    }


def utc(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=UTC).timestamp())


def test_it_adds_energies_and_keeps_the_highest_temperature():
    merged = merge_rows(
        [
            {"timespan_start": 3600, "pv-total": 100.0, "max-temperature": 31.5},
            {"timespan_start": 0, "pv-total": 50.0, "max-temperature": 35.0},
        ]
    )
    assert merged["pv-total"] == 150.0
    assert merged["max-temperature"] == 35.0
    assert merged["timespan_start"] == 0


def test_it_weights_means_by_their_number_of_samples():
    merged = merge_rows(
        [
            {"dc-efficiency": {"nSamples": 1380, "value": 0.9}},
            {"dc-efficiency": {"nSamples": 60, "value": 0.5}},
        ]
    )
    assert merged["dc-efficiency"]["nSamples"] == 1440
    assert merged["dc-efficiency"]["value"] == pytest.approx((0.9 * 1380 + 0.5 * 60) / 1440)


def test_it_weights_self_sufficiency_by_total_weight_not_by_samples():
    merged = merge_rows(
        [
            {"self-sufficiency": {"totalWeight": 9e6, "value": 1.0}},
            {"self-sufficiency": {"totalWeight": 1e6, "value": 0.0}},
        ]
    )
    assert merged["self-sufficiency"] == {"totalWeight": 10e6, "value": pytest.approx(0.9)}


def test_a_mean_without_samples_is_unknown_not_zero():
    merged = merge_rows([{"ac-efficiency": {"nSamples": 0, "value": 0.0}}])
    assert merged["ac-efficiency"]["value"] is None


def test_keys_that_no_bucket_carries_stay_absent():
    assert "pv-total" not in merge_rows([{"timespan_start": 0, "consumption-total": 1.0}])


def test_a_spring_forward_day_in_berlin_has_23_hours():
    start = local_midnight(dt.date(2026, 3, 29), BERLIN)
    end = local_midnight(dt.date(2026, 3, 30), BERLIN)
    rows = [hourly_row(int(start.timestamp()) + 3600 * h) for h in range(23)]
    (day,) = group_buckets(rows, tz=BERLIN, unit=Unit.DAY, start=start, end=end)
    assert day.hours == 23
    assert day.parts == 23
    assert day.row["pv-total"] == pytest.approx(23 * 3.6e6)
    assert day.label == "Sun 29 Mar"


def test_a_fall_back_day_in_berlin_has_25_hours():
    start = local_midnight(dt.date(2026, 10, 25), BERLIN)
    end = local_midnight(dt.date(2026, 10, 26), BERLIN)
    rows = [hourly_row(int(start.timestamp()) + 3600 * h) for h in range(26)]
    day, next_day = group_buckets(
        rows, tz=BERLIN, unit=Unit.DAY, start=start, end=end + dt.timedelta(days=1)
    )
    assert day.hours == 25
    assert day.parts == 25
    assert next_day.parts == 1  # the 26th hour belongs to Monday


def test_a_local_day_starts_at_local_midnight_not_at_utc_midnight():
    start = local_midnight(dt.date(2026, 7, 1), BERLIN)  # 22:00 UTC on 30 June
    rows = [
        hourly_row(utc(2026, 6, 30, 21)),  # 23:00 local on 30 June
        hourly_row(utc(2026, 6, 30, 22)),  # 00:00 local on 1 July
    ]
    (day,) = group_buckets(
        rows, tz=BERLIN, unit=Unit.DAY, start=start, end=start + dt.timedelta(days=1)
    )
    assert day.parts == 1
    assert day.start.utcoffset() == dt.timedelta(hours=2)


def test_days_without_data_are_gaps_not_zeros():
    start = local_midnight(dt.date(2026, 11, 20), BERLIN)
    end = local_midnight(dt.date(2026, 11, 23), BERLIN)
    rows = [hourly_row(int(start.timestamp()) + 3600 * h) for h in (1, 50)]
    buckets = group_buckets(rows, tz=BERLIN, unit=Unit.DAY, start=start, end=end)
    assert [b.row is None for b in buckets] == [False, True, False]


def test_months_merge_the_weighted_means_of_their_hours():
    start = local_midnight(dt.date(2026, 1, 1), BERLIN)
    end = local_midnight(dt.date(2026, 3, 1), BERLIN)
    rows = [
        hourly_row(utc(2026, 1, 10, 12), eff=0.8, n=60),
        hourly_row(utc(2026, 1, 11, 12), eff=1.0, n=20),
        hourly_row(utc(2026, 2, 3, 12), eff=0.5, n=60),
    ]
    january, february = group_buckets(rows, tz=BERLIN, unit=Unit.MONTH, start=start, end=end)
    assert january.label == "Jan 2026"
    assert january.row["dc-efficiency"]["value"] == pytest.approx((0.8 * 60 + 1.0 * 20) / 80)
    assert february.row["dc-efficiency"]["value"] == pytest.approx(0.5)


def test_daily_upstream_buckets_go_to_the_month_of_their_utc_date():
    start = local_midnight(dt.date(2025, 1, 1), BERLIN)
    end = local_midnight(dt.date(2025, 3, 1), BERLIN)
    # 00:00 UTC on 1 Feb is 01:00 local on 1 Feb: February either way. 31 Jan stays January.
    rows = [hourly_row(utc(2025, 1, 31)), hourly_row(utc(2025, 2, 1))]
    january, february = group_buckets(
        rows, tz=BERLIN, unit=Unit.MONTH, start=start, end=end, source="day"
    )
    assert (january.parts, february.parts) == (1, 1)


def test_the_repeated_hour_of_a_fall_back_day_is_labelled_with_its_zone():
    start = local_midnight(dt.date(2026, 10, 25), BERLIN)
    spans = periods(start, local_midnight(dt.date(2026, 10, 26), BERLIN), Unit.HOUR, BERLIN)
    labels = [label for _, _, label in spans]
    assert len(spans) == 25
    assert len(set(labels)) == 25
    assert labels[2:4] == ["Sun 02:00 CEST", "Sun 02:00 CET"]


def test_the_missing_hour_of_a_spring_forward_day_is_skipped():
    start = local_midnight(dt.date(2026, 3, 29), BERLIN)
    end = start.astimezone(UTC) + dt.timedelta(hours=4)
    labels = [label for _, _, label in periods(start, end, Unit.HOUR, BERLIN)]
    assert labels == ["Sun 00:00", "Sun 01:00", "Sun 03:00", "Sun 04:00"]


def test_an_hour_label_names_the_weekday_in_local_time():
    moment = dt.datetime(2026, 11, 25, 23, 30, tzinfo=UTC).astimezone(BERLIN)
    assert hour_label(moment.replace(minute=0)) == "Thu 00:00"


def test_kpis_are_kwh_and_weighted_ratios():
    rows = [hourly_row(0, pv=3.6e6, eff=0.9, n=30), hourly_row(3600, pv=7.2e6, eff=0.6, n=60)]
    result = kpis(rows)
    assert result.produced_kwh == pytest.approx(3.0)
    assert result.consumed_kwh == pytest.approx(4.0)
    assert result.stored_kwh == pytest.approx(1.0)
    assert result.released_kwh == pytest.approx(0.5)
    assert result.dc_efficiency == pytest.approx(0.7)
    assert result.self_sufficiency == pytest.approx(0.5)
    assert result.ac_efficiency is None


def test_kpis_of_no_data_are_all_unknown():
    result = kpis([])
    assert result.produced_kwh is None
    assert result.self_sufficiency is None
