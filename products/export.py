"""One export file from several upstream exports: the upstream answers at most 31 days per
request, so longer ranges are fetched piece by piece and joined into one file with one header.

The joiners work on byte pieces as they arrive (memory stays flat however long the range):
- CSV: each piece starts with ``sep=<separator>`` and the header; the first piece's two lines
  are kept and later pieces' dropped. Rows are joined with ``\\r\\n`` and, as the contract
  demands, there is no line break after the last row (the public client reads a trailing empty
  line as an invalid timestamp).
- JSON: each piece is an array; the file is one array of all their objects.

Pieces must not overlap: the contract leaves open whether ``to`` is inclusive, so a piece ends
half a millisecond before the next one starts (timestamps have millisecond resolution), and
no report is written twice or lost.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

MAX_PIECE_SECONDS = 31 * 86400
PIECE_GAP = 0.0005

_TRAILING_BREAK = re.compile(rb"(\r\n|\r)$")
_TRAILING_CLOSE = re.compile(rb"\s*\]?\s*$")


def pieces(start: float, end: float, limit: int = MAX_PIECE_SECONDS) -> list[tuple[float, float]]:
    """``[start, end)`` cut into upstream requests of at most ``limit`` seconds each."""
    out = []
    at = start
    while at < end:
        nxt = min(at + limit, end)
        out.append((at, nxt - PIECE_GAP if nxt < end else nxt))
        at = nxt
    return out


class CsvJoiner:
    """Feed each piece's bytes between ``begin()`` and ``end()``; emit what they return."""

    def __init__(self) -> None:
        self.header: bytes | None = None
        self._head = b""
        self._in_head = True
        self._held = b""
        self._rows_started = False

    def begin(self) -> None:
        self._head = b""
        self._in_head = True
        self._held = b""
        self._rows_started = False

    def _take_head(self, final: bool) -> tuple[bytes, bytes] | None:
        """(head lines, rest) once the ``sep=`` line and the header are complete."""
        lines = 2 if self._head.startswith(b"sep=") else 1
        parts = self._head.split(b"\r\n", lines)
        if len(parts) > lines:
            return b"\r\n".join(parts[:lines]), parts[lines]
        if final:
            return self._head.rstrip(b"\r\n"), b""
        return None

    def feed(self, data: bytes) -> bytes:
        if self._in_head:
            self._head += data
            taken = self._take_head(final=False)
            if taken is None:
                return b""
            return self._finish_head(*taken) + self._rows(taken[1])
        return self._rows(data)

    def _finish_head(self, head: bytes, rest: bytes) -> bytes:
        self._in_head = False
        if self.header is None:
            self.header = head
            return head
        return b""  # later pieces repeat the header: dropped

    def _rows(self, data: bytes) -> bytes:
        data = self._held + data
        if not data:
            return b""
        match = _TRAILING_BREAK.search(data)
        self._held = match.group(0) if match else b""
        body = data[: len(data) - len(self._held)]
        if not body:
            return b""
        if not self._rows_started:
            self._rows_started = True
            return b"\r\n" + body  # the break after the header or the previous piece's last row
        return body

    def end(self) -> bytes:
        out = b""
        if self._in_head:
            taken = self._take_head(final=True)
            assert taken is not None
            out = self._finish_head(*taken) + self._rows(taken[1])
        self._held = b""  # a trailing break after a piece's last row is never written
        return out


class JsonJoiner:
    """Joins JSON array pieces into one array; feed like ``CsvJoiner``, then ``close()``."""

    def __init__(self) -> None:
        self._any = False
        self._opened = False
        self._held = b""
        self._piece_started = False
        self._piece_content = False

    def begin(self) -> None:
        self._held = b""
        self._piece_started = False
        self._piece_content = False

    def feed(self, data: bytes) -> bytes:
        out = b""
        if not self._opened:
            self._opened = True
            out = b"["
        if not self._piece_started:
            data = data.lstrip()
            if not data:
                return out
            if not data.startswith(b"["):
                raise ValueError("an upstream JSON export piece is not an array")
            self._piece_started = True
            data = data[1:]
        data = self._held + data
        match = _TRAILING_CLOSE.search(data)
        self._held = match.group(0) if match else b""
        body = data[: len(data) - len(self._held)]
        if not self._piece_content:
            body = body.lstrip()
            if not body:
                return out
            self._piece_content = True
            if self._any:
                out += b","
            self._any = True
        return out + body

    def end(self) -> bytes:
        if self._piece_started and b"]" not in self._held:
            raise ValueError("an upstream JSON export piece ended before its array closed")
        self._held = b""
        return b""

    def close(self) -> bytes:
        return b"]" if self._opened else b"[]"


Opener = Callable[[float, float], Awaitable[AsyncIterator[bytes]]]


async def joined(
    fmt: str, spans: list[tuple[float, float]], open_piece: Opener, first: AsyncIterator[bytes]
) -> AsyncIterator[bytes]:
    """The whole file: ``first`` is the already opened first piece (opened before the response
    starts, so a rejected request still becomes an error page); the rest are opened one after
    the other, so only one upstream export is open at a time."""
    joiner: CsvJoiner | JsonJoiner = CsvJoiner() if fmt == "csv" else JsonJoiner()
    for index, (a, b) in enumerate(spans):
        stream = first if index == 0 else await open_piece(a, b)
        joiner.begin()
        async for data in stream:
            out = joiner.feed(data)
            if out:
                yield out
        out = joiner.end()
        if out:
            yield out
    if isinstance(joiner, JsonJoiner):
        yield joiner.close()


def filename(serial: str, first: str, last: str, fmt: str) -> str:
    """``AA00001_2026-08-01_2026-10-29.csv``: serial number and the (inclusive) local dates."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", serial) or "product"
    return f"{safe}_{first}_{last}.{fmt}"
