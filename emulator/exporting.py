"""CSV and JSON writers of the export endpoint: pure functions from report chunks to bytes.

Numbers and timestamps are formatted a whole column at a time (``export_text``), and a row is
the join of its columns' cells. The writers take any iterable of chunks (``times`` and
``values``, as the simulation yields them) and yield one piece per chunk, so memory stays flat
however long the range is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from typing import Protocol

import numpy as np
from numpy import strings as nps

from emulator.export_text import format_numbers, format_times

# Export labels of the field catalogue (docs/upstream-api.md, "Field catalogue").
LABELS: dict[str, str] = {
    "gridPower": "Power_Grid",
    "householdPower": "Power_Household",
    "inverterPower": "inverterPower",
    "pvPower": "Power_PV",
    "powerElectronicsPower": "Power_Power Electronics",
    "stateOfCharge": "SOC_State of Charge",
    "status": "Status",
    "dcVoltage": "Voltage_DC",
    "electrolyteTemp": "Temperature_Electrolyte",
    "pumpTemp": "Temperature_Pump",
}
CATALOGUE: tuple[str, ...] = tuple(LABELS)
TEXT_FIELDS = frozenset({"status"})
# Used when the caller passes no status names; the views pass the simulation's STATUS_NAMES.
DEFAULT_STATUS_NAMES: tuple[str, ...] = ("charging", "discharging", "idle", "standby", "fault")
# Seconds of data per chunk the export asks the simulation for: numpy's per-call overhead is
# paid per chunk, so hours beat minutes (4 h: ~25 % faster than 1 h), while a chunk's text stays
# a few MB, so memory does not grow with the range.
CHUNK_SECONDS = 4 * 3600


class Chunk(Protocol):
    """What the writers read: the simulation's ``ReportChunk`` or anything shaped like it."""

    times: np.ndarray  # float64 UNIX seconds, ascending
    values: Mapping[str, np.ndarray]  # float64, NaN where the field did not report


# ---------------------------------------------------------------------------------------------
# Cells


def _status_lookup(names: Sequence[str] | Mapping[int, str] | None) -> dict[int, str]:
    if names is None:
        names = DEFAULT_STATUS_NAMES
    if isinstance(names, Mapping):
        return {int(k): str(val) for k, val in names.items()}
    return {i: str(name) for i, name in enumerate(names)}


def _text_cells(
    v: np.ndarray, lookup: dict[int, str], precision: int, quote: Callable[[str], str]
) -> np.ndarray:
    """Status codes → their names (passed through ``quote``); a code without a name stays a
    number rather than failing halfway through a stream."""
    out = format_numbers(v, precision)
    names = {code: quote(name).encode() for code, name in lookup.items()}
    width = max([out.dtype.itemsize, *(len(b) for b in names.values())])
    out = out.astype(f"S{width}")
    for code, name in names.items():
        out[v == code] = name
    return out


def _csv_quote(separator: str) -> Callable[[str], str]:
    """Quote a text cell the way ``csv`` does when it holds the separator or a quote."""

    def quote(cell: str) -> str:
        if separator in cell or '"' in cell or "\r" in cell or "\n" in cell:
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return quote


def _reported(chunk: Chunk, field: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The field's values and where they are real reports; None if it never reported."""
    v = chunk.values.get(field)
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float64)
    mask = np.isfinite(v)
    return (v, mask) if mask.any() else None


# ---------------------------------------------------------------------------------------------
# Writers


def csv_header(fields: Sequence[str], separator: str = ",") -> str:
    """``sep=`` line and header line, without a line break after the header."""
    quote = _csv_quote(separator)
    cells = ["Time", *(quote(LABELS[f]) for f in fields)]
    return f"sep={separator}\r\n" + separator.join(cells)


def iter_csv(
    chunks: Iterable[Chunk],
    fields: Sequence[str] = CATALOGUE,
    *,
    precision: int = 6,
    tz: int = 0,
    separator: str = ",",
    status_names: Sequence[str] | Mapping[int, str] | None = None,
) -> Iterator[bytes]:
    """The CSV export as UTF-8 pieces: ``sep=`` line and header, then one piece per chunk.

    Each piece *starts* with ``\\r\\n``, so the file never ends with a line break however the
    chunks fall (the public client hangs on a trailing empty line).
    """
    quote = _csv_quote(separator)
    lookup = _status_lookup(status_names)
    sep = separator.encode()
    yield csv_header(fields, separator).encode()
    for chunk in chunks:
        n = len(chunk.times)
        if n == 0:
            continue
        columns = [format_times(chunk.times, tz).tolist()]
        present = np.zeros(n, dtype=bool)
        for field in fields:
            found = _reported(chunk, field)
            if found is None:
                columns.append([b""] * n)
                continue
            v, mask = found
            present |= mask
            if field in TEXT_FIELDS:
                text = _text_cells(v[mask], lookup, precision, quote)
            else:
                text = format_numbers(v[mask], precision)
            cells = np.zeros(n, dtype=text.dtype)  # b"" where the field did not report
            cells[mask] = text
            columns.append(cells.tolist())
        # Joining the column lists row by row in C beats growing numpy string arrays.
        lines = list(map(sep.join, zip(*columns, strict=True)))
        if not present.all():
            lines = list(compress(lines, present.tolist()))
        if lines:
            yield b"\r\n" + b"\r\n".join(lines)


def iter_json(
    chunks: Iterable[Chunk],
    fields: Sequence[str] = CATALOGUE,
    *,
    precision: int = 6,
    tz: int = 0,
    status_names: Sequence[str] | Mapping[int, str] | None = None,
) -> Iterator[bytes]:
    """The JSON export as UTF-8 pieces of one array: ``{"time": iso, key: value, …}`` per
    row, holding only the fields that reported at that instant."""
    lookup = _status_lookup(status_names)
    keys = {f: ("," + json.dumps(f) + ":").encode() for f in fields}
    yield b"["
    first = True
    for chunk in chunks:
        n = len(chunk.times)
        if n == 0:
            continue
        columns = [nps.add(nps.add(b'{"time":"', format_times(chunk.times, tz)), b'"').tolist()]
        present = np.zeros(n, dtype=bool)
        for field in fields:
            found = _reported(chunk, field)
            if found is None:
                continue
            v, mask = found
            present |= mask
            if field in TEXT_FIELDS:
                text = _text_cells(v[mask], lookup, precision, json.dumps)
            else:
                text = format_numbers(v[mask], precision)
            text = nps.add(keys[field], text)
            cells = np.zeros(n, dtype=text.dtype)  # b"" where the field did not report
            cells[mask] = text
            columns.append(cells.tolist())
        lines = list(map(b"".join, zip(*columns, strict=True)))
        if not present.all():
            lines = list(compress(lines, present.tolist()))
        if lines:
            yield (b"\n" if first else b"\n,") + b"}\n,".join(lines) + b"}"
            first = False
    yield b"]" if first else b"\n]"
