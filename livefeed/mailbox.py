"""A viewer's outbox that holds at most one state message and one heartbeat.

Every state message carries the full merged state, so when a browser cannot keep up the only
thing worth sending is the newest one: a new state replaces an unsent one (counted as dropped)
instead of queueing behind it. A slow browser therefore costs one string of memory and never
delays anybody else, because the relay only ever calls the non-blocking ``put``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from livefeed.metrics import METRICS


class Mailbox:
    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self._send = send
        self._state: str | None = None
        self._beat: str | None = None
        self._wake = asyncio.Event()

    def put(self, text: str) -> None:
        """Replace the unsent state, if any, with a newer one."""
        if self._state is not None:
            METRICS.frames_dropped_total += 1
        self._state = text
        self._wake.set()

    def put_heartbeat(self, text: str) -> None:
        self._beat = text
        self._wake.set()

    @property
    def pending(self) -> int:
        return (self._state is not None) + (self._beat is not None)

    async def run(self) -> None:
        """Send until cancelled; run as the viewer's one writer task."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            state, self._state = self._state, None
            beat, self._beat = self._beat, None
            if state is not None:
                await self._send(state)
                METRICS.frames_out_total += 1
            if beat is not None:
                await self._send(beat)
