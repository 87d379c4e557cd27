"""Joining upstream export pieces into one file: one header, \\r\\n between rows, none after."""

from __future__ import annotations

import csv
import io
import json

import pytest

from products.client import UpstreamUnavailable
from products.export import MAX_PIECE_SECONDS, CsvJoiner, JsonJoiner, filename, joined, pieces

HEAD = b"sep=;\r\nTime;Power_PV"


def join(joiner, chunks: list[list[bytes]]) -> bytes:
    out = b""
    for chunk in chunks:
        joiner.begin()
        for data in chunk:
            out += joiner.feed(data)
        out += joiner.end()
    if isinstance(joiner, JsonJoiner):
        out += joiner.close()
    return out


def split_bytes(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_csv_pieces_become_one_file_with_one_header(size):
    first = HEAD + b"\r\nT1;1\r\nT2;2"
    second = HEAD + b"\r\nT3;3"
    out = join(CsvJoiner(), [split_bytes(first, size), split_bytes(second, size)])
    assert out == b"sep=;\r\nTime;Power_PV\r\nT1;1\r\nT2;2\r\nT3;3"


def test_the_joined_csv_has_no_line_break_after_the_last_row_even_if_a_piece_had_one():
    out = join(CsvJoiner(), [[HEAD + b"\r\nT1;1\r\n"], [HEAD + b"\r\nT2;2\r\n"]])
    assert out == b"sep=;\r\nTime;Power_PV\r\nT1;1\r\nT2;2"


def test_csv_pieces_without_rows_add_nothing():
    out = join(CsvJoiner(), [[HEAD], [HEAD + b"\r\n"], [HEAD + b"\r\nT9;9"], [HEAD]])
    assert out == b"sep=;\r\nTime;Power_PV\r\nT9;9"


def test_a_joined_csv_parses_with_pythons_csv_module():
    out = join(CsvJoiner(), [[HEAD + b"\r\nT1;1.5"], [HEAD + b"\r\nT2;"]]).decode()
    lines = out.split("\r\n")
    assert lines[0] == "sep=;"
    rows = list(csv.reader(io.StringIO("\r\n".join(lines[1:])), delimiter=";"))
    assert rows == [["Time", "Power_PV"], ["T1", "1.5"], ["T2", ""]]


@pytest.mark.parametrize("size", [1, 4, 1000])
def test_json_pieces_become_one_array(size):
    first = b'[\n{"time":"a","pvPower":1}\n,{"time":"b"}\n]'
    empty = b"[]"
    third = b' [{"time":"c"}] '
    out = join(JsonJoiner(), [split_bytes(p, size) for p in (first, empty, third)])
    assert json.loads(out) == [{"time": "a", "pvPower": 1}, {"time": "b"}, {"time": "c"}]


def test_json_of_only_empty_pieces_is_an_empty_array():
    assert json.loads(join(JsonJoiner(), [[b"[\n]"], [b"[]"]])) == []


def test_a_json_piece_that_is_not_an_array_is_refused():
    with pytest.raises(ValueError, match="not an array"):
        join(JsonJoiner(), [[b'{"errors": []}']])


def test_pieces_cover_the_range_in_31_day_steps_without_overlap():
    spans = pieces(0, 90 * 86400)
    assert len(spans) == 3
    assert spans[0] == (0, MAX_PIECE_SECONDS - 0.0005)
    assert spans[1][0] == MAX_PIECE_SECONDS
    assert spans[-1][1] == 90 * 86400
    assert all(b - a <= MAX_PIECE_SECONDS for a, b in spans)


def test_the_file_name_carries_the_serial_number_and_the_dates():
    assert filename("AA00001", "2026-08-01", "2026-10-29", "csv") == (
        "AA00001_2026-08-01_2026-10-29.csv"
    )
    assert filename('A"/B', "x", "y", "json") == "A-B_x_y.json"


async def test_pieces_are_fetched_one_after_the_other_into_one_file():
    opened: list[tuple[float, float]] = []

    async def piece(rows: bytes):
        yield HEAD + rows

    async def open_piece(start: float, end: float):
        opened.append((start, end))
        return piece(f"\r\nT{len(opened) + 1};{start:.0f}".encode())

    spans = pieces(0, 70 * 86400)
    out = b"".join([b async for b in joined("csv", spans, open_piece, piece(b"\r\nT1;0"))])
    assert opened == spans[1:]  # the first piece was opened before the response started
    assert out == b"sep=;\r\nTime;Power_PV\r\nT1;0\r\nT2;2678400\r\nT3;5356800"


async def test_a_piece_that_fails_mid_file_aborts_the_download_instead_of_ending_it_quietly():
    async def piece():
        yield HEAD + b"\r\nT1;1"

    async def open_piece(start: float, end: float):
        raise UpstreamUnavailable("VoltStorage API unreachable")

    stream = joined("csv", pieces(0, 40 * 86400), open_piece, piece())
    received = []
    with pytest.raises(UpstreamUnavailable):
        async for data in stream:
            received.append(data)
    assert b"".join(received) == HEAD + b"\r\nT1;1"
