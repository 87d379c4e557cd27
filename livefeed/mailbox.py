"""A viewer's outbox: a few state messages at most, and one heartbeat.

Every state message carries the full merged state. A short queue (``LIVEFEED_VIEWER_QUEUE``,
default 16 messages, 1.6 s at 10 frames/s) rides out a busy moment of the event loop without
losing a frame; a viewer that falls further behind skips to the newest state: everything older
is dropped (and counted), since the newest one holds every value anyway. So a slow browser
costs a bounded amount of memory and never delays anybody else: the relay only ever calls the
non-blocking ``put``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from livefeed.metrics import METRICS


class Mailbox:
    def __init__(self, send: Callable[[str], Awaitable[None]], limit: int = 16) -> None:
        self._send = send
        self._limit = max(1, limit)
        self._states: deque[str] = deque()
        self._beat: str | None = None
        self._wake = asyncio.Event()

    def put(self, text: str) -> None:
        """Queue a state; when the queue is full, drop everything older than this one."""
        if len(self._states) >= self._limit:
            METRICS.frames_dropped_total += len(self._states)
            self._states.clear()
        self._states.append(text)
        self._wake.set()

    def put_heartbeat(self, text: str) -> None:
        self._beat = text
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._states) + (self._beat is not None)

    async def run(self) -> None:
        """Send until cancelled; run as the viewer's one writer task."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._states:
                await self._send(self._states.popleft())
                METRICS.frames_out_total += 1
            beat, self._beat = self._beat, None
            if beat is not None:
                await self._send(beat)
