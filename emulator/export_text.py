"""Numbers and timestamps as the export writes them, a whole column at a time.

Formatting 86,400 rows one value at a time (``format(v, ".6g")``) is the slow part of an
export, so here the work is numpy's: integer arithmetic for the digits, table lookups for the
text of small integers and of seconds-of-a-minute, and ``numpy.strings`` concatenation on
fixed-width byte strings (``S`` arrays: numpy indexes and concatenates those far faster than
its variable-width string type). Only values that sit on a rounding tie, or outside
1e-15..1e15, take the exact but slow ``Decimal`` path.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import numpy as np
from numpy import strings as nps

_IPOW10 = 10 ** np.arange(19, dtype=np.int64)
# float(10**k) is correctly rounded; exact up to 10**22.
_FPOW10 = np.array([float(10**k) for k in range(31)])
# Inside this magnitude window the fast path is exact: the scaled mantissa stays under 2**53
# and every power of ten it needs is in the tables.
_FAST_MIN, _FAST_MAX = 1e-15, 1e15


# ---------------------------------------------------------------------------------------------
# Numbers


def format_number(value: float, precision: int = 6) -> str:
    """One number as the export writes it (for tests and single values)."""
    return format_numbers(np.array([value], dtype=np.float64), precision)[0].decode()


def format_numbers(values: np.ndarray, precision: int = 6) -> np.ndarray:
    """Finite floats → ASCII bytes with ``precision`` significant digits, plain decimal
    notation (never an exponent), trailing zeros dropped: ``815.662``, ``18154900``,
    ``0.0000123``. NaN and infinities give ``b""``.

    Returns a fixed-width bytes (``S``) array: numpy indexes and concatenates those far faster
    than its variable-width string type, which is what makes the writers fast.
    """
    if not 1 <= precision <= 15:
        raise ValueError(f"precision must be in [1, 15], got {precision}")
    v = np.asarray(values, dtype=np.float64)
    a = np.abs(v)
    fast = (a >= _FAST_MIN) & (a < _FAST_MAX)
    if fast.all():
        return _format_fast(v, a, precision)
    out: np.ndarray = np.full(v.shape, b"0", dtype="S1")
    out[~np.isfinite(v)] = b""
    if fast.any():
        part = _format_fast(v[fast], a[fast], precision)
        out = out.astype(part.dtype)
        out[fast] = part
    slow = np.isfinite(v) & ~fast & (a != 0)
    if slow.any():
        part = np.array([_format_slow(x, precision) for x in v[slow].tolist()], dtype="S")
        if part.dtype.itemsize > out.dtype.itemsize:
            out = out.astype(part.dtype)
        out[slow] = part
    return out


def _format_fast(v: np.ndarray, a: np.ndarray, p: int) -> np.ndarray:
    # value ≈ m · 10**-d with m an integer of exactly p digits (before dropping zeros).
    d = (p - 1) - np.floor(np.log10(a)).astype(np.int64)
    raw = _scaled(a, d)
    m = np.rint(raw)
    doubt = _near_half(raw)
    # log10 can be off by one next to powers of ten, and rounding can carry to p+1 digits.
    for wrong, step in ((m >= _FPOW10[p], -1), (m < _FPOW10[p - 1], 1)):
        if wrong.any():
            d[wrong] += step
            raw[wrong] = _scaled(a[wrong], d[wrong])
            m[wrong] = np.rint(raw[wrong])
    mi = m.astype(np.int64)
    # Drop trailing zeros of the fraction.
    while True:
        z = (d > 0) & (mi % 10 == 0)
        if not z.any():
            break
        mi[z] //= 10
        d[z] -= 1
    frac = d > 0
    pw = _IPOW10[np.clip(np.abs(d), 0, 18)]
    out = _digits(np.where(frac, mi // pw, mi * pw))
    if frac.any():
        tail = nps.add(b".", _padded_digits(mi[frac] % pw[frac], d[frac]))
        out = out.astype(f"S{out.dtype.itemsize + tail.dtype.itemsize}")
        out[frac] = nps.add(out[frac], tail)
    neg = v < 0
    if neg.any():
        out = out.astype(f"S{out.dtype.itemsize + 1}")
        out[neg] = nps.add(b"-", out[neg])
    doubt |= _near_half(raw)
    if doubt.any():
        slow = np.array([_format_slow(x, p) for x in v[doubt].tolist()], dtype="S")
        out = out.astype(f"S{max(out.dtype.itemsize, slow.dtype.itemsize)}")
        out[doubt] = slow
    return out


# Integer → text by table lookup: numpy's own int → str conversion costs ~100 ns a value,
# a lookup in these tables ~10 ns.
_DIGITS = np.array([str(i).encode() for i in range(10_000)], dtype="S4")
_PADDED = [np.array([b""], dtype="S1")] + [
    np.array([f"{i:0{w}d}".encode() for i in range(10**w)], dtype=f"S{w}") for w in range(1, 5)
]


def _digits(x: np.ndarray) -> np.ndarray:
    """Non-negative int64 → decimal text."""
    if x.size and x.max() < 10_000:
        return _DIGITS[x]
    out = np.empty(x.shape, dtype="S19")
    small = x < 10_000
    out[small] = _DIGITS[x[small]]
    big = x[~small]
    out[~small] = nps.add(_digits(big // 10_000), _PADDED[4][big % 10_000])
    return out


def _padded_digits(x: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Non-negative int64 → decimal text zero-padded to ``width`` (x < 10**width)."""
    out = np.empty(x.shape, dtype=f"S{max(int(width.max()), 1) if width.size else 1}")
    for w in np.unique(width).tolist():
        sel = width == w
        xs = x[sel]
        if w <= 4:
            out[sel] = _PADDED[w][xs]
        else:
            hi = _padded_digits(xs // 10_000, np.full(xs.shape, w - 4))
            out[sel] = nps.add(hi, _PADDED[4][xs % 10_000])
    return out


def _near_half(raw: np.ndarray) -> np.ndarray:
    """Where the scaled value lies so close to a rounding half that its one rounding error
    (the multiplication) may have flipped the side: only exact decimals can decide those."""
    return np.abs(np.abs(raw - np.floor(raw)) - 0.5) <= 4 * np.spacing(raw)


def _scaled(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """a · 10**d, multiplying or dividing by an exact power of ten (one rounding error)."""
    up = a * _FPOW10[np.clip(d, 0, 30)]
    down = a / _FPOW10[np.clip(-d, 0, 30)]
    return np.where(d >= 0, up, down)


def _format_slow(x: float, p: int) -> bytes:
    """Exact for any magnitude; used outside the fast window (1e-15 .. 1e15) and for ties."""
    s = format(Decimal(f"{x:.{p - 1}e}").normalize(), "f")
    return b"0" if s in ("0", "-0") else s.encode()


# ---------------------------------------------------------------------------------------------
# Timestamps


def tz_suffix(tz_minutes: int) -> str:
    """``60`` → ``+01:00``; ``-330`` → ``-05:30``."""
    sign = "-" if tz_minutes < 0 else "+"
    hours, minutes = divmod(abs(tz_minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


@lru_cache(maxsize=8)
def _second_table(suffix: str) -> np.ndarray:
    """``SS.mmm`` + offset for every millisecond of a minute (60,000 short byte strings)."""
    r = np.arange(60_000)
    table = nps.add(nps.add(_PADDED[2][r // 1000], b"."), _PADDED[3][r % 1000])
    table = nps.add(table, suffix.encode())
    table.flags.writeable = False
    return table


def format_times(times: np.ndarray, tz_minutes: int = 0) -> np.ndarray:
    """UNIX seconds → ISO-8601 bytes with milliseconds and offset,
    ``2020-03-25T12:20:41.562+00:00``.

    Only the distinct minutes go through ``datetime_as_string`` (60 per hour of data); seconds
    and milliseconds come from a table, so a row costs two lookups and one concatenation.
    """
    ms = np.rint(np.asarray(times, dtype=np.float64) * 1000.0).astype(np.int64)
    if ms.size == 0:
        return np.array([], dtype="S29")
    minute, rest = np.divmod(ms + tz_minutes * 60_000, 60_000)
    lo = int(minute.min())
    span = int(minute.max()) - lo + 1
    if span <= 2 * ms.size + 1440:
        distinct, where = np.arange(lo, lo + span), minute - lo
    else:  # a few instants spread over a long time: format only those minutes
        distinct, where = np.unique(minute, return_inverse=True)
    heads = np.datetime_as_string(distinct.astype("datetime64[m]"), unit="m").astype("S")
    heads = nps.add(heads, b":")
    return nps.add(heads[where], _second_table(tz_suffix(tz_minutes))[rest])
