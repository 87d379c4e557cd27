"""The export writers and RDP as pure functions over synthetic report chunks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from decimal import Decimal

import numpy as np
import pytest

from emulator.export_text import format_number, format_numbers, format_times
from emulator.exporting import LABELS, iter_csv, iter_json
from emulator.rdp import rdp_keep, simplify_chunks
from emulator.simulation import ReportChunk

NAN = np.nan
T0 = 1585138841.562  # 2020-03-25T12:20:41.562Z, the seed's first row


def chunk(times, **values) -> ReportChunk:
    n = len(times)
    return ReportChunk(
        times=np.asarray(times, dtype=float),
        values={
            k: np.asarray(v, dtype=float) if v is not None else np.full(n, NAN)
            for k, v in values.items()
        },
    )


def reference(x: float, precision: int) -> str:
    """Exact decimal rounding, plain notation: what the contract asks for."""
    text = format(Decimal(f"{x:.{precision - 1}e}").normalize(), "f")
    return "0" if text in ("0", "-0") else text


def text(pieces) -> str:
    return b"".join(pieces).decode()


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (815.662, 6, "815.662"),
        (-49.8754, 6, "-49.8754"),
        (0.611868, 6, "0.611868"),
        (0.0, 6, "0"),
        (-0.0, 6, "0"),
        (18154876.0, 6, "18154900"),
        (0.0000123, 6, "0.0000123"),
        (999999.7, 6, "1000000"),
        (433.1049999, 6, "433.105"),
        (1.0, 6, "1"),
        (-2.5, 1, "-2"),  # an exact tie rounds half to even, as format() does
        (0.35, 1, "0.3"),  # 0.35 is 0.34999… in binary
        (1e20, 6, "100000000000000000000"),
        (1.5e-20, 6, "0.000000000000000000015"),
        (123456789.123456789, 15, "123456789.123457"),
        (float("nan"), 6, ""),
    ],
)
def test_numbers_have_significant_digits_and_never_an_exponent(value, precision, expected):
    assert format_number(value, precision) == expected


@pytest.mark.parametrize("precision", range(1, 16))
def test_numbers_match_exact_decimal_rounding_at_every_precision(precision):
    rng = np.random.default_rng(precision)
    values = rng.normal(0, 1, 3000) * 10.0 ** rng.integers(-18, 18, 3000)
    values[::5] = np.round(values[::5], 2)  # many near-ties
    values[::13] = 0
    got = [s.decode() for s in format_numbers(values, precision).tolist()]
    assert got == [reference(x, precision) for x in values.tolist()]


def test_a_precision_outside_1_to_15_is_refused():
    with pytest.raises(ValueError, match="precision"):
        format_numbers(np.array([1.0]), 16)


# --- timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (0, "2020-03-25T12:20:41.562+00:00"),
        (60, "2020-03-25T13:20:41.562+01:00"),
        (-330, "2020-03-25T06:50:41.562-05:30"),
        (720, "2020-03-26T00:20:41.562+12:00"),
    ],
)
def test_timestamps_are_iso_with_milliseconds_and_the_offset(tz, expected):
    assert format_times(np.array([T0]), tz)[0].decode() == expected


def test_timestamps_agree_with_datetime_over_a_long_sparse_range():
    times = np.sort(np.random.default_rng(1).uniform(0, 4e9, 500))
    offset = dt.timezone(dt.timedelta(minutes=-90))
    got = [s.decode() for s in format_times(times, -90).tolist()]
    for t, s in zip(times.tolist(), got, strict=True):
        assert abs(dt.datetime.fromisoformat(s).timestamp() - t) <= 0.0005 + 1e-6
        assert s == dt.datetime.fromtimestamp(round(t * 1000) / 1000, offset).isoformat(
            timespec="milliseconds"
        )


# --- CSV -------------------------------------------------------------------------------------


def sample_chunks() -> list[ReportChunk]:
    return [
        chunk([T0, T0 + 1], gridPower=[-49.8754, -71.7332], stateOfCharge=[0.611868, NAN]),
        chunk([T0 + 2], gridPower=[NAN], stateOfCharge=[NAN]),  # nothing reported
        chunk([T0 + 3], gridPower=[NAN], stateOfCharge=[0.611709]),
    ]


def test_the_csv_starts_with_sep_and_the_header_and_has_no_final_line_break():
    out = text(iter_csv(sample_chunks(), ["gridPower", "stateOfCharge"]))
    assert out == (
        "sep=,\r\n"
        "Time,Power_Grid,SOC_State of Charge\r\n"
        "2020-03-25T12:20:41.562+00:00,-49.8754,0.611868\r\n"
        "2020-03-25T12:20:42.562+00:00,-71.7332,\r\n"
        "2020-03-25T12:20:44.562+00:00,,0.611709"
    )


def test_the_separator_applies_to_the_header_and_every_row():
    out = text(iter_csv(sample_chunks(), ["gridPower", "stateOfCharge"], separator=";;"))
    lines = out.split("\r\n")
    assert lines[0] == "sep=;;"
    assert lines[1] == "Time;;Power_Grid;;SOC_State of Charge"
    assert lines[3] == "2020-03-25T12:20:42.562+00:00;;-71.7332;;"
    assert all(len(line.split(";;")) == 3 for line in lines[1:])


def test_a_csv_without_data_is_the_sep_line_and_the_header():
    assert text(iter_csv([], ["pvPower"])) == "sep=,\r\nTime,Power_PV"


def test_every_field_has_its_label_and_status_is_text():
    fields = list(LABELS)
    values = {f: [1.5] for f in fields} | {"status": [1.0]}
    out = text(iter_csv([chunk([T0], **values)], fields, status_names=("a", "b")))
    header, row = out.split("\r\n")[1:]
    assert header.split(",") == ["Time", *LABELS.values()]
    assert row.split(",")[1:] == ["1.5"] * 6 + ["b"] + ["1.5"] * 3


def test_cells_holding_the_separator_are_quoted_so_csv_reads_them():
    out = text(iter_csv(sample_chunks(), ["powerElectronicsPower", "gridPower"], separator=" "))
    assert out.split("\r\n")[1] == 'Time "Power_Power Electronics" Power_Grid'
    rows = list(csv.reader(io.StringIO(out.split("\r\n", 1)[1]), delimiter=" "))
    assert rows[0] == ["Time", "Power_Power Electronics", "Power_Grid"]


def test_precision_and_tz_reach_the_rows():
    out = text(iter_csv(sample_chunks(), ["gridPower"], precision=2, tz=60))
    assert out.split("\r\n")[2] == "2020-03-25T13:20:41.562+01:00,-50"


# --- JSON ------------------------------------------------------------------------------------


def test_the_json_holds_only_the_fields_that_reported():
    out = text(iter_json(sample_chunks(), ["gridPower", "stateOfCharge", "status"]))
    assert json.loads(out) == [
        {"time": "2020-03-25T12:20:41.562+00:00", "gridPower": -49.8754, "stateOfCharge": 0.611868},
        {"time": "2020-03-25T12:20:42.562+00:00", "gridPower": -71.7332},
        {"time": "2020-03-25T12:20:44.562+00:00", "stateOfCharge": 0.611709},
    ]


def test_json_status_is_a_string_and_an_empty_export_is_an_empty_array():
    out = text(iter_json([chunk([T0], status=[4.0])], ["status"]))
    assert json.loads(out) == [{"time": "2020-03-25T12:20:41.562+00:00", "status": "fault"}]
    assert json.loads(text(iter_json([], ["status"]))) == []


# --- RDP -------------------------------------------------------------------------------------


def _max_deviation(x, y, kept) -> float:
    """Largest perpendicular distance of any point from the line through its kept neighbours."""
    worst = 0.0
    for a, b in itertools.pairwise(kept):
        dx, dy = x[b] - x[a], y[b] - y[a]
        px, py = x[a + 1 : b] - x[a], y[a + 1 : b] - y[a]
        if b - a > 1:
            worst = max(worst, float(np.max(np.abs(dx * py - dy * px)) / np.hypot(dx, dy)))
    return worst


def test_rdp_keeps_the_endpoints_and_bounds_the_error():
    x = np.linspace(0, 1, 5000)
    y = np.sin(x * 20) * 0.5 + 0.5 + np.random.default_rng(2).normal(0, 0.002, x.size)
    kept = rdp_keep(x, y, 0.01)
    assert kept[0] == 0 and kept[-1] == x.size - 1
    assert 10 < kept.size < 500
    assert _max_deviation(x, y, kept) <= 0.01


def day_of_chunks(n_chunks: int = 6, per_chunk: int = 600) -> list[ReportChunk]:
    rng = np.random.default_rng(3)
    out = []
    for c in range(n_chunks):
        t = T0 + c * per_chunk + np.arange(per_chunk)
        power = 1000 * np.sin(t / 500) + rng.normal(0, 5, per_chunk)
        power[rng.random(per_chunk) < 0.3] = NAN
        status = np.where(np.arange(per_chunk) % 100 == 0, (c + 1) % 5, NAN)
        out.append(chunk(t, gridPower=power, status=status))
    return out


def test_simplified_chunks_keep_the_global_endpoints_and_bound_the_error():
    chunks = day_of_chunks()
    t1 = T0 + 3600
    thin = list(
        simplify_chunks(lambda: iter(chunks), ["gridPower", "status"], t0=T0, t1=t1, tolerance=0.01)
    )
    times = np.concatenate([c.times for c in chunks])
    power = np.concatenate([c.values["gridPower"] for c in chunks])
    have = np.isfinite(power)
    kept_t = np.concatenate([c.times[np.isfinite(c.values["gridPower"])] for c in thin])
    assert kept_t[0] == times[have][0] and kept_t[-1] == times[have][-1]
    assert kept_t.size < have.sum() / 5
    x = (times[have] - T0) / (t1 - T0)
    lo, hi = power[have].min(), power[have].max()
    y = (power[have] - lo) / (hi - lo)
    kept = np.searchsorted(times[have], kept_t)
    assert _max_deviation(x, y, kept) <= 0.01 + 1e-12
    # Status is a category, never simplified; rows appear only where something was kept.
    status = np.concatenate([c.values["status"] for c in thin])
    assert np.isfinite(status).sum() == sum(np.isfinite(c.values["status"]).sum() for c in chunks)
    for c in thin:
        assert (np.isfinite(c.values["gridPower"]) | np.isfinite(c.values["status"])).all()


def test_tolerance_zero_is_lossless():
    chunks = day_of_chunks(2)
    same = list(
        simplify_chunks(lambda: iter(chunks), ["gridPower"], t0=T0, t1=T0 + 1200, tolerance=0)
    )
    assert [c.times.tolist() for c in same] == [c.times.tolist() for c in chunks]


def test_a_non_ascii_separator_is_written_as_utf8():
    out = text(iter_csv(sample_chunks(), ["gridPower", "stateOfCharge"], separator="§"))
    assert out.split("\r\n")[:3] == [
        "sep=§",
        "Time§Power_Grid§SOC_State of Charge",
        "2020-03-25T12:20:41.562+00:00§-49.8754§0.611868",
    ]


def test_the_labels_cover_the_simulations_fields_in_catalogue_order():
    from emulator.simulation import FIELDS

    assert tuple(LABELS) == FIELDS
